// drop-index-not-concurrent: `drop index` of an index on a table that
// existed before this revision, without `concurrently`, locks the table.
#include "lint/rule.h"

namespace retort::lint {
namespace {

class DropIndexNotConcurrent final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    const auto* drop = std::get_if<ast::DropIndex>(&ctx.statement.node);
    if (drop == nullptr || drop->concurrently) return;
    // `if exists` of an index that is not there drops nothing.
    IndexRef ref = ctx.before.find_index(drop->name.key());
    if (!ref || !ctx.existing_table(ref.table->key)) return;
    out.report(&ctx.statement, ctx.statement.span,
               "dropping index " + quote_name(ref.index->name) + " on " +
                   quote_name(ref.table->key) + " without concurrently blocks reads and writes");
  }

 private:
  static constexpr RuleInfo kInfo{
      "drop-index-not-concurrent",
      Level::warning,
      "postgresql",
      "`drop index` of an index on an existing table without `concurrently`",
      "A plain DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. While it waits "
      "for running queries to finish, every new query on the table queues behind it. DROP "
      "INDEX CONCURRENTLY waits without blocking them (it cannot run in a transaction; "
      "Retort places it outside the revision's transaction).",
      "drop index concurrently",
      "drop index ix_users_legacy;",
      "drop index concurrently ix_users_legacy;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_drop_index_not_concurrent() {
  return std::make_unique<DropIndexNotConcurrent>();
}

}  // namespace retort::lint
