// unique-may-fail: a unique index, unique constraint or primary key added over
// columns that existed before this revision, whose rows may already hold
// duplicates.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rule.h"

namespace retort::lint {
namespace {

bool subset(const std::vector<std::string>& part, const std::vector<std::string>& whole) {
  return std::all_of(part.begin(), part.end(), [&](const std::string& c) {
    return std::find(whole.begin(), whole.end(), c) != whole.end();
  });
}

// True when a key of `table` already makes `columns` unique: a primary key,
// unique constraint or full unique index over some of them.
bool already_unique(const Table& table, const std::vector<std::string>& columns) {
  for (const auto& c : table.constraints) {
    if ((c.kind == ast::ConstraintKind::PrimaryKey || c.kind == ast::ConstraintKind::Unique) &&
        subset(c.columns, columns)) {
      return true;
    }
  }
  for (const auto& i : table.indexes) {
    if (!i.unique || i.where || !i.plain_columns()) continue;
    std::vector<std::string> keys;
    for (const auto& k : i.keys) keys.push_back(k.column);
    if (subset(keys, columns)) return true;
  }
  return false;
}

class UniqueMayFail final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    if (const auto* create = std::get_if<ast::CreateIndex>(&ctx.statement.node)) {
      if (create->unique) check_index(ctx, *create, out);
      return;
    }
    for_each_action<ast::AddConstraint>(
        ctx.statement, [&](const ast::AlterTable& alter, const ast::AddConstraint& add) {
          check_constraint(ctx, alter.name.key(), add, out);
        });
  }

 private:
  // True when every column existed before this revision (and before this statement).
  static bool all_existing(const StatementContext& ctx, const std::string& table,
                           const std::vector<std::string>& columns) {
    return !columns.empty() && std::all_of(columns.begin(), columns.end(), [&](const auto& c) {
      return ctx.before.find_column(table, c) && ctx.existing_column(table, c);
    });
  }

  // `select a, b, count(*) from t group by a, b having count(*) > 1`: what finds the
  // duplicates (`where` for a partial index).
  static std::string help_for(const std::string& table, const std::vector<std::string>& keys,
                              const ast::Expr* where = nullptr) {
    std::string list = fmt::format("{}", fmt::join(keys, ", "));
    std::string filter = where ? " where " + ast::expr_to_string(*where) : std::string();
    return fmt::format(
        "fails if duplicates exist: check first with `select {}, count(*) from {}{} group by {} "
        "having count(*) > 1`",
        list, table, filter, list);
  }

  void check_index(const StatementContext& ctx, const ast::CreateIndex& create,
                   Findings& out) const {
    std::string table = create.table.key();
    if (!ctx.existing_table(table)) return;
    const Table* before = ctx.before.find_table(table);
    // The index this statement made (none: `if not exists` found one).
    const Index* made = index_added_by(ctx, create);
    if (before == nullptr || made == nullptr) return;
    std::vector<std::string> read;   // every column a key reads
    std::vector<std::string> shown;  // the keys as written, for the message
    for (const auto& k : made->keys) {
      if (k.expr) {
        for (auto& c : ast::expr_columns(*k.expr)) read.push_back(std::move(c));
        shown.push_back(ast::expr_to_string(*k.expr));
      } else {
        read.push_back(k.column);
        shown.push_back(k.column);
      }
    }
    if (!all_existing(ctx, table, read)) return;
    // (Rows a partial index holds are some of the rows: a key unique over them all will do.)
    if (made->plain_columns() && already_unique(*before, read)) return;
    out.report(&ctx.statement, ctx.statement.span,
               fmt::format("unique index {} on {} ({}) fails if existing rows hold duplicates",
                           quote_name(made->name), quote_name(table), fmt::join(shown, ", ")),
               help_for(table, shown, made->where.get()));
  }

  void check_constraint(const StatementContext& ctx, const std::string& table,
                        const ast::AddConstraint& add, Findings& out) const {
    const ast::TableConstraint& tc = add.constraint;
    bool primary = tc.kind == ast::ConstraintKind::PrimaryKey;
    if (!primary && tc.kind != ast::ConstraintKind::Unique) return;
    if (!ctx.existing_table(table)) return;
    const Table* before = ctx.before.find_table(table);
    const Constraint* made = constraint_added_by(ctx, table, tc);
    if (before == nullptr || made == nullptr) return;
    std::vector<std::string> columns;
    for (const auto& n : tc.columns) columns.push_back(n.text);
    if (!all_existing(ctx, table, columns)) return;
    // (A primary key's columns are already not null: replay refuses it otherwise.)
    if (already_unique(*before, columns)) return;
    out.report(&ctx.statement, finding_span(ctx.statement, add.span),
               fmt::format("{} {} on {} ({}) fails if existing rows hold duplicates",
                           primary ? "primary key" : "unique constraint", quote_name(made->name),
                           quote_name(table), fmt::join(columns, ", ")),
               help_for(table, columns));
  }

  static constexpr RuleInfo kInfo{
      "unique-may-fail",
      Level::info,
      "all",
      "a unique index or constraint is added over existing columns",
      "Rows written before this revision were never checked for uniqueness over these columns. "
      "If two of them are equal the statement fails in production, after it passed on a "
      "development database with clean data, and the rest of the revision does not run (or, "
      "without transactional DDL, runs half way).",
      "fails if duplicates exist: check first",
      "create unique index concurrently ux_users_email on users (email);",
      "-- checked: `select email, count(*) from users group by email having count(*) > 1`\n"
      "-- returns no rows, and the application has refused duplicates since 2.4\n"
      "@allow(unique-may-fail, 'no duplicates, see TICKET-51')\n"
      "create unique index concurrently ux_users_email on users (email);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_unique_may_fail() {
  return std::make_unique<UniqueMayFail>();
}

}  // namespace retort::lint
