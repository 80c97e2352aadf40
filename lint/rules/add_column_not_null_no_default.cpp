// add-column-not-null-no-default: a `not null` column without a default added
// to a table that existed before this revision, and so may hold rows.
#include "lint/rule.h"

namespace retort::lint {
namespace {

class AddColumnNotNullNoDefault final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_action<ast::AddColumn>(ctx.statement, [&](const ast::AlterTable& alter,
                                                       const ast::AddColumn& add) {
      std::string table = alter.name.key();
      if (!ctx.existing_table(table)) return;
      const ast::ColumnDef& column = add.column;
      // A primary key column is not null too; an identity column fills itself.
      bool not_null = column.not_null.value_or(false) || column.primary_key;
      // `default null` is no default.
      bool has_default = column.default_value && column.default_value->kind != ast::ExprKind::Null;
      if (!not_null || has_default || column.identity) return;
      out.report(&ctx.statement, finding_span(ctx.statement, add.span),
                 "adding not null column " + column_label(table, column.name.text) +
                     " without a default fails when " + quote_name(table) + " has rows");
    });
  }

 private:
  static constexpr RuleInfo kInfo{
      "add-column-not-null-no-default",
      Level::error,
      "all",
      "a `not null` column without a default is added to an existing table",
      "The existing rows have no value for the new column. PostgreSQL and SQLite refuse the "
      "statement as soon as the table holds a row, so the migration passes on an empty "
      "development database and fails in production; MySQL and MariaDB instead fill the "
      "column with zero values (0, '', '0000-00-00') that look like real data.",
      "fails on PostgreSQL/SQLite when rows exist, and MySQL silently writes zero values: add "
      "it nullable, backfill, then set not null",
      "alter table users add column country string(2) not null;",
      "alter table users add column country string(2);\n"
      "-- backfill in a data revision, then in a later one:\n"
      "alter table users alter column country set not null;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_add_column_not_null_no_default() {
  return std::make_unique<AddColumnNotNullNoDefault>();
}

}  // namespace retort::lint
