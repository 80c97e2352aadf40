// foreign-key-without-index: at the end of a revision, a foreign key whose
// columns lead no index. Reported once, where the state was made.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rule.h"

namespace retort::lint {
namespace {

// True when `table` has the foreign key `fk` and no index leads with its columns.
bool uncovered(const SchemaModel& schema, const std::string& table, const std::string& fk) {
  const Table* t = schema.find_table(table);
  if (t == nullptr) return false;
  const Constraint* c = t->find_constraint(fk);
  return c != nullptr && c->kind == ast::ConstraintKind::ForeignKey &&
         !t->has_index_leading_with(c->columns);
}

class ForeignKeyWithoutIndex final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_revision(const RevisionContext& ctx, Findings& out) const override {
    for (const auto& key : touched_tables(ctx)) {
      const Table* table = ctx.after.find_table(key);
      for (const auto& c : table->constraints) {
        if (!uncovered(ctx.after, key, c.name)) continue;
        // Already uncovered at the start (under its key then): reported
        // where that was made.
        std::vector<std::string> keys = table_keys_during(ctx, key);
        if (uncovered(ctx.before, keys.back(), c.name)) continue;
        const ast::Statement* made = ctx.statement_that_made([&](const SchemaModel& s) {
          return std::any_of(keys.begin(), keys.end(),
                             [&](const std::string& k) { return uncovered(s, k, c.name); });
        });
        std::string columns = fmt::format("{}", fmt::join(c.columns, ", "));
        out.report(made, made ? made->span : ctx.revision.header.id.span,
                   fmt::format("foreign key \"{}\" on {} ({}) has no index", c.name,
                               quote_name(key), columns),
                   fmt::format("create index on {} ({}): deletes and updates in \"{}\" scan "
                               "\"{}\" otherwise",
                               key, columns, c.ref_table, key));
      }
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "foreign-key-without-index",
      Level::warning,
      "postgresql,sqlite,mssql,oracle",
      "at the end of a revision, a foreign key's columns are not the leading columns of any "
      "index (MySQL makes one itself)",
      "Every delete or key update in the referenced table looks up the referencing rows. "
      "Without an index whose leading columns are the foreign key's, each lookup scans the "
      "whole referencing table, under a lock.",
      "index the referencing columns: deletes and updates of the parent scan the child "
      "otherwise",
      "create table orders (\n  id bigint primary key,\n  user_id bigint references users,\n);",
      "create table orders (\n  id bigint primary key,\n  user_id bigint references users,\n);\n"
      "create index ix_orders_user_id on orders (user_id);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_foreign_key_without_index() {
  return std::make_unique<ForeignKeyWithoutIndex>();
}

}  // namespace retort::lint
