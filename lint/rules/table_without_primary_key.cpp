// table-without-primary-key: at the end of a revision, a table has no
// primary key. Reported once, where the state was made (the table was
// created without one, or its primary key was dropped).
#include <fmt/format.h>

#include <algorithm>

#include "compiler/overloaded.h"
#include "lint/rule.h"

namespace retort::lint {
namespace {

bool lacks_key(const SchemaModel& schema, const std::string& table) {
  const Table* t = schema.find_table(table);
  return t != nullptr && t->primary_key() == nullptr;
}

class TableWithoutPrimaryKey final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_revision(const RevisionContext& ctx, Findings& out) const override {
    for (const auto& key : touched_tables(ctx)) {
      if (!lacks_key(ctx.after, key)) continue;
      std::vector<std::string> names = table_keys_during(ctx, key);
      // Already without one at the start: reported where that was made.
      if (lacks_key(ctx.before, names.back())) continue;
      const ast::Statement* made = ctx.statement_that_made([&](const SchemaModel& s) {
        return std::any_of(names.begin(), names.end(),
                           [&](const std::string& n) { return lacks_key(s, n); });
      });
      out.report(made, made ? made->span : ctx.revision.header.id.span,
                 fmt::format("table {} has no primary key", quote_name(key)));
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "table-without-primary-key",
      Level::warning,
      "all",
      "a table has no primary key at the end of a revision",
      "Without a primary key, rows cannot be told apart: a duplicate cannot be deleted alone, "
      "ORMs cannot update one row, PostgreSQL logical replication refuses updates and deletes "
      "on the table, MySQL group replication refuses it, and InnoDB clusters it by a hidden "
      "key no query can use.",
      "add a primary key (a bigint identity column, or the natural key's columns)",
      "create table page_views (\n  path text not null,\n  viewed_at timestamptz not null,\n);",
      "create table page_views (\n  id bigint primary key identity,\n  path text not null,\n"
      "  viewed_at timestamptz not null,\n);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_table_without_primary_key() {
  return std::make_unique<TableWithoutPrimaryKey>();
}

}  // namespace retort::lint
