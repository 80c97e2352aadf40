// drop-column-drops-index: dropping a column silently takes with it the
// indexes and constraints that use it, even those over other columns too.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rule.h"

namespace retort::lint {
namespace {

class DropColumnDropsIndex final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    // Constraints this statement drops by name go either way: not news.
    std::vector<std::string> dropped_by_name;
    for_each_action<ast::DropConstraint>(ctx.statement,
                                         [&](const ast::AlterTable&, const ast::DropConstraint& d) {
                                           dropped_by_name.push_back(d.name.text);
                                         });
    for_each_action<ast::DropColumn>(ctx.statement, [&](const ast::AlterTable& alter,
                                                        const ast::DropColumn& drop) {
      std::string key = alter.name.key();
      const std::string& column = drop.column.text;
      // A column made in this revision has no index that production relies on.
      if (!ctx.existing_column(key, column)) return;
      const Table* table = ctx.before.find_table(key);
      if (table == nullptr) return;
      std::vector<std::string> uses = table->objects_using_column(column);
      std::vector<std::string> gone;
      auto keep = [&](const std::string& name) {
        return std::find(dropped_by_name.begin(), dropped_by_name.end(), name) ==
               dropped_by_name.end();
      };
      for (const auto& c : table->constraints) {
        bool self_reference =
            c.kind == ast::ConstraintKind::ForeignKey && c.ref_table == key &&
            std::find(c.ref_columns.begin(), c.ref_columns.end(), column) != c.ref_columns.end();
        bool used = std::find(uses.begin(), uses.end(), c.name) != uses.end();
        if ((used || self_reference) && keep(c.name)) {
          gone.push_back(fmt::format("{} {}", constraint_noun(c.kind), quote_name(c.name)));
        }
      }
      for (const auto& i : table->indexes) {
        if (std::find(uses.begin(), uses.end(), i.name) != uses.end()) {
          gone.push_back(
              fmt::format("{} {}", i.unique ? "unique index" : "index", quote_name(i.name)));
        }
      }
      // With `cascade`, foreign keys of other tables that reference the column go too.
      if (drop.cascade) {
        for (const auto& ref : ctx.before.foreign_keys_to(key)) {
          if (ref.table->key == key) continue;
          const auto& cols = ref.constraint->ref_columns;
          if (std::find(cols.begin(), cols.end(), column) == cols.end()) continue;
          gone.push_back(fmt::format("foreign key {} of table {}", quote_name(ref.constraint->name),
                                     quote_name(ref.table->key)));
        }
      }
      if (gone.empty()) return;
      out.report(&ctx.statement, finding_span(ctx.statement, drop.span),
                 fmt::format("dropping column {} also drops {}", column_label(key, column),
                             join_and(gone)));
    });
  }

 private:
  static constexpr RuleInfo kInfo{
      "drop-column-drops-index",
      Level::info,
      "all",
      "dropping a column also drops indexes or constraints that use it; the message names "
      "them",
      "An index or constraint that uses a dropped column goes with it, even when it also "
      "covers other columns: an index on (tenant_id, email) disappears when email is dropped, "
      "and queries on tenant_id lose it; a unique or check constraint stops being enforced. "
      "Nothing in the statement says so.",
      "drop them explicitly first, so the revision says what it removes, and recreate the "
      "ones still needed over the remaining columns",
      "create index ix_users_tenant_email on users (tenant_id, email);\n"
      "-- later revision\n"
      "alter table users drop column email;",
      "drop index ix_users_tenant_email;\n"
      "alter table users drop column email;\n"
      "create index ix_users_tenant_id on users (tenant_id);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_drop_column_drops_index() {
  return std::make_unique<DropColumnDropsIndex>();
}

}  // namespace retort::lint
