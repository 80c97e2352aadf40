// The canonical printer: every `.rev` file of the repository that parses is
// printed, parsed again and compared (AST equal, spans aside; printing again
// gives the same text), and a few exact texts pin the layout.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "compiler/ast_dump.h"
#include "compiler/parser.h"
#include "compiler/printer.h"

namespace fs = std::filesystem;

namespace retort {
namespace {

struct Parsed {
  std::optional<ast::RevisionFile> file;
  std::string messages;
};

Parsed parse(std::string text, std::string path = "t.rev") {
  SourceFile source{std::move(path), std::move(text)};
  DiagnosticSink sink;
  Parsed p;
  p.file = parse_revision(source, sink);
  for (const auto& d : sink.diagnostics()) {
    p.messages +=
        std::to_string(d.span.line) + ":" + std::to_string(d.span.column) + ": " + d.message + "\n";
  }
  if (!p.messages.empty()) p.file.reset();
  return p;
}

ast::RevisionFile ok(const std::string& text) {
  Parsed p = parse(text);
  EXPECT_TRUE(p.file.has_value()) << p.messages << text;
  return p.file ? std::move(*p.file) : ast::RevisionFile{};
}

/// A file's canonical text: parsed, then printed.
std::string canonical(const std::string& text) {
  return print_revision(ok(text));
}

std::string rev(const std::string& body) {
  return "revision r1;\nupgrade {\n" + body + "\n}\n";
}

/// The printed text of a one-statement upgrade, without the frame.
std::string statement(const std::string& body) {
  std::string text = canonical(rev(body));
  const std::string head = "revision r1;\n\nupgrade {\n";
  const std::string tail = "\n}\n";
  if (text.rfind(head, 0) != 0 || text.size() < head.size() + tail.size()) return text;
  return text.substr(head.size(), text.size() - head.size() - tail.size());
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ------------------------------------------------- structural comparison

/// Compares two ASTs field by field, spans aside, and names the first
/// difference. Catches what the dump does not show (the quoting of an enum
/// type's name, the tree of an expression).
class Same {
 public:
  std::string difference;

  bool fail(const std::string& what) {
    if (difference.empty()) difference = what;
    return false;
  }

  template <typename T>
  bool eq(const T& a, const T& b) requires(std::is_arithmetic_v<T> || std::is_enum_v<T> ||
                                           std::is_same_v<T, std::string>) {
    return a == b || fail("value");
  }
  template <typename T>
  bool eq(const std::optional<T>& a, const std::optional<T>& b) {
    if (a.has_value() != b.has_value()) return fail("optional presence");
    return !a || eq(*a, *b);
  }
  template <typename T>
  bool eq(const ast::Boxed<T>& a, const ast::Boxed<T>& b) {
    if (a.has_value() != b.has_value()) return fail("optional presence");
    return !a || eq(*a, *b);
  }
  template <typename T>
  bool eq(const std::vector<T>& a, const std::vector<T>& b) {
    if (a.size() != b.size()) return fail("list length");
    for (size_t i = 0; i < a.size(); ++i) {
      if (!eq(a[i], b[i])) return false;
    }
    return true;
  }

  bool eq(const ast::Name& a, const ast::Name& b) {
    return (a.text == b.text && a.quoted == b.quoted) || fail("name " + a.text + " / " + b.text);
  }
  bool eq(const ast::QualifiedName& a, const ast::QualifiedName& b) {
    return eq(a.schema, b.schema) && eq(a.name, b.name);
  }
  bool eq(const ast::DialectText& a, const ast::DialectText& b) {
    if (a.entries.size() != b.entries.size()) return fail("dialect entries");
    for (size_t i = 0; i < a.entries.size(); ++i) {
      if (a.entries[i].dialect != b.entries[i].dialect || a.entries[i].text != b.entries[i].text)
        return fail("dialect text");
    }
    return true;
  }
  bool eq(const ast::Type& a, const ast::Type& b) {
    if (!(eq(a.kind, b.kind) && eq(a.length, b.length) && eq(a.precision, b.precision) &&
          eq(a.scale, b.scale)))
      return fail("type");
    if (a.kind == ast::TypeKind::Enum && !eq(*a.enum_name, *b.enum_name)) return false;
    if (a.kind == ast::TypeKind::Native && !eq(*a.native, *b.native)) return false;
    return true;
  }
  bool eq(const ast::ExprPtr& a, const ast::ExprPtr& b) {
    if (!a || !b) return (!a && !b) || fail("expression presence");
    const ast::Expr& x = *a;
    const ast::Expr& y = *b;
    bool same = eq(x.kind, y.kind) && eq(x.text, y.text) && eq(x.op, y.op) &&
                eq(x.negated, y.negated) && eq(x.names, y.names) && eq(x.args, y.args) &&
                eq(x.cast_type, y.cast_type);
    return same || fail("expression " + ast::expr_to_string(x) + " / " + ast::expr_to_string(y));
  }
  bool eq(const ast::References& a, const ast::References& b) {
    return eq(a.table, b.table) && eq(a.columns, b.columns) && eq(a.on_delete, b.on_delete) &&
           eq(a.on_update, b.on_update);
  }
  bool eq(const ast::TableConstraint& a, const ast::TableConstraint& b) {
    return eq(a.name, b.name) && eq(a.kind, b.kind) && eq(a.columns, b.columns) &&
           eq(a.references, b.references) && eq(a.check, b.check);
  }
  bool eq(const ast::ColumnDef& a, const ast::ColumnDef& b) {
    return eq(a.name, b.name) && eq(a.type, b.type) && eq(a.not_null, b.not_null) &&
           eq(a.default_value, b.default_value) && eq(a.primary_key, b.primary_key) &&
           eq(a.unique, b.unique) && eq(a.identity, b.identity) && eq(a.references, b.references) &&
           eq(a.checks, b.checks) && eq(a.comment, b.comment) && eq(a.collate, b.collate);
  }

  // Alter actions.
  bool eq(const ast::AddColumn& a, const ast::AddColumn& b) { return eq(a.column, b.column); }
  bool eq(const ast::DropColumn& a, const ast::DropColumn& b) {
    return eq(a.column, b.column) && eq(a.cascade, b.cascade);
  }
  bool eq(const ast::RenameColumn& a, const ast::RenameColumn& b) {
    return eq(a.column, b.column) && eq(a.new_name, b.new_name);
  }
  bool eq(const ast::AlterColumnType& a, const ast::AlterColumnType& b) {
    return eq(a.column, b.column) && eq(a.type, b.type) && eq(a.using_expr, b.using_expr);
  }
  bool eq(const ast::SetNotNull& a, const ast::SetNotNull& b) { return eq(a.column, b.column); }
  bool eq(const ast::DropNotNull& a, const ast::DropNotNull& b) { return eq(a.column, b.column); }
  bool eq(const ast::SetDefault& a, const ast::SetDefault& b) {
    return eq(a.column, b.column) && eq(a.value, b.value);
  }
  bool eq(const ast::DropDefault& a, const ast::DropDefault& b) { return eq(a.column, b.column); }
  bool eq(const ast::SetColumnComment& a, const ast::SetColumnComment& b) {
    return eq(a.column, b.column) && eq(a.comment, b.comment);
  }
  bool eq(const ast::AddConstraint& a, const ast::AddConstraint& b) {
    return eq(a.constraint, b.constraint) && eq(a.not_valid, b.not_valid);
  }
  bool eq(const ast::AddConstraintUsingIndex& a, const ast::AddConstraintUsingIndex& b) {
    return eq(a.name, b.name) && eq(a.kind, b.kind) && eq(a.index, b.index);
  }
  bool eq(const ast::ValidateConstraint& a, const ast::ValidateConstraint& b) {
    return eq(a.name, b.name);
  }
  bool eq(const ast::DropConstraint& a, const ast::DropConstraint& b) { return eq(a.name, b.name); }
  bool eq(const ast::RenameConstraint& a, const ast::RenameConstraint& b) {
    return eq(a.name, b.name) && eq(a.new_name, b.new_name);
  }
  bool eq(const ast::AlterAction& a, const ast::AlterAction& b) {
    if (a.index() != b.index()) return fail("alter action kind");
    return std::visit([&](const auto& x) { return eq(x, std::get<std::decay_t<decltype(x)>>(b)); },
                      a);
  }

  // Statements.
  bool eq(const ast::CreateTable& a, const ast::CreateTable& b) {
    return eq(a.name, b.name) && eq(a.if_not_exists, b.if_not_exists) && eq(a.columns, b.columns) &&
           eq(a.constraints, b.constraints) && eq(a.comment, b.comment);
  }
  bool eq(const ast::DropTable& a, const ast::DropTable& b) {
    return eq(a.name, b.name) && eq(a.if_exists, b.if_exists) && eq(a.cascade, b.cascade);
  }
  bool eq(const ast::RenameTable& a, const ast::RenameTable& b) {
    return eq(a.name, b.name) && eq(a.new_name, b.new_name);
  }
  bool eq(const ast::AlterTable& a, const ast::AlterTable& b) {
    return eq(a.name, b.name) && eq(a.actions, b.actions);
  }
  bool eq(const ast::IndexKey& a, const ast::IndexKey& b) {
    return eq(a.column, b.column) && eq(a.expr, b.expr) && eq(a.descending, b.descending);
  }
  bool eq(const ast::CreateIndex& a, const ast::CreateIndex& b) {
    return eq(a.name, b.name) && eq(a.table, b.table) && eq(a.unique, b.unique) &&
           eq(a.concurrently, b.concurrently) && eq(a.if_not_exists, b.if_not_exists) &&
           eq(a.keys, b.keys) && eq(a.include, b.include) && eq(a.where, b.where) &&
           eq(a.method, b.method);
  }
  bool eq(const ast::DropIndex& a, const ast::DropIndex& b) {
    return eq(a.name, b.name) && eq(a.concurrently, b.concurrently) && eq(a.if_exists, b.if_exists);
  }
  bool eq(const ast::RenameIndex& a, const ast::RenameIndex& b) {
    return eq(a.name, b.name) && eq(a.new_name, b.new_name);
  }
  bool eq(const ast::EnumValue& a, const ast::EnumValue& b) { return eq(a.value, b.value); }
  bool eq(const ast::CreateEnum& a, const ast::CreateEnum& b) {
    return eq(a.name, b.name) && eq(a.values, b.values);
  }
  bool eq(const ast::AlterEnumAddValue& a, const ast::AlterEnumAddValue& b) {
    return eq(a.name, b.name) && eq(a.value, b.value) && eq(a.before, b.before) &&
           eq(a.after, b.after);
  }
  bool eq(const ast::DropEnum& a, const ast::DropEnum& b) { return eq(a.name, b.name); }
  bool eq(const ast::CreateView& a, const ast::CreateView& b) {
    return eq(a.name, b.name) && eq(a.body, b.body);
  }
  bool eq(const ast::DropView& a, const ast::DropView& b) { return eq(a.name, b.name); }
  bool eq(const ast::CreateSchema& a, const ast::CreateSchema& b) { return eq(a.name, b.name); }
  bool eq(const ast::DropSchema& a, const ast::DropSchema& b) { return eq(a.name, b.name); }
  bool eq(const ast::CommentOnTable& a, const ast::CommentOnTable& b) {
    return eq(a.table, b.table) && eq(a.comment, b.comment);
  }
  bool eq(const ast::CommentOnColumn& a, const ast::CommentOnColumn& b) {
    return eq(a.table, b.table) && eq(a.column, b.column) && eq(a.comment, b.comment);
  }
  bool eq(const ast::Insert& a, const ast::Insert& b) {
    return eq(a.table, b.table) && eq(a.columns, b.columns) && eq(a.rows, b.rows);
  }
  bool eq(const ast::Execute& a, const ast::Execute& b) {
    return eq(a.body, b.body) && eq(a.reverse, b.reverse);
  }
  bool eq(const ast::DeleteRows& a, const ast::DeleteRows& b) {
    return eq(a.table, b.table) && eq(a.key_columns, b.key_columns) && eq(a.keys, b.keys);
  }
  bool eq(const ast::StatementNode& a, const ast::StatementNode& b) {
    if (a.index() != b.index()) return fail("statement kind");
    return std::visit([&](const auto& x) { return eq(x, std::get<std::decay_t<decltype(x)>>(b)); },
                      a);
  }
  bool eq(const ast::Annotation& a, const ast::Annotation& b) {
    return eq(a.kind, b.kind) && eq(a.args, b.args) && eq(a.reason, b.reason);
  }
  bool eq(const ast::Statement& a, const ast::Statement& b) {
    return eq(a.node, b.node) && eq(a.annotations, b.annotations);
  }

  // The file.
  bool eq(const ast::RevisionId& a, const ast::RevisionId& b) {
    return a.text == b.text || fail("revision id " + a.text + " / " + b.text);
  }
  bool eq(const ast::Header& a, const ast::Header& b) {
    return eq(a.id, b.id) && eq(a.revises, b.revises) && eq(a.depends_on, b.depends_on) &&
           eq(a.labels, b.labels) && eq(a.message, b.message) && eq(a.author, b.author) &&
           eq(a.created, b.created);
  }
  bool eq(const ast::RevisionFile& a, const ast::RevisionFile& b) {
    return eq(a.file_annotations, b.file_annotations) && eq(a.header, b.header) &&
           eq(a.upgrade, b.upgrade) && eq(a.downgrade_kind, b.downgrade_kind) &&
           eq(a.downgrade, b.downgrade);
  }
};

// ------------------------------------------------------- every .rev file

std::vector<fs::path> every_rev_file() {
  std::vector<fs::path> out;
  for (const char* dir : {"fixtures", "examples"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(RETORT_SOURCE_DIR) / dir)) {
      if (e.is_regular_file() && e.path().extension() == ".rev") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PrinterRoundTrip, EveryRevFileOfTheRepository) {
  size_t printed = 0;
  size_t refused = 0;  // files that do not parse: the parse/err fixtures and the like
  for (const fs::path& path : every_rev_file()) {
    std::string rel = fs::relative(path, RETORT_SOURCE_DIR).string();
    SCOPED_TRACE(rel);
    Parsed first = parse(read(path), rel);
    if (!first.file) {
      ++refused;
      continue;
    }
    ++printed;
    std::string text = print_revision(*first.file);
    Parsed second = parse(text, rel);
    ASSERT_TRUE(second.file) << "the printed text does not parse:\n"
                             << second.messages << "---\n"
                             << text;
    EXPECT_EQ(ast::dump(*second.file, {.positions = false}),
              ast::dump(*first.file, {.positions = false}))
        << text;
    Same same;
    EXPECT_TRUE(same.eq(*first.file, *second.file)) << same.difference << "\n---\n" << text;
    EXPECT_EQ(print_revision(*second.file), text) << "printing is not idempotent";
  }
  std::cout << "printed and re-parsed " << printed << " files; " << refused
            << " do not parse and were skipped\n";
  // Not vacuous: the fixtures and examples hold well over a hundred good files.
  EXPECT_GT(printed, 100u);
}

// ---------------------------------------------------------------- layout

TEST(PrinterLayout, HeaderAndBlocks) {
  EXPECT_EQ(canonical("@TRANSACTION(NONE) @allow(drop-column, 'big') REVISION 'Create' "
                      "created '2024-01-02 03:04:05' revises 0001, 1975ea83b712 "
                      "labels billing, \"Reporting\", 'x y' depends on a1 message 'it''s' "
                      "author 'ada'; UPGRADE {} DOWNGRADE IRREVERSIBLE;"),
            "@transaction(none)\n"
            "@allow(drop-column, 'big')\n"
            "revision 'Create'\n"
            "  revises 0001, 1975ea83b712\n"
            "  depends on a1\n"
            "  labels billing, \"Reporting\", \"x y\"\n"
            "  message 'it''s'\n"
            "  author 'ada'\n"
            "  created '2024-01-02 03:04:05';\n"
            "\n"
            "upgrade {\n}\n"
            "\n"
            "downgrade irreversible;\n");
  EXPECT_EQ(canonical("revision a; upgrade { create schema s; drop schema t; } "
                      "downgrade { create schema t; drop schema s; }"),
            "revision a;\n"
            "\n"
            "upgrade {\n"
            "  create schema s;\n"
            "  drop schema t;\n"
            "}\n"
            "\n"
            "downgrade {\n"
            "  create schema t;\n"
            "  drop schema s;\n"
            "}\n");
}

TEST(PrinterLayout, CreateTableAlignsTheTypes) {
  EXPECT_EQ(statement("CREATE TABLE IF NOT EXISTS app.fees (id BIGINT PRIMARY KEY IDENTITY,"
                      " student_id bigint references students(id) on delete cascade not null,"
                      " \"Amount\" numeric(10,2) check (\"Amount\" >= 0) not null,"
                      " constraint uq_fees unique (student_id),"
                      " note varchar null collate 'C' comment 'free text' default 'it''s',"
                      " check (note <> ''))"
                      " comment 'money';"),
            "  create table if not exists app.fees (\n"
            "    id         bigint primary key identity,\n"
            "    student_id bigint not null references students (id) on delete cascade,\n"
            "    \"Amount\"   decimal(10, 2) not null check (\"Amount\" >= 0),\n"
            "    note       string null default 'it''s' comment 'free text' collate 'C',\n"
            "    constraint uq_fees unique (student_id),\n"
            "    check (note <> ''),\n"
            "  ) comment 'money';");
}

TEST(PrinterLayout, AlterTableOneActionPerLine) {
  EXPECT_EQ(statement("alter table users add column nick string(20) default 'x', drop column "
                      "legacy cascade, alter column age type integer using cast(age as integer), "
                      "alter column email set not null, add constraint ck check (a > 0) not "
                      "valid, add constraint uq unique using index ix_uq;"),
            "  alter table users\n"
            "    add column nick string(20) default 'x',\n"
            "    drop column legacy cascade,\n"
            "    alter column age type integer using cast(age as integer),\n"
            "    alter column email set not null,\n"
            "    add constraint ck check (a > 0) not valid,\n"
            "    add constraint uq unique using index ix_uq;");
  EXPECT_EQ(statement("alter table users drop column legacy;"),
            "  alter table users drop column legacy;");
}

TEST(PrinterLayout, AnnotationsStandOnTheirOwnLines) {
  EXPECT_EQ(statement("create schema a; @allow(drop-column, rename-column, 'unused since 2.3') "
                      "alter table users drop column legacy_flag; @only(postgres, mysql) "
                      "execute $$ SELECT 1 $$; @except(sqlite) execute $$ SELECT 2 $$;"),
            "  create schema a;\n"
            "\n"
            "  @allow(drop-column, rename-column, 'unused since 2.3')\n"
            "  alter table users drop column legacy_flag;\n"
            "\n"
            "  @only(postgresql, mysql)\n"
            "  execute $$ SELECT 1 $$;\n"
            "\n"
            "  @except(sqlite)\n"
            "  execute $$ SELECT 2 $$;");
}

TEST(PrinterLayout, QuotedIdentifiers) {
  EXPECT_EQ(statement("create table \"Order\" (\"select\" int, \"check\" int, type int, "
                      "\"plain\" text, \"a\"\"b\" int, \"κλειδί\" int);"),
            "  create table \"Order\" (\n"
            "    \"select\" integer,\n"
            "    \"check\"  integer,\n"
            "    type     integer,\n"
            "    \"plain\"  text,\n"
            "    \"a\"\"b\"   integer,\n"
            "    \"κλειδί\" integer,\n"
            "  );");
  // Bare when the grammar takes the name bare and folding keeps it.
  EXPECT_EQ(print_name(ast::Name{"comment", false, {}}), "comment");
  EXPECT_EQ(print_name(ast::Name{"check", false, {}}), "\"check\"");
  EXPECT_EQ(print_name(ast::Name{"Mixed", false, {}}), "\"Mixed\"");
  EXPECT_EQ(print_name(ast::Name{"a b", false, {}}), "\"a b\"");
  EXPECT_EQ(print_name(ast::Name{"a$1", false, {}}), "a$1");
  // In a type: an enum named like a portable type, or a word a column
  // constraint starts with, is quoted.
  EXPECT_EQ(statement("create table t (a \"text\", b \"comment\", c s.\"Mood\", d mood);"),
            "  create table t (\n"
            "    a \"text\",\n"
            "    b \"comment\",\n"
            "    c s.\"Mood\",\n"
            "    d mood,\n"
            "  );");
}

TEST(PrinterLayout, StringsWithQuotesAndLines) {
  EXPECT_EQ(statement("comment on column s.jobs.salary_min is 'yearly, in the company''s\n"
                      "currency';"),
            "  comment on column s.jobs.salary_min is 'yearly, in the company''s\n"
            "currency';");
  EXPECT_EQ(print_string("it's ''"), "'it''s '''''");
}

TEST(PrinterLayout, DollarBodies) {
  // A body holding `$$` takes a tag.
  EXPECT_EQ(statement("execute $fn$ CREATE FUNCTION f() AS $$ SELECT 1 $$ $fn$;"),
            "  execute $body$ CREATE FUNCTION f() AS $$ SELECT 1 $$ $body$;");
  EXPECT_EQ(print_dollar(" a "), "$$ a $$");
  EXPECT_EQ(print_dollar("a$"), "$body$a$$body$");  // `$$a$$$` would close after `a`
  EXPECT_EQ(print_dollar("$$ $body$"), "$body2$$$ $body$$body2$");
  EXPECT_EQ(statement("execute $$ UPDATE a SET b = 1 $$ reverse $$ UPDATE a SET b = 0 $$;"),
            "  execute $$ UPDATE a SET b = 1 $$\n"
            "    reverse $$ UPDATE a SET b = 0 $$;");
  EXPECT_EQ(statement("execute (postgresql: $$ A $$, default: $$ B $$) reverse "
                      "(pg: $$ C $$);"),
            "  execute (\n"
            "    postgresql: $$ A $$,\n"
            "    default:    $$ B $$,\n"
            "  ) reverse (\n"
            "    postgresql: $$ C $$,\n"
            "  );");
  EXPECT_EQ(statement("create view v as $$ select 1 $$;"), "  create view v as $$ select 1 $$;");
}

TEST(PrinterLayout, IndexesEnumsRowsAndTypes) {
  EXPECT_EQ(statement("create unique index concurrently if not exists ux on s.t (a, (lower(b)) "
                      "desc, c asc) include (d) where deleted_at is null using gin;"),
            "  create unique index concurrently if not exists ux on s.t (a, (lower(b)) desc, c)"
            " include (d) where deleted_at is null using gin;");
  EXPECT_EQ(statement("create enum mood ('sad', 'it''s ok');"),
            "  create enum mood ('sad', 'it''s ok');");
  EXPECT_EQ(statement("alter enum mood add value 'meh' before 'sad';"),
            "  alter enum mood add value 'meh' before 'sad';");
  EXPECT_EQ(statement("insert into currencies (code, rate) values ('EUR', 1.5);"),
            "  insert into currencies (code, rate) values ('EUR', 1.5);");
  EXPECT_EQ(statement("insert into currencies (code, rate) values ('EUR', 1.50), ('USD', -7);"),
            "  insert into currencies (code, rate) values\n"
            "    ('EUR', 1.50),\n"
            "    ('USD', -7);");
  EXPECT_EQ(statement("create table t (a native(postgresql: 'jsonb', mysql: 'json'), b "
                      "native('it''s'), c varchar(3), d blob, e int);"),
            "  create table t (\n"
            "    a native(postgresql: 'jsonb', mysql: 'json'),\n"
            "    b native('it''s'),\n"
            "    c string(3),\n"
            "    d binary,\n"
            "    e integer,\n"
            "  );");
}

// ---------------------------------------------------------------- expressions

std::string default_of(const std::string& expression) {
  ast::RevisionFile f = ok(rev("alter table t alter column c set default " + expression + ";"));
  if (f.upgrade.empty()) return "?";
  const auto& alter = std::get<ast::AlterTable>(f.upgrade[0].node);
  return print_expr(*std::get<ast::SetDefault>(alter.actions[0]).value);
}

TEST(PrinterExpressions, KeepsTheParenthesesOfTheSource) {
  EXPECT_EQ(default_of("((1))"), "((1))");
  EXPECT_EQ(default_of("(a + b) * c"), "(a + b) * c");
  EXPECT_EQ(default_of("a+b*c"), "a + b * c");
  EXPECT_EQ(default_of("a - (b - c)"), "a - (b - c)");
  EXPECT_EQ(default_of("NOT a IS NULL AND b NOT IN (1,2,) OR c NOT LIKE 'x%'"),
            "not a is null and b not in (1, 2) or c not like 'x%'");
  EXPECT_EQ(default_of("a not between 1 and 2 || 'x'"), "a not between 1 and 2 || 'x'");
  EXPECT_EQ(default_of("- - 7"), "- -7");
  EXPECT_EQ(default_of("-(-7)"), "-(-7)");
  EXPECT_EQ(default_of("CURRENT_TIMESTAMP"), "current_timestamp");
  EXPECT_EQ(default_of("Now()"), "now()");
  EXPECT_EQ(default_of("cast(x as Numeric(5))"), "cast(x as decimal(5))");
  EXPECT_EQ(default_of("sql($x$ a $$ b $x$)"), "sql($body$ a $$ b $body$)");
  EXPECT_EQ(default_of("t.\"Col\" <> TRUE"), "t.\"Col\" <> true");
}

ast::ExprPtr leaf(const std::string& column) {
  ast::Expr e;
  e.kind = ast::ExprKind::Column;
  e.names.push_back(ast::Name{column, false, {}});
  return std::make_shared<const ast::Expr>(std::move(e));
}

ast::ExprPtr number(const std::string& text) {
  ast::Expr e;
  e.kind = ast::ExprKind::Number;
  e.text = text;
  return std::make_shared<const ast::Expr>(std::move(e));
}

ast::ExprPtr node(ast::ExprKind kind, const std::string& op, std::vector<ast::ExprPtr> args) {
  ast::Expr e;
  e.kind = kind;
  e.op = op;
  e.args = std::move(args);
  return std::make_shared<const ast::Expr>(std::move(e));
}

TEST(PrinterExpressions, AddsTheParenthesesATreeNeeds) {
  using K = ast::ExprKind;
  auto a = leaf("a"), b = leaf("b"), c = leaf("c");
  EXPECT_EQ(print_expr(*node(K::Binary, "*", {node(K::Binary, "+", {a, b}), c})), "(a + b) * c");
  EXPECT_EQ(print_expr(*node(K::Binary, "-", {a, node(K::Binary, "-", {b, c})})), "a - (b - c)");
  EXPECT_EQ(print_expr(*node(K::Binary, "-", {node(K::Binary, "-", {a, b}), c})), "a - b - c");
  EXPECT_EQ(print_expr(*node(K::Binary, "=", {node(K::Binary, "=", {a, b}), c})), "(a = b) = c");
  EXPECT_EQ(print_expr(*node(K::Unary, "not", {node(K::Binary, "and", {a, b})})), "not (a and b)");
  EXPECT_EQ(print_expr(*node(K::Binary, "and", {node(K::Binary, "or", {a, b}), c})),
            "(a or b) and c");
  EXPECT_EQ(print_expr(*node(K::Unary, "-", {node(K::Unary, "-", {number("7")})})), "- -7");
  EXPECT_EQ(print_expr(*node(K::Unary, "-", {node(K::Binary, "*", {a, b})})), "-(a * b)");
  EXPECT_EQ(print_expr(*node(K::Between, "", {a, node(K::Binary, "and", {b, c}), number("1")})),
            "a between (b and c) and 1");
  EXPECT_EQ(print_expr(*node(K::IsNull, "", {node(K::Binary, "=", {a, b})})), "(a = b) is null");
}

TEST(PrinterRevisionIds, BareUnlessTheyCannotBe) {
  EXPECT_EQ(canonical("revision '0001' revises 'abc', 'Table', 1975ea83b712; upgrade {}"),
            "revision 0001\n  revises abc, 'Table', 1975ea83b712;\n\nupgrade {\n}\n");
}

/// Every keyword of the grammar, read from grammar/Revision.g4, so that the
/// printer's word tables cannot drift from it.
std::vector<std::string> grammar_keywords() {
  std::vector<std::string> out;
  std::istringstream in(read(fs::path(RETORT_SOURCE_DIR) / "grammar" / "Revision.g4"));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("K_", 0) != 0) continue;
    std::string word = line.substr(2, line.find_first_of(" :") - 2);
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back(word);
  }
  return out;
}

TEST(PrinterNames, EveryKeywordOfTheGrammarComesBackAsItself) {
  std::vector<std::string> words = grammar_keywords();
  ASSERT_GT(words.size(), 70u);
  for (const std::string& w : words) {
    SCOPED_TRACE(w);
    ast::Name name{w, false, {}};
    ast::RevisionFile file;
    file.header.id.text = w;
    ast::CreateTable table;
    table.name.name = name;
    ast::ColumnDef column;
    column.name = name;
    column.type.kind = ast::TypeKind::Enum;
    column.type.enum_name.edit().name = name;
    ast::Expr ref;
    ref.kind = ast::ExprKind::Column;
    ref.names = {name};
    column.default_value = std::make_shared<const ast::Expr>(std::move(ref));
    table.columns.push_back(column);
    ast::Type qualified = column.type;
    qualified.enum_name.edit().schema = name;
    column.type = qualified;
    table.columns.push_back(column);
    file.upgrade.push_back(ast::Statement{table, {}, {}});
    std::string text = print_revision(file);
    Parsed p = parse(text);
    ASSERT_TRUE(p.file) << p.messages << text;
    EXPECT_EQ(p.file->header.id.text, w) << text;
    const auto& t = std::get<ast::CreateTable>(p.file->upgrade.at(0).node);
    EXPECT_EQ(t.name.name.text, w) << text;
    ASSERT_EQ(t.columns.size(), 2u) << text;
    for (const auto& c : t.columns) {
      EXPECT_EQ(c.name.text, w) << text;
      EXPECT_EQ(c.type.kind, ast::TypeKind::Enum) << text;
      EXPECT_EQ(c.type.enum_name->name.text, w) << text;
      ASSERT_TRUE(c.default_value) << text;
      EXPECT_EQ(c.default_value->kind, ast::ExprKind::Column) << text;
      EXPECT_EQ(c.default_value->names.at(0).text, w) << text;
    }
    EXPECT_EQ(t.columns[1].type.enum_name->schema->text, w) << text;
    // Quoted only where the grammar needs it: a reserved word, or one that
    // starts a column constraint where a type is read.
    bool bare = text.find("create table " + w + " (") != std::string::npos;
    EXPECT_EQ(bare, !t.name.name.quoted) << text;
  }
}

}  // namespace
}  // namespace retort
