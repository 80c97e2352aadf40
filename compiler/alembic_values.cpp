// The Alembic reader's values: Python expressions evaluated statically,
// and the SQLAlchemy constructs they make (types, columns, constraints,
// server defaults, SQL text) turned into retort::ast, as Alembic would
// create them on PostgreSQL.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>

#include "compiler/alembic_eval.h"
#include "compiler/alembic_names.h"
#include "compiler/parser.h"
#include "compiler/text_util.h"

namespace retort::alembic {

const char* const kConvertHelp =
    "rewrite it as op.* calls with literal arguments (op.execute for raw SQL), or end its first "
    "line with `# retort: ignore` if it does not change the schema";

const Value* Value::keyword(std::string_view name) const {
  for (const auto& k : keywords) {
    if (k.name == name) return &k.value;
  }
  return nullptr;
}

namespace {

ast::ExprPtr make_expr(ast::ExprKind kind, std::string text, const SourceSpan& span,
                       std::vector<ast::ExprPtr> args = {}, std::string op = {}) {
  ast::Expr e;
  e.kind = kind;
  e.text = std::move(text);
  e.span = span;
  e.args = std::move(args);
  e.op = std::move(op);
  return std::make_shared<const ast::Expr>(std::move(e));
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

/// Whether SQLAlchemy quotes a name: upper case, a character outside
/// [a-z0-9_$], or a digit or `$` first. Its reserved words (`order`,
/// `user`) are quoted too, but keep their lower-case meaning: not marked.
bool needs_quotes(std::string_view s) {
  if (s.empty()) return true;
  if (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '$') return true;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!(std::islower(u) || std::isdigit(u) || c == '_' || c == '$')) return true;
  }
  return false;
}

/// The modules Retort knows, longest first, and the short name of each.
struct ModuleName {
  std::string_view path;
  std::string_view canonical;
  bool dialect;  ///< a dialect package: its submodules (`.base`, `.json`) are dropped
};
constexpr ModuleName kModules[] = {
    {"sqlalchemy.dialects.postgresql", "postgresql", true},
    {"sqlalchemy.dialects.mysql", "mysql", true},
    {"sqlalchemy.dialects.sqlite", "sqlite", true},
    {"sqlalchemy.dialects.mssql", "mssql", true},
    {"sqlalchemy.dialects.oracle", "oracle", true},
    {"sqlalchemy.sql.sqltypes", "sa", false},
    {"sqlalchemy.sql.expression", "sa", false},
    {"sqlalchemy.sql.schema", "sa", false},
    {"sqlalchemy.sql.elements", "sa", false},
    {"sqlalchemy.sql.functions", "sa.func", false},
    {"sqlalchemy.sql", "sa", false},
    {"sqlalchemy.types", "sa", false},
    {"sqlalchemy.schema", "sa", false},
    {"sqlalchemy", "sa", false},
    {"alembic.op", "op", false},
    {"alembic", "alembic", false},
    {"sqlmodel.sql.sqltypes", "sqlmodel", false},
    {"sqlmodel", "sqlmodel", false},
};

/// The SQL keywords a raw check condition may hold besides column names.
bool sql_word(std::string_view w) {
  static const char* const kWords[] = {
      "and",  "or",    "not",     "null", "is",     "in",       "like", "ilike",  "between",
      "true", "false", "case",    "when", "then",   "else",     "end",  "cast",   "as",
      "any",  "all",   "similar", "to",   "escape", "distinct", "from", "collate"};
  for (const char* k : kWords) {
    if (w == k) return true;
  }
  return false;
}

}  // namespace

Reader::Reader(const SourceFile& file, DiagnosticSink& sink)
    : file_(file), sink_(sink), lines_(file.text) {}

void Reader::error(const SourceSpan& span, std::string message, std::string help) {
  ++errors_;
  sink_.error("alembic", file_.path, span, std::move(message), std::move(help));
}

void Reader::cannot(const SourceSpan& span, std::string message) {
  error(span, std::move(message), kConvertHelp);
}

void Reader::note(const SourceSpan& span, std::string message) {
  Diagnostic d;
  d.severity = Severity::info;
  d.code = "alembic";
  d.file = file_.path;
  d.span = span;
  d.message = std::move(message);
  sink_.report(std::move(d));
}

// ------------------------------------------------------------- evaluation

std::string Reader::dotted(const py::Expr& e) {
  std::vector<const py::Expr*> chain;
  const py::Expr* at = &e;
  while (at->kind == py::ExprKind::Attribute || at->kind == py::ExprKind::Call) {
    chain.push_back(at);
    at = at->object.get();
  }
  std::string out = at->kind == py::ExprKind::Name ? at->text : "(...)";
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    out += (*it)->kind == py::ExprKind::Attribute ? "." + (*it)->text : "()";
  }
  return out;
}

std::string Reader::canonical(std::string_view path) {
  for (const auto& m : kModules) {
    if (path.substr(0, m.path.size()) != m.path) continue;
    if (path.size() > m.path.size() && path[m.path.size()] != '.') continue;
    std::string rest(path.substr(std::min(path.size(), m.path.size() + 1)));
    if (m.dialect && !rest.empty() && std::islower(static_cast<unsigned char>(rest[0]))) {
      size_t dot = rest.find('.');  // a submodule: sqlalchemy.dialects.postgresql.json.JSONB
      rest = dot == std::string::npos ? std::string() : rest.substr(dot + 1);
    }
    return rest.empty() ? std::string(m.canonical) : std::string(m.canonical) + "." + rest;
  }
  return {};
}

std::string Reader::what(const Value& v) {
  switch (v.kind) {
    case Value::Kind::None:
      return "None";
    case Value::Kind::Bool:
      return v.truth ? "True" : "False";
    case Value::Kind::Number:
      return "the number " + v.text;
    case Value::Kind::String:
      return "a string";
    case Value::Kind::List:
      return "a list";
    case Value::Kind::Tuple:
      return "a tuple";
    case Value::Kind::Dict:
      return "a dict";
    case Value::Kind::Ref:
      return v.text;
    case Value::Kind::Object:
      if (v.expr != nullptr && v.expr->kind == py::ExprKind::Call) {
        return dotted(*v.expr->object) + "(...)";
      }
      return v.text + "(...)";
    case Value::Kind::Table:
      return "a table";
  }
  return "a value";
}

