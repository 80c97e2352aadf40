// rename-table: renaming a table that existed before this revision breaks the
// code still running with the old name during a deploy.
#include "lint/rule.h"

namespace retort::lint {
namespace {

class RenameTable final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    const auto* rename = std::get_if<ast::RenameTable>(&ctx.statement.node);
    if (rename == nullptr) return;
    std::string table = rename->name.key();
    if (name_of(table) == rename->new_name.text || !ctx.existing_table(table)) return;
    out.report(&ctx.statement, ctx.statement.span,
               "renaming table " + quote_name(table) + " to " + quote_name(rename->new_name.text) +
                   " breaks code that uses the old name");
  }

 private:
  static constexpr RuleInfo kInfo{
      "rename-table",
      Level::warning,
      "all",
      "an existing table is renamed",
      "A rename takes effect at once, but the application version running during the deploy "
      "still queries the old name, and every such query fails until the new version is out. "
      "Views, reports and other services that use the table break too.",
      "running code still uses the old name: create the new table, write both, backfill, "
      "switch, drop the old one; or leave a view with the old name",
      "alter table customers rename to clients;",
      "create table clients (id bigint primary key, name text not null);\n"
      "-- deploy code that writes both and reads clients, backfill, then drop customers",
  };
};

}  // namespace

std::unique_ptr<Rule> make_rename_table() {
  return std::make_unique<RenameTable>();
}

}  // namespace retort::lint
