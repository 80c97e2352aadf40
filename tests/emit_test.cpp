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

// What a derived downgrade step renders as: `setup` replayed, then each
// statement of `statements` rendered for `dialect` with the context of a
// derived downgrade (`derived`) or of an upgrade. Steps with their comments
// (`-- ...` lines) above them; diagnostics in `sink`.
std::string render_after(const std::string& dialect, const std::string& setup,
                         const std::string& statements, bool derived, DiagnosticSink& sink) {
  SourceFile first{"a.rev", "revision aaaa0001;\nupgrade {\n" + setup + "\n}\n"};
  SourceFile second{"b.rev", "revision aaaa0002;\nupgrade {\n" + statements + "\n}\n"};
  auto a = parse_revision(first, sink);
  auto b = parse_revision(second, sink);
  EXPECT_TRUE(a && b);
  if (!a || !b) return {};
  auto renderer = make_renderer(Target{dialect, dialect == "postgresql" ? "15"
                                                : dialect == "sqlite"   ? "3.40"
                                                : dialect == "mariadb"  ? "10.11"
                                                                        : "8.0.36"});
  ReplayOptions options;
  SchemaModel schema;
  replay_upgrade(*a, schema, options, sink);
  std::string out;
  for (const auto& s : b->upgrade) {
    SchemaModel before = schema;
    EXPECT_TRUE(apply_statement(s, second.path, schema, options, sink));
    RenderContext ctx{before, schema, second.path, options, sink, "aaaa0002", s.span, derived};
    for (const auto& step : renderer->render(s, ctx)) {
      for (const auto& c : step.comments) out += "-- " + c + "\n";
      out += step.sql + "\n";
    }
  }
  return out;
}

const char* kParentChild =
    "create table p (id integer primary key);\n"
    "create table c (id integer primary key, p_id integer references p (id));";

TEST(DerivedDowngrades, ForeignKeyAddedBackNotValidSkipsTheRowsEverywhere) {
  const std::string setup = std::string(kParentChild) +
                            "\nalter table c drop constraint fk_c_p_id_p;\n"
                            "create index ix_c_p_id on c (p_id);";
  const std::string add =
      "alter table c add constraint fk_c_p_id_p foreign key (p_id) "
      "references p (id) not valid;";
  DiagnosticSink sink;
  EXPECT_EQ(render_after("postgresql", setup, add, true, sink),
            "-- NOT VALID: the rows already in c are not checked; once those that break it are "
            "fixed, run ALTER TABLE c VALIDATE CONSTRAINT fk_c_p_id_p\n"
            "ALTER TABLE c ADD CONSTRAINT fk_c_p_id_p FOREIGN KEY (p_id) REFERENCES p (id) NOT "
            "VALID;\n");
  EXPECT_EQ(render_after("mysql", setup, add, true, sink),
            "-- FOREIGN_KEY_CHECKS off for this statement only: MySQL adds fk_c_p_id_p without "
            "checking the rows already in c\n"
            "SET FOREIGN_KEY_CHECKS = 0;\n"
            "ALTER TABLE c ADD CONSTRAINT fk_c_p_id_p FOREIGN KEY (p_id) REFERENCES p (id);\n"
            "SET FOREIGN_KEY_CHECKS = 1;\n");
  // Written by a user, `not valid` keeps its documented meaning on MySQL.
  EXPECT_EQ(render_after("mysql", setup, add, false, sink),
            "-- NOT VALID dropped: MySQL checks every row now\n"
            "ALTER TABLE c ADD CONSTRAINT fk_c_p_id_p FOREIGN KEY (p_id) REFERENCES p (id);\n");
  std::string sqlite = render_after("sqlite", setup, add, true, sink);
  EXPECT_NE(sqlite.find("SELECT 1 FROM pragma_foreign_key_check('c')\n"
                        "      WHERE fkid NOT IN (SELECT id FROM pragma_foreign_key_list('c') "
                        "WHERE seq = 0 AND \"table\" = 'p' AND \"from\" = 'p_id')"),
            std::string::npos)
      << sqlite;
  EXPECT_NE(sqlite.find("-- the check leaves out foreign key fk_c_p_id_p of c"), std::string::npos)
      << sqlite;
  sqlite = render_after("sqlite", setup, add, false, sink);
  EXPECT_NE(sqlite.find("SELECT 1 FROM pragma_foreign_key_check('c')\n  )"), std::string::npos)
      << sqlite;
  EXPECT_TRUE(sink.empty());
}

