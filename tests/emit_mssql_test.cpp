// Unit tests of the SQL Server renderer (emit/mssql.cpp): quoting, GO
// placement, the df_ names of defaults through table and column renames,
// what is dropped before DROP COLUMN and around ALTER COLUMN, and the guard.
// No SQL Server runs here: the expectations follow Microsoft's T-SQL
// documentation (see the comments in emit/mssql.cpp).
#include <gtest/gtest.h>

#include "compiler/parser.h"
#include "compiler/project.h"
#include "compiler/replay.h"
#include "emit/registry.h"
#include "emit/script.h"

namespace retort::emit {
namespace {

std::unique_ptr<Renderer> mssql() {
  return make_renderer(Target{"mssql", "2019"});
}

// Replays `setup` (one revision), then renders `statements` (a second one)
// for SQL Server, each step's comments as `-- ` lines above its SQL.
std::string render_after(const std::string& setup, const std::string& statements,
                         DiagnosticSink& sink) {
  SourceFile first{"a.rev", "revision aaaa0001;\nupgrade {\n" + setup + "\n}\n"};
  SourceFile second{"b.rev", "revision aaaa0002;\nupgrade {\n" + statements + "\n}\n"};
  auto a = parse_revision(first, sink);
  auto b = parse_revision(second, sink);
  EXPECT_TRUE(a && b);
  if (!a || !b) return {};
  auto renderer = mssql();
  ReplayOptions options;
  SchemaModel schema;
  replay_upgrade(*a, schema, options, sink);
  std::string out;
  for (const auto& s : b->upgrade) {
    SchemaModel before = schema;
    EXPECT_TRUE(apply_statement(s, second.path, schema, options, sink));
    RenderContext ctx{before, schema, second.path, options, sink, "aaaa0002", s.span};
    for (const auto& step : renderer->render(s, ctx)) {
      for (const auto& c : step.comments) out += "-- " + c + "\n";
      out += step.sql + "\n";
    }
  }
  return out;
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(MssqlQuote, BracketsOnlyWhereNeeded) {
  auto r = mssql();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->quote("users"), "users");
  EXPECT_EQ(r->quote("user"), "[user]");
  EXPECT_EQ(r->quote("percent"), "[percent]");
  EXPECT_EQ(r->quote("status"), "status");  // not reserved in T-SQL
  EXPECT_EQ(r->quote("Order"), "[Order]");
  EXPECT_EQ(r->quote("a b"), "[a b]");
  EXPECT_EQ(r->quote("we]ird"), "[we]]ird]");
  EXPECT_EQ(r->qualified("billing", "order"), "billing.[order]");
  EXPECT_EQ(r->literal("it's"), "N'it''s'");
  EXPECT_EQ(r->literal("C:\\x"), "N'C:\\x'");
  // Backslash-newline continues a T-SQL string: the pair is kept by
  // writing the backslash again before a second line break.
  EXPECT_EQ(r->literal("a\\\nb"), "N'a\\\\\n\nb'");
  EXPECT_EQ(r->info().identifier_limit, 128u);
  EXPECT_EQ(r->batch_separator(), "GO");
  auto alias = make_renderer(Target{"mssql", "2022"});
  EXPECT_TRUE(alias);
}

TEST(MssqlTypes, TypeTableAndChecks) {
  DiagnosticSink sink;
  std::string out = render_after(
      "create enum mood ('ok', 'happy');",
      "create table t (id integer identity primary key, flag boolean not null default true,"
      " name string(10), big string(5000), doc json, m mood, at timestamp default now(),"
      " tz timestamptz default now(), u uuid default gen_uuid());",
      sink);
  EXPECT_TRUE(has(out, "id INT NOT NULL IDENTITY(1,1)")) << out;
  EXPECT_TRUE(has(out, "flag BIT NOT NULL CONSTRAINT df_t_flag DEFAULT 1")) << out;
  EXPECT_TRUE(has(out, "name NVARCHAR(10) NULL")) << out;
  EXPECT_TRUE(has(out, "big NVARCHAR(MAX) NULL")) << out;
  EXPECT_TRUE(has(out, "doc NVARCHAR(MAX) NULL CONSTRAINT ck_t_doc_type CHECK (ISJSON(doc) = 1)"))
      << out;
  EXPECT_TRUE(has(out, "m NVARCHAR(5) NULL CONSTRAINT ck_t_m_type CHECK (m IN (N'ok', N'happy'))"))
      << out;
  EXPECT_TRUE(has(out, "at DATETIME2 NULL CONSTRAINT df_t_at DEFAULT SYSUTCDATETIME()")) << out;
  EXPECT_TRUE(has(out, "tz DATETIMEOFFSET NULL CONSTRAINT df_t_tz DEFAULT SYSDATETIMEOFFSET()"))
      << out;
  EXPECT_TRUE(has(out, "u UNIQUEIDENTIFIER NULL CONSTRAINT df_t_u DEFAULT NEWID()")) << out;
  EXPECT_FALSE(sink.has_errors());
}

TEST(MssqlAddColumn, NullableWithDefaultFillsTheRowsAndLobKeysAreErrors) {
  DiagnosticSink sink;
  EXPECT_EQ(render_after("create table t (id integer primary key);",
                         "alter table t add column yes boolean default true;", sink),
            "ALTER TABLE t ADD yes BIT NULL CONSTRAINT df_t_yes DEFAULT 1 WITH VALUES;\n");
  EXPECT_FALSE(sink.has_errors());
  render_after("create table t (id integer primary key, body text);",
               "create index ix_t_body on t (body);", sink);
  EXPECT_TRUE(sink.has_errors());
}

TEST(MssqlDefaults, NamesFollowTableAndColumnRenames) {
  DiagnosticSink sink;
  std::string setup =
      "create table t (id integer primary key, status string(10) not null default 'new');";
  EXPECT_EQ(render_after(setup, "alter table t rename column status to state;", sink),
            "EXEC sp_rename N't.status', N'state', N'COLUMN';\n"
            "-- sp_rename keeps the default's name: renamed to follow its column\n"
            "EXEC sp_rename N'df_t_status', N'df_t_state', N'OBJECT';\n");
  EXPECT_EQ(render_after(setup, "alter table t rename to u;", sink),
            "EXEC sp_rename N't', N'u';\n"
            "-- sp_rename keeps the default's name: renamed to follow its column\n"
            "EXEC sp_rename N'df_t_status', N'df_u_status', N'OBJECT';\n");
  // After both renames, the default is dropped by its current name.
  std::string both = render_after(setup,
                                  "alter table t rename to u;\n"
                                  "alter table u rename column status to state;\n"
                                  "alter table u alter column state drop default;",
                                  sink);
  EXPECT_TRUE(has(both, "EXEC sp_rename N'df_u_status', N'df_u_state', N'OBJECT';")) << both;
  EXPECT_TRUE(has(both, "ALTER TABLE u DROP CONSTRAINT df_u_state;")) << both;
  // Changing a default drops the old constraint first.
  EXPECT_EQ(render_after(setup, "alter table t alter column status set default 'old';", sink),
            "ALTER TABLE t DROP CONSTRAINT df_t_status;\n"
            "ALTER TABLE t ADD CONSTRAINT df_t_status DEFAULT N'old' FOR status;\n");
  EXPECT_FALSE(sink.has_errors());
}

TEST(MssqlDropColumn, DropsItsDefaultIndexesAndConstraintsFirst) {
  DiagnosticSink sink;
  std::string out = render_after(
      "create table t (id integer primary key, code string(10) not null default 'x',"
      " n integer, constraint ck_t_code check (code <> ''));\n"
      "create index ix_t_code on t (code, n);",
      "alter table t drop column code;", sink);
  EXPECT_EQ(out,
            "ALTER TABLE t DROP CONSTRAINT ck_t_code;\n"
            "DROP INDEX ix_t_code ON t;\n"
            "ALTER TABLE t DROP CONSTRAINT df_t_code;\n"
            "ALTER TABLE t DROP COLUMN code;\n");
  EXPECT_FALSE(sink.has_errors());
}

TEST(MssqlAlterColumn, TypeChangeRestatesNullabilityAndRemakesTheDefault) {
  DiagnosticSink sink;
  std::string out = render_after(
      "create table t (id integer primary key, code string(10) not null default 'x');\n"
      "create index ix_t_code on t (code);",
      "alter table t alter column code type string(20);", sink);
  EXPECT_EQ(out,
            "ALTER TABLE t DROP CONSTRAINT df_t_code;\n"
            "DROP INDEX ix_t_code ON t;\n"
            "ALTER TABLE t ALTER COLUMN code NVARCHAR(20) NOT NULL;\n"
            "CREATE INDEX ix_t_code ON t (code);\n"
            "ALTER TABLE t ADD CONSTRAINT df_t_code DEFAULT N'x' FOR code;\n");
  EXPECT_EQ(render_after("create table t (id integer primary key, n integer);",
                         "alter table t alter column n set not null;", sink),
            "ALTER TABLE t ALTER COLUMN n INT NOT NULL;\n");
  EXPECT_FALSE(sink.has_errors());
  // A primary key column cannot change type under its key.
  render_after("create table t (id integer primary key);",
               "alter table t alter column id type bigint;", sink);
  EXPECT_TRUE(sink.has_errors());
}

TEST(MssqlGuard, ThrowsUnlessTheVersionRowsAreThere) {
  auto r = mssql();
  std::string g = r->guard("retort_version", {"aaaa"}, {"bbbb"}, "retort: 100% wrong\nDROP");
  EXPECT_EQ(g,
            "IF NOT (\n"
            "    (SELECT COUNT(*) FROM retort_version WHERE version_num IN (N'aaaa')) = 1\n"
            "    AND (SELECT COUNT(*) FROM retort_version WHERE version_num IN (N'bbbb')) = 0\n"
            ")\n"
            "    THROW 50000, N'retort: 100%% wrong\\nDROP', 1;");
  EXPECT_EQ(r->create_version_table("retort_version"),
            "IF OBJECT_ID(N'retort_version', N'U') IS NULL\n"
            "CREATE TABLE retort_version (\n"
            "    version_num VARCHAR(32) NOT NULL,\n"
            "    CONSTRAINT retort_version_pkc PRIMARY KEY (version_num)\n"
            ");");
}

TEST(MssqlScript, GoFollowsEveryStatementAndNothingElse) {
  ProjectLocation where;
  where.start = std::filesystem::path(RETORT_SOURCE_DIR) / "fixtures/emit/transactions";
  Project project = open_project(where);
  DiagnosticSink sink;
  load_revisions(project, sink);
  ASSERT_FALSE(sink.has_errors());
  auto renderer = mssql();
  Range range = upgrade_range(project.graph, "head");
  ASSERT_TRUE(range.error.empty());
  auto script = upgrade_script(project, *renderer, range, ScriptOptions{"test"}, sink);
  ASSERT_TRUE(script);
  // Every line ending a statement is followed by GO; no GO follows a
  // comment, a blank line or another GO; client lines get none.
  std::vector<std::string> lines;
  size_t at = 0;
  while (at < script->size()) {
    size_t end = script->find('\n', at);
    if (end == std::string::npos) end = script->size();
    lines.push_back(script->substr(at, end - at));
    at = end + 1;
  }
  size_t gos = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l == "GO") {
      ++gos;
      ASSERT_GT(i, 0u);
      EXPECT_EQ(lines[i - 1].back(), ';') << "line " << i;
      EXPECT_NE(lines[i - 1].rfind("--", 0), 0u) << "line " << i;
      continue;
    }
    if (l == ":on error exit") {
      EXPECT_NE(lines[i + 1], "GO");
      continue;
    }
    if (!l.empty() && l.back() == ';' && l.rfind("--", 0) != 0 && i + 1 < lines.size()) {
      // The last line of a statement (statements here are whole lines or
      // end a block).
      if (lines[i + 1] != "GO") {
        EXPECT_FALSE(lines[i + 1].empty()) << "no GO after line " << i << ": " << l;
      }
    }
  }
  EXPECT_GT(gos, 6u);
  EXPECT_TRUE(has(*script, "SET XACT_ABORT ON;\nGO\n")) << *script;
  EXPECT_TRUE(has(*script, "BEGIN TRANSACTION;\nGO\n")) << *script;
  EXPECT_TRUE(has(*script, "COMMIT;\nGO\n")) << *script;
  EXPECT_TRUE(has(*script, "\n    THROW 50000, ")) << *script;
}

}  // namespace
}  // namespace retort::emit
