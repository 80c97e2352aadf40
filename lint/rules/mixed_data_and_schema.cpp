// mixed-data-and-schema: an `execute` (a data migration, or SQL the
// compiler cannot see into) in the same revision as schema changes.
//
// `insert` does not count either way: it writes literal seed and lookup
// rows, which belong with the table they fill (and its derived downgrade
// deletes them again); it is neither a data migration nor a schema change.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

bool is_data(const ast::Statement& s) {
  return std::holds_alternative<ast::Execute>(s.node);
}

bool is_schema(const ast::Statement& s) {
  return !is_data(s) && !std::holds_alternative<ast::Insert>(s.node) &&
         !std::holds_alternative<ast::DeleteRows>(s.node);
}

class MixedDataAndSchema final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_revision(const RevisionContext& ctx, Findings& out) const override {
    const auto& upgrade = ctx.revision.upgrade;
    const ast::Statement* schema = nullptr;
    for (const auto& s : upgrade) {
      if (is_schema(s)) {
        schema = &s;
        break;
      }
    }
    if (schema == nullptr) return;
    for (const auto& s : upgrade) {
      if (!is_data(s)) continue;
      out.report(&s, s.span,
                 fmt::format("execute is in the same revision as schema changes ({} at line {})",
                             ast::statement_kind_name(schema->node), schema->span.line));
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "mixed-data-and-schema",
      Level::warning,
      "all",
      "one revision holds both `execute` and schema statements",
      "A data migration in the same revision as schema changes runs while the schema "
      "changes hold their locks (on PostgreSQL, in one transaction, an `update` of every row "
      "after an `alter table` blocks all reads of the table until it commits). MySQL, MariaDB "
      "and Oracle commit each DDL statement on its own, so a failing `execute` leaves the "
      "schema half changed. A backfill also often needs `@transaction(none)`, which applies "
      "to a whole revision.",
      "move the execute into a revision of its own (before or after the schema change)",
      "alter table users add column status string(20);\n"
      "execute $$ UPDATE users SET status = 'active' $$ reverse $$ UPDATE users SET status = "
      "NULL $$;",
      "-- 0007_add_status.rev\nalter table users add column status string(20);\n"
      "-- 0008_backfill_status.rev\n"
      "execute $$ UPDATE users SET status = 'active' $$ reverse $$ UPDATE users SET status = "
      "NULL $$;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_mixed_data_and_schema() {
  return std::make_unique<MixedDataAndSchema>();
}

}  // namespace retort::lint
