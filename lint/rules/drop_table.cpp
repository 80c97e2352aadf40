// drop-table: dropping a table that existed before this revision destroys
// its rows, and code still running against it fails.
#include "lint/rule.h"

namespace retort::lint {
namespace {

class DropTable final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    const auto* drop = std::get_if<ast::DropTable>(&ctx.statement.node);
    if (drop == nullptr) return;
    std::string table = drop->name.key();
    // `if exists` of a table that is not there drops nothing.
    if (!ctx.before.find_table(table) || !ctx.existing_table(table)) return;
    out.report(&ctx.statement, ctx.statement.span,
               "dropping table " + quote_name(table) + " destroys its data");
  }

 private:
  static constexpr RuleInfo kInfo{
      "drop-table",
      Level::error,
      "all",
      "an existing table is dropped",
      "Dropping a table deletes every row in it, and code that still reads or writes the "
      "table fails as soon as the drop commits. A derived downgrade brings the table back "
      "empty.",
      "stop using the table in code and deploy; back it up; then drop it with "
      "@allow(drop-table, 'reason')",
      "drop table legacy_sessions;",
      "@allow(drop-table, 'unused since 2.3, backed up in TICKET-12')\n"
      "drop table legacy_sessions;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_drop_table() {
  return std::make_unique<DropTable>();
}

}  // namespace retort::lint
