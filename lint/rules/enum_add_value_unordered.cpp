// enum-add-value-unordered: `alter enum ... add value` without `before` or
// `after` puts the value last, which decides how `<` and `order by` sort it.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

// 'text' with quotes doubled, as the language writes it.
std::string literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

class EnumAddValueUnordered final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    const auto* add = std::get_if<ast::AlterEnumAddValue>(&ctx.statement.node);
    if (add == nullptr || add->before || add->after) return;
    std::string key = add->name.key();
    // An enum created in this revision: its whole order is in this file.
    if (!ctx.revision.before.find_enum(key)) return;
    const Enum* e = ctx.before.find_enum(key);
    if (e == nullptr || e->values.empty()) return;
    std::string value = literal(add->value.value);
    std::string last = literal(e->values.back());
    out.report(&ctx.statement, ctx.statement.span,
               fmt::format("value {} is added to enum {} after {}, its last value", value,
                           quote_name(key), last),
               fmt::format("say where it goes (`after {}` if last is right): ordering matters "
                           "to `<` and `order by`",
                           last));
  }

 private:
  static constexpr RuleInfo kInfo{
      "enum-add-value-unordered",
      Level::info,
      "postgresql",
      "`alter enum ... add value` without `before`/`after`",
      "An enum's values sort in the order they were declared, not by name: comparisons, "
      "`order by` and `min`/`max` on the column use that order. A value added without "
      "`before` or `after` goes last, which is rarely where it belongs once values mean "
      "stages or levels.",
      "say where it goes: ordering matters to `<` and `order by`",
      "alter enum order_status add value 'refunded';",
      "alter enum order_status add value 'refunded' after 'shipped';",
  };
};

}  // namespace

std::unique_ptr<Rule> make_enum_add_value_unordered() {
  return std::make_unique<EnumAddValueUnordered>();
}

}  // namespace retort::lint
