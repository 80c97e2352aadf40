// naming-convention (off by default): an index or constraint name the user
// wrote that is not the one `[naming]` would give it.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/overloaded.h"
#include "compiler/replay.h"
#include "lint/rule.h"

namespace retort::lint {
namespace {

/// An index or constraint that a statement named explicitly.
struct Named {
  std::string table;  ///< a constraint: key of its table
  const ast::Name* name = nullptr;
  bool index = false;  ///< an index, else a constraint
  std::string schema;  ///< an index: its schema
};

std::vector<Named> explicit_names(const ast::Statement& statement) {
  std::vector<Named> out;
  std::visit(Overloaded{
                 [&](const ast::CreateTable& s) {
                   for (const auto& c : s.constraints) {
                     // A server-named constraint's name is no one's choice.
                     if (c.name && !c.server_named)
                       out.push_back({s.name.key(), &*c.name, false, {}});
                   }
                 },
                 [&](const ast::AlterTable& s) {
                   for (const auto& action : s.actions) {
                     std::visit(
                         Overloaded{
                             [&](const ast::AddConstraint& a) {
                               if (a.constraint.name && !a.constraint.server_named) {
                                 out.push_back({s.name.key(), &*a.constraint.name, false, {}});
                               }
                             },
                             [&](const ast::AddConstraintUsingIndex& a) {
                               out.push_back({s.name.key(), &a.name, false, {}});
                             },
                             [&](const ast::RenameConstraint& a) {
                               out.push_back({s.name.key(), &a.new_name, false, {}});
                             },
                             [](const auto&) {},
                         },
                         action);
                   }
                 },
                 [&](const ast::CreateIndex& s) {
                   if (s.name) {
                     out.push_back({{}, &*s.name, true, std::string(schema_of(s.table.key()))});
                   }
                 },
                 [&](const ast::RenameIndex& s) {
                   out.push_back({{}, &s.new_name, true, std::string(schema_of(s.name.key()))});
                 },
                 [](const auto&) {},
             },
             statement.node);
  return out;
}

// The columns an index's name is made from, as replay names indexes: its
// key columns and the columns its key expressions read, in order, once each.
std::vector<std::string> index_name_columns(const Index& index) {
  std::vector<std::string> out;
  auto add = [&](const std::string& c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (const auto& k : index.keys) {
    if (!k.column.empty()) {
      add(k.column);
    } else if (k.expr) {
      for (const auto& c : ast::expr_columns(*k.expr)) add(c);
    }
  }
  return out;
}

const std::string& pattern_for(const NamingConvention& naming, ast::ConstraintKind kind) {
  switch (kind) {
    case ast::ConstraintKind::PrimaryKey:
      return naming.primary_key;
    case ast::ConstraintKind::Unique:
      return naming.unique;
    case ast::ConstraintKind::ForeignKey:
      return naming.foreign_key;
    case ast::ConstraintKind::Check:
      break;
  }
  return naming.check;
}

class NamingConventionRule final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    const ReplayOptions& options = ctx.revision.replay;
    for (const auto& n : explicit_names(ctx.statement)) {
      const Table* table = nullptr;
      std::string pattern;
      std::vector<std::string> columns;
      std::string ref_table;
      std::string kind;
      if (n.index) {
        IndexRef ref = ctx.after.find_index(qualify(n.schema, n.name->text));
        if (!ref) continue;
        table = ref.table;
        pattern = options.naming.index;
        columns = index_name_columns(*ref.index);
        kind = "index";
      } else {
        table = ctx.after.find_table(n.table);
        const Constraint* c = table ? table->find_constraint(n.name->text) : nullptr;
        if (c == nullptr) continue;
        pattern = pattern_for(options.naming, c->kind);
        if (c->kind == ast::ConstraintKind::Check) {
          if (c->check) columns = ast::expr_columns(*c->check);
        } else {
          columns = c->columns;
        }
        ref_table = std::string(name_of(c->ref_table));
        kind = std::string(constraint_noun(c->kind));
      }
      // The convention's name, and the one replay would make when that is
      // taken already (with `_2`, ...): either follows it.
      std::string wanted =
          apply_naming(pattern, table->name, columns, ref_table, options.max_name_bytes);
      if (n.name->text == wanted) continue;
      if (n.name->text == generate_name(ctx.before, pattern, *table, columns, ref_table, options)) {
        continue;
      }
      out.report(&ctx.statement, n.name->span,
                 fmt::format("{} name {} does not follow [naming]: expected {}", kind,
                             quote_name(n.name->text), quote_name(wanted)));
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "naming-convention",
      Level::off,
      "all",
      "an index or constraint name does not follow `[naming]`",
      "Names that follow one convention say what an object is and what it covers, and the "
      "names Retort makes up for unnamed objects follow `[naming]`: a hand-written name that "
      "does not stands out, and a reviewer cannot guess the name of an index from its "
      "columns.",
      "use the name [naming] gives (or leave the name out and let Retort make it)",
      "create index users_email_idx on users (email);",
      "create index ix_users_email on users (email);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_naming_convention() {
  return std::make_unique<NamingConventionRule>();
}

}  // namespace retort::lint