TEST(DerivedDowngrades, MysqlGivesAForeignKeyItsOwnIndexBack) {
  // The index took over from the one MySQL made for fk_c_p_id_p.
  const std::string setup = std::string(kParentChild) +
                            "\ncreate index ix_c_p_id_id on c (p_id, id);\n"
                            "alter table c add constraint uq_c_p_id unique (p_id, id);";
  const std::string both =
      "-- MariaDB refuses to drop the last index of foreign key fk_c_p_id_p: dropped with index "
      "ix_c_p_id_id and added back below, MariaDB makes its own index for it again, as before "
      "the upgrade created index ix_c_p_id_id\n"
      "ALTER TABLE c DROP FOREIGN KEY fk_c_p_id_p,\n"
      "    DROP INDEX ix_c_p_id_id;\n"
      "-- MariaDB also creates index fk_c_p_id_p (p_id) for foreign key fk_c_p_id_p: no index "
      "covers it\n"
      "-- FOREIGN_KEY_CHECKS off for this statement only: MariaDB adds fk_c_p_id_p without "
      "checking the rows already in c\n"
      "SET FOREIGN_KEY_CHECKS = 0;\n"
      "ALTER TABLE c ADD CONSTRAINT fk_c_p_id_p FOREIGN KEY (p_id) REFERENCES p (id);\n"
      "SET FOREIGN_KEY_CHECKS = 1;\n";
  DiagnosticSink sink;
  // The unique constraint still covers it: a plain drop.
  EXPECT_EQ(render_after("mariadb", setup, "drop index ix_c_p_id_id;", true, sink),
            "DROP INDEX ix_c_p_id_id ON c;\n");
  std::string sql = render_after(
      "mariadb", setup, "alter table c drop constraint uq_c_p_id;\ndrop index ix_c_p_id_id;", true,
      sink);
  EXPECT_EQ(sql, "ALTER TABLE c DROP INDEX uq_c_p_id;\n" + both) << sql;
  sql = render_after("mariadb", setup,
                     "drop index ix_c_p_id_id;\nalter table c drop constraint uq_c_p_id;", true,
                     sink);
  EXPECT_NE(sql.find("ALTER TABLE c DROP FOREIGN KEY fk_c_p_id_p,\n    DROP INDEX uq_c_p_id;\n"),
            std::string::npos)
      << sql;
  EXPECT_TRUE(sink.empty());
  // In an upgrade the same drop stays an error (dialects.md).
  render_after("mariadb", setup,
               "alter table c drop constraint uq_c_p_id;\ndrop index ix_c_p_id_id;", false, sink);
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  EXPECT_EQ(sink.diagnostics()[0].code, "dialect");
}

