// char-column: `char(n)` pads every value with spaces to n characters,
// which is rarely what anyone wants.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

class CharColumn final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_typed_column(ctx.statement, [&](const TypedColumn& c) {
      if (c.type->kind != ast::TypeKind::Char) return;
      if (c.retyped) {
        const Column* old = ctx.before.find_column(c.table, c.column->text);
        if (old != nullptr && old->type.kind == ast::TypeKind::Char) return;
      }
      out.report(&ctx.statement, *c.span,
                 fmt::format("column {} is {}, padded with spaces to its length",
                             column_label(c.table, c.column->text), ast::type_to_string(*c.type)));
    });
  }

 private:
  static constexpr RuleInfo kInfo{
      "char-column",
      Level::info,
      "all",
      "a `char(n)` column is created (padded, rarely wanted)",
      "`char(n)` pads every value with spaces to n characters. Dialects disagree on whether "
      "the padding is kept, compared or returned (PostgreSQL ignores it in comparisons but "
      "not in `like`; Oracle keeps it; MySQL strips it), so the same query gives different "
      "answers, and a value that is later longer than n is refused. It saves nothing over a "
      "variable-length string.",
      "use string(n) (or text); keep char(n) only for codes that always have exactly n "
      "characters, with an @allow",
      "create table countries (\n  id bigint primary key,\n  name char(60) not null,\n);",
      "create table countries (\n  id bigint primary key,\n  name string(60) not null,\n);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_char_column() {
  return std::make_unique<CharColumn>();
}

}  // namespace retort::lint
