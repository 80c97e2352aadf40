// Unit tests of the Oracle renderer (emit/oracle.cpp): quoting and case
// folding, the `/` that ends PL/SQL blocks and nothing else, the guard,
// the MODIFY forms, the boolean check and the 30-byte limit before 12.2.
#include <gtest/gtest.h>

#include "compiler/parser.h"
#include "compiler/replay.h"
#include "emit/registry.h"

namespace retort::emit {
namespace {

std::unique_ptr<Renderer> oracle(std::string version = "19") {
  return make_renderer(Target{"oracle", std::move(version)});
}

// Renders the upgrade statements of a one-file revision; diagnostics in `sink`.
std::string render_revision(const std::string& body, DiagnosticSink& sink,
                            const std::string& version = "19") {
  SourceFile file{"t.rev", "revision aaaa0001;\nupgrade {\n" + body + "\n}\n"};
  auto rev = parse_revision(file, sink);
  EXPECT_TRUE(rev.has_value());
  if (!rev) return {};
  auto renderer = oracle(version);
  ReplayOptions options;
  SchemaModel schema;
  std::string out;
  for (const auto& s : rev->upgrade) {
    SchemaModel before = schema;
    EXPECT_TRUE(apply_statement(s, file.path, schema, options, sink));
    RenderContext ctx{before, schema, file.path, options, sink, "aaaa0001", s.span};
    for (const auto& step : renderer->render(s, ctx)) out += step.sql + "\n";
  }
  return out;
}

bool has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(OracleQuote, LowerCaseBareElseQuoted) {
  auto r = oracle();
  ASSERT_TRUE(r);
  // Bare, it folds to USERS, which is what every statement names.
  EXPECT_EQ(r->quote("users"), "users");
  EXPECT_EQ(r->quote("user"), "\"user\"");      // reserved
  EXPECT_EQ(r->quote("order"), "\"order\"");    // reserved
  EXPECT_EQ(r->quote("level"), "\"level\"");    // reserved in Oracle only
  EXPECT_EQ(r->quote("Mixed"), "\"Mixed\"");    // would fold to MIXED
  EXPECT_EQ(r->quote("_under"), "\"_under\"");  // must begin with a letter
  EXPECT_EQ(r->quote("a b"), "\"a b\"");
  EXPECT_EQ(r->literal("it's"), "'it''s'");
}

TEST(OracleSlash, OnlyAfterPlsqlBlocks) {
  DiagnosticSink sink;
  std::string sql = render_revision(
      "create table t (id integer primary key);\n"
      "execute $$ BEGIN NULL; END; $$ reverse $$ SELECT 1 FROM dual $$;\n"
      "execute $$ declare x number; begin x := 1; end $$ reverse $$ SELECT 1 FROM dual $$;\n"
      "execute $$ UPDATE t SET id = id $$ reverse $$ SELECT 1 FROM dual $$;\n"
      "execute $$ CREATE OR REPLACE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW BEGIN NULL; "
      "END; $$ reverse $$ DROP TRIGGER t_bi $$;",
      sink);
  EXPECT_FALSE(sink.has_errors());
  EXPECT_TRUE(has(sql,
                  "CREATE TABLE t (\n    id NUMBER(10) NOT NULL,\n    CONSTRAINT pk_t "
                  "PRIMARY KEY (id)\n);\n"));
  EXPECT_TRUE(has(sql, "BEGIN NULL; END;\n/\n"));
  EXPECT_TRUE(has(sql, "declare x number; begin x := 1; end;\n/\n"));
  EXPECT_TRUE(has(sql, "UPDATE t SET id = id;\n"));
  EXPECT_TRUE(has(sql, "FOR EACH ROW BEGIN NULL; END;\n/\n"));
  // Exactly the three PL/SQL blocks end with a `/` line.
  size_t slashes = 0;
  for (size_t at = sql.find("\n/\n"); at != std::string::npos; at = sql.find("\n/\n", at + 1))
    ++slashes;
  EXPECT_EQ(slashes, 3u);
}

TEST(OracleGuard, PlsqlBlockRaisingApplicationError) {
  auto r = oracle();
  std::string g = r->guard("retort_version", {"a1"}, {"b2"}, "retort: expected a1");
  EXPECT_EQ(g.rfind("DECLARE\n", 0), 0u);
  EXPECT_TRUE(has(g,
                  "SELECT CASE WHEN\n    (SELECT COUNT(*) FROM retort_version WHERE "
                  "version_num IN ('a1')) = 1\n    AND (SELECT COUNT(*) FROM retort_version "
                  "WHERE version_num IN ('b2')) = 0\n  THEN 1 ELSE 0 END INTO expected FROM "
                  "dual;"));
  EXPECT_TRUE(has(g, "RAISE_APPLICATION_ERROR(-20000, 'retort: expected a1');"));
  EXPECT_TRUE(g.ends_with("END;\n/"));
  // The version table: a block ignoring ORA-00955 before 23, IF NOT EXISTS from it.
  std::string v = r->create_version_table("retort_version");
  EXPECT_TRUE(has(v, "PRAGMA EXCEPTION_INIT(name_used, -955);"));
  EXPECT_TRUE(has(v, "version_num VARCHAR2(32 CHAR) NOT NULL"));
  EXPECT_TRUE(v.ends_with("END;\n/"));
  std::string v23 = oracle("23.4")->create_version_table("retort_version");
  EXPECT_EQ(v23.rfind("CREATE TABLE IF NOT EXISTS retort_version (", 0), 0u);
  EXPECT_FALSE(has(v23, "/"));
  EXPECT_EQ(r->client_settings().front(), "WHENEVER SQLERROR EXIT FAILURE");
  EXPECT_FALSE(r->info().transactional_ddl);
}

TEST(OracleAlter, ModifyForms) {
  DiagnosticSink sink;
  std::string sql = render_revision(
      "create table t (id integer primary key, c string(10), d integer not null);\n"
      "alter table t alter column c type string(20);\n"
      "alter table t alter column c set not null;\n"
      "alter table t alter column d drop not null;\n"
      "alter table t alter column d set default 5;\n"
      "alter table t alter column d drop default;\n"
      "alter table t rename column c to e;\n"
      "alter table t add column f string(5);\n"
      "alter table t drop column f;\n"
      "alter table t rename to u;",
      sink);
  EXPECT_FALSE(sink.has_errors());
  EXPECT_TRUE(has(sql, "ALTER TABLE t MODIFY (c VARCHAR2(20 CHAR));\n"));
  EXPECT_TRUE(has(sql, "ALTER TABLE t MODIFY c NOT NULL;\n"));
  EXPECT_TRUE(has(sql, "ALTER TABLE t MODIFY d NULL;\n"));
  EXPECT_TRUE(has(sql, "ALTER TABLE t MODIFY d DEFAULT 5;\n"));
  EXPECT_TRUE(has(sql, "ALTER TABLE t MODIFY d DEFAULT NULL;\n"));
  EXPECT_TRUE(has(sql, "ALTER TABLE t RENAME COLUMN c TO e;\n"));
  EXPECT_TRUE(has(sql, "ALTER TABLE t ADD (f VARCHAR2(5 CHAR));\n"));
  EXPECT_TRUE(has(sql, "ALTER TABLE t DROP COLUMN f;\n"));
  EXPECT_TRUE(has(sql, "ALTER TABLE t RENAME TO u;\n"));
}

TEST(OracleTypes, BooleanIsNumberWithCheckBefore23) {
  DiagnosticSink sink;
  std::string sql = render_revision(
      "create table t (id integer primary key, flag boolean not null default true);", sink);
  EXPECT_FALSE(sink.has_errors());
  // DEFAULT before NOT NULL, then the check standing in for the type.
  EXPECT_TRUE(has(sql,
                  "flag NUMBER(1) DEFAULT 1 NOT NULL CONSTRAINT ck_t_flag_type CHECK (flag "
                  "IN (0, 1))"));
  DiagnosticSink sink23;
  std::string sql23 = render_revision(
      "create table t (id integer primary key, flag boolean not null default true);", sink23,
      "23.4");
  EXPECT_TRUE(has(sql23, "flag BOOLEAN DEFAULT TRUE NOT NULL,"));
  EXPECT_FALSE(has(sql23, "CHECK"));
}

TEST(OracleTypes, BareBooleanInCheckIsCompared) {
  DiagnosticSink sink;
  std::string sql = render_revision(
      "create table t (id integer primary key, flag boolean, n integer,\n"
      "  constraint ck_t_free check (not flag or n > 0));",
      sink);
  EXPECT_FALSE(sink.has_errors());
  EXPECT_TRUE(has(sql, "CONSTRAINT ck_t_free CHECK (NOT flag = 1 OR n > 0)"));
}

TEST(OracleTypes, TimeAndLongStringsAreErrors) {
  DiagnosticSink sink;
  render_revision("create table t (id integer primary key, at time, s string(4001));", sink);
  ASSERT_EQ(sink.error_count(), 2u);
  EXPECT_EQ(sink.diagnostics()[0].code, "dialect");
}

TEST(OracleNames, ThirtyBytesBefore12Point2) {
  EXPECT_EQ(oracle("12.1")->info().identifier_limit, 30u);
  EXPECT_EQ(oracle("12.2")->info().identifier_limit, 128u);
  EXPECT_EQ(oracle()->info().identifier_limit, 128u);
  const std::string body = "create table a_table_name_of_thirty_one_byte (id integer primary key);";
  DiagnosticSink old_sink;
  render_revision(body, old_sink, "12.1");
  // The table's name, and its primary key's (pk_ + the table's).
  ASSERT_EQ(old_sink.error_count(), 2u);
  EXPECT_EQ(old_sink.diagnostics()[0].code, "dialect");
  bool named = false;
  for (const auto& d : old_sink.diagnostics())
    named =
        named || d.message.find("a_table_name_of_thirty_one_byte is 31 bytes") != std::string::npos;
  EXPECT_TRUE(named);
  DiagnosticSink new_sink;
  render_revision(body, new_sink, "12.2");
  EXPECT_FALSE(new_sink.has_errors());
}

}  // namespace
}  // namespace retort::emit
