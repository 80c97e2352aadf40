// type-narrowing: a type change of a column that existed before this
// revision, to a type that cannot hold every value of the old one (the old
// type comes from the schema before the statement).
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "lint/rule.h"

namespace retort::lint {
namespace {

using ast::TypeKind;

enum class Family { Boolean, Number, Text, Binary, Moment, TimeOfDay, Uuid, Json, Native };

Family family_of(TypeKind kind) {
  switch (kind) {
    case TypeKind::Boolean:
      return Family::Boolean;
    case TypeKind::Smallint:
    case TypeKind::Integer:
    case TypeKind::Bigint:
    case TypeKind::Decimal:
    case TypeKind::Real:
    case TypeKind::Double:
      return Family::Number;
    case TypeKind::String:
    case TypeKind::Char:
    case TypeKind::Text:
    case TypeKind::Enum:  // its values are strings
      return Family::Text;
    case TypeKind::Binary:
      return Family::Binary;
    case TypeKind::Date:
    case TypeKind::Timestamp:
    case TypeKind::Timestamptz:
      return Family::Moment;
    case TypeKind::Time:
      return Family::TimeOfDay;
    case TypeKind::Uuid:
      return Family::Uuid;
    case TypeKind::Json:
      return Family::Json;
    case TypeKind::Native:
      return Family::Native;
  }
  return Family::Native;
}

std::string_view family_name(Family f) {
  switch (f) {
    case Family::Boolean:
      return "boolean";
    case Family::Number:
      return "number";
    case Family::Text:
      return "text";
    case Family::Binary:
      return "binary";
    case Family::Moment:
      return "date/time";
    case Family::TimeOfDay:
      return "time of day";
    case Family::Uuid:
      return "uuid";
    case Family::Json:
      return "json";
    case Family::Native:
      return "native";
  }
  return "native";
}

// ------------------------------------------------------------ numbers

// A number type: an integer of `bits`, a decimal (no precision: unlimited),
// or a float with a `bits` mantissa.
struct Number {
  enum Kind { Int, Dec, Float } kind = Int;
  int bits = 0;
  std::optional<int> precision;
  int scale = 0;
};

Number number_of(const ast::Type& t) {
  switch (t.kind) {
    case TypeKind::Smallint:
      return {Number::Int, 16, std::nullopt, 0};
    case TypeKind::Integer:
      return {Number::Int, 32, std::nullopt, 0};
    case TypeKind::Bigint:
      return {Number::Int, 64, std::nullopt, 0};
    case TypeKind::Real:
      return {Number::Float, 24, std::nullopt, 0};
    case TypeKind::Double:
      return {Number::Float, 53, std::nullopt, 0};
    default:
      return {Number::Dec, 0, t.precision, t.precision ? t.scale.value_or(0) : 0};
  }
}

// Decimal digits of the largest value of an integer type (32767: 5).
int int_digits(int bits) {
  return bits == 16 ? 5 : bits == 32 ? 10 : 19;
}
// The most decimal digits every value of which fits the integer type (9999: 4).
int int_safe_digits(int bits) {
  return int_digits(bits) - 1;
}
// Significant decimal digits a float keeps exactly (FLT_DIG, DBL_DIG).
int float_digits(int mantissa) {
  return mantissa == 24 ? 6 : 15;
}

std::optional<std::string> lost(bool larger, bool fraction) {
  if (larger && fraction) return "larger values do not fit and digits after the point are rounded";
  if (larger) return "larger values do not fit";
  if (fraction) return "digits after the point are rounded";
  return std::nullopt;
}

std::optional<std::string> number_narrowing(const Number& from, const Number& to) {
  switch (from.kind) {
    case Number::Int:
      if (to.kind == Number::Int) return lost(to.bits < from.bits, false);
      if (to.kind == Number::Dec)
        return lost(to.precision && *to.precision - to.scale < int_digits(from.bits), false);
      if (from.bits - 1 > to.bits) return "large values lose precision";
      return std::nullopt;
    case Number::Dec:
      if (to.kind == Number::Int) {
        if (!from.precision) return lost(true, true);
        return lost(*from.precision - from.scale > int_safe_digits(to.bits), from.scale > 0);
      }
      if (to.kind == Number::Dec) {
        if (!to.precision) return std::nullopt;
        if (!from.precision) return lost(true, true);
        return lost(*to.precision - to.scale < *from.precision - from.scale, to.scale < from.scale);
      }
      if (!from.precision || *from.precision > float_digits(to.bits))
        return "values lose precision";
      return std::nullopt;
    case Number::Float:
      if (to.kind == Number::Int) return lost(true, true);
      if (to.kind == Number::Dec) return to.precision ? lost(true, true) : "values lose precision";
      if (to.bits < from.bits) return "values lose precision";
      return std::nullopt;
  }
  return std::nullopt;
}

// ------------------------------------------------------------ text

// The longest value a text type holds; nullopt: no limit.
std::optional<int> text_limit(const ast::Type& t, const SchemaModel& schema) {
  switch (t.kind) {
    case TypeKind::String:
      return t.length;
    case TypeKind::Char:
      return t.length.value_or(1);
    case TypeKind::Enum: {
      const Enum* e = schema.find_enum(t.enum_name->key());
      if (e == nullptr) return std::nullopt;
      int longest = 0;
      for (const auto& v : e->values) longest = std::max(longest, static_cast<int>(v.size()));
      return longest;
    }
    default:
      return std::nullopt;
  }
}

std::optional<std::string> text_narrowing(const ast::Type& from, const ast::Type& to,
                                          const SchemaModel& before, const SchemaModel& after) {
  if (to.kind == TypeKind::Enum) {
    const Enum* target = after.find_enum(to.enum_name->key());
    const Enum* source =
        from.kind == TypeKind::Enum ? before.find_enum(from.enum_name->key()) : nullptr;
    bool covered = source != nullptr && target != nullptr &&
                   std::all_of(source->values.begin(), source->values.end(),
                               [&](const std::string& v) { return target->has_value(v); });
    if (covered) return std::nullopt;
    return fmt::format("values not in enum {} do not fit", quote_name(to.enum_name->key()));
  }
  std::optional<int> limit = text_limit(to, after);
  if (!limit) return std::nullopt;
  std::optional<int> had = text_limit(from, before);
  if (!had || *had > *limit) return "longer values do not fit";
  return std::nullopt;
}

// ------------------------------------------------------------ any type

// Why `to` cannot hold every value of `from`, or nullopt when it can (or
// when Retort cannot tell: a native type).
std::optional<std::string> narrowing(const ast::Type& from, const ast::Type& to,
                                     const SchemaModel& before, const SchemaModel& after) {
  Family f = family_of(from.kind);
  Family t = family_of(to.kind);
  if (f == Family::Native || t == Family::Native) return std::nullopt;
  if (f != t) {
    return fmt::format("crosses type families ({} to {})", family_name(f), family_name(t));
  }
  std::optional<std::string> why;
  switch (f) {
    case Family::Number:
      why = number_narrowing(number_of(from), number_of(to));
      break;
    case Family::Text:
      why = text_narrowing(from, to, before, after);
      break;
    case Family::Moment:
      if (to.kind == TypeKind::Date && from.kind != TypeKind::Date) {
        why = "the time of day is lost";
      } else if (from.kind == TypeKind::Timestamptz && to.kind == TypeKind::Timestamp) {
        why = "the time zone is lost";
      }
      break;
    default:  // one type per family
      break;
  }
  if (why) return "narrows it: " + *why;
  return std::nullopt;
}

class TypeNarrowing final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_action<ast::AlterColumnType>(ctx.statement, [&](const ast::AlterTable& alter,
                                                             const ast::AlterColumnType& change) {
      std::string table = alter.name.key();
      const Column* column = ctx.before.find_column(table, change.column.text);
      // Added in this revision: it holds no rows written before it.
      if (column == nullptr || !ctx.existing_column(table, change.column.text)) return;
      if (ast::same_type(column->type, change.type)) return;
      auto why = narrowing(column->type, change.type, ctx.before, ctx.after);
      if (!why) return;
      out.report(
          &ctx.statement, finding_span(ctx.statement, change.span),
          fmt::format("changing {} from {} to {} {}", column_label(table, change.column.text),
                      ast::type_to_string(column->type), ast::type_to_string(change.type), *why));
    });
  }

 private:
  static constexpr RuleInfo kInfo{
      "type-narrowing",
      Level::error,
      "all",
      "a column's new type cannot hold every value of the old one: shorter `string(n)`, "
      "`text`→`string(n)`, `bigint`→`integer`/`smallint`, `integer`→`smallint`, fewer digits "
      "before or after the point in `decimal`, `double`→`real`, `timestamptz`→`timestamp`, "
      "and any change across type families (text→number, number→boolean, ...)",
      "The rows written before this revision were checked against the old type only. Values "
      "that do not fit the new one make the statement fail in production (PostgreSQL, strict "
      "MySQL) after it passed on a development database, or are cut, rounded or turned into "
      "zeros without a word (MySQL without strict mode, a `using` cast). A change across type "
      "families also changes what the running application reads and writes.",
      "add a new column, backfill, switch reads, drop the old one",
      "alter table users alter column name type string(50);",
      "alter table users add column short_name string(50);\n"
      "-- backfill it, switch reads to it, then drop name in a later revision",
  };
};

}  // namespace

std::unique_ptr<Rule> make_type_narrowing() {
  return std::make_unique<TypeNarrowing>();
}

}  // namespace retort::lint
