// Unit tests of the parse layer: grammar, error messages and recovery, the
// AST builder's shapes and spans, and the dump.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "compiler/ast_dump.h"
#include "compiler/overloaded.h"
#include "compiler/parser.h"
#include "tests/time_limit.h"

namespace fs = std::filesystem;

namespace retort {
namespace {

struct Result {
  std::optional<ast::RevisionFile> file;
  std::vector<Diagnostic> diagnostics;
  /// The messages, one per line, each prefixed by its line:column.
  std::string messages() const {
    std::string out;
    for (const auto& d : diagnostics) {
      out += std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " + d.message +
             "\n";
    }
    return out;
  }
};

Result parse(std::string text, std::string path = "t.rev") {
  SourceFile file{std::move(path), std::move(text)};
  DiagnosticSink sink;
  Result r;
  r.file = parse_revision(file, sink);
  r.diagnostics = sink.diagnostics();
  for (const auto& d : r.diagnostics) {
    EXPECT_EQ(d.code, "syntax");
    EXPECT_EQ(d.file, file.path);
  }
  return r;
}

/// A revision with `body` as its upgrade block.
std::string rev(const std::string& body) {
  return "revision r1;\nupgrade {\n" + body + "\n}\n";
}

/// Parses a file that must be free of errors and returns its AST.
ast::RevisionFile ok(const std::string& text) {
  Result r = parse(text);
  EXPECT_TRUE(r.diagnostics.empty()) << r.messages();
  EXPECT_TRUE(r.file.has_value());
  return r.file ? std::move(*r.file) : ast::RevisionFile{};
}

/// The one statement of an upgrade block.
ast::StatementNode one(const std::string& statement) {
  ast::RevisionFile f = ok(rev(statement));
  EXPECT_EQ(f.upgrade.size(), 1u);
  if (f.upgrade.empty()) return ast::DropSchema{};
  return f.upgrade[0].node;
}

/// The messages of a file that must fail.
std::string errors(const std::string& text) {
  Result r = parse(text);
  EXPECT_FALSE(r.file.has_value());
  EXPECT_FALSE(r.diagnostics.empty());
  return r.messages();
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ------------------------------------------------------------------ header

TEST(ParserHeader, AllClauses) {
  ast::RevisionFile f =
      ok("revision '2024_01_15_add_fees'\n"
         "  revises 0001, 100000000000, 1975ea83b712\n"
         "  depends on a1b2c3d4e5f6\n"
         "  labels billing, Reporting\n"
         "  message 'it''s'\n"
         "  author 'ada'\n"
         "  created '2024-01-15 10:30:00';\n"
         "upgrade {}\n");
  EXPECT_EQ(f.header.id.text, "2024_01_15_add_fees");
  ASSERT_EQ(f.header.revises.size(), 3u);
  EXPECT_EQ(f.header.revises[0].text, "0001");  // not 1
  EXPECT_EQ(f.header.revises[1].text, "100000000000");
  EXPECT_EQ(f.header.revises[2].text, "1975ea83b712");
  ASSERT_EQ(f.header.depends_on.size(), 1u);
  EXPECT_EQ(f.header.depends_on[0].text, "a1b2c3d4e5f6");
  ASSERT_EQ(f.header.labels.size(), 2u);
  EXPECT_EQ(f.header.labels[1].text, "reporting");
  EXPECT_EQ(f.header.message, "it's");
  EXPECT_EQ(f.header.author, "ada");
  EXPECT_EQ(f.header.created, "2024-01-15 10:30:00");
  EXPECT_EQ(f.header.span.line, 1u);
  EXPECT_EQ(f.header.span.end_line, 7u);
  EXPECT_TRUE(f.upgrade.empty());
  EXPECT_EQ(f.downgrade_kind, ast::DowngradeKind::Derived);
}

// ast::Boxed behaves as the plain or optional member it replaced.
TEST(AstBoxed, ValueSemantics) {
  ast::Boxed<ast::Name> empty;
  EXPECT_FALSE(empty.has_value());
  EXPECT_EQ(empty->text, "");  // reads as a default value
  ast::Boxed<ast::Name> a(ast::Name{"a", false, {}});
  ast::Boxed<ast::Name> copy = a;
  copy.edit().text = "b";
  EXPECT_EQ(a->text, "a");  // copies are deep
  const ast::Name& kept = *copy;
  copy = a;  // in place when both hold a value: references stay valid
  EXPECT_EQ(kept.text, "a");
  const ast::Boxed<ast::Name>& same = copy;
  copy = same;  // self-assignment
  EXPECT_EQ(copy->text, "a");
  copy = empty;
  EXPECT_FALSE(copy.has_value());
  ast::Boxed<ast::Name> moved = std::move(a);
  EXPECT_TRUE(moved.has_value());
  EXPECT_FALSE(a.has_value());  // NOLINT(bugprone-use-after-move): a moved-from box is empty
}

// A UTF-8 byte-order mark at the start (editors on Windows write one) is
// ignored, and spans still point at the right bytes; one later is an error.
TEST(ParserHeader, ByteOrderMarkIsIgnored) {
  std::string text = "\xEF\xBB\xBFrevision a;\nupgrade {\n  create table t (id bigint);\n}\n";
  Result r = parse(text);
  EXPECT_TRUE(r.diagnostics.empty()) << r.messages();
  ASSERT_TRUE(r.file.has_value());
  EXPECT_EQ(r.file->header.id.text, "a");
  EXPECT_EQ(r.file->header.id.span.begin, 12u);
  ASSERT_EQ(r.file->upgrade.size(), 1u);
  EXPECT_EQ(text.substr(r.file->upgrade[0].span.begin, 12), "create table");
  Result late = parse("revision a;\xEF\xBB\xBF\nupgrade {}\n");
  EXPECT_FALSE(late.file.has_value());
  EXPECT_NE(late.messages().find("1:12: "), std::string::npos) << late.messages();
}

TEST(ParserHeader, IdsAreVerbatimAndCaseSensitive) {
  ast::RevisionFile f = ok("revision AbC_12 revises Create;\nupgrade {}\n");
  EXPECT_EQ(f.header.id.text, "AbC_12");
  EXPECT_EQ(f.header.revises[0].text, "Create");
}

TEST(ParserHeader, ReservedIds) {
  EXPECT_EQ(errors("revision head;\nupgrade {}\n"), "1:10: \"head\" cannot be a revision id\n");
  EXPECT_EQ(errors("revision r revises base;\nupgrade {}\n"),
            "1:20: \"base\" cannot be a revision id\n");
  EXPECT_EQ(errors("revision r depends on heads;\nupgrade {}\n"),
            "1:23: \"heads\" cannot be a revision id\n");
}

TEST(ParserHeader, BadIds) {
  EXPECT_EQ(errors("revision 'add-fees';\nupgrade {}\n"),
            "1:10: 'add-fees' is not a revision id: ids are made of letters, digits and "
            "underscores\n");
  EXPECT_EQ(errors("revision '';\nupgrade {}\n"), "1:10: a revision id cannot be empty\n");
  EXPECT_EQ(errors("revision 1.5;\nupgrade {}\n"),
            "1:10: expected a revision id after \"revision\", found \"1.5\"\n");
}

TEST(ParserHeader, DuplicateClauses) {
  EXPECT_EQ(errors("revision a revision b;\nupgrade {}\n"),
            "1:12: the header has more than one \"revision\" clause\n");
  EXPECT_EQ(errors("revision a revises b revises c message 'x' message 'y';\nupgrade {}\n"),
            "1:22: the header has more than one \"revises\" clause\n"
            "1:44: the header has more than one \"message\" clause\n");
}

TEST(ParserHeader, CreatedFormat) {
  EXPECT_EQ(errors("revision a created '2024-01-15';\nupgrade {}\n"),
            "1:20: created must be a UTC time written 'YYYY-MM-DD HH:MM:SS'\n");
}

TEST(ParserHeader, MissingSemicolonPointsAfterTheHeader) {
  Result r = parse("revision a\n  message 'm'\nupgrade {\n  drop table t;\n}\n");
  EXPECT_EQ(r.messages(), "2:14: expected ';' after the revision header\n");
  EXPECT_EQ(r.diagnostics[0].help, "the header ends with ';' before \"upgrade {\"");
}

TEST(ParserHeader, HeaderErrorDoesNotHideStatementErrors) {
  EXPECT_EQ(errors("revision a revises;\nupgrade {\n  creat table t (a int);\n}\n"),
            "1:19: expected a revision id after \"revises\", found \";\"\n"
            "3:3: unknown statement \"creat\"; expected create, drop, alter, comment, insert or "
            "execute\n");
}

// ------------------------------------------------------------------ blocks

TEST(ParserBlocks, DowngradeKinds) {
  ast::RevisionFile written =
      ok("revision a;\nupgrade {\n  create schema s;\n}\ndowngrade {\n  drop schema s;\n}\n");
  EXPECT_EQ(written.downgrade_kind, ast::DowngradeKind::Written);
  ASSERT_EQ(written.downgrade.size(), 1u);
  EXPECT_EQ(written.upgrade_span.line, 2u);
  EXPECT_EQ(written.upgrade_span.end_line, 4u);
  EXPECT_EQ(written.downgrade_span.line, 5u);
  ast::RevisionFile irreversible = ok("revision a;\nupgrade {}\ndowngrade irreversible;\n");
  EXPECT_EQ(irreversible.downgrade_kind, ast::DowngradeKind::Irreversible);
  ast::RevisionFile derived = ok("revision a;\nupgrade {}\n");
  EXPECT_EQ(derived.downgrade_kind, ast::DowngradeKind::Derived);
}

TEST(ParserBlocks, EmptyAndCommentOnlyFiles) {
  EXPECT_EQ(errors(""), "1:1: the file is empty: it has no revision header\n");
  EXPECT_EQ(errors("-- nothing\n/* here */\n"),
            "3:1: the file is empty: it has no revision header\n");
  EXPECT_EQ(errors("   \n\n"), "3:1: the file is empty: it has no revision header\n");
}

TEST(ParserBlocks, MissingUpgradeAndUnclosedBlock) {
  EXPECT_EQ(errors("revision a;\n"), "2:1: expected upgrade after \";\"; the file ends first\n");
  EXPECT_EQ(errors("revision a;\nupgrade {\n  drop table t;\n"),
            "4:1: the upgrade block is not closed: expected '}' before the end of the file\n");
  EXPECT_EQ(errors("revision a;\nupgrade {}\ndowngrade {\n"),
            "4:1: the downgrade block is not closed: expected '}' before the end of the file\n");
}

TEST(ParserBlocks, GarbageAfterTheFile) {
  EXPECT_EQ(errors("revision a;\nupgrade {}\nfoo\n"),
            "3:1: expected the end of the file after \"}\", found \"foo\"\n");
}

// ---------------------------------------------------------------- statements

TEST(ParserStatements, CreateTableColumns) {
  auto node =
      one("create table if not exists app.fees (\n"
          "  id bigint primary key identity,\n"
          "  student_id bigint not null references students (id) on delete cascade on update "
          "set null,\n"
          "  amount decimal(10, 2) not null check (amount >= 0),\n"
          "  status string(20) not null default 'pending' comment 'state' collate 'C',\n"
          "  note varchar null,\n"
          ") comment 'money';");
  auto& t = std::get<ast::CreateTable>(node);
  EXPECT_TRUE(t.if_not_exists);
  EXPECT_EQ(t.name.key(), "app.fees");
  ASSERT_EQ(t.columns.size(), 5u);
  EXPECT_TRUE(t.columns[0].primary_key);
  EXPECT_TRUE(t.columns[0].identity);
  EXPECT_EQ(t.columns[0].type.kind, ast::TypeKind::Bigint);
  EXPECT_FALSE(t.columns[0].not_null.has_value());
  ASSERT_TRUE(t.columns[1].references);
  EXPECT_EQ(t.columns[1].references->table.key(), "students");
  EXPECT_EQ(t.columns[1].references->columns[0].text, "id");
  EXPECT_EQ(t.columns[1].references->on_delete, ast::RefAction::Cascade);
  EXPECT_EQ(t.columns[1].references->on_update, ast::RefAction::SetNull);
  EXPECT_EQ(t.columns[1].not_null, true);
  EXPECT_EQ(t.columns[2].type.precision, 10);
  EXPECT_EQ(t.columns[2].type.scale, 2);
  ASSERT_EQ(t.columns[2].checks.size(), 1u);
  EXPECT_EQ(ast::expr_to_string(*t.columns[2].checks[0]), "amount >= 0");
  EXPECT_EQ(t.columns[3].type.length, 20);
  EXPECT_EQ(ast::expr_to_string(*t.columns[3].default_value), "'pending'");
  ASSERT_TRUE(t.columns[3].comment && t.columns[3].collate);
  EXPECT_EQ(*t.columns[3].comment, "state");
  EXPECT_EQ(*t.columns[3].collate, "C");
  EXPECT_EQ(t.columns[4].type.kind, ast::TypeKind::String);
  EXPECT_FALSE(t.columns[4].type.length.has_value());
  EXPECT_EQ(t.columns[4].not_null, false);
  EXPECT_EQ(t.comment, "money");
}

TEST(ParserStatements, TableConstraints) {
  auto node =
      one("create table t (a int, b int,\n"
          "  constraint pk_t primary key (a, b),\n"
          "  unique (b),\n"
          "  foreign key (a, b) references other (x, y) on delete restrict,\n"
          "  constraint ck_t check (a > b));");
  auto& t = std::get<ast::CreateTable>(node);
  ASSERT_EQ(t.constraints.size(), 4u);
  EXPECT_EQ(t.constraints[0].kind, ast::ConstraintKind::PrimaryKey);
  EXPECT_EQ(t.constraints[0].name->text, "pk_t");
  EXPECT_EQ(t.constraints[0].columns.size(), 2u);
  EXPECT_EQ(t.constraints[0].span.line, 4u);
  EXPECT_EQ(t.constraints[0].span.column, 3u);
  EXPECT_EQ(t.constraints[1].kind, ast::ConstraintKind::Unique);
  EXPECT_FALSE(t.constraints[1].name.has_value());
  EXPECT_EQ(t.constraints[2].kind, ast::ConstraintKind::ForeignKey);
  EXPECT_EQ(t.constraints[2].references->table.key(), "other");
  EXPECT_EQ(t.constraints[2].references->columns.size(), 2u);
  EXPECT_EQ(t.constraints[2].references->on_delete, ast::RefAction::Restrict);
  EXPECT_EQ(t.constraints[3].kind, ast::ConstraintKind::Check);
  EXPECT_EQ(ast::expr_to_string(*t.constraints[3].check), "a > b");
}

TEST(ParserStatements, DropAndRenameTable) {
  auto d = std::get<ast::DropTable>(one("drop table if exists s.t cascade;"));
  EXPECT_TRUE(d.if_exists);
  EXPECT_TRUE(d.cascade);
  EXPECT_EQ(d.name.key(), "s.t");
  auto r = std::get<ast::RenameTable>(one("alter table t rename to u;"));
  EXPECT_EQ(r.name.key(), "t");
  EXPECT_EQ(r.new_name.text, "u");
}

TEST(ParserStatements, AlterTableActions) {
  auto node =
      one("alter table users\n"
          "  add column nick string(50) not null default 'x',\n"
          "  drop column legacy cascade,\n"
          "  rename column a to b,\n"
          "  alter column age type integer using cast(age as integer),\n"
          "  alter column email set not null,\n"
          "  alter column bio drop not null,\n"
          "  alter column active set default false,\n"
          "  alter column active drop default,\n"
          "  alter column bio comment 'about',\n"
          "  add constraint uq unique (nick) not valid,\n"
          "  add constraint uq2 unique using index ix_uq2,\n"
          "  add constraint pk primary key using index ix_pk,\n"
          "  validate constraint uq,\n"
          "  drop constraint ck,\n"
          "  rename constraint a to b;");
  auto& t = std::get<ast::AlterTable>(node);
  ASSERT_EQ(t.actions.size(), 15u);
  auto& add = std::get<ast::AddColumn>(t.actions[0]);
  EXPECT_EQ(add.column.name.text, "nick");
  EXPECT_EQ(add.span.line, 4u);
  EXPECT_EQ(add.span.column, 3u);
  EXPECT_TRUE(std::get<ast::DropColumn>(t.actions[1]).cascade);
  EXPECT_EQ(std::get<ast::RenameColumn>(t.actions[2]).new_name.text, "b");
  auto& type = std::get<ast::AlterColumnType>(t.actions[3]);
  EXPECT_EQ(type.type.kind, ast::TypeKind::Integer);
  EXPECT_EQ(ast::expr_to_string(*type.using_expr), "cast(age as integer)");
  EXPECT_TRUE(std::holds_alternative<ast::SetNotNull>(t.actions[4]));
  EXPECT_TRUE(std::holds_alternative<ast::DropNotNull>(t.actions[5]));
  EXPECT_EQ(ast::expr_to_string(*std::get<ast::SetDefault>(t.actions[6]).value), "false");
  EXPECT_TRUE(std::holds_alternative<ast::DropDefault>(t.actions[7]));
  EXPECT_EQ(std::get<ast::SetColumnComment>(t.actions[8]).comment, "about");
  auto& ac = std::get<ast::AddConstraint>(t.actions[9]);
  EXPECT_TRUE(ac.not_valid);
  EXPECT_EQ(ac.constraint.name->text, "uq");
  auto& ui = std::get<ast::AddConstraintUsingIndex>(t.actions[10]);
  EXPECT_EQ(ui.kind, ast::ConstraintKind::Unique);
  EXPECT_EQ(ui.index.text, "ix_uq2");
  EXPECT_EQ(std::get<ast::AddConstraintUsingIndex>(t.actions[11]).kind,
            ast::ConstraintKind::PrimaryKey);
  EXPECT_EQ(std::get<ast::ValidateConstraint>(t.actions[12]).name.text, "uq");
  EXPECT_EQ(std::get<ast::DropConstraint>(t.actions[13]).name.text, "ck");
  EXPECT_EQ(std::get<ast::RenameConstraint>(t.actions[14]).new_name.text, "b");
}

TEST(ParserStatements, Indexes) {
  auto ix = std::get<ast::CreateIndex>(
      one("create unique index concurrently if not exists ux on s.t (a, (lower(b)) desc, c asc)"
          " include (d, e) where deleted_at is null using gin;"));
  EXPECT_TRUE(ix.unique);
  EXPECT_TRUE(ix.concurrently);
  EXPECT_TRUE(ix.if_not_exists);
  EXPECT_EQ(ix.name->text, "ux");
  EXPECT_EQ(ix.table.key(), "s.t");
  ASSERT_EQ(ix.keys.size(), 3u);
  EXPECT_EQ(ix.keys[0].column->text, "a");
  EXPECT_EQ(ast::expr_to_string(*ix.keys[1].expr), "lower(b)");
  EXPECT_TRUE(ix.keys[1].descending);
  EXPECT_FALSE(ix.keys[2].descending);
  EXPECT_EQ(ix.include.size(), 2u);
  EXPECT_EQ(ast::expr_to_string(*ix.where), "deleted_at is null");
  EXPECT_EQ(ix.method->text, "gin");

  auto unnamed = std::get<ast::CreateIndex>(one("create index on t (a);"));
  EXPECT_FALSE(unnamed.name.has_value());
  auto drop = std::get<ast::DropIndex>(one("drop index concurrently if exists ix;"));
  EXPECT_TRUE(drop.concurrently);
  EXPECT_TRUE(drop.if_exists);
  auto rename = std::get<ast::RenameIndex>(one("alter index ix rename to iy;"));
  EXPECT_EQ(rename.new_name.text, "iy");
}

TEST(ParserStatements, Enums) {
  auto e = std::get<ast::CreateEnum>(one("create enum mood ('sad', 'ok', 'it''s',);"));
  ASSERT_EQ(e.values.size(), 3u);
  EXPECT_EQ(e.values[2].value, "it's");
  auto a = std::get<ast::AlterEnumAddValue>(one("alter enum mood add value 'meh' before 'ok';"));
  EXPECT_EQ(a.value.value, "meh");
  EXPECT_EQ(a.before->value, "ok");
  EXPECT_FALSE(a.after.has_value());
  auto b = std::get<ast::AlterEnumAddValue>(one("alter enum mood add value 'x' after 'ok';"));
  EXPECT_EQ(b.after->value, "ok");
  EXPECT_EQ(std::get<ast::DropEnum>(one("drop enum mood;")).name.key(), "mood");
}

TEST(ParserStatements, ViewsSchemasComments) {
  auto v = std::get<ast::CreateView>(one("create view v as $$ select 1 $$;"));
  ASSERT_EQ(v.body.entries.size(), 1u);
  EXPECT_EQ(v.body.entries[0].dialect, "");
  EXPECT_EQ(v.body.entries[0].text, " select 1 ");
  auto per =
      std::get<ast::CreateView>(one("create view v as (postgresql: $$ a $$, default: $$ b $$,);"));
  ASSERT_EQ(per.body.entries.size(), 2u);
  EXPECT_EQ(*per.body.for_dialect("postgresql"), " a ");
  EXPECT_EQ(*per.body.for_dialect("sqlite"), " b ");
  EXPECT_EQ(std::get<ast::DropView>(one("drop view v;")).name.key(), "v");
  EXPECT_EQ(std::get<ast::CreateSchema>(one("create schema billing;")).name.text, "billing");
  EXPECT_EQ(std::get<ast::DropSchema>(one("drop schema billing;")).name.text, "billing");
  auto ct = std::get<ast::CommentOnTable>(one("comment on table s.t is 'x';"));
  EXPECT_EQ(ct.table.key(), "s.t");
  EXPECT_EQ(ct.comment, "x");
  auto cc = std::get<ast::CommentOnColumn>(one("comment on column s.t.c is 'y';"));
  EXPECT_EQ(cc.table.key(), "s.t");
  EXPECT_EQ(cc.column.text, "c");
  auto cc2 = std::get<ast::CommentOnColumn>(one("comment on column t.c is 'y';"));
  EXPECT_EQ(cc2.table.key(), "t");
}

TEST(ParserStatements, Insert) {
  auto ins = std::get<ast::Insert>(
      one("insert into s (id, name, w, ok, n) values (1, 'a', -2.5, true, null), "
          "(2, 'b', +3, false, 'c');"));
  EXPECT_EQ(ins.columns.size(), 5u);
  ASSERT_EQ(ins.rows.size(), 2u);
  EXPECT_EQ(ast::expr_to_string(*ins.rows[0][2]), "-2.5");
  EXPECT_EQ(ins.rows[0][4]->kind, ast::ExprKind::Null);
  EXPECT_EQ(errors(rev("insert into t (a, b) values (now(), 1), (1);")),
            "3:30: insert takes literal values: 'text', numbers, true, false or null\n"
            "3:41: this row has 1 value for 2 columns\n");
}

TEST(ParserStatements, Execute) {
  auto e = std::get<ast::Execute>(
      one("execute $$ UPDATE t SET a = 'x;' $$ reverse $$ UPDATE t SET a = 'y' $$;"));
  EXPECT_EQ(e.body.entries[0].text, " UPDATE t SET a = 'x;' ");
  ASSERT_TRUE(e.reverse.has_value());
  EXPECT_EQ(e.reverse->entries[0].text, " UPDATE t SET a = 'y' ");
  auto per = std::get<ast::Execute>(
      one("execute (\n  postgresql: $$ a $$,\n  mysql: $$ b $$,\n  default: $$ c $$\n)"
          " reverse (default: $$ d $$);"));
  ASSERT_EQ(per.body.entries.size(), 3u);
  EXPECT_EQ(*per.body.for_dialect("mariadb"), " b ");
  EXPECT_EQ(per.body.entries[1].span.line, 5u);
  auto tagged = std::get<ast::Execute>(one("execute $fn$ SELECT $$x$$ $fn$;"));
  EXPECT_EQ(tagged.body.entries[0].text, " SELECT $$x$$ ");
  EXPECT_FALSE(tagged.reverse.has_value());
}

TEST(ParserStatements, DollarBodyIsVerbatim) {
  auto e = std::get<ast::Execute>(one("execute $$\r\n  -- not a comment\n  'it''s' /* x */\n$$;"));
  EXPECT_EQ(e.body.entries[0].text, "\r\n  -- not a comment\n  'it''s' /* x */\n");
}

TEST(ParserStatements, StatementSpanExcludesAnnotations) {
  ast::RevisionFile f = ok(rev("  @allow(drop-table, 'gone')\n  drop table t;"));
  ASSERT_EQ(f.upgrade.size(), 1u);
  const auto& st = f.upgrade[0];
  EXPECT_EQ(st.span.line, 4u);
  EXPECT_EQ(st.span.column, 3u);
  EXPECT_EQ(st.span.end_line, 4u);
  EXPECT_EQ(st.span.end_column, 16u);  // one past the ';'
  std::string text = rev("  @allow(drop-table, 'gone')\n  drop table t;");
  EXPECT_EQ(text.substr(st.span.begin, st.span.end - st.span.begin), "drop table t;");
  ASSERT_EQ(st.annotations.size(), 1u);
  EXPECT_EQ(st.annotations[0].span.line, 3u);
}

// ------------------------------------------------------------------ types

TEST(ParserTypes, PortableTypesAndAliases) {
  auto t = std::get<ast::CreateTable>(
      one("create table t (a boolean, b smallint, c int, d integer, e bigint, f numeric(5), "
          "g decimal, h real, i double, j varchar(3), k string, l char(2), m text, n blob, "
          "o bytes, p binary, q date, r time, s timestamp, u timestamptz, v uuid, w json, "
          "x BIGINT);"));
  using K = ast::TypeKind;
  std::vector<K> want = {K::Boolean, K::Smallint, K::Integer, K::Integer,   K::Bigint,
                         K::Decimal, K::Decimal,  K::Real,    K::Double,    K::String,
                         K::String,  K::Char,     K::Text,    K::Binary,    K::Binary,
                         K::Binary,  K::Date,     K::Time,    K::Timestamp, K::Timestamptz,
                         K::Uuid,    K::Json,     K::Bigint};
  ASSERT_EQ(t.columns.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(t.columns[i].type.kind, want[i]) << i;
  EXPECT_EQ(t.columns[5].type.precision, 5);
  EXPECT_EQ(t.columns[9].type.length, 3);
}

TEST(ParserTypes, EnumsAndNative) {
  auto t = std::get<ast::CreateTable>(
      one("create table t (a mood, b app.mood, c \"Mood\", d native('jsonb'),"
          " e native(postgresql: 'jsonb', mysql: 'json'));"));
  EXPECT_EQ(t.columns[0].type.kind, ast::TypeKind::Enum);
  EXPECT_EQ(t.columns[0].type.enum_name->key(), "mood");
  EXPECT_EQ(t.columns[1].type.enum_name->key(), "app.mood");
  EXPECT_EQ(t.columns[2].type.enum_name->name.text, "Mood");
  EXPECT_TRUE(t.columns[2].type.enum_name->name.quoted);
  EXPECT_EQ(t.columns[3].type.kind, ast::TypeKind::Native);
  EXPECT_EQ(*t.columns[3].type.native->for_dialect("postgresql"), "jsonb");
  EXPECT_EQ(*t.columns[4].type.native->for_dialect("mysql"), "json");
  EXPECT_EQ(t.columns[4].type.native->for_dialect("sqlite"), nullptr);
}

TEST(ParserTypes, BadSizes) {
  EXPECT_EQ(errors(rev("create table t (a integer(5), b char, c decimal(2, 5), d string(1, 2), "
                       "e my_enum(3), f string(0), g string(99999999999));")),
            "3:19: type integer takes no size\n"
            "3:33: char needs a length: char(n)\n"
            "3:41: the scale of decimal cannot be larger than its precision\n"
            "3:58: string takes one size: string(n)\n"
            "3:74: enum type \"my_enum\" takes no size\n"
            "3:88: the size of string must be at least 1\n"
            "3:108: 99999999999 is too large for a type's size\n");
}

// ------------------------------------------------------------ expressions

ast::ExprPtr default_of(const std::string& expr) {
  auto t = std::get<ast::CreateTable>(one("create table t (a int default " + expr + ");"));
  return t.columns.at(0).default_value;
}

TEST(ParserExpressions, Precedence) {
  ast::ExprPtr e = default_of("a or b and not c = 1 || 'x' + 2 * -3");
  // or < and < not < comparison < || < + < * < unary
  ASSERT_EQ(e->kind, ast::ExprKind::Binary);
  EXPECT_EQ(e->op, "or");
  const auto& andE = *e->args[1];
  EXPECT_EQ(andE.op, "and");
  const auto& notE = *andE.args[1];
  EXPECT_EQ(notE.kind, ast::ExprKind::Unary);
  EXPECT_EQ(notE.op, "not");
  const auto& eq = *notE.args[0];
  EXPECT_EQ(eq.op, "=");
  const auto& concat = *eq.args[1];
  EXPECT_EQ(concat.op, "||");
  const auto& plus = *concat.args[1];
  EXPECT_EQ(plus.op, "+");
  const auto& times = *plus.args[1];
  EXPECT_EQ(times.op, "*");
  EXPECT_EQ(times.args[1]->kind, ast::ExprKind::Unary);
  EXPECT_EQ(times.args[1]->op, "-");
}

TEST(ParserExpressions, LeftAssociative) {
  ast::ExprPtr e = default_of("1 - 2 - 3");
  EXPECT_EQ(e->op, "-");
  EXPECT_EQ(ast::expr_to_string(*e->args[0]), "1 - 2");
  EXPECT_EQ(ast::expr_to_string(*e->args[1]), "3");
  EXPECT_EQ(e->span.column, 31u);
  EXPECT_EQ(e->span.end_column, 40u);
}

TEST(ParserExpressions, Predicates) {
  EXPECT_EQ(ast::expr_to_string(*default_of("a is not null")), "a is not null");
  EXPECT_EQ(default_of("a is null")->kind, ast::ExprKind::IsNull);
  ast::ExprPtr in = default_of("a not in (1, 2,)");
  EXPECT_EQ(in->kind, ast::ExprKind::In);
  EXPECT_TRUE(in->negated);
  EXPECT_EQ(in->args.size(), 3u);
  EXPECT_EQ(default_of("a like 'x%'")->kind, ast::ExprKind::Like);
  ast::ExprPtr between = default_of("a between 1 and 2 + 3");
  EXPECT_EQ(between->kind, ast::ExprKind::Between);
  EXPECT_EQ(ast::expr_to_string(*between->args[2]), "2 + 3");
  EXPECT_EQ(default_of("a <> b")->op, "<>");
  EXPECT_EQ(default_of("a != b")->op, "!=");
  EXPECT_EQ(default_of("a <= b")->op, "<=");
}

TEST(ParserExpressions, Primaries) {
  EXPECT_EQ(default_of("now()")->kind, ast::ExprKind::Call);
  EXPECT_EQ(default_of("NOW()")->text, "now");
  EXPECT_EQ(default_of("gen_uuid()")->text, "gen_uuid");
  EXPECT_EQ(default_of("current_timestamp")->kind, ast::ExprKind::Keyword);
  EXPECT_EQ(default_of("CURRENT_DATE")->text, "current_date");
  EXPECT_EQ(default_of("TRUE")->text, "true");
  EXPECT_EQ(default_of("3.25")->text, "3.25");
  EXPECT_EQ(default_of("'it''s'")->text, "it's");
  EXPECT_EQ(default_of("null")->kind, ast::ExprKind::Null);
  ast::ExprPtr cast = default_of("cast(a as string(3))");
  EXPECT_EQ(cast->kind, ast::ExprKind::Cast);
  EXPECT_EQ(cast->cast_type->length, 3);
  ast::ExprPtr raw = default_of("sql($$ nextval('s') $$)");
  EXPECT_EQ(raw->kind, ast::ExprKind::Raw);
  EXPECT_EQ(raw->text, " nextval('s') ");
  ast::ExprPtr col = default_of("t.\"Col\"");
  EXPECT_EQ(col->kind, ast::ExprKind::Column);
  ASSERT_EQ(col->names.size(), 2u);
  EXPECT_EQ(col->names[1].text, "Col");
  EXPECT_EQ(default_of("(1)")->kind, ast::ExprKind::Paren);
  EXPECT_EQ(ast::expr_to_string(*default_of("coalesce(a, 'b',)")), "coalesce(a, 'b')");
}

TEST(ParserExpressions, NestingLimit) {
  std::string ok_depth(kMaxNesting - 1, '(');
  ok(rev("create table t (a int check " + ok_depth + "(a)" + std::string(kMaxNesting - 1, ')') +
         ");"));
  std::string deep = std::string(kMaxNesting + 1, '(') + "1" + std::string(kMaxNesting + 1, ')');
  EXPECT_EQ(errors(rev("create table t (a int default " + deep + ");")),
            "3:31: the expression nests too deep (more than 256 levels)\n");
}

TEST(ParserExpressions, HundredThousandDeepIsACleanError) {
  std::string deep = std::string(100000, '(') + "1" + std::string(100000, ')');
  // The pre-scan stops before the parser: its recursion would overflow.
  EXPECT_EQ(errors(rev("create table t (a int default " + deep + ");")),
            "3:302: the expression nests too deep (more than 256 levels)\n");
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  EXPECT_EQ(errors(rev("create table t (a int check (" + nots + "a));")).substr(0, 8), "3:1110: ");
  Result r = parse(rev("create table t (a int default " + std::string(50000, '+') + "1);"));
  EXPECT_FALSE(r.file.has_value());
}

TEST(ParserExpressions, LongChainIsADepthErrorNotACrash) {
  std::string chain = "1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  EXPECT_EQ(errors(rev("create table t (a int default " + chain + ");")),
            "3:31: the expression nests too deep (more than 256 levels)\n");
  std::string fine = "1";
  for (int i = 0; i < 200; ++i) fine += " + 1";
  ok(rev("create table t (a int default " + fine + ");"));
}

// ------------------------------------------------------------------ names

TEST(ParserNames, FoldingAndQuoting) {
  auto t = std::get<ast::CreateTable>(
      one("create table App.Users (Email text, \"Mixed Case\" text, \"say \"\"hi\"\"\" text);"));
  EXPECT_EQ(t.name.key(), "app.users");
  EXPECT_EQ(t.columns[0].name.text, "email");
  EXPECT_FALSE(t.columns[0].name.quoted);
  EXPECT_EQ(t.columns[1].name.text, "Mixed Case");
  EXPECT_TRUE(t.columns[1].name.quoted);
  EXPECT_EQ(t.columns[2].name.text, "say \"hi\"");
}

TEST(ParserNames, KeywordsAsColumnNames) {
  auto t = std::get<ast::CreateTable>(
      one("create table type (status string not null default 'x', type text, comment text "
          "comment 'c', key int, value text, name text, date date, time time, text text, "
          "message text, author text, created timestamp, index int, table text, view text, "
          "action text, revision int, upgrade int, add int, drop int, to int);"));
  std::vector<std::string> want = {"status", "type",  "comment", "key",     "value",    "name",
                                   "date",   "time",  "text",    "message", "author",   "created",
                                   "index",  "table", "view",    "action",  "revision", "upgrade",
                                   "add",    "drop",  "to"};
  ASSERT_EQ(t.columns.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(t.columns[i].name.text, want[i]);
  EXPECT_EQ(*t.columns[2].comment, "c");
  EXPECT_EQ(t.name.key(), "type");
  // An enum may be named like a keyword too.
  auto e = std::get<ast::CreateTable>(one("create table d (kind status, k key);"));
  EXPECT_EQ(e.columns[0].type.enum_name->key(), "status");
  EXPECT_EQ(e.columns[1].type.enum_name->key(), "key");
  auto ix = std::get<ast::CreateIndex>(one("create index ix on type (status, key, value);"));
  EXPECT_EQ(ix.keys[1].column->text, "key");
  ast::ExprPtr x = default_of("key + value");
  EXPECT_EQ(ast::expr_to_string(*x), "key + value");
}

TEST(ParserNames, CaseInsensitiveKeywords) {
  ast::RevisionFile f =
      ok("REVISION a;\nUpGrade {\n  CREATE TABLE T (A INT NOT NULL);\n  Drop Table T;\n}\n"
         "DOWNGRADE IRREVERSIBLE;\n");
  EXPECT_EQ(f.upgrade.size(), 2u);
  EXPECT_EQ(f.downgrade_kind, ast::DowngradeKind::Irreversible);
}

TEST(ParserNames, BadQuotedIdentifiers) {
  EXPECT_EQ(errors(rev("create table \"\" (a int);")), "3:14: an identifier cannot be empty\n");
  EXPECT_EQ(errors(rev(std::string("create table \"a\0b\" (a int);", 27))),
            "3:14: an identifier cannot contain a NUL character\n");
}

// ------------------------------------------------------------ annotations

TEST(ParserAnnotations, Allow) {
  ast::RevisionFile f =
      ok(rev("@allow(add-column-not-null-no-default, drop-not-null, 'reason here')\n"
             "alter table t add column a int not null;"));
  const auto& a = f.upgrade.at(0).annotations.at(0);
  EXPECT_EQ(a.kind, ast::AnnotationKind::Allow);
  ASSERT_EQ(a.args.size(), 2u);
  EXPECT_EQ(a.args[0].text, "add-column-not-null-no-default");
  EXPECT_EQ(a.args[1].text, "drop-not-null");
  EXPECT_EQ(a.reason, "reason here");
}

TEST(ParserAnnotations, FileLevel) {
  ast::RevisionFile f =
      ok("@transaction(none)\n@allow(drop-table, 'x')\nrevision a;\nupgrade {}\n");
  ASSERT_EQ(f.file_annotations.size(), 2u);
  EXPECT_EQ(f.file_annotations[0].kind, ast::AnnotationKind::Transaction);
  EXPECT_EQ(f.file_annotations[0].args[0].text, "none");
  EXPECT_EQ(errors("@only(postgresql)\nrevision a;\nupgrade {}\n"),
            "1:1: @only cannot stand before the revision header\n");
  EXPECT_EQ(errors("@transaction(serializable)\nrevision a;\nupgrade {}\n"),
            "1:1: @transaction takes one argument: @transaction(none)\n");
}

TEST(ParserAnnotations, OnlyAndExcept) {
  ast::RevisionFile f =
      ok(rev("@only(postgresql, Postgres, mariadb)\nexecute $$ x $$;\n"
             "@except(sqlserver)\nexecute $$ y $$;"));
  const auto& only = f.upgrade.at(0).annotations.at(0);
  EXPECT_EQ(only.kind, ast::AnnotationKind::Only);
  ASSERT_EQ(only.args.size(), 3u);
  EXPECT_EQ(only.args[1].text, "postgresql");
  EXPECT_EQ(f.upgrade.at(1).annotations.at(0).args.at(0).text, "mssql");
  EXPECT_EQ(errors(rev("@only(postgresql)\ncreate table t (a int);")),
            "3:1: @only applies only to execute statements\n");
  EXPECT_EQ(errors(rev("@only(db2)\nexecute $$ x $$;")), "3:7: unknown dialect \"db2\"\n");
  EXPECT_EQ(errors(rev("@only(mysql)\n@except(sqlite)\nexecute $$ x $$;")),
            "4:1: a statement takes @only or @except, not both\n");
}

TEST(ParserAnnotations, Mistakes) {
  Result r = parse(rev("@allow(drop-column)\nalter table t drop column a;"));
  EXPECT_EQ(r.messages(), "3:1: @allow needs a reason: the reason is mandatory\n");
  EXPECT_EQ(r.diagnostics[0].help,
            "write why this is safe as the last argument: @allow(rule-id, 'reason')");
  EXPECT_EQ(errors(rev("@allow(drop-column, '  ')\nalter table t drop column a;")),
            "3:1: @allow needs a reason: the reason is mandatory and cannot be empty\n");
  EXPECT_EQ(errors(rev("@allow(drop_column, 'x')\nalter table t drop column a;")),
            "3:8: \"drop_column\" is not a rule id: rule ids are kebab-case words like "
            "drop-column\n");
  EXPECT_EQ(errors(rev("@allow(drop - column, 'x')\nalter table t drop column a;")),
            "3:8: a rule id is written without spaces, like drop-column\n");
  EXPECT_EQ(errors(rev("@allow('x', drop-column)\nalter table t drop column a;")),
            "3:8: the reason comes last in @allow, after the rule ids\n"
            "3:1: @allow needs a reason: the reason is mandatory\n");
  EXPECT_EQ(errors(rev("@skip(x)\ndrop table t;")), "3:2: unknown annotation \"@skip\"\n");
}

// ------------------------------------------------------------ diagnostics

TEST(ParserErrors, MissingColumnType) {
  Result r = parse(rev("create table users (\n  id bigint,\n  email not null\n);"));
  EXPECT_EQ(r.messages(), "5:9: expected a column type after \"email\"\n");
  EXPECT_EQ(r.diagnostics[0].span.end_column, 12u);
  EXPECT_FALSE(r.diagnostics[0].help.empty());
  EXPECT_EQ(errors(rev("create table users (id);")), "3:23: expected a column type after \"id\"\n");
  EXPECT_EQ(errors(rev("alter table t alter column a type;")),
            "3:34: expected a type after \"type\"\n");
}

TEST(ParserErrors, MissingSemicolon) {
  Result r = parse(rev("drop table users\ndrop table fees;"));
  EXPECT_EQ(r.messages(), "3:17: expected ';' after the statement\n");
  EXPECT_EQ(r.diagnostics[0].help, "every statement ends with ';'");
  EXPECT_EQ(errors(rev("drop table users")), "3:17: expected ';' after the statement\n");
}

TEST(ParserErrors, UnknownStatement) {
  Result r = parse(rev("creat table users (id bigint);"));
  EXPECT_EQ(r.messages(),
            "3:1: unknown statement \"creat\"; expected create, drop, alter, comment, insert or "
            "execute\n");
  EXPECT_EQ(r.diagnostics[0].help, "did you mean \"create\"?");
  EXPECT_EQ(errors(rev("select 1;")),
            "3:1: unknown statement \"select\"; expected create, drop, alter, comment, insert or "
            "execute\n");
}

TEST(ParserErrors, ExpectedWords) {
  EXPECT_EQ(errors(rev("create tabel users (id int);")),
            "3:8: expected enum, index, schema, table, unique or view after \"create\", found "
            "\"tabel\"\n");
  EXPECT_EQ(errors(rev("create index ix on t (a) where;")),
            "3:31: expected an expression after \"where\", found \";\"\n");
  EXPECT_EQ(errors(rev("drop table users cascade restrict;")),
            "3:26: expected ';' after \"cascade\", found \"restrict\"\n");
  EXPECT_EQ(errors(rev("create table t (a int, 5);")), "3:24: unexpected \"5\" after \",\"\n");
  EXPECT_EQ(errors(rev("create table t (a int) comment;")),
            "3:31: expected a string after \"comment\", found \";\"\n");
  EXPECT_EQ(errors(rev("execute ($$ x $$);")),
            "3:10: expected a dialect name after \"(\", found the $$ body\n");
}

TEST(ParserErrors, ThreeMistakesThreeErrors) {
  EXPECT_EQ(errors(rev("creat table a (id int);\n"
                       "create table b (id);\n"
                       "drop table c\n"
                       "drop table d;\n"
                       "create index on e (x);")),
            "3:1: unknown statement \"creat\"; expected create, drop, alter, comment, insert or "
            "execute\n"
            "4:19: expected a column type after \"id\"\n"
            "5:13: expected ';' after the statement\n");
  // Mistakes in the downgrade block are found too.
  EXPECT_EQ(errors("revision a;\nupgrade {\n  drop tabl x;\n}\ndowngrade {\n  creat;\n"
                   "  create table t (a int,,);\n}\n"),
            "3:8: expected enum, index, schema, table or view after \"drop\", found \"tabl\"\n"
            "6:3: unknown statement \"creat\"; expected create, drop, alter, comment, insert or "
            "execute\n"
            "7:25: unexpected \",\" after \",\"\n");
}

TEST(ParserErrors, Lexical) {
  EXPECT_EQ(errors("revision a\n  message 'oops;\nupgrade {\n}\n"), "2:11: unterminated string\n");
  EXPECT_EQ(errors(rev("execute $$ x;")), "3:9: unterminated $$ body\n");
  EXPECT_EQ(errors(rev("execute $a$ x $b$;")), "3:9: unterminated $a$ body\n");
  EXPECT_EQ(errors("revision a;\n/* never\nupgrade {}\n"), "2:1: unterminated comment\n");
  EXPECT_EQ(errors(rev("create table \"t (a int);")), "3:14: unterminated quoted identifier\n");
  EXPECT_EQ(errors(rev("create table t (a int #);")), "3:23: unexpected character \"#\"\n");
  EXPECT_EQ(errors(rev("create table t (a int ###);")), "3:23: unexpected character \"#\"\n");
  EXPECT_EQ(errors(rev("create view v as x$$ select 1 $$;")),
            "3:31: unterminated $$ body\n"
            "3:18: expected '(' or a $$ ... $$ body after \"as\", found \"x$$\"\n");
  EXPECT_EQ(errors(rev("create view v as 1$$ select 1 $$;")).substr(0, 67),
            "3:19: a dollar quote must follow a space or punctuation, not a word");
}

TEST(ParserErrors, SpansCountCodePointsAfterNonAscii) {
  Result r = parse(
      "revision e1 message 'café';\nupgrade {\n  comment on table \"日本\" is 'ü' oops;\n}\n");
  EXPECT_EQ(r.messages(), "3:32: expected ';' after the string, found \"oops\"\n");
  EXPECT_EQ(r.diagnostics[0].span.end_column, 36u);
  ast::RevisionFile f =
      ok("revision e1;\nupgrade {\n  create table \"日本\" (\"名前\" text, b int);\n}\n");
  const auto& t = std::get<ast::CreateTable>(f.upgrade.at(0).node);
  EXPECT_EQ(t.columns[0].name.span.column, 22u);
  EXPECT_EQ(t.columns[1].span.column, 33u);
  // Byte offsets still slice the source.
  std::string text =
      "revision e1;\nupgrade {\n  create table \"日本\" (\"名前\" text, b int);\n}\n";
  EXPECT_EQ(text.substr(t.columns[1].span.begin, t.columns[1].span.end - t.columns[1].span.begin),
            "b int");
}

TEST(ParserErrors, InvalidUtf8) {
  Result r = parse("revision a\n  message 'caf\xe9';\nupgrade {}\n");
  EXPECT_EQ(r.messages(), "2:15: the file is not valid UTF-8 (byte 0xe9)\n");
  EXPECT_FALSE(r.file.has_value());
  EXPECT_EQ(errors("revision a;\xc0\x80\nupgrade {}\n"),
            "1:12: the file is not valid UTF-8 (byte 0xc0)\n");
}

TEST(ParserErrors, BinaryBytes) {
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary += static_cast<char>((i * 7919) % 256);
  Result r = parse(binary);
  EXPECT_FALSE(r.file.has_value());
  ASSERT_FALSE(r.diagnostics.empty());
  // Valid UTF-8 garbage (control characters) fails cleanly too.
  std::string controls;
  for (int i = 0; i < 4096; ++i) controls += static_cast<char>(1 + i % 31);
  Result c = parse(controls);
  EXPECT_FALSE(c.file.has_value());
  EXPECT_FALSE(c.diagnostics.empty());
  EXPECT_LE(c.diagnostics.size(), 50u);
}

TEST(ParserErrors, NulBytes) {
  EXPECT_EQ(errors(std::string("revision a;\nupgrade {\n  drop table t\0;\n}\n", 39)),
            "3:15: unexpected NUL character\n");
  EXPECT_EQ(errors(std::string("revision a message 'x\0y';\nupgrade {}\n", 37)),
            "1:20: a string cannot contain a NUL character\n");
}

TEST(ParserErrors, TooManyErrorsAreCapped) {
  std::string body;
  for (int i = 0; i < 200; ++i) body += "creat table t;\n";
  DiagnosticSink sink;
  EXPECT_FALSE(parse_revision(SourceFile{"t.rev", rev(body)}, sink).has_value());
  EXPECT_EQ(sink.error_count(), 50u);
}

// ------------------------------------------------------------------ scale

TEST(ParserScale, TenMegabytes) {
  std::string text = "revision big;\nupgrade {\n";
  int n = 0;
  while (text.size() < 10u * 1024 * 1024) {
    text += "  create table t" + std::to_string(n) +
            " (id bigint primary key, name string(20) not null default 'x', at timestamptz);\n";
    ++n;
  }
  text += "}\n";
  auto start = std::chrono::steady_clock::now();
  Result r = parse(text);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_TRUE(r.diagnostics.empty()) << r.messages();
  ASSERT_TRUE(r.file.has_value());
  EXPECT_EQ(r.file->upgrade.size(), static_cast<size_t>(n));
  EXPECT_LT(seconds, retort::test::time_limit(60.0));
}

TEST(ParserScale, TenMegabyteStringAndBody) {
  std::string big(10u * 1024 * 1024, 'x');
  ast::RevisionFile f =
      ok("revision a message '" + big + "';\nupgrade {\n  execute $$" + big + "$$;\n}\n");
  EXPECT_EQ(f.header.message->size(), big.size());
  Result r = parse("revision a message '" + big + "\nupgrade {}\n");
  EXPECT_EQ(r.messages(), "1:20: unterminated string\n");
}

TEST(ParserScale, TenMegabytesOfGarbageFailsCleanly) {
  std::string text = "revision a;\nupgrade {\n";
  while (text.size() < 10u * 1024 * 1024) text += "( ) , ; create drop 'x' 1 2 3 ( ( ) ) ";
  Result r = parse(text);
  EXPECT_FALSE(r.file.has_value());
  EXPECT_FALSE(r.diagnostics.empty());
}

// ------------------------------------------------------------------ dump

TEST(ParserDump, SpecExample) {
  ast::RevisionFile f =
      ok("revision 3f2a9c1b7d4e\n"
         "  revises a1b2c3d4e5f6\n"
         "  message 'add fees table';\n"
         "\n"
         "upgrade {\n"
         "  create table fees (\n"
         "    id         bigint primary key identity,\n"
         "    amount     decimal(10, 2) not null,\n"
         "  );\n"
         "  @allow(drop-column, 'unused')\n"
         "  alter table fees drop column x;\n"
         "}\n");
  EXPECT_EQ(ast::dump(f),
            "revision 3f2a9c1b7d4e @1:1\n"
            "  revises a1b2c3d4e5f6\n"
            "  message 'add fees table'\n"
            "upgrade @5:1\n"
            "  create table fees @6:3\n"
            "    column id bigint @7:5\n"
            "      primary key\n"
            "      identity\n"
            "    column amount decimal(10, 2) @8:5\n"
            "      not null\n"
            "  @allow(drop-column, 'unused') @10:3\n"
            "  alter table fees @11:3\n"
            "    drop column x @11:20\n"
            "downgrade derived\n");
}

// ---------------------------------------------------------------- fixtures

std::vector<fs::path> fixtures(const char* kind) {
  std::vector<fs::path> out;
  fs::path dir = fs::path(RETORT_SOURCE_DIR) / "fixtures" / "parse" / kind;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".rev") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ParserFixtures, OkFilesParse) {
  auto files = fixtures("ok");
  EXPECT_GE(files.size(), 10u);
  for (const auto& p : files) {
    Result r = parse(read(p), p.filename().string());
    EXPECT_TRUE(r.file.has_value()) << p << "\n" << r.messages();
    EXPECT_TRUE(r.diagnostics.empty()) << p << "\n" << r.messages();
    if (r.file) {
      EXPECT_FALSE(ast::dump(*r.file).empty());
    }
  }
}

TEST(ParserFixtures, ErrFilesFail) {
  auto files = fixtures("err");
  EXPECT_GE(files.size(), 10u);
  for (const auto& p : files) {
    Result r = parse(read(p), p.filename().string());
    EXPECT_FALSE(r.file.has_value()) << p;
    EXPECT_FALSE(r.diagnostics.empty()) << p;
  }
}

TEST(ParserThreads, FilesParseInParallel) {
  std::string text = rev("create table t (a int primary key, b string(3) default 'x');");
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k) {
        DiagnosticSink sink;
        if (parse_revision(SourceFile{"t.rev", text}, sink)) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), 200);
}

}  // namespace
}  // namespace retort
