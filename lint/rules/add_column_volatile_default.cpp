// add-column-volatile-default: a column added to a table that existed before
// this revision with a default PostgreSQL must compute row by row (or, before
// PostgreSQL 11, with any default) rewrites the whole table under an
// exclusive lock.
#include <fmt/format.h>

#include "compiler/config.h"
#include "lint/rule.h"

namespace retort::lint {
namespace {

// True when PostgreSQL 11+ can store `e` once as the column's value for
// every existing row: constants, operators on constants, casts, `now()`,
// `current_timestamp` and `current_date` (stable: evaluated once). Function
// calls and `sql(...)` bodies Retort cannot see into count as volatile.
bool computed_once(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::String:
    case ast::ExprKind::Number:
    case ast::ExprKind::Boolean:
    case ast::ExprKind::Null:
    case ast::ExprKind::Keyword:
      return true;
    case ast::ExprKind::Call:
      return e.text == "now" && e.args.empty();
    case ast::ExprKind::Unary:
    case ast::ExprKind::Binary:
    case ast::ExprKind::IsNull:
    case ast::ExprKind::In:
    case ast::ExprKind::Like:
    case ast::ExprKind::Between:
    case ast::ExprKind::Cast:
    case ast::ExprKind::Paren:
      for (const auto& arg : e.args) {
        if (arg && !computed_once(*arg)) return false;
      }
      return true;
    case ast::ExprKind::Column:
    case ast::ExprKind::Raw:
      return false;
  }
  return false;
}

// True for `default null` (in parentheses or cast): no value to store.
bool is_null(const ast::Expr& e) {
  if ((e.kind == ast::ExprKind::Paren || e.kind == ast::ExprKind::Cast) && !e.args.empty() &&
      e.args[0]) {
    return is_null(*e.args[0]);
  }
  return e.kind == ast::ExprKind::Null;
}

std::string shown(const ast::Expr& e) {
  std::string text = ast::expr_to_string(e);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

class AddColumnVolatileDefault final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    // The oldest PostgreSQL target before 11, which rewrites for any default.
    const Target* old = nullptr;
    for (const auto& t : ctx.revision.targets) {
      if (compare_versions(t.version, "11") < 0 &&
          (old == nullptr || compare_versions(t.version, old->version) < 0)) {
        old = &t;
      }
    }
    for_each_action<ast::AddColumn>(ctx.statement, [&](const ast::AlterTable& alter,
                                                       const ast::AddColumn& add) {
      std::string table = alter.name.key();
      if (!ctx.existing_table(table)) return;
      const ast::ColumnDef& column = add.column;
      std::string label = column_label(table, column.name.text);
      const SourceSpan& span = finding_span(ctx.statement, add.span);
      if (column.identity) {
        out.report(&ctx.statement, span,
                   fmt::format("adding identity column {} rewrites {} to number every row", label,
                               quote_name(table)),
                   "an identity column is numbered row by row: add a plain column and fill it "
                   "in batches, or add this when the table is quiet");
        return;
      }
      if (!column.default_value || is_null(*column.default_value)) return;
      const ast::Expr& value = *column.default_value;
      if (!computed_once(value)) {
        out.report(&ctx.statement, span,
                   fmt::format("adding column {} with volatile default {} rewrites {}", label,
                               shown(value), quote_name(table)));
      } else if (old != nullptr) {
        out.report(&ctx.statement, span,
                   fmt::format("adding column {} with a default rewrites {} on {} {}", label,
                               quote_name(table), old->dialect, old->version),
                   "before PostgreSQL 11 any default rewrites the table: add the column without "
                   "default, set the default, backfill in batches");
      }
    });
  }

 private:
  static constexpr RuleInfo kInfo{
      "add-column-volatile-default",
      Level::warning,
      "postgresql",
      "a column is added to an existing table with a volatile default (`gen_uuid()`, "
      "`random()`, anything but constants, `now()`, `current_timestamp`), or with any "
      "default before PG 11",
      "PostgreSQL 11 and later store a constant default once, so adding such a column is "
      "instant. A volatile default (a value per row) makes PostgreSQL rewrite the whole table "
      "under an ACCESS EXCLUSIVE lock, blocking every read and write until it ends; before "
      "PostgreSQL 11 every non-null default does.",
      "add it without default, set the default, backfill in batches",
      "alter table users add column token uuid default gen_uuid();",
      "alter table users add column token uuid;\n"
      "alter table users alter column token set default gen_uuid();\n"
      "-- then backfill the existing rows in batches",
  };
};

}  // namespace

std::unique_ptr<Rule> make_add_column_volatile_default() {
  return std::make_unique<AddColumnVolatileDefault>();
}

}  // namespace retort::lint
