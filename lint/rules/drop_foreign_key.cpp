// drop-foreign-key: dropping a foreign key that existed before this revision
// stops the database from checking that the rows it links exist.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

class DropForeignKey final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_action<ast::DropConstraint>(
        ctx.statement, [&](const ast::AlterTable& alter, const ast::DropConstraint& drop) {
          std::string table = alter.name.key();
          const Table* t = ctx.before.find_table(table);
          const Constraint* c = t ? t->find_constraint(drop.name.text) : nullptr;
          if (c == nullptr || c->kind != ast::ConstraintKind::ForeignKey) return;
          // Names are unique in a schema, so the key survives table renames.
          std::string qualified = qualify(t->schema, c->name);
          auto holds = [&](const SchemaModel& s) {
            ConstraintRef ref = s.find_constraint(qualified);
            return ref && ref.constraint->kind == ast::ConstraintKind::ForeignKey;
          };
          // Made in this revision (with its table, or added to it): nothing relied on it yet.
          if (ctx.revision.statement_that_made(holds) != nullptr) return;
          out.report(&ctx.statement, finding_span(ctx.statement, drop.span),
                     fmt::format("dropping foreign key {}: {} ({}) is no longer checked against {}",
                                 quote_name(c->name), quote_name(table),
                                 fmt::join(c->columns, ", "), quote_name(c->ref_table)));
        });
  }

 private:
  static constexpr RuleInfo kInfo{
      "drop-foreign-key",
      Level::warning,
      "all",
      "a foreign key constraint is dropped",
      "Once the foreign key is gone, nothing stops rows that point at missing parents: a bug "
      "or a concurrent delete leaves orphans that later joins silently skip. `on delete` "
      "actions (cascade, set null) stop happening too.",
      "integrity is no longer enforced: make sure the application no longer relies on it, or "
      "add its replacement first; then @allow(drop-foreign-key, 'reason')",
      "alter table orders drop constraint fk_orders_customer_id_customers;",
      "@allow(drop-foreign-key, 'orders move to the billing service, TICKET-88')\n"
      "alter table orders drop constraint fk_orders_customer_id_customers;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_drop_foreign_key() {
  return std::make_unique<DropForeignKey>();
}

}  // namespace retort::lint
