// drop-not-null: making a column that existed before this revision nullable;
// code that reads it may assume it never is.
#include "lint/rule.h"

namespace retort::lint {
namespace {

class DropNotNull final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_action<ast::DropNotNull>(
        ctx.statement, [&](const ast::AlterTable& alter, const ast::DropNotNull& drop) {
          std::string table = alter.name.key();
          const Column* column = ctx.before.find_column(table, drop.column.text);
          // Already nullable: the statement changes nothing.
          if (column == nullptr || column->nullable) return;
          if (!ctx.existing_column(table, drop.column.text)) return;
          out.report(&ctx.statement, finding_span(ctx.statement, drop.span),
                     "dropping not null on " + column_label(table, drop.column.text) +
                         " lets it hold nulls that readers may not expect");
        });
  }

 private:
  static constexpr RuleInfo kInfo{
      "drop-not-null",
      Level::info,
      "all",
      "`drop not null` on an existing column",
      "Code, reports and other services that read the column were written when it could not "
      "be null. Once rows with nulls appear they may crash, or quietly drop those rows from "
      "comparisons, joins and sums.",
      "readers may assume non-null: make sure every reader handles null, then "
      "@allow(drop-not-null, 'reason')",
      "alter table users alter column phone drop not null;",
      "@allow(drop-not-null, 'phone is optional since 4.0; readers handle null')\n"
      "alter table users alter column phone drop not null;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_drop_not_null() {
  return std::make_unique<DropNotNull>();
}

}  // namespace retort::lint
