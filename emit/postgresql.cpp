// PostgreSQL: the shared renderer plus what differs (dialects.md): its
// reserved words, types, enums as CREATE TYPE, portable functions, the
// session settings and the DO-block guard.
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <memory>

#include "emit/registry.h"
#include "emit/renderer.h"

namespace retort::emit {

namespace {

constexpr DialectInfo kPostgresql{"postgresql",
                                  "PostgreSQL",
                                  63,
                                  true,
                                  "psql -v ON_ERROR_STOP=1 -f FILE",
                                  "\\set ON_ERROR_STOP on"};

// Key words that cannot be a bare table or column name: PostgreSQL's
// "reserved" and "reserved (can be function or type)" categories (appendix C
// of its manual), sorted for binary search.
constexpr std::string_view kReserved[] = {
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
};
constexpr WordList kReservedList{kReserved};

class PostgresqlRenderer final : public Renderer {
 public:
  explicit PostgresqlRenderer(Target target) : Renderer(kPostgresql, std::move(target)) {}

  using Renderer::render_node;

  bool is_reserved(std::string_view word) const override { return kReservedList.contains(word); }

  // With standard_conforming_strings (the default since 9.1) a backslash is
  // an ordinary character in '...'; a text holding one is written as an
  // escape string instead, so it means the same whatever that setting is.
  std::string literal(std::string_view text) const override {
    if (text.find('\\') == std::string_view::npos) return Renderer::literal(text);
    std::string out = "E'";
    for (char c : text) {
      if (c == '\'' || c == '\\') out += c;
      out += c;
    }
    out += '\'';
    return out;
  }

  const TypeNames& type_names() const override {
    static constexpr TypeNames kTypes{
        "BOOLEAN",     "SMALLINT", "INTEGER", "BIGINT",    "NUMERIC", "REAL", "DOUBLE PRECISION",
        "VARCHAR",     "CHAR",     "TEXT",    "BYTEA",     "DATE",    "TIME", "TIMESTAMP",
        "TIMESTAMPTZ", "UUID",     "JSONB",   "postgresql"};
    return kTypes;
  }

  std::string call(const ast::Expr& e, const RenderContext& ctx) const override {
    if (e.text == "now" && e.args.empty()) return "now()";
    if (e.text == "gen_uuid" && e.args.empty()) {
      // Built in since 13; before that it comes from the pgcrypto extension.
      if (!at_least("13")) {
        error(ctx, e.span,
              fmt::format("gen_uuid() needs PostgreSQL 13 (target: {})", target().version),
              "raise [dialect.postgresql] version, or use sql($$ gen_random_uuid() $$) after "
              "CREATE EXTENSION pgcrypto");
      }
      return "gen_random_uuid()";
    }
    return Renderer::call(e, ctx);
  }

  // An enum label longer than 63 bytes is refused by the server: said here,
  // with the line. (Longer names are cut to 63 bytes with a NOTICE, as
  // Alembic projects rely on: that is lint rule identifier-too-long's.)
  void check_label(std::string_view label, const RenderContext& ctx) const {
    if (label.size() <= info().identifier_limit) return;
    error(ctx, ctx.statement_span,
          fmt::format("enum value {} is {} bytes; {} allows {}", label, label.size(), info().title,
                      info().identifier_limit),
          "choose a shorter value");
  }

  std::vector<Step> create_enum(const Enum& e, const RenderContext& ctx) const override {
    std::vector<std::string> values;
    for (const auto& v : e.values) {
      check_label(v, ctx);
      values.push_back(literal(v));
    }
    std::string list;
    for (size_t i = 0; i < values.size(); ++i) list += (i ? ", " : "") + values[i];
    return {step(fmt::format("CREATE TYPE {} AS ENUM ({});", qualified(e.schema, e.name), list))};
  }

  // A new value can be used only once committed; before 12 the statement
  // cannot even run inside a transaction block.
  std::vector<Step> render_node(const ast::AlterEnumAddValue& s,
                                const RenderContext& ctx) const override {
    check_label(s.value.value, ctx);
    std::string sql =
        fmt::format("ALTER TYPE {} ADD VALUE {}", qualified(s.name), literal(s.value.value));
    if (s.before) sql += " BEFORE " + literal(s.before->value);
    if (s.after) sql += " AFTER " + literal(s.after->value);
    Step st = step(sql + ";", !at_least("12"));
    st.new_enum_literal = literal(s.value.value);
    return {st};
  }

  std::vector<Step> render_node(const ast::DropEnum& s, const RenderContext&) const override {
    return {step(fmt::format("DROP TYPE {};", qualified(s.name)))};
  }

  // Session-wide, so that they hold in every transaction of the script.
  std::vector<std::string> session_settings(const EmitSettings& emit) const override {
    std::vector<std::string> out;
    if (emit.lock_timeout) out.push_back("SET lock_timeout = " + literal(*emit.lock_timeout) + ";");
    if (emit.statement_timeout)
      out.push_back("SET statement_timeout = " + literal(*emit.statement_timeout) + ";");
    return out;
  }

  std::string guard(std::string_view table, const std::vector<std::string>& present,
                    const std::vector<std::string>& absent,
                    std::string_view message) const override {
    std::string body = concat({"BEGIN\n  IF NOT (\n    ", expected_state(table, present, absent),
                               "\n  ) THEN\n    RAISE EXCEPTION USING MESSAGE = ", literal(message),
                               ";\n  END IF;\nEND\n"});
    // The dollar quote must not occur in the body (a table name could hold it).
    std::string tag = "$retort$";
    for (int n = 2; body.find(tag) != std::string::npos; ++n) tag = fmt::format("$retort{}$", n);
    return concat({"DO ", tag, "\n", body, tag, ";"});
  }
};

}  // namespace

std::unique_ptr<Renderer> make_postgresql_renderer(Target target) {
  return std::make_unique<PostgresqlRenderer>(std::move(target));
}

}  // namespace retort::emit
