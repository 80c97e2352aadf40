// set-not-null-scan: `set not null` on a column of a table that existed
// before this revision scans the whole table under an exclusive lock,
// unless a validated `check (c is not null)` already proves it (PG 12+).
#include <fmt/format.h>

#include "compiler/config.h"
#include "lint/rule.h"

namespace retort::lint {
namespace {

// True when `e` proves `column is not null`: that test itself, in
// parentheses, or one side of an `and`.
bool proves_not_null(const ast::Expr& e, std::string_view column) {
  switch (e.kind) {
    case ast::ExprKind::Paren:
      return !e.args.empty() && e.args[0] && proves_not_null(*e.args[0], column);
    case ast::ExprKind::Binary:
      if (e.op != "and") return false;
      for (const auto& arg : e.args) {
        if (arg && proves_not_null(*arg, column)) return true;
      }
      return false;
    case ast::ExprKind::IsNull: {
      if (!e.negated || e.args.empty() || !e.args[0]) return false;
      const ast::Expr* operand = e.args[0].get();
      while (operand->kind == ast::ExprKind::Paren && !operand->args.empty() && operand->args[0])
        operand = operand->args[0].get();
      return operand->kind == ast::ExprKind::Column && !operand->names.empty() &&
             operand->names.back().text == column;
    }
    default:
      return false;
  }
}

// The check of `table` (validated or not, as asked) that proves `column`
// is not null, or null.
const Constraint* proving_check(const Table& table, std::string_view column, bool validated) {
  for (const auto& c : table.constraints) {
    if (c.kind == ast::ConstraintKind::Check && c.validated == validated && c.check &&
        proves_not_null(*c.check, column)) {
      return &c;
    }
  }
  return nullptr;
}

class SetNotNullScan final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_action<ast::SetNotNull>(ctx.statement, [&](const ast::AlterTable& alter,
                                                        const ast::SetNotNull& set) {
      std::string table = alter.name.key();
      if (!ctx.existing_table(table)) return;
      const Table* t = ctx.before.find_table(table);
      const Column* column = t ? t->find_column(set.column.text) : nullptr;
      // Already not null: PostgreSQL does nothing.
      if (column == nullptr || !column->nullable) return;
      std::string label = column_label(table, set.column.text);
      const SourceSpan& span = finding_span(ctx.statement, set.span);
      const Constraint* check = proving_check(*t, set.column.text, true);
      if (check == nullptr) {
        const Constraint* pending = proving_check(*t, set.column.text, false);
        out.report(
            &ctx.statement, span,
            fmt::format("set not null on {} scans the whole table under an exclusive lock", label),
            pending != nullptr
                ? fmt::format("check {} is not validated yet: validate it in a later revision, "
                              "then set not null (PG 12+ skips the scan)",
                              quote_name(pending->name))
                : fmt::format("add `check ({} is not null) not valid`, validate it in a later "
                              "revision, then set not null (PG 12+ skips the scan)",
                              set.column.text));
        return;
      }
      // Only PostgreSQL 12 and later use the check to skip the scan.
      for (const auto& target : ctx.revision.targets) {
        if (compare_versions(target.version, "12") >= 0) continue;
        out.report(
            &ctx.statement, span,
            fmt::format("set not null on {} scans the whole table under an exclusive lock on "
                        "{} {}, despite check {}",
                        label, target.dialect, target.version, quote_name(check->name)),
            "PostgreSQL before 12 always scans: keep the validated check instead of not null, "
            "or run this when the table is quiet");
        return;
      }
    });
  }

 private:
  static constexpr RuleInfo kInfo{
      "set-not-null-scan",
      Level::warning,
      "postgresql",
      "`set not null` on an existing column with no validated `check (c is not null)`",
      "SET NOT NULL reads every row to prove that none is null, holding an ACCESS EXCLUSIVE "
      "lock that blocks every read and write of the table meanwhile. From PostgreSQL 12 on, "
      "a validated check constraint `c is not null` is proof enough and the scan is skipped; "
      "such a check can be added `not valid` and validated without blocking.",
      "add `check (c is not null)` `not valid`, validate it, then set not null (PG 12+ skips "
      "the scan)",
      "alter table users alter column email set not null;",
      "alter table users add constraint ck_users_email_not_null\n"
      "  check (email is not null) not valid;\n"
      "-- in a later revision:\n"
      "alter table users validate constraint ck_users_email_not_null;\n"
      "alter table users alter column email set not null;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_set_not_null_scan() {
  return std::make_unique<SetNotNullScan>();
}

}  // namespace retort::lint
