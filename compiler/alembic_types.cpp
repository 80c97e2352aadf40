// The Alembic reader's types: SQLAlchemy's type constructors (sa.*, the
// dialect modules', SQLModel's) as Alembic creates them on PostgreSQL.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "compiler/alembic_eval.h"
#include "compiler/text_util.h"

namespace retort::alembic {

// ------------------------------------------------------------------ types

namespace {

struct TypeArgs {
  std::map<std::string_view, const Value*> named;
  std::vector<const Value*> rest;
};

ast::Type native(std::string_view dialect, std::string text, const SourceSpan& span) {
  ast::Type t;
  t.kind = ast::TypeKind::Native;
  t.span = span;
  ast::DialectText& body = t.native.edit();
  body.span = span;
  body.entries.push_back({std::string(dialect), std::move(text), span});
  return t;
}

/// Records SQLAlchemy's spelling of `t` on `dialect` where it differs from
/// Retort's portable one (ast::Type::spelled; SQLAlchemy 1.4's DDL compilers).
void spell(ast::Type& t, std::string_view dialect, std::string text) {
  t.spelled.edit().entries.push_back({std::string(dialect), std::move(text), t.span});
}

/// PostgreSQL's spelling of a type, for array elements.
std::string pg_spelling(const ast::Type& t) {
  switch (t.kind) {
    case ast::TypeKind::Boolean:
      return "boolean";
    case ast::TypeKind::Smallint:
      return "smallint";
    case ast::TypeKind::Integer:
      return "integer";
    case ast::TypeKind::Bigint:
      return "bigint";
    case ast::TypeKind::Decimal:
      if (t.precision && t.scale) return fmt::format("numeric({}, {})", *t.precision, *t.scale);
      if (t.precision) return fmt::format("numeric({})", *t.precision);
      return "numeric";
    case ast::TypeKind::Real:
      return "real";
    case ast::TypeKind::Double:
      return "double precision";
    case ast::TypeKind::String:
      return t.length ? fmt::format("varchar({})", *t.length) : "varchar";
    case ast::TypeKind::Char:
      return fmt::format("char({})", t.length.value_or(1));
    case ast::TypeKind::Text:
      return "text";
    case ast::TypeKind::Binary:
      return "bytea";
    case ast::TypeKind::Date:
      return "date";
    case ast::TypeKind::Time:
      return "time";
    case ast::TypeKind::Timestamp:
      return "timestamp";
    case ast::TypeKind::Timestamptz:
      return "timestamptz";
    case ast::TypeKind::Uuid:
      return "uuid";
    case ast::TypeKind::Json:
      return "json";
    case ast::TypeKind::Enum:
      return t.enum_name->key();
    case ast::TypeKind::Native: {
      const std::string* s = t.native->for_dialect("postgresql");
      return s ? *s : std::string();
    }
  }
  return {};
}

}  // namespace

std::optional<TypeResult> Reader::type(const Value& v) {
  if (v.is_object(".with_variant") && v.receiver) {
    std::string which = v.items.size() > 1 && v.items[1].is(Value::Kind::String)
                            ? v.items[1].text
                            : std::string("another dialect");
    note(v.span, fmt::format("with_variant(...) for {} is ignored: the base type is used on "
                             "every dialect",
                             which));
    return type(*v.receiver);
  }
  if (!(v.is(Value::Kind::Ref) || v.is(Value::Kind::Object)) || v.text.empty() ||
      v.text[0] == '.') {
    error(v.span, fmt::format("expected a column type, found {}", what(v)),
          "the types are SQLAlchemy's: sa.Integer(), sa.String(255), ...");
    return std::nullopt;
  }
  std::string ns = v.text.substr(0, v.text.find('.'));
  std::string n =
      v.text.find('.') == std::string::npos ? std::string() : v.text.substr(ns.size() + 1);
  TypeResult r;
  r.type.span = v.span;
  ast::Type& t = r.type;

  // Binds the call's arguments to a type's parameters; unknown ones are errors.
  auto args = [&](std::initializer_list<std::string_view> params,
                  std::initializer_list<std::string_view> keywords,
                  bool rest_ok = false) -> std::optional<TypeArgs> {
    TypeArgs out;
    std::vector<std::string_view> p(params);
    for (size_t i = 0; i < v.items.size(); ++i) {
      if (i < p.size()) {
        out.named[p[i]] = &v.items[i];
      } else if (rest_ok) {
        out.rest.push_back(&v.items[i]);
      } else {
        error(v.items[i].span,
              fmt::format("{} takes at most {} positional argument{}", v.text, p.size(),
                          p.size() == 1 ? "" : "s"),
              "");
        return std::nullopt;
      }
    }
    for (const auto& k : v.keywords) {
      bool known = std::find(p.begin(), p.end(), k.name) != p.end() ||
                   std::find(keywords.begin(), keywords.end(), k.name) != keywords.end();
      if (!known) {
        error(k.span, fmt::format("{} has no argument \"{}\" that Retort reads", v.text, k.name),
              "");
        return std::nullopt;
      }
      if (out.named.count(k.name)) {
        error(k.span, fmt::format("the argument \"{}\" is given twice", k.name), "");
        return std::nullopt;
      }
      out.named[k.name] = &k.value;
    }
    return out;
  };
  auto given = [](const TypeArgs& a, std::string_view key) -> const Value* {
    auto it = a.named.find(key);
    return it == a.named.end() || it->second->is(Value::Kind::None) ? nullptr : it->second;
  };
  auto integer = [&](const Value* x, std::string_view role) -> std::optional<int> {
    int out = 0;
    if (x == nullptr || !x->is(Value::Kind::Number) ||
        std::from_chars(x->text.data(), x->text.data() + x->text.size(), out).ptr !=
            x->text.data() + x->text.size()) {
      error(x ? x->span : v.span, fmt::format("the {} of {} must be a whole number", role, v.text),
            "");
      return std::nullopt;
    }
    if (out < 0) {
      error(x->span, fmt::format("the {} of {} cannot be negative", role, v.text), "");
      return std::nullopt;
    }
    return out;
  };
  auto timezone = [&](const TypeArgs& a) -> std::optional<bool> {
    const Value* tz = given(a, "timezone");
    if (tz == nullptr) return false;
    return boolean(*tz, "timezone");
  };

  bool generic = ns == "sa" || dialect_module(ns);
  auto is = [&](std::initializer_list<std::string_view> names) {
    return generic && std::find(names.begin(), names.end(), n) != names.end();
  };

  if (is({"Integer", "INTEGER", "INT"}) || is({"SmallInteger", "SMALLINT"}) ||
      is({"BigInteger", "BIGINT"})) {
    auto a = args({}, {});
    if (!a) return std::nullopt;
    t.kind = is({"SmallInteger", "SMALLINT"}) ? ast::TypeKind::Smallint
             : is({"BigInteger", "BIGINT"})   ? ast::TypeKind::Bigint
                                              : ast::TypeKind::Integer;
    r.integer = true;
    return r;
  }
  if (is({"Boolean", "BOOLEAN"})) {
    if (!args({"create_constraint", "name"}, {"_create_events"})) return std::nullopt;
    t.kind = ast::TypeKind::Boolean;
    spell(t, "sqlite", "BOOLEAN");  // no CHECK: create_constraint is off by default
    return r;
  }
  if (is({"String", "VARCHAR", "NVARCHAR", "Unicode", "CHAR", "NCHAR"}) ||
      (ns == "sqlmodel" && n == "AutoString")) {
    auto a = args({"length", "collation"},
                  {"convert_unicode", "unicode_error", "_warn_on_bytestring", "_expect_unicode"});
    if (!a) return std::nullopt;
    bool fixed = is({"CHAR", "NCHAR"});
    t.kind = fixed ? ast::TypeKind::Char : ast::TypeKind::String;
    if (const Value* len = given(*a, "length")) {
      auto l = integer(len, "length");
      if (!l) return std::nullopt;
      if (*l < 1) {
        error(len->span, fmt::format("the length of {} must be at least 1", v.text), "");
        return std::nullopt;
      }
      t.length = *l;
    } else if (fixed) {
      t.length = 1;  // CHAR with no length is char(1)
    }
    if (const Value* c = given(*a, "collation")) {
      auto s = string(*c, "collation");
      if (!s) return std::nullopt;
      r.collation = *s;
    }
    return r;
  }
  if (is({"Text", "TEXT", "UnicodeText", "CLOB"})) {
    auto a = args({"length", "collation"}, {"convert_unicode", "unicode_error"});
    if (!a) return std::nullopt;
    t.kind = ast::TypeKind::Text;
    std::optional<int> length;
    if (const Value* len = given(*a, "length")) {
      length = integer(len, "length");
      if (!length) return std::nullopt;
    }
    spell(t, "mysql", length ? fmt::format("TEXT({})", *length) : std::string("TEXT"));
    if (length) spell(t, "sqlite", fmt::format("TEXT({})", *length));
    if (const Value* c = given(*a, "collation")) {
      auto s = string(*c, "collation");
      if (!s) return std::nullopt;
      r.collation = *s;
    }
    return r;
  }
  if (is({"Numeric", "NUMERIC", "DECIMAL"})) {
    auto a = args({"precision", "scale", "decimal_return_scale", "asdecimal"}, {});
    if (!a) return std::nullopt;
    t.kind = ast::TypeKind::Decimal;
    if (const Value* p = given(*a, "precision")) {
      auto x = integer(p, "precision");
      if (!x) return std::nullopt;
      t.precision = *x;
    }
    if (const Value* s = given(*a, "scale")) {
      auto x = integer(s, "scale");
      if (!x) return std::nullopt;
      if (!t.precision) {
        error(s->span, fmt::format("{} with a scale needs a precision", v.text), "");
        return std::nullopt;
      }
      t.scale = *x;
    }
    return r;
  }
  if (is({"Float", "FLOAT"})) {
    auto a = args({"precision", "asdecimal", "decimal_return_scale"}, {});
    if (!a) return std::nullopt;
    t.kind = ast::TypeKind::Double;  // FLOAT is double precision on PostgreSQL
    std::string mysql = "FLOAT";
    if (const Value* p = given(*a, "precision")) {
      auto x = integer(p, "precision");
      if (!x) return std::nullopt;
      if (*x <= 24) t.kind = ast::TypeKind::Real;  // float(p <= 24) is real
      mysql = fmt::format("FLOAT({})", *x);
    }
    spell(t, "mysql", mysql);
    spell(t, "sqlite", "FLOAT");
    return r;
  }
  if (is({"REAL"})) {
    if (!args({"precision", "asdecimal", "decimal_return_scale"}, {})) return std::nullopt;
    t.kind = ast::TypeKind::Real;
    return r;
  }
  if (is({"Double", "DOUBLE", "DOUBLE_PRECISION"})) {
    if (!args({"precision", "asdecimal", "decimal_return_scale"}, {})) return std::nullopt;
    t.kind = ast::TypeKind::Double;
    return r;
  }
  if (is({"DateTime", "DATETIME", "TIMESTAMP"})) {
    auto a = args({"timezone"}, {"precision"});
    if (!a) return std::nullopt;
    auto tz = timezone(*a);
    if (!tz) return std::nullopt;
    if (const Value* p = given(*a, "precision")) {
      auto x = integer(p, "precision");
      if (!x) return std::nullopt;
      return TypeResult{
          native("postgresql", fmt::format("timestamp({}) with{} time zone", *x, *tz ? "" : "out"),
                 v.span),
          std::nullopt, std::nullopt, false};
    }
    t.kind = *tz ? ast::TypeKind::Timestamptz : ast::TypeKind::Timestamp;
    // MySQL's DATETIME keeps no zone and SQLAlchemy asks for no fraction.
    spell(t, "mysql", "DATETIME");
    spell(t, "sqlite", "DATETIME");
    return r;
  }
  if (is({"Date", "DATE"})) {
    if (!args({}, {})) return std::nullopt;
    t.kind = ast::TypeKind::Date;
    return r;
  }
  if (is({"Time", "TIME"})) {
    auto a = args({"timezone"}, {"precision"});
    if (!a) return std::nullopt;
    auto tz = timezone(*a);
    if (!tz) return std::nullopt;
    if (*tz || given(*a, "precision")) {
      std::string p;
      if (const Value* pv = given(*a, "precision")) {
        auto x = integer(pv, "precision");
        if (!x) return std::nullopt;
        p = fmt::format("({})", *x);
      }
      ast::Type nt =
          native("postgresql", fmt::format("time{} with{} time zone", p, *tz ? "" : "out"), v.span);
      nt.native.edit().entries.push_back({"default", "time", v.span});
      return TypeResult{nt, std::nullopt, std::nullopt, false};
    }
    t.kind = ast::TypeKind::Time;
    return r;
  }
  if (is({"LargeBinary", "BLOB", "BINARY", "VARBINARY", "BYTEA", "PickleType", "_Binary"})) {
    auto a = args({"length"}, {"protocol", "pickler", "comparator"});
    if (!a) return std::nullopt;
    t.kind = ast::TypeKind::Binary;
    if (const Value* len = given(*a, "length")) {
      auto l = integer(len, "length");
      if (!l) return std::nullopt;
      spell(t, "mysql", fmt::format("BLOB({})", *l));
    } else {
      spell(t, "mysql", "BLOB");
    }
    return r;
  }
  if (is({"JSON"})) {
    if (!args({"none_as_null"}, {"astext_type"})) return std::nullopt;
    // SQLAlchemy creates JSON everywhere, also on PostgreSQL, where the
    // portable `json` is jsonb: only postgresql.JSONB is jsonb.
    t.kind = ast::TypeKind::Json;
    spell(t, "postgresql", "JSON");
    spell(t, "sqlite", "JSON");
    return r;
  }
  if (is({"Uuid", "UUID"}) || (ns == "sqlmodel" && n == "GUID")) {
    if (!args({"as_uuid"}, {"native_uuid"})) return std::nullopt;
    t.kind = ast::TypeKind::Uuid;
    return r;
  }
  if ((ns == "sa" || ns == "postgresql") && (n == "Enum" || n == "ENUM")) {
    auto a = args({},
                  {"name", "schema", "native_enum", "create_constraint", "length", "metadata",
                   "inherit_schema", "validate_strings", "create_type", "quote", "_create_events",
                   "omit_aliases"},
                  true);
    if (!a) return std::nullopt;
    if (ns == "sa" && a->named.count("create_type")) {
      error(a->named["create_type"]->span, "sa.Enum has no argument \"create_type\"",
            "create_type belongs to postgresql.ENUM");
      return std::nullopt;
    }
    std::vector<ast::EnumValue> values;
    for (const Value* x : a->rest) {
      if (!x->is(Value::Kind::String)) {
        cannot(x->span, fmt::format("cannot read {} as an enum value: {} takes the values as "
                                    "strings here",
                                    what(*x), v.text));
        return std::nullopt;
      }
      values.push_back({x->text, x->span});
    }
    bool native_enum = true;
    if (const Value* ne = given(*a, "native_enum")) {
      auto b = boolean(*ne, "native_enum");
      if (!b) return std::nullopt;
      native_enum = *b;
    }
    if (!native_enum) {
      // VARCHAR as long as the longest value (or length=).
      t.kind = ast::TypeKind::String;
      int longest = 0;
      for (const auto& x : values)
        longest = std::max(longest, static_cast<int>(utf8_length(x.value)));
      if (const Value* len = given(*a, "length")) {
        auto l = integer(len, "length");
        if (!l) return std::nullopt;
        longest = std::max(longest, *l);
      }
      if (longest > 0) t.length = longest;
      if (const Value* cc = given(*a, "create_constraint")) {
        auto b = boolean(*cc, "create_constraint");
        if (!b) return std::nullopt;
        if (*b) {
          cannot(cc->span,
                 "cannot read create_constraint=True: the CHECK constraint SQLAlchemy "
                 "adds is not modelled");
          return std::nullopt;
        }
      }
      return r;
    }
    const Value* name_value = given(*a, "name");
    if (name_value == nullptr) {
      error(
          v.span,
          fmt::format("{} needs name='...': PostgreSQL makes an enum a type of that name", v.text),
          "name the type, e.g. sa.Enum('a', 'b', name='status')");
      return std::nullopt;
    }
    auto q = qualified(*name_value, given(*a, "schema"), "the enum's name");
    if (!q) return std::nullopt;
    t.kind = ast::TypeKind::Enum;
    t.enum_name = *q;
    bool create = true;
    if (const Value* ct = given(*a, "create_type")) {
      auto b = boolean(*ct, "create_type");
      if (!b) return std::nullopt;
      create = *b;
    }
    if (create) {
      if (values.empty()) {
        error(v.span, fmt::format("{} has no values to create the type {} with", v.text, q->key()),
              "list the values, or pass create_type=False for a type that exists");
        return std::nullopt;
      }
      // A non-native enum on SQLite: VARCHAR as long as the longest value.
      int longest = 0;
      for (const auto& x : values)
        longest = std::max(longest, static_cast<int>(utf8_length(x.value)));
      spell(t, "sqlite", fmt::format("VARCHAR({})", longest));
      r.create = ast::CreateEnum{*q, std::move(values)};
    } else if (values.empty()) {
      // Only names an existing type.
    }
    return r;
  }
  if ((ns == "sa" || ns == "postgresql") && n == "ARRAY") {
    auto a = args({"item_type", "as_tuple", "dimensions", "zero_indexes"}, {});
    if (!a) return std::nullopt;
    const Value* item = given(*a, "item_type");
    if (item == nullptr) {
      error(v.span, "ARRAY needs the type of its items", "");
      return std::nullopt;
    }
    auto element = type(*item);
    if (!element) return std::nullopt;
    std::string spelled = pg_spelling(element->type);
    if (spelled.empty()) {
      cannot(item->span, "cannot read this type as an array element on PostgreSQL");
      return std::nullopt;
    }
    int dims = 1;
    if (const Value* d = given(*a, "dimensions")) {
      auto x = integer(d, "dimensions");
      if (!x) return std::nullopt;
      dims = std::max(1, *x);
    }
    for (int i = 0; i < dims; ++i) spelled += "[]";
    return TypeResult{native("postgresql", spelled, v.span), std::nullopt, std::nullopt, false};
  }
  if (ns == "sa" && n == "Interval") {
    if (!args({"native", "second_precision", "day_precision"}, {})) return std::nullopt;
    ast::Type nt = native("postgresql", "interval", v.span);
    nt.native.edit().entries.push_back(
        {"default", "datetime", v.span});  // what SQLAlchemy emulates it with
    return TypeResult{nt, std::nullopt, std::nullopt, false};
  }
  if (ns == "postgresql" && n == "JSONB") {
    if (!args({"none_as_null"}, {"astext_type"})) return std::nullopt;
    return TypeResult{native("postgresql", "jsonb", v.span), std::nullopt, std::nullopt, false};
  }
  if (ns == "mysql" && (n == "ENUM" || n == "SET")) {
    auto a = args({}, {"charset", "collation", "strict", "quoting", "retrieve_as_bitwise"}, true);
    if (!a) return std::nullopt;
    std::string spelled = lower_ascii(n) + "(";
    for (size_t i = 0; i < a->rest.size(); ++i) {
      const Value* x = a->rest[i];
      if (!x->is(Value::Kind::String)) {
        cannot(x->span, fmt::format("cannot read {} as a value of {}", what(*x), v.text));
        return std::nullopt;
      }
      std::string quoted;
      for (char c : x->text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
      spelled += (i ? ", '" : "'") + quoted + "'";
    }
    return TypeResult{native("mysql", spelled + ")", v.span), std::nullopt, std::nullopt, false};
  }
  if (dialect_module(ns) && !n.empty() && std::isupper(static_cast<unsigned char>(n[0])) &&
      n.find('.') == std::string::npos) {
    // A dialect's own type: passed through to that dialect, with its
    // whole-number arguments (mysql.TINYINT(1) -> native(mysql: 'tinyint(1)')).
    auto a = args({}, {}, true);
    if (!a) return std::nullopt;
    std::string spelled = lower_ascii(n);
    std::replace(spelled.begin(), spelled.end(), '_', ' ');
    std::vector<std::string> numbers;
    for (const Value* x : a->rest) {
      auto i = integer(x, "size");
      if (!i) return std::nullopt;
      numbers.push_back(std::to_string(*i));
    }
    for (size_t i = 0; i < numbers.size(); ++i) {
      spelled += (i == 0 ? "(" : ", ") + numbers[i] + (i + 1 == numbers.size() ? ")" : "");
    }
    return TypeResult{native(ns, spelled, v.span), std::nullopt, std::nullopt, false};
  }
  cannot(v.span, fmt::format("cannot read the type {}", v.text));
  return std::nullopt;
}

}  // namespace retort::alembic
