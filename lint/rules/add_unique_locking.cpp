// add-unique-locking: a unique or primary key constraint added to a table
// that existed before this revision builds its index under a lock that
// blocks reads and writes.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

bool keyed(ast::ConstraintKind kind) {
  return kind == ast::ConstraintKind::Unique || kind == ast::ConstraintKind::PrimaryKey;
}

// `create unique index concurrently NAME on TABLE (COLUMNS)`
std::string build_index(const Constraint& c, const std::string& table,
                        const std::vector<std::string>& columns) {
  return fmt::format("`create unique index concurrently {} on {} ({})`", c.name, table,
                     fmt::join(columns, ", "));
}

// `add constraint NAME unique using index NAME`
std::string adopt(const Constraint& c) {
  return fmt::format("`add constraint {} {} using index {}`", c.name,
                     ast::constraint_kind_name(c.kind), c.name);
}

class AddUniqueLocking final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    const auto* alter = std::get_if<ast::AlterTable>(&ctx.statement.node);
    if (alter == nullptr) return;
    std::string table = alter->name.key();
    if (!ctx.existing_table(table)) return;
    for (const auto& action : alter->actions) {
      // `add constraint ... using index` adopts an index built concurrently: clean.
      if (const auto* add = std::get_if<ast::AddConstraint>(&action)) {
        if (!keyed(add->constraint.kind)) continue;
        const Constraint* c = constraint_added_by(ctx, table, add->constraint);
        if (c == nullptr) continue;
        out.report(
            &ctx.statement, finding_span(ctx.statement, add->span),
            fmt::format("adding {} {} to {} builds its index while the table is locked",
                        ast::constraint_kind_name(c->kind), quote_name(c->name), quote_name(table)),
            fmt::format("{}, then {}", build_index(*c, table, c->columns), adopt(*c)));
      } else if (const auto* add_column = std::get_if<ast::AddColumn>(&action)) {
        for (const Constraint* c : constraints_added_by(ctx, table, add_column->column)) {
          if (!keyed(c->kind)) continue;
          out.report(&ctx.statement, finding_span(ctx.statement, add_column->span),
                     fmt::format("adding column {} as {} builds its index while {} is locked",
                                 column_label(table, add_column->column.name.text),
                                 ast::constraint_kind_name(c->kind), quote_name(table)),
                     fmt::format("add the column without {}, then {} and {}",
                                 ast::constraint_kind_name(c->kind),
                                 build_index(*c, table, c->columns), adopt(*c)));
        }
      }
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "add-unique-locking",
      Level::warning,
      "postgresql",
      "a unique or primary key constraint is added to an existing table",
      "A unique or primary key constraint is backed by an index, and adding the constraint "
      "builds that index while holding an ACCESS EXCLUSIVE lock on the table: no query reads "
      "or writes it until the build ends. Building the unique index concurrently first and "
      "then adopting it as the constraint takes the lock only for a moment.",
      "create unique index concurrently, then add constraint ... unique using index",
      "alter table users add constraint uq_users_email unique (email);",
      "create unique index concurrently uq_users_email on users (email);\n"
      "alter table users add constraint uq_users_email unique using index uq_users_email;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_add_unique_locking() {
  return std::make_unique<AddUniqueLocking>();
}

}  // namespace retort::lint
