// drop-schema: dropping a schema that existed before this revision. Retort
// only lets an empty schema go (as it sees it), but what `execute` made in it
// (functions, sequences, grants) goes too, and on MySQL the schema is a
// database.
#include "lint/rule.h"

namespace retort::lint {
namespace {

class DropSchema final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    const auto* drop = std::get_if<ast::DropSchema>(&ctx.statement.node);
    if (drop == nullptr) return;
    const std::string& schema = drop->name.text;
    // A schema created in this same revision holds nothing anyone relies on.
    if (ctx.revision.statement_that_made(
            [&](const SchemaModel& s) { return s.has_schema(schema); }) != nullptr) {
      return;
    }
    out.report(&ctx.statement, ctx.statement.span,
               "dropping schema " + quote_name(schema) + " destroys everything in it");
  }

 private:
  static constexpr RuleInfo kInfo{
      "drop-schema",
      Level::error,
      "all",
      "a schema is dropped",
      "Retort lets only a schema that holds none of its tables, views and enums be dropped, "
      "but the schema may still hold what Retort cannot see: functions, sequences, types and "
      "grants made by `execute`, or tables made outside the migrations. On MySQL and MariaDB "
      "a schema is a database, and `DROP DATABASE` deletes everything in it. Code that names "
      "the schema fails once it is gone.",
      "check that nothing outside the migrations lives in the schema and nothing uses it; "
      "then drop it with @allow(drop-schema, 'reason')",
      "drop schema archive;",
      "@allow(drop-schema, 'emptied in 3.1, nothing reads it: TICKET-40')\n"
      "drop schema archive;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_drop_schema() {
  return std::make_unique<DropSchema>();
}

}  // namespace retort::lint
