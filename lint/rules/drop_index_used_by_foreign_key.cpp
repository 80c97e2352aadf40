// drop-index-used-by-foreign-key: dropping the only index that covers a
// foreign key's columns. Judged with the revision's end in hand, so that
// replacing an index within one revision is not reported.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

// What a statement drops that can cover a foreign key: an index, or a
// primary key or unique constraint (each backed by an index).
struct Dropped {
  std::string what;  ///< "index \"ix\"", "unique constraint \"uq\""
  std::string table;
  SourceSpan span;
};

std::vector<Dropped> dropped_indexes(const StatementState& state) {
  std::vector<Dropped> out;
  const ast::Statement& statement = *state.statement;
  if (const auto* drop = std::get_if<ast::DropIndex>(&statement.node)) {
    if (IndexRef ref = state.before.find_index(drop->name.key())) {
      out.push_back({"index " + quote_name(ref.index->name), ref.table->key, statement.span});
    }
  }
  for_each_action<ast::DropConstraint>(statement, [&](const ast::AlterTable& alter,
                                                      const ast::DropConstraint& d) {
    const Table* t = state.before.find_table(alter.name.key());
    const Constraint* c = t ? t->find_constraint(d.name.text) : nullptr;
    if (c == nullptr ||
        (c->kind != ast::ConstraintKind::PrimaryKey && c->kind != ast::ConstraintKind::Unique)) {
      return;
    }
    out.push_back({fmt::format("{} {}", constraint_noun(c->kind), quote_name(c->name)), t->key,
                   finding_span(statement, d.span)});
  });
  return out;
}

// The foreign key `name` (qualified) in `schema` when no index covers it.
const Constraint* uncovered(const SchemaModel& schema, const std::string& qualified) {
  ConstraintRef ref = schema.find_constraint(qualified);
  if (!ref || ref.constraint->kind != ast::ConstraintKind::ForeignKey) return nullptr;
  return ref.table->has_index_leading_with(ref.constraint->columns) ? nullptr : ref.constraint;
}

class DropIndexUsedByForeignKey final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_revision(const RevisionContext& ctx, Findings& out) const override {
    for (const auto& state : ctx.statements) {
      if (!state.applied) continue;
      for (const auto& d : dropped_indexes(state)) {
        const Table* before = state.before.find_table(d.table);
        if (before == nullptr) continue;
        for (const auto& fk : before->constraints) {
          if (fk.kind != ast::ConstraintKind::ForeignKey) continue;
          std::string qualified = qualify(before->schema, fk.name);
          // Covered before this statement, not after it, and still not at
          // the end of the revision (a replacement index makes it fine).
          if (!before->has_index_leading_with(fk.columns)) continue;
          if (!uncovered(state.after, qualified) || !uncovered(ctx.after, qualified)) continue;
          out.report(
              state.statement, d.span,
              fmt::format("dropping {} leaves foreign key {} on {} ({}) without an index", d.what,
                          quote_name(fk.name), quote_name(d.table), fmt::join(fk.columns, ", ")));
        }
      }
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "drop-index-used-by-foreign-key",
      Level::warning,
      "postgresql,sqlite,mssql,oracle",
      "an index is dropped that was the only one covering a foreign key's columns (on MySQL "
      "and MariaDB the server refuses this, so it is `error[dialect]` there)",
      "Every delete or key update in the referenced table looks up the referencing rows "
      "through that index. Once it is gone, each of them scans the whole referencing table, "
      "under a lock: a delete that took a millisecond takes seconds and blocks writers. "
      "MySQL and MariaDB refuse the drop outright.",
      "keep it, or drop the foreign key first",
      "create table orders (\n  id bigint primary key,\n  user_id bigint references users,\n);\n"
      "create index ix_orders_user_id on orders (user_id);\n"
      "-- later revision\n"
      "drop index concurrently ix_orders_user_id;",
      "-- replace it with an index that still leads with user_id\n"
      "create index concurrently ix_orders_user_created on orders (user_id, created_at);\n"
      "drop index concurrently ix_orders_user_id;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_drop_index_used_by_foreign_key() {
  return std::make_unique<DropIndexUsedByForeignKey>();
}

}  // namespace retort::lint