std::optional<Value> Reader::eval(const py::ExprPtr& ep, const Block* block) {
  const py::Expr& e = *ep;
  Value v;
  v.expr = &e;
  v.span = e.span;
  switch (e.kind) {
    case py::ExprKind::Name:
    case py::ExprKind::Attribute: {
      // A chain a.b.c from an imported name is a path; an attribute of
      // anything else is a method of that value.
      std::vector<std::string> attrs;
      const py::Expr* at = &e;
      while (at->kind == py::ExprKind::Attribute && at->object->kind != py::ExprKind::Call) {
        attrs.push_back(at->text);
        at = at->object.get();
      }
      const Symbol* symbol = nullptr;
      if (at->kind == py::ExprKind::Name) {
        if (block != nullptr) {
          auto it = block->locals.find(at->text);
          if (it != block->locals.end()) symbol = &it->second;
        }
        if (symbol == nullptr) {
          auto it = globals_.find(at->text);
          if (it != globals_.end()) symbol = &it->second;
        }
        if (symbol == nullptr) {
          cannot(at->span, fmt::format("cannot evaluate \"{}\": it is not a name imported from "
                                       "sqlalchemy, alembic or sqlmodel",
                                       at->text));
          return std::nullopt;
        }
        if (symbol->kind == Symbol::Kind::Function) {
          cannot(at->span, fmt::format("cannot evaluate \"{}\": the script's own functions are "
                                       "not read",
                                       at->text));
          return std::nullopt;
        }
        if (symbol->kind == Symbol::Kind::Variable) {
          cannot(
              at->span,
              fmt::format("cannot evaluate the variable \"{}\": variables are not read", at->text));
          return std::nullopt;
        }
      }
      if (symbol != nullptr && symbol->kind == Symbol::Kind::Module) {
        std::string path = symbol->path;
        for (auto it = attrs.rbegin(); it != attrs.rend(); ++it) path += "." + *it;
        std::string c = canonical(path);
        if (c.empty()) {
          cannot(e.span, fmt::format("cannot evaluate {}: only names from sqlalchemy, alembic "
                                     "and sqlmodel are read",
                                     dotted(e)));
          return std::nullopt;
        }
        v.kind = Value::Kind::Ref;
        v.text = c;
        return v;
      }
      if (symbol != nullptr && attrs.empty()) {  // a table handle
        v.kind = Value::Kind::Table;
        v.table = symbol->table;
        return v;
      }
      // A method: `sa.Enum(...).create`, `batch_op.add_column`.
      auto receiver = eval(e.object, block);
      if (!receiver) return std::nullopt;
      if (e.kind != py::ExprKind::Attribute ||
          (receiver->is(Value::Kind::Ref) && !receiver->text.empty() && receiver->text[0] == '.')) {
        cannot(e.span, fmt::format("cannot evaluate {}", dotted(e)));
        return std::nullopt;
      }
      v.kind = Value::Kind::Ref;
      v.text = "." + e.text;
      v.receiver = std::make_shared<Value>(std::move(*receiver));
      return v;
    }
    case py::ExprKind::Call: {
      auto callee = eval(e.object, block);
      if (!callee) return std::nullopt;
      if (!callee->is(Value::Kind::Ref)) {
        cannot(e.span, fmt::format("cannot call {}", what(*callee)));
        return std::nullopt;
      }
      v.kind = Value::Kind::Object;
      v.text = callee->text;
      v.receiver = callee->receiver;
      std::string_view ns = std::string_view(v.text).substr(0, v.text.find('.'));
      bool known =
          v.text[0] == '.' || ns == "sa" || ns == "op" || ns == "sqlmodel" || dialect_module(ns);
      if (!known) {
        cannot(e.span, fmt::format("cannot evaluate the call {}(...)", dotted(*e.object)));
        return std::nullopt;
      }
      for (const auto& a : e.args) {
        if (a.keyword.rfind("existing_", 0) == 0) {
          // Hints for dialects that need the full column (op.alter_column):
          // Retort knows the schema, so they are not read, and a custom
          // type there is no error.
          Value hint;
          hint.span = a.span;
          v.keywords.push_back(Keyword{a.keyword, a.span, std::move(hint)});
          continue;
        }
        if (a.star || a.double_star) {
          cannot(a.span, fmt::format("cannot evaluate {} arguments", a.star ? "*" : "**"));
          return std::nullopt;
        }
        auto value = eval(a.value, block);
        if (!value) return std::nullopt;
        if (a.keyword.empty()) {
          if (!v.keywords.empty()) {
            cannot(a.span, "a positional argument follows a keyword argument");
            return std::nullopt;
          }
          v.items.push_back(std::move(*value));
        } else {
          for (const auto& k : v.keywords) {
            if (k.name == a.keyword) {
              error(a.span, fmt::format("the argument \"{}\" is given twice", a.keyword), "");
              return std::nullopt;
            }
          }
          v.keywords.push_back(Keyword{a.keyword, a.span, std::move(*value)});
        }
      }
      bool batch_f = v.text == ".f" && v.receiver && v.receiver->is(Value::Kind::Table) &&
                     v.receiver->table->batch;
      if (v.text == "op.f" || batch_f) {
        // op.f('name'): a name a naming convention made, kept as it is.
        if (v.items.size() != 1 || !v.keywords.empty() || !v.items[0].is(Value::Kind::String)) {
          error(e.span, "op.f() takes one string: op.f('ix_users_email')", "");
          return std::nullopt;
        }
        Value s = v.items[0];
        s.conv = true;
        s.span = e.span;
        return s;
      }
      return v;
    }
    case py::ExprKind::String:
      v.kind = Value::Kind::String;
      v.text = e.text;
      return v;
    case py::ExprKind::Number:
      v.kind = Value::Kind::Number;
      v.text = e.text;
      return v;
    case py::ExprKind::Bool:
      v.kind = Value::Kind::Bool;
      v.truth = e.text == "True";
      return v;
    case py::ExprKind::None:
      v.kind = Value::Kind::None;
      return v;
    case py::ExprKind::List:
    case py::ExprKind::Tuple:
      v.kind = e.kind == py::ExprKind::List ? Value::Kind::List : Value::Kind::Tuple;
      for (const auto& item : e.items) {
        auto x = eval(item, block);
        if (!x) return std::nullopt;
        v.items.push_back(std::move(*x));
      }
      return v;
    case py::ExprKind::Dict:
      v.kind = Value::Kind::Dict;
      for (size_t i = 0; i < e.items.size(); ++i) {
        auto k = eval(e.items[i], block);
        if (!k) return std::nullopt;
        auto x = eval(e.values[i], block);
        if (!x) return std::nullopt;
        v.items.push_back(std::move(*k));
        v.values.push_back(std::move(*x));
      }
      return v;
    case py::ExprKind::Negative: {
      if (e.object->kind != py::ExprKind::Number) {
        cannot(e.span, "cannot evaluate a negation of anything but a number");
        return std::nullopt;
      }
      v.kind = Value::Kind::Number;
      v.text = "-" + e.object->text;
      return v;
    }
    case py::ExprKind::Unsupported:
      cannot(e.span, fmt::format("cannot evaluate {}", e.text));
      return std::nullopt;
  }
  return std::nullopt;
}

