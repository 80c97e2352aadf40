// Unit tests of the emit core: quoting, literals, comments, types,
// expressions, the version rows on graphs, guard sets and ranges.
#include <gtest/gtest.h>

#include "compiler/parser.h"
#include "compiler/replay.h"
#include "emit/registry.h"
#include "emit/script.h"

namespace retort::emit {
namespace {

std::unique_ptr<Renderer> postgresql(std::string version = "15") {
  return make_renderer(Target{"postgresql", std::move(version)});
}

RevisionNode node(const std::string& id, std::vector<std::string> parents,
                  std::vector<std::string> depends = {}) {
  RevisionNode n;
  n.id = id;
  n.path = "migrations/" + id + ".rev";
  for (auto& p : parents) n.parents.push_back({p, {}});
  for (auto& d : depends) n.depends_on.push_back({d, {}});
  return n;
}

RevisionGraph graph(std::vector<RevisionNode> nodes) {
  DiagnosticSink sink;
  RevisionGraph g = RevisionGraph::build(std::move(nodes), sink);
  EXPECT_FALSE(sink.has_errors());
  return g;
}

// Renders the upgrade statements of a one-file revision; diagnostics in `sink`.
std::string render_revision(const std::string& body, DiagnosticSink& sink,
                            const std::string& version = "15") {
  SourceFile file{"t.rev", "revision aaaa0001;\nupgrade {\n" + body + "\n}\n"};
  auto rev = parse_revision(file, sink);
  EXPECT_TRUE(rev.has_value());
  if (!rev) return {};
  auto renderer = postgresql(version);
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

TEST(Quote, OnlyWhereNeeded) {
  auto r = postgresql();
  EXPECT_EQ(r->quote("users"), "users");
  EXPECT_EQ(r->quote("user"), "\"user\"");
  EXPECT_EQ(r->quote("order"), "\"order\"");
  EXPECT_EQ(r->quote("MixedCase"), "\"MixedCase\"");
  EXPECT_EQ(r->quote("we\"ird"), "\"we\"\"ird\"");
  EXPECT_EQ(r->quote("1abc"), "\"1abc\"");
  EXPECT_EQ(r->quote("a b"), "\"a b\"");
  EXPECT_EQ(r->quote("status"), "status");  // a key word, but not reserved
  EXPECT_EQ(r->quote("_x9"), "_x9");
  EXPECT_EQ(r->qualified("billing", "order"), "billing.\"order\"");
}

TEST(Literal, EscapesForPostgresql) {
  auto r = postgresql();
  EXPECT_EQ(r->literal("it's"), "'it''s'");
  EXPECT_EQ(r->literal("a\nb"), "'a\nb'");
  // A backslash means the same whatever standard_conforming_strings says.
  EXPECT_EQ(r->literal("C:\\x'"), "E'C:\\\\x'''");
}

TEST(Comment, NothingLeavesTheComment) {
  EXPECT_EQ(Renderer::comment_text("a\nDROP TABLE x; */"), "a\\nDROP TABLE x; * /");
  EXPECT_EQ(Renderer::comment_text("a\r\nb\rc\td/*e"), "a\\nb\\rc d/ *e");
  EXPECT_EQ(Renderer::comment_text(std::string("nul\x01")), "nul?");
}

TEST(Types, PostgresqlTable) {
  DiagnosticSink sink;
  std::string sql = render_revision(
      "create table t (a boolean, b smallint, c integer, d bigint, e decimal(10, 2), f real,"
      " g double, h string(5), i string, j char(2), k text, l binary, m date, n time,"
      " o timestamp, p timestamptz, q uuid, r json, s native('inet'));",
      sink);
  EXPECT_FALSE(sink.has_errors());
  EXPECT_EQ(sql,
            "CREATE TABLE t (\n    a BOOLEAN,\n    b SMALLINT,\n    c INTEGER,\n    d BIGINT,\n"
            "    e NUMERIC(10, 2),\n    f REAL,\n    g DOUBLE PRECISION,\n    h VARCHAR(5),\n"
            "    i VARCHAR,\n    j CHAR(2),\n    k TEXT,\n    l BYTEA,\n    m DATE,\n"
            "    n TIME,\n    o TIMESTAMP,\n    p TIMESTAMPTZ,\n    q UUID,\n    r JSONB,\n"
            "    s inet\n);\n");
}

TEST(Expressions, PortableWordsAndPrecedence) {
  DiagnosticSink sink;
  std::string sql = render_revision(
      "create table t (a integer, b integer,"
      " c timestamptz default now(), d uuid default gen_uuid(),"
      " e timestamp default current_timestamp,"
      " check ((a + b) * 2 > - -1 and not (a = 1 or b = 2)),"
      " check (a between 1 and 3 and b not in (1, 2) and cast(a as bigint) is not null),"
      " check (sql($$ a::text ~ '^[0-9]+$' $$)));",
      sink);
  EXPECT_FALSE(sink.has_errors());
  EXPECT_NE(sql.find("c TIMESTAMPTZ DEFAULT now()"), std::string::npos) << sql;
  EXPECT_NE(sql.find("d UUID DEFAULT gen_random_uuid()"), std::string::npos) << sql;
  EXPECT_NE(sql.find("e TIMESTAMP DEFAULT CURRENT_TIMESTAMP"), std::string::npos) << sql;
  EXPECT_NE(sql.find("CHECK ((a + b) * 2 > -(-1) AND NOT (a = 1 OR b = 2))"), std::string::npos)
      << sql;
  EXPECT_NE(
      sql.find("CHECK (a BETWEEN 1 AND 3 AND b NOT IN (1, 2) AND CAST(a AS BIGINT) IS NOT NULL)"),
      std::string::npos)
      << sql;
  EXPECT_NE(sql.find("CHECK (a::text ~ '^[0-9]+$')"), std::string::npos) << sql;
}

TEST(Expressions, GenUuidNeedsPostgresql13) {
  DiagnosticSink sink;
  render_revision("create table t (d uuid default gen_uuid());", sink, "12");
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  EXPECT_EQ(sink.diagnostics()[0].code, "dialect");
}

TEST(Statements, ExecuteWithoutBodyIsADialectError) {
  DiagnosticSink sink;
  std::string sql = render_revision(
      "execute (mysql: $$ SELECT 1 $$);\n@only(mysql) execute (mysql: $$ SELECT 2 $$);\n"
      "execute (default: $$ SELECT 3 -- done $$);",
      sink);
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  EXPECT_EQ(sink.diagnostics()[0].code, "dialect");
  EXPECT_EQ(sink.diagnostics()[0].span.line, 3u);
  EXPECT_EQ(sql, "SELECT 3 -- done\n;\n");
}

TEST(Statements, EnumValueAddedOutsideTransactionBefore12) {
  for (const char* version : {"11", "12"}) {
    DiagnosticSink sink;
    SourceFile file{"t.rev",
                    "revision aaaa0001;\nupgrade {\ncreate enum e ('a');\n"
                    "alter enum e add value 'b';\n}\n"};
    auto rev = parse_revision(file, sink);
    ASSERT_TRUE(rev);
    auto r = postgresql(version);
    ReplayOptions options;
    SchemaModel schema;
    std::vector<Step> steps;
    for (const auto& s : rev->upgrade) {
      SchemaModel before = schema;
      apply_statement(s, file.path, schema, options, sink);
      RenderContext ctx{before, schema, file.path, options, sink, "aaaa0001", s.span};
      for (auto& st : r->render(s, ctx)) steps.push_back(st);
    }
    ASSERT_EQ(steps.size(), 2u);
    EXPECT_EQ(steps[1].sql, "ALTER TYPE e ADD VALUE 'b';");
    EXPECT_EQ(steps[1].outside_transaction, std::string(version) == "11");
    EXPECT_EQ(steps[1].new_enum_literal, "'b'");
  }
}

TEST(Targets, ParseNameAndVersion) {
  Config config;
  std::string error;
  auto t = parse_target("pg@12.4", config, error);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->dialect, "postgresql");
  EXPECT_EQ(t->version, "12.4");
  t = parse_target("", config, error);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->to_string(), "postgresql 15");
  EXPECT_FALSE(parse_target("pg@x", config, error));
  EXPECT_NE(error.find("bad version"), std::string::npos);
  EXPECT_FALSE(parse_target("db2", config, error));
  EXPECT_FALSE(make_renderer(Target{"oracle", "19"}));  // not built yet
}

// a -> b -> d (merge of b, c); a -> c; e depends on b; f -> e.
RevisionGraph sample() {
  return graph({node("a", {}), node("b", {"a"}), node("c", {"a"}), node("d", {"b", "c"}),
                node("e", {}, {"b"}), node("f", {"e"})});
}

TEST(VersionRows, BaseStepBranchMergeAndDepends) {
  RevisionGraph g = sample();
  VersionRows rows(g, {});
  auto change = rows.upgrade("a");  // base: insert
  EXPECT_TRUE(change.remove.empty());
  EXPECT_EQ(change.add, std::vector<std::string>{"a"});
  change = rows.upgrade("b");  // step: update a -> b
  EXPECT_EQ(change.remove, std::vector<std::string>{"a"});
  change = rows.upgrade("c");  // second child of a: a new row
  EXPECT_TRUE(change.remove.empty());
  EXPECT_EQ(rows.rows(), (std::vector<std::string>{"b", "c"}));
  change = rows.upgrade("e");  // depends on b only: replaces b's row
  EXPECT_EQ(change.remove, std::vector<std::string>{"b"});
  EXPECT_EQ(rows.rows(), (std::vector<std::string>{"c", "e"}));
  change = rows.upgrade("d");  // merge: b is implied by e, so only c is replaced
  EXPECT_EQ(change.remove, std::vector<std::string>{"c"});
  EXPECT_EQ(rows.rows(), (std::vector<std::string>{"e", "d"}));
}

TEST(VersionRows, MergeDeletesAndUpdates) {
  RevisionGraph g = sample();
  VersionRows rows(g, {"b", "c"});
  auto change = rows.upgrade("d");
  EXPECT_EQ(change.remove, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(change.add, std::vector<std::string>{"d"});
  auto r = postgresql();
  EXPECT_EQ(version_statements(*r, "retort_version", change),
            (std::vector<std::string>{
                "DELETE FROM retort_version WHERE version_num = 'b';",
                "UPDATE retort_version SET version_num = 'd' WHERE version_num = 'c';"}));
}

TEST(VersionRows, DowngradeUnmergesAndDeletesAtTheBottom) {
  RevisionGraph g = sample();
  VersionRows rows(g, {"d"});
  auto change = rows.downgrade("d");  // unmerge: update d -> b, insert c
  EXPECT_EQ(change.remove, std::vector<std::string>{"d"});
  EXPECT_EQ(change.add, (std::vector<std::string>{"b", "c"}));
  auto r = postgresql();
  EXPECT_EQ(version_statements(*r, "v", change),
            (std::vector<std::string>{"UPDATE v SET version_num = 'b' WHERE version_num = 'd';",
                                      "INSERT INTO v (version_num) VALUES ('c');"}));
  change = rows.downgrade("c");  // a is still under b: delete
  EXPECT_TRUE(change.add.empty());
  EXPECT_EQ(version_statements(*r, "v", change),
            std::vector<std::string>{"DELETE FROM v WHERE version_num = 'c';"});
  change = rows.downgrade("b");
  EXPECT_EQ(change.add, std::vector<std::string>{"a"});
  change = rows.downgrade("a");
  EXPECT_TRUE(change.add.empty());
  EXPECT_TRUE(rows.rows().empty());
}

TEST(GuardSets, InsertsAlsoCheckDescendants) {
  RevisionGraph g = sample();
  auto [present, absent] = guard_sets(g, VersionChange{{}, {"a"}});
  EXPECT_TRUE(present.empty());
  EXPECT_EQ(absent, (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  std::tie(present, absent) = guard_sets(g, VersionChange{{"b"}, {"d"}});
  EXPECT_EQ(present, std::vector<std::string>{"b"});
  EXPECT_EQ(absent, std::vector<std::string>{"d"});
  std::tie(present, absent) = guard_sets(g, VersionChange{{}, {"c"}});
  EXPECT_EQ(absent, (std::vector<std::string>{"c", "d"}));
}

TEST(GuardSets, ExpectedStateSql) {
  auto r = postgresql();
  EXPECT_EQ(r->expected_state("v", {"a", "b"}, {"c"}),
            "(SELECT COUNT(*) FROM v WHERE version_num IN ('a', 'b')) = 2\n"
            "    AND (SELECT COUNT(*) FROM v WHERE version_num IN ('c')) = 0");
  std::string guard = r->guard("x$retort$y", {}, {"c"}, "it's wrong");
  EXPECT_EQ(guard.rfind("DO $retort2$", 0), 0u) << guard;
  EXPECT_NE(guard.find("RAISE EXCEPTION USING MESSAGE = 'it''s wrong';"), std::string::npos);
}

TEST(Ranges, UpgradeAndDowngrade) {
  RevisionGraph g = sample();
  Range up = upgrade_range(g, "d");
  EXPECT_TRUE(up.error.empty()) << up.error;
  EXPECT_EQ(up.revisions, (std::vector<std::string>{"a", "b", "c", "d"}));
  up = upgrade_range(g, "c:f");
  EXPECT_NE(up.error.find("is not an ancestor"), std::string::npos) << up.error;
  up = upgrade_range(g, "b:f");
  EXPECT_EQ(up.revisions, (std::vector<std::string>{"e", "f"}));
  up = upgrade_range(g, "d:b");
  EXPECT_NE(up.error.find("\"d\" is not an ancestor"), std::string::npos) << up.error;

  Range down = downgrade_range(g, "d:base");
  EXPECT_EQ(down.revisions, (std::vector<std::string>{"d", "c", "b", "a"}));
  down = downgrade_range(g, "f:-1");
  EXPECT_EQ(down.revisions, std::vector<std::string>{"f"});
  down = downgrade_range(g, "b:d");
  EXPECT_NE(down.error.find("is not an ancestor"), std::string::npos);
  down = downgrade_range(g, "d");
  EXPECT_NE(down.error.find("FROM:TO"), std::string::npos);
}

TEST(Output, RecognisesItsOwnScripts) {
  EXPECT_TRUE(is_retort_output("-- Generated by Retort 0.1.0: upgrade"));
  EXPECT_FALSE(is_retort_output("-- my notes"));
  EXPECT_FALSE(is_retort_output(""));
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace retort::emit
