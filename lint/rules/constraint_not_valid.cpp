// constraint-not-valid: a foreign key or check added to a table that existed
// before this revision, without `not valid`, checks every row under a lock.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

// "foreign key \"fk_orders_user_id_users\"" or "check \"ck_orders_amount\"".
std::string describe(const Constraint& c) {
  return fmt::format("{} {}", ast::constraint_kind_name(c.kind), quote_name(c.name));
}

bool validated_later(ast::ConstraintKind kind) {
  return kind == ast::ConstraintKind::ForeignKey || kind == ast::ConstraintKind::Check;
}

// True when the revision's statements run in one transaction, which keeps
// every lock they take until it commits.
bool in_transaction(const RevisionContext& ctx) {
  if (ctx.project.config.emit.transaction == "none") return false;
  for (const auto& a : ctx.revision.file_annotations) {
    if (a.kind == ast::AnnotationKind::Transaction && !a.args.empty() && a.args[0].text == "none")
      return false;
  }
  return true;
}

class ConstraintNotValid final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    const auto* alter = std::get_if<ast::AlterTable>(&ctx.statement.node);
    if (alter == nullptr) return;
    std::string table = alter->name.key();
    if (!ctx.existing_table(table)) return;
    for (const auto& action : alter->actions) {
      if (const auto* add = std::get_if<ast::AddConstraint>(&action)) {
        if (add->not_valid || !validated_later(add->constraint.kind)) continue;
        const Constraint* c = constraint_added_by(ctx, table, add->constraint);
        if (c == nullptr) continue;
        out.report(&ctx.statement, finding_span(ctx.statement, add->span),
                   fmt::format("adding {} to {} checks every row under a lock", describe(*c),
                               quote_name(table)));
      } else if (const auto* validate = std::get_if<ast::ValidateConstraint>(&action)) {
        // Validated in the transaction that added it `not valid`: the add's
        // lock is still held while every row is checked.
        if (ctx.revision.before.find_constraint(qualify(schema_of(table), validate->name.text))) {
          continue;
        }
        const Table* t = ctx.before.find_table(table);
        const Constraint* c = t ? t->find_constraint(validate->name.text) : nullptr;
        if (c == nullptr || !in_transaction(ctx.revision)) continue;
        out.report(&ctx.statement, finding_span(ctx.statement, validate->span),
                   fmt::format("validating {} in the revision that added it checks every row "
                               "of {} under the lock the add took",
                               describe(*c), quote_name(table)),
                   "validate it in a later revision: the lock is held until this revision's "
                   "transaction commits");
      } else if (const auto* add_column = std::get_if<ast::AddColumn>(&action)) {
        // A column's own `references` or `check` cannot be `not valid`.
        for (const Constraint* c : constraints_added_by(ctx, table, add_column->column)) {
          if (!validated_later(c->kind)) continue;
          out.report(&ctx.statement, finding_span(ctx.statement, add_column->span),
                     fmt::format("adding column {} with {} checks every row of {} under a lock",
                                 column_label(table, add_column->column.name.text), describe(*c),
                                 quote_name(table)),
                     fmt::format("add the column without it, then add the {} `not valid` and "
                                 "`validate constraint` in a later revision",
                                 ast::constraint_kind_name(c->kind)));
        }
      }
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "constraint-not-valid",
      Level::warning,
      "postgresql",
      "a foreign key or check is added to an existing table without `not valid`",
      "Adding a foreign key or a check reads every row of the table to prove it holds, while "
      "holding a lock that blocks writes (a foreign key also locks the referenced table; a "
      "check blocks reads too). Added `not valid`, the constraint applies to new rows at "
      "once, and `validate constraint` later checks the old rows under a lock that lets "
      "reads and writes go on.",
      "add it `not valid`, then `validate constraint` in a later revision",
      "alter table orders add constraint fk_orders_user_id\n"
      "  foreign key (user_id) references users (id);",
      "alter table orders add constraint fk_orders_user_id\n"
      "  foreign key (user_id) references users (id) not valid;\n"
      "-- in a later revision:\n"
      "alter table orders validate constraint fk_orders_user_id;",
  };
};

}  // namespace

std::unique_ptr<Rule> make_constraint_not_valid() {
  return std::make_unique<ConstraintNotValid>();
}

}  // namespace retort::lint
