// drop-column: dropping a column that existed before this revision destroys
// its data, and running code that reads or writes it fails.
#include "lint/rule.h"

namespace retort::lint {
namespace {

class DropColumn final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_action<ast::DropColumn>(ctx.statement, [&](const ast::AlterTable& alter,
                                                        const ast::DropColumn& drop) {
      std::string table = alter.name.key();
      if (!ctx.existing_column(table, drop.column.text)) return;
      out.report(&ctx.statement, finding_span(ctx.statement, drop.span),
                 "dropping column " + column_label(table, drop.column.text) + " destroys its data");
    });
  }

 private:
  static constexpr RuleInfo kInfo{
      "drop-column",
      Level::error,
      "all",
      "a column that existed before this revision is dropped",
      "Dropping a column deletes its data in every row, and the application version still "
      "running during a deploy fails on every query that names it. A derived downgrade "
      "brings the column back without its data.",
      "deploy code that no longer reads the column first; then "
      "@allow(drop-column, 'reason') this statement",
      "alter table users drop column legacy_flag;",
      "@allow(drop-column, 'unused since 2.3, see TICKET-12')\n"
      "alter table users drop column legacy_flag;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_drop_column() {
  return std::make_unique<DropColumn>();
}

}  // namespace retort::lint