TEST(DerivedDowngrades, MysqlRenamesAForeignKeyWithTheServersOwnIndex) {
  DiagnosticSink sink;
  EXPECT_EQ(
      render_after("mariadb", kParentChild,
                   "alter table c rename constraint fk_c_p_id_p to fk_c_parent;", false, sink),
      "-- MariaDB cannot rename a foreign key: it is dropped with the index it made for it "
      "and added again\n"
      "ALTER TABLE c DROP FOREIGN KEY fk_c_p_id_p,\n"
      "    DROP INDEX fk_c_p_id_p;\n"
      "-- MariaDB also creates index fk_c_parent (p_id) for foreign key fk_c_parent: no "
      "index covers it\n"
      "-- FOREIGN_KEY_CHECKS off for this statement only: MariaDB adds fk_c_parent without "
      "checking the rows already in c\n"
      "SET FOREIGN_KEY_CHECKS = 0;\n"
      "ALTER TABLE c ADD CONSTRAINT fk_c_parent FOREIGN KEY (p_id) REFERENCES p (id);\n"
      "SET FOREIGN_KEY_CHECKS = 1;\n");
  EXPECT_TRUE(sink.empty());
}

TEST(DerivedDowngrades, SqliteRebuildFillsAnAddedColumnWithTheDefaultItWasAddedWith) {
  DiagnosticSink sink;
  std::string sql = render_after(
      "sqlite", "create table t (id integer primary key);",
      "alter table t add column code string(5), add constraint uq_t_code unique (code),\n"
      "  alter column code set default 'x';",
      true, sink);
  EXPECT_NE(sql.find("INSERT INTO _retort_new_t (id, code)\n    SELECT id, NULL FROM t;"),
            std::string::npos)
      << sql;
  sql = render_after("sqlite", "create table t (id integer primary key);",
                     "alter table t add column n integer not null default 0, alter column n "
                     "drop default;",
                     false, sink);
  EXPECT_NE(sql.find("INSERT INTO _retort_new_t (id, n)\n    SELECT id, 0 FROM t;"),
            std::string::npos)
      << sql;
  EXPECT_TRUE(sink.empty());
}

