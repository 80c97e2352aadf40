// prefer-text-over-varchar (off by default): on PostgreSQL a length limit
// on a string column buys nothing but a later table-locking change.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

class PreferTextOverVarchar final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_typed_column(ctx.statement, [&](const TypedColumn& c) {
      if (c.type->kind != ast::TypeKind::String || !c.type->length) return;
      if (c.retyped) {
        // Widening or narrowing one string(n) to another: other rules judge it.
        const Column* old = ctx.before.find_column(c.table, c.column->text);
        if (old != nullptr && old->type.kind == ast::TypeKind::String && old->type.length) return;
      }
      out.report(&ctx.statement, *c.span,
                 fmt::format("column {} is {}: on postgresql the limit only adds a check",
                             column_label(c.table, c.column->text), ast::type_to_string(*c.type)));
    });
  }

 private:
  static constexpr RuleInfo kInfo{
      "prefer-text-over-varchar",
      Level::off,
      "postgresql",
      "a `string(n)` column is created",
      "On PostgreSQL `varchar(n)` and `text` are stored the same way; the limit is only a "
      "check, and raising it later is an `alter column ... type` that takes an exclusive "
      "lock. When the limit is a business rule, a `check (length(c) <= n)` can be changed "
      "with `not valid` and `validate constraint` instead.",
      "use text (or string without a length), with a check constraint when the length is a "
      "rule",
      "create table users (\n  id bigint primary key,\n  name string(100) not null,\n);",
      "create table users (\n  id bigint primary key,\n  name text not null,\n);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_prefer_text_over_varchar() {
  return std::make_unique<PreferTextOverVarchar>();
}

}  // namespace retort::lint
