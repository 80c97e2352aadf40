// prefer-timestamptz: a `timestamp` column keeps no time zone; on
// PostgreSQL `timestamptz` stores an instant and costs the same.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

class PreferTimestamptz final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_typed_column(ctx.statement, [&](const TypedColumn& c) {
      if (c.type->kind != ast::TypeKind::Timestamp) return;
      if (c.retyped) {
        // Already timestamp: `alter column ... type timestamp` changes nothing.
        const Column* old = ctx.before.find_column(c.table, c.column->text);
        if (old != nullptr && old->type.kind == ast::TypeKind::Timestamp) return;
      }
      out.report(&ctx.statement, *c.span,
                 fmt::format("column {} is timestamp, without a time zone",
                             column_label(c.table, c.column->text)));
    });
  }

 private:
  static constexpr RuleInfo kInfo{
      "prefer-timestamptz",
      Level::info,
      "postgresql",
      "a `timestamp` column is created",
      "A `timestamp` (without time zone) stores a wall-clock reading and forgets which zone "
      "it was read in: values written by servers or sessions in different zones cannot be "
      "compared, and every daylight-saving change makes an hour ambiguous. PostgreSQL's "
      "`timestamptz` stores an instant (UTC) in the same 8 bytes and converts on the way in "
      "and out.",
      "use timestamptz: it stores an instant, in the same 8 bytes",
      "create table events (\n  id bigint primary key,\n  happened_at timestamp not null,\n);",
      "create table events (\n  id bigint primary key,\n  happened_at timestamptz not null,\n);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_prefer_timestamptz() {
  return std::make_unique<PreferTimestamptz>();
}

}  // namespace retort::lint
