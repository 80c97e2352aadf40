// rename-column: renaming a column that existed before this revision breaks
// the code still running with the old name during a deploy.
#include "lint/rule.h"

namespace retort::lint {
namespace {

class RenameColumn final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_action<ast::RenameColumn>(
        ctx.statement, [&](const ast::AlterTable& alter, const ast::RenameColumn& rename) {
          std::string table = alter.name.key();
          const std::string& column = rename.column.text;
          if (column == rename.new_name.text) return;
          // Added earlier in this revision (or in this very statement): no code uses it yet.
          if (!ctx.before.find_column(table, column) || !ctx.existing_column(table, column)) return;
          out.report(&ctx.statement, finding_span(ctx.statement, rename.span),
                     "renaming column " + column_label(table, column) + " to " +
                         quote_name(rename.new_name.text) + " breaks code that uses the old name");
        });
  }

 private:
  static constexpr RuleInfo kInfo{
      "rename-column",
      Level::warning,
      "all",
      "a column that existed before this revision is renamed",
      "A rename takes effect at once, but the application version running during the deploy "
      "still reads and writes the old name, and fails on every query that names it until the "
      "new version is out. Views, reports and other services that use the column break too.",
      "running code still uses the old name: add the new column, write both, backfill, switch "
      "reads, then drop the old one",
      "alter table users rename column email to email_address;",
      "alter table users add column email_address string(200);\n"
      "-- deploy code that writes both and reads email_address, backfill, then drop email",
  };
};

}  // namespace

std::unique_ptr<Rule> make_rename_column() {
  return std::make_unique<RenameColumn>();
}

}  // namespace retort::lint