// ------------------------------------------------------------- literals

std::optional<std::string> Reader::string(const Value& v, std::string_view role) {
  if (!v.is(Value::Kind::String)) {
    error(v.span, fmt::format("{} must be a string, not {}", role, what(v)), "");
    return std::nullopt;
  }
  return v.text;
}

std::optional<bool> Reader::boolean(const Value& v, std::string_view role) {
  if (v.is(Value::Kind::Bool)) return v.truth;
  if (v.is(Value::Kind::None)) return false;
  error(v.span, fmt::format("{} must be True or False, not {}", role, what(v)), "");
  return std::nullopt;
}

std::optional<ast::Name> Reader::name(const Value& v, std::string_view role) {
  auto s = string(v, role);
  if (!s) return std::nullopt;
  if (s->empty()) {
    error(v.span, fmt::format("{} cannot be empty", role), "");
    return std::nullopt;
  }
  ast::Name n;
  n.text = *s;
  n.quoted = needs_quotes(*s);
  n.span = v.span;
  return n;
}

std::optional<ast::Name> Reader::object_name(const Value& v, std::string_view role) {
  auto n = name(v, role);
  if (!n) return std::nullopt;
  if (v.conv) {
    n->text = sqlalchemy_truncate(n->text);
    n->quoted = needs_quotes(n->text);
  } else if (utf8_length(n->text) > kPostgresNameBytes) {
    error(v.span,
          fmt::format("the name \"{}\" is longer than {} characters: SQLAlchemy refuses it on "
                      "PostgreSQL",
                      n->text, kPostgresNameBytes),
          "shorten it, or wrap it in op.f() to let SQLAlchemy cut it with a hash");
    return std::nullopt;
  }
  return n;
}

std::optional<ast::QualifiedName> Reader::qualified(const Value& name_value, const Value* schema,
                                                    std::string_view role) {
  auto n = name(name_value, role);
  if (!n) return std::nullopt;
  ast::QualifiedName q;
  q.name = std::move(*n);
  q.span = name_value.span;
  if (schema != nullptr && !schema->is(Value::Kind::None)) {
    auto s = name(*schema, "schema");
    if (!s) return std::nullopt;
    q.schema = std::move(*s);
  }
  return q;
}

std::optional<std::vector<ast::Name>> Reader::name_list(const Value& v, std::string_view role,
                                                        bool single_ok) {
  std::vector<ast::Name> out;
  if (single_ok && v.is(Value::Kind::String)) {
    auto n = name(v, role);
    if (!n) return std::nullopt;
    out.push_back(std::move(*n));
    return out;
  }
  if (!v.is(Value::Kind::List) && !v.is(Value::Kind::Tuple)) {
    error(v.span, fmt::format("{} must be a list of names, not {}", role, what(v)), "");
    return std::nullopt;
  }
  for (const auto& item : v.items) {
    auto n = name(item, role);
    if (!n) return std::nullopt;
    out.push_back(std::move(*n));
  }
  if (out.empty()) {
    error(v.span, fmt::format("{} cannot be empty", role), "");
    return std::nullopt;
  }
  return out;
}

std::optional<ast::RefAction> Reader::ref_action(const Value& v, std::string_view role) {
  auto s = string(v, role);
  if (!s) return std::nullopt;
  std::string words;
  for (char c : *s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!words.empty() && words.back() != ' ') words += ' ';
    } else {
      words += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  while (!words.empty() && words.back() == ' ') words.pop_back();
  if (words == "cascade") return ast::RefAction::Cascade;
  if (words == "restrict") return ast::RefAction::Restrict;
  if (words == "set null") return ast::RefAction::SetNull;
  if (words == "set default") return ast::RefAction::SetDefault;
  if (words == "no action") return ast::RefAction::NoAction;
  error(v.span, fmt::format("unknown {} action '{}'", role, *s),
        "the actions are CASCADE, RESTRICT, SET NULL, SET DEFAULT and NO ACTION");
  return std::nullopt;
}

std::optional<ast::ExprPtr> Reader::literal(const Value& v, std::string_view role) {
  switch (v.kind) {
    case Value::Kind::String:
      return make_expr(ast::ExprKind::String, v.text, v.span);
    case Value::Kind::Number:
      if (!v.text.empty() && v.text[0] == '-') {
        return make_expr(ast::ExprKind::Unary, "", v.span,
                         {make_expr(ast::ExprKind::Number, v.text.substr(1), v.span)}, "-");
      }
      return make_expr(ast::ExprKind::Number, v.text, v.span);
    case Value::Kind::Bool:
      return make_expr(ast::ExprKind::Boolean, v.truth ? "true" : "false", v.span);
    case Value::Kind::None:
      return make_expr(ast::ExprKind::Null, "", v.span);
    default:
      cannot(v.span, fmt::format("{} must be a literal (a string, a number, True, False or None), "
                                 "not {}",
                                 role, what(v)));
      return std::nullopt;
  }
}

// ------------------------------------------------------------- SQL text