// SQLite has no CASCADE: what the model drops with the table goes too, the
// other tables' foreign keys to it by a rebuild of each, in one step.
TEST(SqliteDropTable, CascadeRebuildsTheTablesThatReferencedIt) {
  const std::string setup =
      "create table p (id integer primary key, up_id integer references p (id));\n"
      "create table c (id integer primary key, p_id integer references p (id));\n"
      "create table d (id integer primary key, a_id integer references p (id),\n"
      "  b_id integer references p (id), c_id integer references c (id));\n"
      "create view v as $$ SELECT id FROM p $$;\n"
      "create view w as $$ SELECT id FROM v $$;\n"
      "create view cv as $$ SELECT id FROM c $$;";
  DiagnosticSink sink;
  std::string sql = render_after("sqlite", setup, "drop table p cascade;", false, sink);
  EXPECT_TRUE(sink.empty());
  EXPECT_TRUE(sql.starts_with(
      "-- drop table p cascade, with a table rebuild of c, d (SQLite has no CASCADE, and its "
      "ALTER TABLE cannot drop a foreign key): the foreign keys to it go: fk_c_p_id_p of c, "
      "fk_d_a_id_p of d, fk_d_b_id_p of d\n"))
      << sql;
  auto at = [&](std::string_view text) { return sql.find(text); };
  // Views first (readers before what they read), then the table: with
  // foreign keys off, its DROP deletes no rows of c or d.
  EXPECT_LT(at("PRAGMA foreign_keys=OFF;"), at("DROP VIEW w;")) << sql;
  EXPECT_LT(at("DROP VIEW w;"), at("DROP VIEW v;")) << sql;
  EXPECT_LT(at("DROP VIEW cv;"), at("DROP TABLE p;")) << sql;
  EXPECT_LT(at("DROP TABLE p;"), at("CREATE TABLE _retort_new_c (")) << sql;
  EXPECT_LT(at("CREATE TABLE _retort_new_d ("), at("CREATE VIEW cv AS")) << sql;
  EXPECT_EQ(at("REFERENCES p "), std::string::npos) << sql;
  EXPECT_NE(at("CONSTRAINT fk_d_c_id_c FOREIGN KEY (c_id) REFERENCES c (id)"), std::string::npos)
      << sql;
  EXPECT_EQ(at("CREATE VIEW v "), std::string::npos) << sql;
  EXPECT_EQ(at("CREATE VIEW w "), std::string::npos) << sql;
  EXPECT_NE(at("SELECT 1 FROM pragma_foreign_key_check('c')\n"
               "    UNION ALL SELECT 1 FROM pragma_foreign_key_check('d')\n  )"),
            std::string::npos)
      << sql;
  EXPECT_TRUE(sql.ends_with("COMMIT;\n\nPRAGMA foreign_keys=ON;\n")) << sql;

  // Referenced by nothing else: its views, then the table.
  EXPECT_EQ(render_after("sqlite", setup, "drop table d cascade;", false, sink), "DROP TABLE d;\n");
  EXPECT_EQ(render_after("sqlite", setup, "drop view cv;\ndrop table d;\ndrop table c cascade;",
                         false, sink),
            "DROP VIEW cv;\nDROP TABLE d;\nDROP TABLE c;\n");
  EXPECT_EQ(render_after("sqlite", setup, "drop table d;\ndrop table c cascade;", false, sink),
            "DROP TABLE d;\nDROP VIEW cv;\nDROP TABLE c;\n");
  EXPECT_EQ(render_after("sqlite", setup, "drop table if exists gone cascade;", false, sink),
            "DROP TABLE IF EXISTS gone;\n");
  EXPECT_TRUE(sink.empty());
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
  EXPECT_TRUE(make_renderer(Target{"oracle", "19"}));
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

// Renderer::may_merge_alters must say yes for every dialect whose
// merges_alters can: the script assembler asks the first before it
// replays a run a second time for the second. A run SQLite rebuilds once.
TEST(MergedAlters, EveryDialectThatMergesSaysItMay) {
  DiagnosticSink sink;
  SourceFile file{"t.rev",
                  "revision aaaa0001;\nupgrade {\n"
                  "create table t (id bigint primary key, a int, b string(10));\n"
                  "alter table t drop column a;\n"
                  "alter table t alter column b type string(20);\n}\n"};
  auto rev = parse_revision(file, sink);
  ASSERT_TRUE(rev.has_value());
  ASSERT_EQ(rev->upgrade.size(), 3u);
  ReplayOptions options;
  SchemaModel before;
  ASSERT_TRUE(apply_statement(rev->upgrade[0], file.path, before, options, sink));
  SchemaModel after = before;
  ASSERT_TRUE(apply_statement(rev->upgrade[1], file.path, after, options, sink));
  ASSERT_TRUE(apply_statement(rev->upgrade[2], file.path, after, options, sink));
  ast::AlterTable all = std::get<ast::AlterTable>(rev->upgrade[1].node);
  for (const auto& a : std::get<ast::AlterTable>(rev->upgrade[2].node).actions)
    all.actions.push_back(a);
  size_t merging = 0;
  for (const auto& entry : dialect_registry()) {
    Config config;
    std::string error;
    auto target = parse_target(entry.name, config, error);  // dialects.md's default version
    ASSERT_TRUE(target) << entry.name << ": " << error;
    auto renderer = make_renderer(*target);
    ASSERT_TRUE(renderer) << entry.name;
    DiagnosticSink quiet;
    RenderContext ctx{before, after, file.path, options, quiet, "aaaa0001", rev->upgrade[1].span};
    if (renderer->merges_alters(all, ctx)) {
      ++merging;
      EXPECT_TRUE(renderer->may_merge_alters()) << entry.name;
    }
  }
  EXPECT_GE(merging, 1u);  // SQLite rebuilds the table for the run
}

TEST(Output, RecognisesItsOwnScripts) {
  EXPECT_TRUE(is_retort_output("-- Generated by Retort 0.1.0: upgrade"));
  EXPECT_FALSE(is_retort_output("-- my notes"));
  EXPECT_FALSE(is_retort_output(""));
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace retort::emit
