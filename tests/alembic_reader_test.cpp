// Unit tests of the Alembic reader: the naming rules, string literals,
// spans into the `.py` file, the `# retort: ignore` marker, downgrade kinds,
// and that no input crashes it. The reader's golden files are under
// fixtures/alembic-reader/.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "compiler/alembic_names.h"
#include "compiler/alembic_reader.h"
#include "compiler/ast_dump.h"
#include "tests/test_files.h"

namespace fs = std::filesystem;

namespace retort {
namespace {

struct Result {
  std::optional<ast::RevisionFile> file;
  std::vector<Diagnostic> diagnostics;
  std::string messages() const {
    std::string out;
    for (const auto& d : diagnostics) {
      out += std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " +
             std::string(severity_name(d.severity)) + "[" + d.code + "]: " + d.message + "\n";
    }
    return out;
  }
};

Result read(std::string text) {
  SourceFile file{"s.py", std::move(text)};
  DiagnosticSink sink;
  Result r;
  r.file = read_alembic_script(file, sink);
  r.diagnostics = sink.diagnostics();
  return r;
}

/// A script with `body` as upgrade()'s body (indented by the caller).
std::string script(const std::string& body, const std::string& down = "    pass\n") {
  return "from alembic import op\nimport sqlalchemy as sa\n\nrevision = 'r1'\n"
         "down_revision = None\n\n\ndef upgrade():\n" +
         body + "\n\ndef downgrade():\n" + down;
}

ast::RevisionFile ok(const std::string& text) {
  Result r = read(text);
  EXPECT_TRUE(r.file.has_value()) << r.messages();
  return r.file ? std::move(*r.file) : ast::RevisionFile{};
}

// ------------------------------------------------------------------ names

TEST(AlembicNames, PostgresObjectNames) {
  using alembic::pg_object_name;
  EXPECT_EQ(pg_object_name("users", "", "pkey"), "users_pkey");
  EXPECT_EQ(pg_object_name("users", "username", "key"), "users_username_key");
  // The longer part is shortened first, to 63 bytes in all.
  std::string t(60, 't');
  EXPECT_EQ(pg_object_name(t, "", "pkey"), std::string(58, 't') + "_pkey");
  EXPECT_EQ(pg_object_name(t, "col", "fkey"), std::string(54, 't') + "_col_fkey");
  std::string c(40, 'c');
  std::string n = pg_object_name(t, c, "check");
  EXPECT_EQ(n.size(), 63u);  // equal parts: the second is shortened first
  EXPECT_EQ(n, std::string(28, 't') + "_" + std::string(28, 'c') + "_check");
  // A cut never splits a character: 'ä' is two bytes.
  std::string umlauts;
  for (int i = 0; i < 40; ++i) umlauts += "ä";
  std::string u = pg_object_name(umlauts, "", "pkey");
  EXPECT_LE(u.size(), 63u);
  EXPECT_EQ(u, std::string(umlauts.substr(0, 58)) + "_pkey");
}

TEST(AlembicNames, ColumnsPartAndClashes) {
  using alembic::pg_choose_name;
  using alembic::pg_columns_part;
  EXPECT_EQ(pg_columns_part({"a", "b", "c"}), "a_b_c");
  std::set<std::string> taken;
  EXPECT_EQ(pg_choose_name("t", "a", "check", taken), "t_a_check");
  EXPECT_EQ(pg_choose_name("t", "a", "check", taken), "t_a_check1");
  EXPECT_EQ(pg_choose_name("t", "a", "check", taken), "t_a_check2");
  EXPECT_EQ(pg_choose_name("t", "", "pkey", taken), "t_pkey");
  EXPECT_EQ(alembic::pg_identifier(std::string(70, 'x')), std::string(63, 'x'));
}

TEST(AlembicNames, SqlalchemyCutsLongConventionNames) {
  // Checked against SQLAlchemy 1.4 and PostgreSQL 15.
  EXPECT_EQ(alembic::sqlalchemy_truncate(
                "ix_a_very_long_index_name_made_by_some_convention_or_other_and_more"),
            "ix_a_very_long_index_name_made_by_some_convention_or_ot_9e6c");
  EXPECT_EQ(alembic::sqlalchemy_truncate("ix_short"), "ix_short");
}

// ---------------------------------------------------------------- reading

TEST(AlembicNames, MysqlRules) {
  auto none = [](const std::string&) { return false; };
  EXPECT_EQ(alembic::mysql_key_name("email", none), "email");
  // `PRIMARY` is never a unique key's name, whatever the case.
  EXPECT_EQ(alembic::mysql_key_name("Primary", none), "Primary_2");
  auto taken = [](const std::string& n) { return n == "email" || n == "email_2"; };
  EXPECT_EQ(alembic::mysql_key_name("email", taken), "email_3");
  EXPECT_EQ(alembic::mysql_numbered_name("fees", "_ibfk_", {}), "fees_ibfk_1");
  // One more than the highest of the table's own pattern; others do not count.
  EXPECT_EQ(alembic::mysql_numbered_name(
                "fees", "_ibfk_", {"fees_ibfk_2", "fees_ibfk_10", "other_ibfk_40", "fees_ibfk_x"}),
            "fees_ibfk_11");
  EXPECT_EQ(alembic::mysql_renamed("fees_ibfk_3", "fees", "charges", "_ibfk_"), "charges_ibfk_3");
  EXPECT_EQ(alembic::mysql_renamed("fk_fees", "fees", "charges", "_ibfk_"), std::nullopt);
  auto checks = [](const std::string& n) { return n == "CONSTRAINT_1" || n == "CONSTRAINT_3"; };
  EXPECT_EQ(alembic::mariadb_check_name(checks), "CONSTRAINT_2");
}

TEST(AlembicReader, UnnamedConstraintsAreServerNamed) {
  auto file = ok(script(R"(    op.create_table('t',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('qty', sa.Integer(), sa.CheckConstraint('qty > 0')),
        sa.CheckConstraint('qty < id', name='ck_named'))
    op.create_check_constraint(None, 't', 'qty < 9'))"));
  ASSERT_EQ(file.upgrade.size(), 2u);
  const auto& ct = std::get<ast::CreateTable>(file.upgrade[0].node);
  ASSERT_EQ(ct.constraints.size(), 3u);
  // The primary key and the column's check: named by the server.
  ASSERT_TRUE(ct.constraints[0].server_named);
  EXPECT_EQ(ct.constraints[0].name->text, "t_pkey");
  ASSERT_TRUE(ct.constraints[1].server_named);
  EXPECT_EQ(ct.constraints[1].server_named->in_column, "qty");
  EXPECT_EQ(ct.constraints[1].server_named->check_columns, std::vector<std::string>{"qty"});
  EXPECT_TRUE(ct.constraints[1].server_named->names.empty());
  // Named in the script: the same name everywhere.
  EXPECT_FALSE(ct.constraints[2].server_named);
  const auto& alter = std::get<ast::AlterTable>(file.upgrade[1].node);
  const auto& add = std::get<ast::AddConstraint>(alter.actions[0]);
  ASSERT_TRUE(add.constraint.server_named);
  EXPECT_EQ(add.constraint.server_named->in_column, "");
}

// Python accepts a UTF-8 byte-order mark at the start of a script (editors on
// Windows write one); positions still point at the right bytes.
TEST(AlembicReader, ByteOrderMarkIsIgnored) {
  std::string text = "\xEF\xBB\xBF" + script("    op.drop_table('t')");
  ast::RevisionFile f = ok(text);
  EXPECT_EQ(f.header.id.text, "r1");
  ASSERT_EQ(f.upgrade.size(), 1u);
  EXPECT_EQ(text.substr(f.upgrade[0].span.begin, 13), "op.drop_table");
}

TEST(AlembicReader, StringLiterals) {
  ast::RevisionFile f =
      ok(script("    op.execute('a\\'b\\n\\x41\\u00e9\\101' \"c\" r'\\d' '''d\n''')\n"
                "    op.execute(u\"\"\"one\n    two\"\"\")\n"));
  ASSERT_EQ(f.upgrade.size(), 2u);
  auto& e = std::get<ast::Execute>(f.upgrade[0].node);
  EXPECT_EQ(e.body.entries[0].text,
            "a'b\nA\xc3\xa9"
            "Ac\\dd\n");
  auto& e2 = std::get<ast::Execute>(f.upgrade[1].node);
  EXPECT_EQ(e2.body.entries[0].text, "one\n    two");

  Result bytes = read(script("    op.execute(b'x')\n"));
  EXPECT_FALSE(bytes.file);
  EXPECT_NE(bytes.messages().find("cannot evaluate a bytes literal"), std::string::npos)
      << bytes.messages();
  Result fstring = read(script("    op.execute(f'{x}')\n"));
  EXPECT_NE(fstring.messages().find("cannot evaluate an f-string"), std::string::npos);
  Result nul = read(script("    op.execute('a\\x00b')\n"));
  EXPECT_NE(nul.messages().find("NUL"), std::string::npos) << nul.messages();
}

TEST(AlembicReader, SqlSpansPointIntoTheScript) {
  // `é` before the condition: columns count characters, not bytes.
  ast::RevisionFile f =
      ok(script("    op.create_check_constraint('ck_é', 't', 'amount > 0 and price < 10')\n"));
  auto& alter = std::get<ast::AlterTable>(f.upgrade[0].node);
  auto& add = std::get<ast::AddConstraint>(alter.actions[0]);
  const ast::Expr& check = *add.constraint.check;
  // 'amount > 0 and price < 10' opens at column 45 of line 9.
  EXPECT_EQ(check.span.line, 9u);
  EXPECT_EQ(check.span.column, 46u);
  ASSERT_EQ(check.args.size(), 2u);
  const ast::Expr& price = *check.args[1]->args[0];
  EXPECT_EQ(price.kind, ast::ExprKind::Column);
  EXPECT_EQ(price.span.column, 61u);
  // With an escape the value is not the file's text: the whole string.
  ast::RevisionFile g = ok(script("    op.create_check_constraint('ck', 't', 'a > \\'x\\'')\n"));
  auto& alter2 = std::get<ast::AlterTable>(g.upgrade[0].node);
  auto& add2 = std::get<ast::AddConstraint>(alter2.actions[0]);
  EXPECT_EQ(add2.constraint.check->args[0]->span.column, 43u);
}

TEST(AlembicReader, SqlThatIsNotAnExpressionStaysVerbatim) {
  // Text that would smuggle statements into the synthetic revision is raw SQL.
  ast::RevisionFile f = ok(
      script("    op.alter_column('t', 'c', server_default=sa.text(\"1); drop table x; (2\"))\n"));
  auto& alter = std::get<ast::AlterTable>(f.upgrade[0].node);
  auto& set = std::get<ast::SetDefault>(alter.actions[0]);
  EXPECT_EQ(set.value->kind, ast::ExprKind::Raw);
  EXPECT_EQ(set.value->text, "1); drop table x; (2");
}

TEST(AlembicReader, IgnoreMarker) {
  ast::RevisionFile f =
      ok(script("    conn = op.get_bind()  # retort: ignore\n"
                "    # retort: ignore\n"
                "    for row in conn.execute('x'):\n"
                "        print(row)\n"
                "    op.drop_table('t')\n"));
  ASSERT_EQ(f.upgrade.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ast::DropTable>(f.upgrade[0].node));
  // The marker must be the whole comment.
  Result r = read(script("    conn = op.get_bind()  # retort: ignored\n"));
  EXPECT_FALSE(r.file);
}

TEST(AlembicReader, DowngradeKinds) {
  EXPECT_EQ(ok(script("    pass\n")).downgrade_kind, ast::DowngradeKind::Written);
  EXPECT_EQ(ok(script("    pass\n", "    raise NotImplementedError()\n")).downgrade_kind,
            ast::DowngradeKind::Irreversible);
  ast::RevisionFile no_downgrade =
      ok("revision = 'r1'\ndown_revision = None\ndef upgrade():\n    pass\n");
  EXPECT_EQ(no_downgrade.downgrade_kind, ast::DowngradeKind::Irreversible);
}

TEST(AlembicReader, CreateDateBecomesUtc) {
  auto created = [](const std::string& date) {
    ast::RevisionFile f = ok("\"\"\"msg\n\nCreate Date: " + date +
                             "\n\"\"\"\nrevision = 'r1'\ndown_revision = None\n"
                             "def upgrade():\n    pass\n");
    return f.header.created.value_or("none");
  };
  EXPECT_EQ(created("2024-03-05 14:02:11.123456"), "2024-03-05 14:02:11");
  EXPECT_EQ(created("2024-01-01 00:30:00+01:00"), "2023-12-31 23:30:00");
  EXPECT_EQ(created("2024-02-28 23:30:00.5-01:00"), "2024-02-29 00:30:00");
  EXPECT_EQ(created("2024-03-05"), "none");
}

TEST(AlembicReader, NamesResolveThroughImports) {
  ast::RevisionFile f =
      ok("from alembic import op as alembic_op\n"
         "import sqlalchemy\n"
         "from sqlalchemy.sql import functions, expression\n"
         "from sqlalchemy.dialects.postgresql import json as pgjson\n"
         "revision = 'r1'\ndown_revision = None\n"
         "def upgrade():\n"
         "    alembic_op.add_column('t', sqlalchemy.schema.Column('a', pgjson.JSONB(),\n"
         "        server_default=expression.text(\"'{}'\")))\n"
         "    alembic_op.alter_column('t', 'b', server_default=functions.now())\n");
  ASSERT_EQ(f.upgrade.size(), 2u);
  auto& add = std::get<ast::AddColumn>(std::get<ast::AlterTable>(f.upgrade[0].node).actions[0]);
  EXPECT_EQ(ast::type_to_string(add.column.type), "native(postgresql: 'jsonb')");
  EXPECT_EQ(ast::expr_to_string(*add.column.default_value), "'{}'");
  auto& set = std::get<ast::SetDefault>(std::get<ast::AlterTable>(f.upgrade[1].node).actions[0]);
  EXPECT_EQ(ast::expr_to_string(*set.value), "now()");
}

TEST(AlembicReader, ErrorsAreAtTheConstruct) {
  Result r = read(script("    op.drop_table('t')\n    for x in y:\n        pass\n"));
  EXPECT_FALSE(r.file);
  EXPECT_EQ(r.messages(), "10:5: error[alembic]: cannot read a for loop\n");
  EXPECT_EQ(r.diagnostics[0].file, "s.py");
}

TEST(AlembicReader, BatchCopyFromIsIgnored) {
  // Alembic's offline mode rebuilds SQLite tables only from a copy_from= Table.
  const std::string body =
      "    with op.batch_alter_table('t', copy_from=sa.Table('t', sa.MetaData(),\n"
      "            sa.Column('id', sa.Integer(), primary_key=True), sa.Column('b', sa.Text()),\n"
      "            sa.UniqueConstraint('b', name='uq_t_b'))) as batch_op:\n"
      "        batch_op.drop_column('b')\n";
  Result r = read(script(body));
  ASSERT_TRUE(r.file) << r.messages();
  ASSERT_EQ(r.file->upgrade.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ast::AlterTable>(r.file->upgrade[0].node));
  ASSERT_EQ(r.diagnostics.size(), 1u) << r.messages();
  EXPECT_EQ(r.diagnostics[0].severity, Severity::info);
  EXPECT_EQ(r.diagnostics[0].span.line, 9u);
  EXPECT_EQ(r.diagnostics[0].span.column, 46u);
  // Another table, or anything but a Table, is an error at the value.
  r = read(
      script("    with op.batch_alter_table('t', copy_from=sa.Table('u', sa.MetaData())) as b:\n"
             "        b.drop_column('c')\n"));
  EXPECT_FALSE(r.file);
  EXPECT_EQ(r.messages(),
            "9:46: error[alembic]: copy_from is the table u, not the batch's table t: Alembic "
            "would rebuild u\n");
  r =
      read(script("    with op.batch_alter_table('t', copy_from=sa.table('t')) as b:\n"
                  "        b.drop_column('c')\n"));
  EXPECT_FALSE(r.file);
  EXPECT_EQ(r.messages(),
            "9:46: error[alembic]: copy_from must be a sa.Table(...), not sa.table(...)\n");
  // The arguments that change what would be built are still refused.
  r = read(
      script("    with op.batch_alter_table('t', table_args=(sa.UniqueConstraint('c'),)) as b:\n"
             "        b.drop_column('c')\n"));
  EXPECT_FALSE(r.file);
}

// ------------------------------------------------------------- robustness

using retort::testing::read_file;

TEST(AlembicReader, MangledScriptsNeverCrash) {
  std::vector<std::string> seeds;
  fs::path root = fs::path(RETORT_SOURCE_DIR) / "fixtures" / "alembic-reader";
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path().extension() == ".py") seeds.push_back(read_file(e.path()));
  }
  ASSERT_FALSE(seeds.empty());
  std::mt19937 rng(20240501);
  const std::string alphabet = "()[]{}:;,.='\"\\#\n\t -+*@rfbu0123456789abcxyz\xc3\xa9";
  // RETORT_FUZZ_ITERATIONS runs more, by hand.
  const char* more = std::getenv("RETORT_FUZZ_ITERATIONS");
  const int iterations = more ? std::atoi(more) : 400;
  for (int i = 0; i < iterations; ++i) {
    std::string text = seeds[rng() % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < edits && !text.empty(); ++k) {
      size_t at = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text.erase(at, 1 + rng() % 5);
          break;
        case 1:
          text.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          text[at] = alphabet[rng() % alphabet.size()];
          break;
      }
    }
    SourceFile file{"m.py", text};
    DiagnosticSink sink;
    std::optional<ast::RevisionFile> out;
    EXPECT_NO_THROW(out = read_alembic_script(file, sink));
    if (!out) {
      EXPECT_TRUE(sink.has_errors()) << text;
    }
  }
}

}  // namespace
}  // namespace retort
