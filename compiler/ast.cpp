#include "compiler/ast.h"

#include <algorithm>

#include <fmt/format.h>

#include "compiler/overloaded.h"

namespace retort::ast {

const std::string* DialectText::for_dialect(std::string_view dialect) const {
  const std::string* fallback = nullptr;
  const std::string* mysql = nullptr;
  for (const auto& e : entries) {
    if (e.dialect.empty() || e.dialect == dialect) return &e.text;
    if (e.dialect == "default") fallback = &e.text;
    if (e.dialect == "mysql") mysql = &e.text;
  }
  if (dialect == "mariadb" && mysql) return mysql;
  return fallback;
}

std::string type_to_string(const Type& t) {
  switch (t.kind) {
    case TypeKind::Boolean:
      return "boolean";
    case TypeKind::Smallint:
      return "smallint";
    case TypeKind::Integer:
      return "integer";
    case TypeKind::Bigint:
      return "bigint";
    case TypeKind::Decimal:
      if (t.precision && t.scale) return fmt::format("decimal({}, {})", *t.precision, *t.scale);
      if (t.precision) return fmt::format("decimal({})", *t.precision);
      return "decimal";
    case TypeKind::Real:
      return "real";
    case TypeKind::Double:
      return "double";
    case TypeKind::String:
      return t.length ? fmt::format("string({})", *t.length) : "string";
    case TypeKind::Char:
      return t.length ? fmt::format("char({})", *t.length) : "char";
    case TypeKind::Text:
      return "text";
    case TypeKind::Binary:
      return "binary";
    case TypeKind::Date:
      return "date";
    case TypeKind::Time:
      return "time";
    case TypeKind::Timestamp:
      return "timestamp";
    case TypeKind::Timestamptz:
      return "timestamptz";
    case TypeKind::Uuid:
      return "uuid";
    case TypeKind::Json:
      return "json";
    case TypeKind::Enum:
      return t.enum_name->key();
    case TypeKind::Native: {
      std::string out = "native(";
      for (size_t i = 0; i < t.native->entries.size(); ++i) {
        const auto& e = t.native->entries[i];
        if (i) out += ", ";
        if (!e.dialect.empty()) out += e.dialect + ": ";
        out += "'" + e.text + "'";
      }
      return out + ")";
    }
  }
  return "?";
}

bool same_type(const Type& a, const Type& b) {
  if (type_to_string(a) != type_to_string(b)) return false;
  // The same portable type spelled otherwise on a dialect is another type there.
  const auto& x = a.spelled->entries;
  const auto& y = b.spelled->entries;
  return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](const auto& e, const auto& f) {
    return e.dialect == f.dialect && e.text == f.text;
  });
}

namespace {

std::string quote_string(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

void collect_columns(const Expr& e, std::vector<std::string>& out) {
  if (e.kind == ExprKind::Column && !e.names.empty()) {
    const std::string& col = e.names.back().text;
    bool seen = false;
    for (const auto& c : out) seen = seen || c == col;
    if (!seen) out.push_back(col);
  }
  for (const auto& a : e.args) {
    if (a) collect_columns(*a, out);
  }
}

}  // namespace

std::string expr_to_string(const Expr& e) {
  auto arg = [&](size_t i) {
    return i < e.args.size() && e.args[i] ? expr_to_string(*e.args[i]) : std::string("?");
  };
  switch (e.kind) {
    case ExprKind::String:
      return quote_string(e.text);
    case ExprKind::Number:
    case ExprKind::Boolean:
    case ExprKind::Keyword:
      return e.text;
    case ExprKind::Null:
      return "null";
    case ExprKind::Column: {
      std::string out;
      for (size_t i = 0; i < e.names.size(); ++i) {
        if (i) out += ".";
        out += e.names[i].quoted ? "\"" + e.names[i].text + "\"" : e.names[i].text;
      }
      return out;
    }
    case ExprKind::Unary:
      return e.op == "not" ? "not " + arg(0) : e.op + arg(0);
    case ExprKind::Binary:
      return arg(0) + " " + e.op + " " + arg(1);
    case ExprKind::IsNull:
      return arg(0) + (e.negated ? " is not null" : " is null");
    case ExprKind::In: {
      std::string out = arg(0) + (e.negated ? " not in (" : " in (");
      for (size_t i = 1; i < e.args.size(); ++i) {
        if (i > 1) out += ", ";
        out += arg(i);
      }
      return out + ")";
    }
    case ExprKind::Like:
      return arg(0) + (e.negated ? " not like " : " like ") + arg(1);
    case ExprKind::Between:
      return arg(0) + (e.negated ? " not between " : " between ") + arg(1) + " and " + arg(2);
    case ExprKind::Cast:
      return "cast(" + arg(0) + " as " + (e.cast_type ? type_to_string(*e.cast_type) : "?") + ")";
    case ExprKind::Call: {
      std::string out = e.text + "(";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i) out += ", ";
        out += arg(i);
      }
      return out + ")";
    }
    case ExprKind::Raw:
      return "sql($$" + e.text + "$$)";
    case ExprKind::Paren:
      return "(" + arg(0) + ")";
  }
  return "?";
}

std::vector<std::string> expr_columns(const Expr& e) {
  std::vector<std::string> out;
  collect_columns(e, out);
  return out;
}

std::string_view ref_action_name(RefAction a) {
  switch (a) {
    case RefAction::NoAction:
      return "no action";
    case RefAction::Restrict:
      return "restrict";
    case RefAction::Cascade:
      return "cascade";
    case RefAction::SetNull:
      return "set null";
    case RefAction::SetDefault:
      return "set default";
  }
  return "no action";
}

std::string_view constraint_kind_name(ConstraintKind k) {
  switch (k) {
    case ConstraintKind::PrimaryKey:
      return "primary key";
    case ConstraintKind::Unique:
      return "unique";
    case ConstraintKind::ForeignKey:
      return "foreign key";
    case ConstraintKind::Check:
      return "check";
  }
  return "check";
}

const SourceSpan& action_span(const AlterAction& a) {
  return std::visit([](const auto& x) -> const SourceSpan& { return x.span; }, a);
}

std::string_view statement_kind_name(const StatementNode& node) {
  return std::visit(
      retort::Overloaded{
          [](const CreateTable&) { return std::string_view("create table"); },
          [](const DropTable&) { return std::string_view("drop table"); },
          [](const RenameTable&) { return std::string_view("alter table ... rename to"); },
          [](const AlterTable&) { return std::string_view("alter table"); },
          [](const CreateIndex&) { return std::string_view("create index"); },
          [](const DropIndex&) { return std::string_view("drop index"); },
          [](const RenameIndex&) { return std::string_view("alter index ... rename to"); },
          [](const CreateEnum&) { return std::string_view("create enum"); },
          [](const AlterEnumAddValue&) { return std::string_view("alter enum ... add value"); },
          [](const DropEnum&) { return std::string_view("drop enum"); },
          [](const CreateView&) { return std::string_view("create view"); },
          [](const DropView&) { return std::string_view("drop view"); },
          [](const CreateSchema&) { return std::string_view("create schema"); },
          [](const DropSchema&) { return std::string_view("drop schema"); },
          [](const CommentOnTable&) { return std::string_view("comment on table"); },
          [](const CommentOnColumn&) { return std::string_view("comment on column"); },
          [](const Insert&) { return std::string_view("insert"); },
          [](const Execute&) { return std::string_view("execute"); },
          [](const DeleteRows&) { return std::string_view("delete"); },
      },
      node);
}

}  // namespace retort::ast