namespace {

/// Retort's expression grammar reads SQL text through a synthetic revision:
/// the text stands alone between these, in parentheses.
constexpr std::string_view kSqlPrefix =
    "revision r;\nupgrade {\nalter table t alter column c set default (";
constexpr std::string_view kSqlSuffix = ");\n}\n";

}  // namespace

std::optional<ast::ExprPtr> Reader::sql_expression(const Value& v, std::string_view role) {
  const Value* text = &v;
  if (v.is_object("sa.text") || v.is_object("sa.literal_column")) {
    if (v.items.size() != 1 || !v.keywords.empty()) {
      error(v.span, fmt::format("{}() takes one string", v.text), "");
      return std::nullopt;
    }
    text = &v.items[0];
  }
  if (!text->is(Value::Kind::String)) {
    error(v.span,
          fmt::format("{} must be SQL text (a string or sa.text('...')), not {}", role, what(v)),
          "");
    return std::nullopt;
  }
  const std::string& sql = text->text;
  size_t first = sql.find_first_not_of(" \t\r\n\f\v");
  if (first == std::string::npos) {
    error(v.span, fmt::format("{} is empty", role), "");
    return std::nullopt;
  }
  size_t last = sql.find_last_not_of(" \t\r\n\f\v");
  SourceFile synthetic{file_.path, std::string(kSqlPrefix) + sql + std::string(kSqlSuffix)};
  DiagnosticSink scratch;
  std::optional<ast::RevisionFile> parsed;
  try {
    parsed = parse_revision(synthetic, scratch);
  } catch (const RunError&) {
    parsed.reset();
  }
  ast::ExprPtr inner;
  if (parsed && parsed->upgrade.size() == 1) {
    auto* alter = std::get_if<ast::AlterTable>(&parsed->upgrade[0].node);
    if (alter != nullptr && alter->actions.size() == 1) {
      auto* set = std::get_if<ast::SetDefault>(&alter->actions[0]);
      uint32_t offset = static_cast<uint32_t>(kSqlPrefix.size());
      if (set != nullptr && set->value && set->value->kind == ast::ExprKind::Paren &&
          set->value->args.size() == 1 && set->value->args[0]->span.begin == offset + first &&
          set->value->args[0]->span.end == offset + last + 1) {
        inner = set->value->args[0];
      }
    }
  }
  if (!inner) return make_expr(ast::ExprKind::Raw, sql, text->span);
  // Spans: into the string when it is the file's text verbatim, else the
  // whole string.
  const bool exact =
      text->expr != nullptr && text->expr->kind == py::ExprKind::String && text->expr->verbatim;
  const uint32_t base = exact ? text->expr->content_begin : 0;
  const uint32_t offset = static_cast<uint32_t>(kSqlPrefix.size());
  auto map = [&](const SourceSpan& s) {
    if (!exact) return text->span;
    return lines_.span(base + (s.begin - offset), base + (s.end - offset));
  };
  std::function<ast::ExprPtr(const ast::ExprPtr&)> remap = [&](const ast::ExprPtr& e) {
    ast::Expr c = *e;
    c.span = map(c.span);
    for (auto& n : c.names) n.span = map(n.span);
    for (auto& a : c.args) a = remap(a);
    if (c.cast_type) {
      c.cast_type->span = map(c.cast_type->span);
      if (c.cast_type->enum_name.has_value()) {
        ast::QualifiedName& enum_name = c.cast_type->enum_name.edit();
        enum_name.span = map(enum_name.span);
      }
    }
    return std::make_shared<const ast::Expr>(std::move(c));
  };
  return remap(inner);
}

std::optional<ast::ExprPtr> Reader::server_default(const Value& v) {
  if (v.is(Value::Kind::String)) return make_expr(ast::ExprKind::String, v.text, v.span);
  if (v.is_object("sa.text") || v.is_object("sa.literal_column")) {
    return sql_expression(v, "server_default");
  }
  if (v.names("sa.true") || v.names("sa.false")) {
    return make_expr(ast::ExprKind::Boolean, v.text == "sa.true" ? "true" : "false", v.span);
  }
  if (v.names("sa.null")) return make_expr(ast::ExprKind::Null, "", v.span);
  if (v.names("sa.FetchedValue")) return ast::ExprPtr();  // the server has one: no DDL
  if (v.is_object("sa.DefaultClause")) {
    if (v.items.size() != 1) {
      error(v.span, "sa.DefaultClause() takes one value", "");
      return std::nullopt;
    }
    return server_default(v.items[0]);
  }
  if (v.is_object() && v.text.rfind("sa.func.", 0) == 0) {
    std::string fn = v.text.substr(8);
    if (fn.find('.') != std::string::npos || !v.keywords.empty()) {
      cannot(v.span, fmt::format("cannot read {}(...) as a default", v.text));
      return std::nullopt;
    }
    std::string l = lower_ascii(fn);
    // SQL's niladic functions: SQLAlchemy writes them without parentheses.
    if (l == "current_timestamp" || l == "current_date") {
      if (!v.items.empty()) {
        error(v.span, fmt::format("{}() takes no arguments", v.text), "");
        return std::nullopt;
      }
      return make_expr(ast::ExprKind::Keyword, l, v.span);
    }
    if (l == "current_time" || l == "localtime" || l == "localtimestamp" || l == "current_user" ||
        l == "session_user" || l == "user") {
      return make_expr(ast::ExprKind::Raw, upper(l), v.span);
    }
    std::vector<ast::ExprPtr> args;
    for (const auto& a : v.items) {
      std::optional<ast::ExprPtr> x =
          a.is_object() || a.is(Value::Kind::Ref) ? server_default(a) : literal(a, "an argument");
      if (!x) return std::nullopt;
      if (!*x) {
        cannot(a.span, "cannot read this argument of a function");
        return std::nullopt;
      }
      args.push_back(std::move(*x));
    }
    return make_expr(ast::ExprKind::Call, l, v.span, std::move(args));
  }
  if (v.is(Value::Kind::Ref) && v.text.rfind("sa.func.", 0) == 0) {
    error(v.span, fmt::format("{} is a function: call it, {}()", v.text, v.text), "");
    return std::nullopt;
  }
  if (v.is(Value::Kind::Number) || v.is(Value::Kind::Bool)) {
    error(v.span, fmt::format("server_default takes a string or sa.text(...), not {}", what(v)),
          fmt::format("write it as SQL: sa.text('{}')",
                      v.is(Value::Kind::Bool) ? (v.truth ? "true" : "false") : v.text));
    return std::nullopt;
  }
  cannot(v.span, fmt::format("cannot read {} as a server default", what(v)));
  return std::nullopt;
}

