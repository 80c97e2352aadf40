// index-not-concurrent: `create index` on a table that existed before this
// revision, without `concurrently`, blocks every write to it while the
// index is built.
#include "lint/rule.h"

namespace retort::lint {
namespace {

class IndexNotConcurrent final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    const auto* create = std::get_if<ast::CreateIndex>(&ctx.statement.node);
    if (create == nullptr || create->concurrently) return;
    std::string table = create->table.key();
    if (!ctx.before.find_table(table) || !ctx.existing_table(table)) return;
    // `if not exists` of an index that is there builds nothing.
    const Index* index = index_added_by(ctx, *create);
    if (index == nullptr) return;
    out.report(&ctx.statement, ctx.statement.span,
               "creating index " + quote_name(index->name) + " on " + quote_name(table) +
                   " without concurrently blocks writes while it builds");
  }

 private:
  static constexpr RuleInfo kInfo{
      "index-not-concurrent",
      Level::error,
      "postgresql",
      "`create index` on an existing table without `concurrently`",
      "A plain CREATE INDEX holds a SHARE lock on the table until the index is built: every "
      "insert, update and delete waits, for minutes on a large table. CREATE INDEX "
      "CONCURRENTLY builds it without blocking writes (it cannot run in a transaction; "
      "Retort places it outside the revision's transaction).",
      "create index concurrently (Retort places it outside the transaction)",
      "create index ix_users_email on users (email);",
      "create index concurrently ix_users_email on users (email);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_index_not_concurrent() {
  return std::make_unique<IndexNotConcurrent>();
}

}  // namespace retort::lint