// --------------------------------------------------------- constraints

bool Reader::plain_constraint_options(const Value& v) {
  for (const char* k : {"deferrable", "initially", "match"}) {
    const Value* x = v.keyword(k);
    if (x == nullptr || x->is(Value::Kind::None) || (x->is(Value::Kind::Bool) && !x->truth)) {
      continue;
    }
    cannot(x->span, fmt::format("cannot read {}=...: Retort has no deferrable or matched "
                                "constraints",
                                k));
    return false;
  }
  return true;
}

std::optional<ast::References> Reader::references(const std::vector<Value>& targets,
                                                  const Value* ondelete, const Value* onupdate,
                                                  const SourceSpan& span) {
  ast::References r;
  r.span = span;
  std::string table_key;
  for (const auto& target : targets) {
    auto s = string(target, "a referenced column ('table.column')");
    if (!s) return std::nullopt;
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t dot = s->find('.', start);
      parts.push_back(s->substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (parts.size() < 2 || parts.size() > 3 ||
        std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
      error(target.span, fmt::format("'{}' is not a referenced column: write 'table.column'", *s),
            "");
      return std::nullopt;
    }
    std::string key = parts.size() == 3 ? parts[0] + "." + parts[1] : parts[0];
    if (table_key.empty()) {
      table_key = key;
      Value part;
      part.kind = Value::Kind::String;
      part.span = target.span;
      part.text = parts[parts.size() - 2];
      auto tn = name(part, "the referenced table");
      if (!tn) return std::nullopt;
      r.table.name = *tn;
      r.table.span = target.span;
      if (parts.size() == 3) {
        part.text = parts[0];
        auto sn = name(part, "the referenced schema");
        if (!sn) return std::nullopt;
        r.table.schema = *sn;
      }
    } else if (key != table_key) {
      error(target.span, "the columns of one foreign key must reference one table", "");
      return std::nullopt;
    }
    Value col;
    col.kind = Value::Kind::String;
    col.span = target.span;
    col.text = parts.back();
    auto cn = name(col, "the referenced column");
    if (!cn) return std::nullopt;
    r.columns.push_back(*cn);
  }
  if (ondelete && !ondelete->is(Value::Kind::None)) {
    auto a = ref_action(*ondelete, "ondelete");
    if (!a) return std::nullopt;
    r.on_delete = *a;
  }
  if (onupdate && !onupdate->is(Value::Kind::None)) {
    auto a = ref_action(*onupdate, "onupdate");
    if (!a) return std::nullopt;
    r.on_update = *a;
  }
  return r;
}

namespace {

/// A keyword argument a constructor does not take: a note when it only
/// tunes another dialect (mysql_engine), else an error.
bool other_keyword(Reader& reader, const Keyword& k, std::string_view owner) {
  size_t underscore = k.name.find('_');
  std::string prefix = k.name.substr(0, underscore);
  if (underscore != std::string::npos && (dialect_module(prefix) || prefix == "mariadb")) {
    if (prefix == "postgresql") {
      reader.cannot(k.span, fmt::format("cannot read {}: Retort does not model it", k.name));
      return false;
    }
    reader.note(k.span, fmt::format("{} only tunes {}: ignored", k.name, prefix));
    return true;
  }
  reader.error(k.span, fmt::format("{} has no argument \"{}\" that Retort reads", owner, k.name),
               "");
  return false;
}

/// Checks a constructor's keywords against the ones it takes.
bool known_keywords(Reader& reader, const Value& v, std::initializer_list<std::string_view> names) {
  for (const auto& k : v.keywords) {
    if (std::find(names.begin(), names.end(), k.name) != names.end()) continue;
    if (!other_keyword(reader, k, v.text)) return false;
  }
  return true;
}

}  // namespace

std::optional<ConstraintSpec> Reader::foreign_key(const Value& v, const ast::Name& column) {
  if (!known_keywords(*this, v,
                      {"column", "name", "ondelete", "onupdate", "deferrable", "initially",
                       "use_alter", "link_to_name", "match", "info"})) {
    return std::nullopt;
  }
  if (!plain_constraint_options(v)) return std::nullopt;
  const Value* target = v.items.empty() ? v.keyword("column") : &v.items[0];
  if (target == nullptr || v.items.size() > 1) {
    error(v.span, "sa.ForeignKey() takes one referenced column: sa.ForeignKey('table.column')", "");
    return std::nullopt;
  }
  ConstraintSpec c;
  c.constraint.kind = ast::ConstraintKind::ForeignKey;
  c.constraint.span = v.span;
  c.constraint.columns = {column};
  auto r = references({*target}, v.keyword("ondelete"), v.keyword("onupdate"), v.span);
  if (!r) return std::nullopt;
  c.constraint.references = std::move(*r);
  if (const Value* n = v.keyword("name"); n && !n->is(Value::Kind::None)) {
    auto x = object_name(*n, "the constraint's name");
    if (!x) return std::nullopt;
    c.constraint.name = *x;
  }
  return c;
}

std::optional<ConstraintSpec> Reader::constraint(const Value& v) {
  ConstraintSpec c;
  c.constraint.span = v.span;
  auto set_name = [&]() {
    if (const Value* n = v.keyword("name"); n && !n->is(Value::Kind::None)) {
      auto x = object_name(*n, "the constraint's name");
      if (!x) return false;
      c.constraint.name = *x;
    }
    return true;
  };
  auto columns = [&](const std::vector<Value>& items) -> bool {
    for (const auto& item : items) {
      auto n = name(item, "a constraint's column");
      if (!n) return false;
      c.constraint.columns.push_back(*n);
    }
    return true;
  };
  if (v.is_object("sa.PrimaryKeyConstraint") || v.is_object("sa.UniqueConstraint")) {
    bool pk = v.text == "sa.PrimaryKeyConstraint";
    c.constraint.kind = pk ? ast::ConstraintKind::PrimaryKey : ast::ConstraintKind::Unique;
    if (!known_keywords(*this, v,
                        {"name", "deferrable", "initially", "info", "_implicit_generated"}) ||
        !plain_constraint_options(v) || !set_name() || !columns(v.items)) {
      return std::nullopt;
    }
    if (c.constraint.columns.empty()) {
      error(v.span, fmt::format("{}() needs the names of its columns", v.text), "");
      return std::nullopt;
    }
    return c;
  }
  if (v.is_object("sa.ForeignKeyConstraint")) {
    c.constraint.kind = ast::ConstraintKind::ForeignKey;
    if (!known_keywords(*this, v,
                        {"columns", "refcolumns", "name", "ondelete", "onupdate", "deferrable",
                         "initially", "use_alter", "link_to_name", "match", "table", "info"}) ||
        !plain_constraint_options(v) || !set_name()) {
      return std::nullopt;
    }
    const Value* cols = v.items.size() > 0 ? &v.items[0] : v.keyword("columns");
    const Value* refs = v.items.size() > 1 ? &v.items[1] : v.keyword("refcolumns");
    if (cols == nullptr || refs == nullptr || v.items.size() > 2) {
      error(v.span,
            "sa.ForeignKeyConstraint() takes a list of columns and a list of the "
            "columns they reference",
            "sa.ForeignKeyConstraint(['user_id'], ['users.id'])");
      return std::nullopt;
    }
    auto names = name_list(*cols, "a foreign key's column");
    if (!names) return std::nullopt;
    c.constraint.columns = *names;
    if (!refs->is(Value::Kind::List) && !refs->is(Value::Kind::Tuple)) {
      error(refs->span, "the referenced columns must be a list: ['table.column']", "");
      return std::nullopt;
    }
    auto r = references(refs->items, v.keyword("ondelete"), v.keyword("onupdate"), refs->span);
    if (!r) return std::nullopt;
    if (r->columns.size() != c.constraint.columns.size()) {
      error(v.span,
            fmt::format("the foreign key has {} column{} but references {}",
                        c.constraint.columns.size(), c.constraint.columns.size() == 1 ? "" : "s",
                        r->columns.size()),
            "");
      return std::nullopt;
    }
    c.constraint.references = std::move(*r);
    return c;
  }
  if (v.is_object("sa.CheckConstraint")) {
    c.constraint.kind = ast::ConstraintKind::Check;
    if (!known_keywords(*this, v,
                        {"sqltext", "name", "deferrable", "initially", "table", "info",
                         "_create_rule", "_autoattach", "_type_bound"}) ||
        !plain_constraint_options(v) || !set_name()) {
      return std::nullopt;
    }
    const Value* text = v.items.empty() ? v.keyword("sqltext") : &v.items[0];
    if (text == nullptr || v.items.size() > 1) {
      error(v.span, "sa.CheckConstraint() takes the condition as SQL text", "");
      return std::nullopt;
    }
    auto e = sql_expression(*text, "a check constraint's condition");
    if (!e) return std::nullopt;
    c.constraint.check = *e;
    if ((*e)->kind == ast::ExprKind::Raw) {
      c.check_columns_known = false;
      c.raw_check = (*e)->text;
    } else {
      c.check_columns = ast::expr_columns(**e);
    }
    return c;
  }
  error(v.span, fmt::format("expected a constraint, found {}", what(v)), "");
  return std::nullopt;
}

std::optional<ast::IndexKey> Reader::index_key(const Value& v) {
  ast::IndexKey key;
  key.span = v.span;
  if (v.is(Value::Kind::String)) {
    auto n = name(v, "an index's column");
    if (!n) return std::nullopt;
    key.column = *n;
    return key;
  }
  if (v.is_object("sa.text") || v.is_object("sa.literal_column")) {
    // `created_at DESC`: the order is the key's, not the expression's.
    Value text = v;
    if (!v.items.empty() && v.items[0].is(Value::Kind::String)) {
      std::string s = v.items[0].text;
      size_t end = s.find_last_not_of(" \t\r\n");
      std::string l = lower_ascii(s.substr(0, end == std::string::npos ? 0 : end + 1));
      for (const char* order : {" desc", " asc"}) {
        size_t n = std::string_view(order).size();
        if (l.size() > n && l.compare(l.size() - n, n, order) == 0) {
          key.descending = std::string_view(order) == " desc";
          text.items[0].text = s.substr(0, l.size() - n);
          break;
        }
      }
    }
    auto e = sql_expression(text, "an index's expression");
    if (!e) return std::nullopt;
    if ((*e)->kind == ast::ExprKind::Column && (*e)->names.size() == 1) {
      key.column = (*e)->names[0];
    } else {
      key.expr = *e;
    }
    return key;
  }
  cannot(v.span, fmt::format("cannot read {} as an index's column", what(v)));
  return std::nullopt;
}

std::optional<IndexSpec> Reader::index_item(const Value& v, const ast::QualifiedName& table) {
  IndexSpec spec;
  spec.span = v.span;
  ast::CreateIndex& ix = spec.index;
  ix.table = table;
  if (!known_keywords(
          *this, v,
          {"name", "unique", "quote", "info", "_table", "_column_flag", "postgresql_where",
           "postgresql_using", "postgresql_include", "postgresql_concurrently", "sqlite_where"})) {
    return std::nullopt;
  }
  if (v.items.empty()) {
    error(v.span, "sa.Index() takes a name and its columns", "");
    return std::nullopt;
  }
  for (size_t i = 1; i < v.items.size(); ++i) {
    auto key = index_key(v.items[i]);
    if (!key) return std::nullopt;
    ix.keys.push_back(std::move(*key));
  }
  if (ix.keys.empty()) {
    error(v.span, "sa.Index() needs at least one column", "");
    return std::nullopt;
  }
  if (v.items[0].is(Value::Kind::None)) {
    if (!ix.keys[0].column) {
      error(v.span, "an unnamed index on an expression has no name SQLAlchemy can make",
            "name the index");
      return std::nullopt;
    }
    ix.name = convention_index_name(table, ix.keys[0].column->text, v.span);
  } else {
    auto n = object_name(v.items[0], "the index's name");
    if (!n) return std::nullopt;
    ix.name = *n;
  }
  if (const Value* u = v.keyword("unique")) {
    auto b = boolean(*u, "unique");
    if (!b) return std::nullopt;
    ix.unique = *b;
  }
  for (const char* key : {"postgresql_where", "sqlite_where"}) {
    const Value* w = v.keyword(key);
    if (w == nullptr || w->is(Value::Kind::None) || ix.where) continue;
    auto e = sql_expression(*w, key);
    if (!e) return std::nullopt;
    ix.where = *e;
  }
  if (const Value* m = v.keyword("postgresql_using"); m && !m->is(Value::Kind::None)) {
    auto n = name(*m, "postgresql_using");
    if (!n) return std::nullopt;
    ix.method = *n;
  }
  if (const Value* inc = v.keyword("postgresql_include"); inc && !inc->is(Value::Kind::None)) {
    auto names = name_list(*inc, "postgresql_include");
    if (!names) return std::nullopt;
    ix.include = *names;
  }
  if (const Value* c = v.keyword("postgresql_concurrently")) {
    auto b = boolean(*c, "postgresql_concurrently");
    if (!b) return std::nullopt;
    ix.concurrently = *b;
  }
  return spec;
}

// -------------------------------------------------------------- columns

std::optional<ColumnResult> Reader::column(const Value& v) {
  if (!v.is_object("sa.Column")) {
    error(v.span, fmt::format("expected sa.Column(...), found {}", what(v)), "");
    return std::nullopt;
  }
  ColumnResult c;
  c.span = v.span;
  c.def.span = v.span;
  size_t i = 0;
  const Value* name_value = v.keyword("name");
  if (!v.items.empty() && v.items[0].is(Value::Kind::String)) {
    name_value = &v.items[0];
    i = 1;
  }
  if (name_value == nullptr) {
    error(v.span, "sa.Column() needs the column's name first: sa.Column('email', ...)", "");
    return std::nullopt;
  }
  auto n = name(*name_value, "a column's name");
  if (!n) return std::nullopt;
  c.def.name = *n;
  const Value* type_value = v.keyword("type_");
  auto is_type = [](const Value& x) {
    if (!(x.is(Value::Kind::Ref) || x.is(Value::Kind::Object))) return false;
    if (x.text == ".with_variant") return true;
    static const char* const kNotTypes[] = {
        "sa.ForeignKey", "sa.CheckConstraint", "sa.Identity",     "sa.Computed",
        "sa.Sequence",   "sa.FetchedValue",    "sa.DefaultClause"};
    for (const char* k : kNotTypes) {
      if (x.text == k) return false;
    }
    return x.text.find('.') != std::string::npos && x.text[0] != '.';
  };
  if (i < v.items.size() && is_type(v.items[i])) {
    if (type_value != nullptr) {
      error(v.items[i].span, "the column's type is given twice", "");
      return std::nullopt;
    }
    type_value = &v.items[i];
    ++i;
  }
  std::vector<const Value*> foreign_keys;
  for (; i < v.items.size(); ++i) {
    const Value& a = v.items[i];
    if (a.names("sa.ForeignKey")) {
      foreign_keys.push_back(&a);
    } else if (a.names("sa.CheckConstraint")) {
      auto k = constraint(a);
      if (!k) return std::nullopt;
      c.constraints.push_back(std::move(*k));
    } else if (a.names("sa.Identity")) {
      if (!known_keywords(*this, a,
                          {"always", "on_null", "start", "increment", "minvalue", "maxvalue",
                           "nominvalue", "nomaxvalue", "cycle", "cache", "order"})) {
        return std::nullopt;
      }
      for (const auto& k : a.keywords) {
        bool harmless = k.name == "always" ? k.value.is(Value::Kind::Bool) && !k.value.truth
                                           : k.value.is(Value::Kind::None);
        if (!harmless) {
          cannot(k.span, fmt::format("cannot read sa.Identity({}=...): Retort's identity is "
                                     "GENERATED BY DEFAULT with the default sequence",
                                     k.name));
          return std::nullopt;
        }
      }
      c.identity = true;
    } else if (a.names("sa.FetchedValue")) {
      // The server computes a default Retort need not create.
    } else if (a.names("sa.DefaultClause")) {
      auto d = server_default(a);
      if (!d) return std::nullopt;
      c.def.default_value = *d;
      c.server_default = *d != nullptr;
    } else if (a.names("sa.Computed")) {
      cannot(a.span,
             "cannot read a computed column (sa.Computed): Retort has no generated "
             "columns");
      return std::nullopt;
    } else if (a.names("sa.Sequence")) {
      cannot(a.span,
             "cannot read sa.Sequence(...): Retort has no sequences; use an identity "
             "column (sa.Identity())");
      return std::nullopt;
    } else if (is_type(a)) {
      error(a.span, "the column's type must come right after its name", "");
      return std::nullopt;
    } else {
      error(a.span, fmt::format("sa.Column() cannot take {} here", what(a)), "");
      return std::nullopt;
    }
  }
  if (type_value == nullptr) {
    error(v.span, fmt::format("the column \"{}\" has no type", c.def.name.text),
          "SQLAlchemy copies a foreign key column's type from the column it references; Retort "
          "reads the script alone, so write the type: sa.Column('user_id', sa.Integer(), ...)");
    return std::nullopt;
  }
  auto t = type(*type_value);
  if (!t) return std::nullopt;
  c.def.type = t->type;
  c.create_enum = t->create;
  c.integer = t->integer;
  if (t->collation) c.def.collate = t->collation;

  int nullable = -1;  // unsaid; 0 / 1: nullable=False / True
  for (const auto& k : v.keywords) {
    const Value& x = k.value;
    if (k.name == "name" || k.name == "type_") continue;
    if (k.name == "nullable") {
      auto b = boolean(x, "nullable");
      if (!b) return std::nullopt;
      nullable = x.is(Value::Kind::None) ? -1 : *b ? 1 : 0;
    } else if (k.name == "primary_key" || k.name == "unique" || k.name == "index") {
      auto b = boolean(x, k.name);
      if (!b) return std::nullopt;
      (k.name == "primary_key" ? c.primary_key : k.name == "unique" ? c.unique : c.index) = *b;
    } else if (k.name == "server_default") {
      if (x.is(Value::Kind::None)) continue;
      auto d = server_default(x);
      if (!d) return std::nullopt;
      c.def.default_value = *d;
      c.server_default = *d != nullptr;
    } else if (k.name == "autoincrement") {
      if (x.is(Value::Kind::Bool)) {
        c.autoincrement = x.truth ? "true" : "false";
      } else if (x.is(Value::Kind::String) && (x.text == "auto" || x.text == "ignore_fk")) {
        c.autoincrement = x.text;
      } else {
        error(x.span, "autoincrement must be True, False, 'auto' or 'ignore_fk'", "");
        return std::nullopt;
      }
    } else if (k.name == "comment") {
      if (x.is(Value::Kind::None)) continue;
      auto s = string(x, "comment");
      if (!s) return std::nullopt;
      c.def.comment = *s;
    } else if (k.name == "default" || k.name == "insert_default") {
      c.python_default = !x.is(Value::Kind::None);  // computed by SQLAlchemy, not DDL
    } else if (k.name == "quote") {
      if (x.is(Value::Kind::Bool) && x.truth) c.def.name.quoted = true;
    } else if (k.name == "onupdate" || k.name == "server_onupdate" || k.name == "key" ||
               k.name == "doc" || k.name == "info" || k.name == "system" ||
               k.name == "sort_order" || k.name == "_proxies") {
      // Not DDL.
    } else if (!other_keyword(*this, k, "sa.Column")) {
      return std::nullopt;
    }
  }
  if (nullable >= 0) {
    c.def.not_null = nullable == 0;
  } else if (c.primary_key) {
    c.def.not_null = true;  // SQLAlchemy: nullable defaults to not primary_key
  }
  for (const Value* fk : foreign_keys) {
    auto k = foreign_key(*fk, c.def.name);
    if (!k) return std::nullopt;
    c.constraints.push_back(std::move(*k));
  }
  return c;
}

// --------------------------------------------------------------- naming

void Reader::use_name(const ast::QualifiedName& table, const std::string& name) {
  taken_[table.schema ? table.schema->text : std::string()].insert(name);
}

ast::Name Reader::server_name(const ast::QualifiedName& table, const ConstraintSpec& c,
                              const SourceSpan& span) {
  auto& taken = taken_[table.schema ? table.schema->text : std::string()];
  // The server names from the names it keeps: cut to 63 bytes.
  const std::string t = pg_identifier(table.name.text);
  std::vector<std::string> columns;
  for (const auto& col : c.constraint.columns) columns.push_back(pg_identifier(col.text));
  std::string n;
  switch (c.constraint.kind) {
    case ast::ConstraintKind::PrimaryKey:
      n = pg_choose_name(t, "", "pkey", taken);
      break;
    case ast::ConstraintKind::Unique:
      n = pg_choose_name(t, pg_columns_part(columns), "key", taken);
      break;
    case ast::ConstraintKind::ForeignKey:
      n = pg_choose_name(t, pg_columns_part(columns), "fkey", taken);
      break;
    case ast::ConstraintKind::Check:
      n = pg_choose_name(
          t, c.check_columns.size() == 1 ? pg_identifier(c.check_columns[0]) : std::string(),
          "check", taken);
      break;
  }
  ast::Name out;
  out.text = n;
  out.quoted = needs_quotes(n);
  out.span = span;
  return out;
}

ast::Name Reader::convention_index_name(const ast::QualifiedName& table, const std::string& column,
                                        const SourceSpan& span) {
  std::string label;
  if (table.schema) {
    label = table.schema->text;
    std::replace(label.begin(), label.end(), '.', '_');
    label += "_";
  }
  label += table.name.text + "_" + column;
  ast::Name out;
  out.text = sqlalchemy_truncate("ix_" + label);
  out.quoted = needs_quotes(out.text);
  out.span = span;
  return out;
}

bool Reader::name_constraints(const ast::QualifiedName& table, std::vector<ConstraintSpec>& specs,
                              const std::vector<std::string>& columns) {
  for (const auto& s : specs) {
    if (s.constraint.name) use_name(table, s.constraint.name->text);
  }
  for (auto& s : specs) {
    if (s.constraint.name) continue;
    if (s.constraint.kind == ast::ConstraintKind::Check && !s.check_columns_known) {
      if (columns.empty()) {
        error(s.constraint.span,
              "cannot tell the name PostgreSQL gives this unnamed check constraint: its "
              "condition is SQL that Retort does not parse",
              "name it (name='ck_...'), so that later revisions can refer to it");
        return false;
      }
      // The table's columns that the SQL names, as PostgreSQL counts them.
      std::set<std::string> seen;
      const std::string& sql = s.raw_check;
      for (size_t i = 0; i < sql.size();) {
        char ch = sql[i];
        if (ch == '\'') {
          size_t end = sql.find('\'', i + 1);
          i = end == std::string::npos ? sql.size() : end + 1;
        } else if (ch == '"') {
          size_t end = sql.find('"', i + 1);
          std::string word =
              sql.substr(i + 1, end == std::string::npos ? std::string::npos : end - i - 1);
          if (std::find(columns.begin(), columns.end(), word) != columns.end()) seen.insert(word);
          i = end == std::string::npos ? sql.size() : end + 1;
        } else if (std::isalpha(static_cast<unsigned char>(ch)) || ch == '_') {
          size_t j = i;
          while (j < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[j])) ||
                                    sql[j] == '_' || sql[j] == '$')) {
            ++j;
          }
          std::string word = lower_ascii(sql.substr(i, j - i));
          if (!sql_word(word) && std::find(columns.begin(), columns.end(), word) != columns.end()) {
            seen.insert(word);
          }
          i = j;
        } else {
          ++i;
        }
      }
      s.check_columns.assign(seen.begin(), seen.end());
    }
    s.constraint.name = server_name(table, s, s.constraint.span);
    // The replay predicts each server's name from the whole schema.
    ast::ServerNamed named;
    named.check_columns = s.check_columns;
    named.in_column = s.in_column;
    s.constraint.server_named = std::move(named);
  }
  return true;
}

}  // namespace retort::alembic
