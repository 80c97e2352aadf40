// The canonical `.rev` layout. One layout, no options:
// - lower-case keywords; two spaces of indent per level;
// - the header's clauses one per line under `revision ID`, the last with `;`;
// - annotations on their own line before what they apply to;
// - `create table` items one per line, column names padded so the types
//   align, a comma after every item; a multi-action `alter table` one action
//   per line; a multi-row `insert` one row per line;
// - per-dialect bodies one per line, the `dialect:` keys padded alike;
// - a blank line between two statements when either takes more than one line.
// Quoting follows grammar/Revision.g4: a name is bare when the `name` rule
// (or, in a type, the `typeWord` rule) takes it bare and it folds to itself.
#include "compiler/printer.h"

#include <algorithm>
#include <vector>

#include "compiler/overloaded.h"
#include "compiler/source.h"

namespace retort {

namespace {

// clang-format off
/// Every keyword of the grammar (lower case).
constexpr std::string_view kKeywords[] = {
    "action", "add", "after", "alter", "and", "as", "asc", "author", "before", "between",
    "cascade", "cast", "check", "collate", "column", "comment", "concurrently", "constraint",
    "create", "created", "current_date", "current_timestamp", "default", "delete", "depends",
    "desc", "downgrade", "drop", "enum", "execute", "exists", "false", "foreign", "identity",
    "if", "in", "include", "index", "insert", "into", "irreversible", "is", "key", "labels",
    "like", "message", "native", "no", "not", "null", "on", "or", "primary", "references",
    "rename", "restrict", "reverse", "revises", "revision", "schema", "set", "sql", "table",
    "to", "true", "type", "unique", "update", "upgrade", "using", "valid", "validate", "value",
    "values", "view", "where",
};

/// The grammar's reservedKeyword: never a bare name.
constexpr std::string_view kReserved[] = {
    "not", "null", "true", "false", "and", "or", "in", "is", "like", "between", "cast", "sql",
    "current_timestamp", "current_date", "constraint", "primary", "unique", "foreign", "check",
    "references", "default", "if", "on", "concurrently", "as",
};

/// Names the `name` rule takes but a type's first word (`typeWord`) does not.
constexpr std::string_view kNotTypeWords[] = {"identity", "comment", "collate", "native"};

/// Words that, alone as a type, are a portable type and not an enum.
constexpr std::string_view kPortableTypes[] = {
    "boolean", "smallint", "integer", "int", "bigint", "decimal", "numeric", "real", "double",
    "string", "varchar", "char", "text", "binary", "blob", "bytes", "date", "time", "timestamp",
    "timestamptz", "uuid", "json",
};
// clang-format on

template <size_t N>
bool among(const std::string_view (&words)[N], std::string_view w) {
  return std::find(std::begin(words), std::end(words), w) != std::end(words);
}

/// The width a single-action `alter table` fits in on one line.
constexpr size_t kLineWidth = 100;

/// Where a name stands, which decides whether it may be bare.
enum class NameRule {
  Name,      ///< the grammar's `name` / `columnName`
  TypeWord,  ///< a type's schema: `typeWord` before `.`
  BareType,  ///< an enum type without a schema: a `typeWord` that is no portable type
};

/// `[a-z_][a-z0-9_$]*`: an identifier the lexer reads and folding keeps.
bool plain_identifier(std::string_view s) {
  if (s.empty()) return false;
  if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

bool needs_quotes(std::string_view text, NameRule rule) {
  if (!plain_identifier(text) || among(kReserved, text)) return true;
  if (rule != NameRule::Name && among(kNotTypeWords, text)) return true;
  return rule == NameRule::BareType && among(kPortableTypes, text);
}

std::string quote_identifier(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string name_as(const ast::Name& n, NameRule rule) {
  return n.quoted || needs_quotes(n.text, rule) ? quote_identifier(n.text) : n.text;
}

std::string qname(const ast::QualifiedName& q) {
  std::string out = q.schema ? print_name(*q.schema) + "." : std::string();
  return out + print_name(q.name);
}

std::string names(const std::vector<ast::Name>& ns) {
  std::string out = "(";
  for (size_t i = 0; i < ns.size(); ++i) {
    if (i) out += ", ";
    out += print_name(ns[i]);
  }
  return out + ")";
}

/// A revision id: bare when the lexer reads it as one word that is no
/// keyword (`0001`, `1975ea83b712`), else a string.
std::string revision_id(const ast::RevisionId& id) {
  std::string lower;
  bool word = !id.text.empty();
  for (char c : id.text) {
    word = word &&
           (c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
    lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return word && !among(kKeywords, lower) ? id.text : print_string(id.text);
}

/// A label: a name, or a string when it cannot be one (`''`).
std::string label(const ast::Name& n) {
  return n.text.empty() ? print_string(n.text) : print_name(n);
}

std::string spaces(size_t n) {
  return std::string(n, ' ');
}

// ------------------------------------------------------------ expressions

// Precedence levels of the grammar, lowest first; a primary is 9.
constexpr int kOr = 1;
constexpr int kAnd = 2;
constexpr int kNot = 3;
constexpr int kPredicate = 4;  // comparisons, is null, in, like, between
constexpr int kConcat = 5;
constexpr int kAdd = 6;
constexpr int kMul = 7;
constexpr int kUnary = 8;
constexpr int kPrimary = 9;

int precedence(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::Binary:
      if (e.op == "or") return kOr;
      if (e.op == "and") return kAnd;
      if (e.op == "||") return kConcat;
      if (e.op == "+" || e.op == "-") return kAdd;
      if (e.op == "*" || e.op == "/") return kMul;
      return kPredicate;
    case ast::ExprKind::Unary:
      return e.op == "not" ? kNot : kUnary;
    case ast::ExprKind::IsNull:
    case ast::ExprKind::In:
    case ast::ExprKind::Like:
    case ast::ExprKind::Between:
      return kPredicate;
    default:
      return kPrimary;
  }
}

std::string expr_at(const ast::Expr& e, int min_level);

/// `e.args[i]` where at least `min_level` binds without parentheses.
std::string arg(const ast::Expr& e, size_t i, int min_level) {
  if (i >= e.args.size() || !e.args[i]) return "?";
  return expr_at(*e.args[i], min_level);
}

std::string expr_bare(const ast::Expr& e) {
  switch (e.kind) {
    case ast::ExprKind::String:
      return print_string(e.text);
    case ast::ExprKind::Number:
    case ast::ExprKind::Boolean:
    case ast::ExprKind::Keyword:
      return e.text;
    case ast::ExprKind::Null:
      return "null";
    case ast::ExprKind::Column: {
      std::string out;
      for (size_t i = 0; i < e.names.size(); ++i) {
        if (i) out += ".";
        out += print_name(e.names[i]);
      }
      return out;
    }
    case ast::ExprKind::Unary: {
      if (e.op == "not") return "not " + arg(e, 0, kNot);
      std::string operand = arg(e, 0, kUnary);
      // `- -7`, never `--7`, which starts a comment.
      return e.op + (operand.starts_with('-') ? " " : "") + operand;
    }
    case ast::ExprKind::Binary: {
      int level = precedence(e);
      // Chains fold to the left; comparisons do not chain at all.
      int left = level == kPredicate ? kConcat : level;
      return arg(e, 0, left) + " " + e.op + " " + arg(e, 1, level + 1);
    }
    case ast::ExprKind::IsNull:
      return arg(e, 0, kConcat) + (e.negated ? " is not null" : " is null");
    case ast::ExprKind::In: {
      std::string out = arg(e, 0, kConcat) + (e.negated ? " not in (" : " in (");
      for (size_t i = 1; i < e.args.size(); ++i) {
        if (i > 1) out += ", ";
        out += arg(e, i, kOr);
      }
      return out + ")";
    }
    case ast::ExprKind::Like:
      return arg(e, 0, kConcat) + (e.negated ? " not like " : " like ") + arg(e, 1, kConcat);
    case ast::ExprKind::Between:
      return arg(e, 0, kConcat) + (e.negated ? " not between " : " between ") + arg(e, 1, kConcat) +
             " and " + arg(e, 2, kConcat);
    case ast::ExprKind::Cast:
      return "cast(" + arg(e, 0, kOr) + " as " + (e.cast_type ? print_type(*e.cast_type) : "?") +
             ")";
    case ast::ExprKind::Call: {
      std::string out = name_as(ast::Name{e.text, false, {}}, NameRule::Name) + "(";
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (i) out += ", ";
        out += arg(e, i, kOr);
      }
      return out + ")";
    }
    case ast::ExprKind::Raw:
      return "sql(" + print_dollar(e.text) + ")";
    case ast::ExprKind::Paren:
      return "(" + arg(e, 0, kOr) + ")";
  }
  return "?";
}

std::string expr_at(const ast::Expr& e, int min_level) {
  std::string text = expr_bare(e);
  return precedence(e) < min_level ? "(" + text + ")" : text;
}

std::string expr(const ast::ExprPtr& e) {
  return e ? print_expr(*e) : "?";
}

// ------------------------------------------------------------ pieces

/// `(postgresql: $$...$$, ...)` one entry per line, or a lone `$$...$$`.
/// `indent` is that of the line the list opens on.
std::string dialect_text(const ast::DialectText& t, size_t indent) {
  if (t.entries.size() == 1 && t.entries[0].dialect.empty()) {
    return print_dollar(t.entries[0].text);
  }
  size_t width = 0;
  for (const auto& e : t.entries) width = std::max(width, e.dialect.size());
  std::string out = "(\n";
  for (const auto& e : t.entries) {
    out += spaces(indent + 2);
    if (!e.dialect.empty()) out += e.dialect + ":" + spaces(width - e.dialect.size() + 1);
    out += print_dollar(e.text) + ",\n";
  }
  return out + spaces(indent) + ")";
}

std::string references(const ast::References& r) {
  std::string out = "references " + qname(r.table);
  if (!r.columns.empty()) out += " " + names(r.columns);
  if (r.on_delete) out += " on delete " + std::string(ast::ref_action_name(*r.on_delete));
  if (r.on_update) out += " on update " + std::string(ast::ref_action_name(*r.on_update));
  return out;
}

/// What follows a column's name: its type and constraints, in one order.
std::string column_rest(const ast::ColumnDef& c) {
  std::string out = print_type(c.type);
  if (c.not_null) out += *c.not_null ? " not null" : " null";
  if (c.default_value) out += " default " + expr(c.default_value);
  if (c.primary_key) out += " primary key";
  if (c.unique) out += " unique";
  if (c.identity) out += " identity";
  if (c.references) out += " " + references(*c.references);
  for (const auto& ck : c.checks) out += " check (" + expr(ck) + ")";
  if (c.comment) out += " comment " + print_string(*c.comment);
  if (c.collate) out += " collate " + print_string(*c.collate);
  return out;
}

std::string constraint(const ast::TableConstraint& c) {
  std::string out = c.name ? "constraint " + print_name(*c.name) + " " : std::string();
  out += ast::constraint_kind_name(c.kind);
  switch (c.kind) {
    case ast::ConstraintKind::PrimaryKey:
    case ast::ConstraintKind::Unique:
      out += " " + names(c.columns);
      break;
    case ast::ConstraintKind::ForeignKey:
      out += " " + names(c.columns);
      if (c.references) out += " " + references(*c.references);
      break;
    case ast::ConstraintKind::Check:
      out += " (" + expr(c.check) + ")";
      break;
  }
  return out;
}

std::string action(const ast::AlterAction& a) {
  auto column = [](const ast::Name& n) { return "alter column " + print_name(n); };
  return std::visit(
      Overloaded{
          [](const ast::AddColumn& x) {
            return "add column " + print_name(x.column.name) + " " + column_rest(x.column);
          },
          [](const ast::DropColumn& x) {
            return "drop column " + print_name(x.column) + (x.cascade ? " cascade" : "");
          },
          [](const ast::RenameColumn& x) {
            return "rename column " + print_name(x.column) + " to " + print_name(x.new_name);
          },
          [&](const ast::AlterColumnType& x) {
            return column(x.column) + " type " + print_type(x.type) +
                   (x.using_expr ? " using " + expr(x.using_expr) : "");
          },
          [&](const ast::SetNotNull& x) { return column(x.column) + " set not null"; },
          [&](const ast::DropNotNull& x) { return column(x.column) + " drop not null"; },
          [&](const ast::SetDefault& x) {
            return column(x.column) + " set default " + expr(x.value);
          },
          [&](const ast::DropDefault& x) { return column(x.column) + " drop default"; },
          [&](const ast::SetColumnComment& x) {
            return column(x.column) + " comment " + print_string(x.comment);
          },
          [](const ast::AddConstraint& x) {
            return "add " + constraint(x.constraint) + (x.not_valid ? " not valid" : "");
          },
          [](const ast::AddConstraintUsingIndex& x) {
            return "add constraint " + print_name(x.name) + " " +
                   std::string(ast::constraint_kind_name(x.kind)) + " using index " +
                   print_name(x.index);
          },
          [](const ast::ValidateConstraint& x) {
            return "validate constraint " + print_name(x.name);
          },
          [](const ast::DropConstraint& x) { return "drop constraint " + print_name(x.name); },
          [](const ast::RenameConstraint& x) {
            return "rename constraint " + print_name(x.name) + " to " + print_name(x.new_name);
          },
      },
      a);
}

std::string row(const std::vector<ast::ExprPtr>& values) {
  std::string out = "(";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += expr(values[i]);
  }
  return out + ")";
}

/// `rows` one per line under the statement when there are several.
std::string rows(const std::vector<std::vector<ast::ExprPtr>>& all, size_t indent) {
  if (all.size() == 1) return " " + row(all[0]);
  std::string out;
  for (size_t i = 0; i < all.size(); ++i) {
    out += "\n" + spaces(indent + 2) + row(all[i]) + (i + 1 < all.size() ? "," : "");
  }
  return out;
}

std::string create_table(const ast::CreateTable& t, size_t indent) {
  std::string out = "create table " + std::string(t.if_not_exists ? "if not exists " : "") +
                    qname(t.name) + " (\n";
  size_t width = 0;
  for (const auto& c : t.columns) width = std::max(width, utf8_length(print_name(c.name)));
  for (const auto& c : t.columns) {
    std::string n = print_name(c.name);
    out += spaces(indent + 2) + n + spaces(width - utf8_length(n) + 1) + column_rest(c) + ",\n";
  }
  for (const auto& c : t.constraints) out += spaces(indent + 2) + constraint(c) + ",\n";
  out += spaces(indent) + ")";
  if (t.comment) out += " comment " + print_string(*t.comment);
  return out;
}

std::string create_index(const ast::CreateIndex& x) {
  std::string out = "create ";
  if (x.unique) out += "unique ";
  out += "index ";
  if (x.concurrently) out += "concurrently ";
  if (x.if_not_exists) out += "if not exists ";
  if (x.name) out += print_name(*x.name) + " ";
  out += "on " + qname(x.table) + " (";
  for (size_t i = 0; i < x.keys.size(); ++i) {
    const auto& k = x.keys[i];
    if (i) out += ", ";
    out += k.column ? print_name(*k.column) : "(" + expr(k.expr) + ")";
    if (k.descending) out += " desc";
  }
  out += ")";
  if (!x.include.empty()) out += " include " + names(x.include);
  if (x.where) out += " where " + expr(x.where);
  if (x.method) out += " using " + print_name(*x.method);
  return out;
}

std::string execute(const ast::Execute& x, size_t indent) {
  std::string out = "execute " + dialect_text(x.body, indent);
  if (!x.reverse) return out;
  bool lone = x.body.entries.size() == 1 && x.body.entries[0].dialect.empty();
  // After a lone body, `reverse` goes on a line of its own, as in the spec.
  if (lone)
    return out + "\n" + spaces(indent + 2) + "reverse " + dialect_text(*x.reverse, indent + 2);
  return out + " reverse " + dialect_text(*x.reverse, indent);
}

/// A statement without its annotations or `;`; its first line is not indented.
std::string statement_body(const ast::StatementNode& node, size_t indent) {
  return std::visit(
      Overloaded{
          [&](const ast::CreateTable& x) { return create_table(x, indent); },
          [](const ast::DropTable& x) {
            return "drop table " + std::string(x.if_exists ? "if exists " : "") + qname(x.name) +
                   (x.cascade ? " cascade" : "");
          },
          [](const ast::RenameTable& x) {
            return "alter table " + qname(x.name) + " rename to " + print_name(x.new_name);
          },
          [&](const ast::AlterTable& x) {
            std::string out = "alter table " + qname(x.name);
            if (x.actions.size() == 1) {
              std::string one = action(x.actions[0]);
              // A long one goes under the table name, as several do.
              if (indent + out.size() + 1 + one.size() + 1 <= kLineWidth) return out + " " + one;
              return out + "\n" + spaces(indent + 2) + one;
            }
            for (size_t i = 0; i < x.actions.size(); ++i) {
              out += "\n" + spaces(indent + 2) + action(x.actions[i]);
              if (i + 1 < x.actions.size()) out += ",";
            }
            return out;
          },
          [](const ast::CreateIndex& x) { return create_index(x); },
          [](const ast::DropIndex& x) {
            return "drop index " + std::string(x.concurrently ? "concurrently " : "") +
                   (x.if_exists ? "if exists " : "") + qname(x.name);
          },
          [](const ast::RenameIndex& x) {
            return "alter index " + qname(x.name) + " rename to " + print_name(x.new_name);
          },
          [](const ast::CreateEnum& x) {
            std::string out = "create enum " + qname(x.name) + " (";
            for (size_t i = 0; i < x.values.size(); ++i) {
              if (i) out += ", ";
              out += print_string(x.values[i].value);
            }
            return out + ")";
          },
          [](const ast::AlterEnumAddValue& x) {
            std::string out =
                "alter enum " + qname(x.name) + " add value " + print_string(x.value.value);
            if (x.before) out += " before " + print_string(x.before->value);
            if (x.after) out += " after " + print_string(x.after->value);
            return out;
          },
          [](const ast::DropEnum& x) { return "drop enum " + qname(x.name); },
          [&](const ast::CreateView& x) {
            return "create view " + qname(x.name) + " as " + dialect_text(x.body, indent);
          },
          [](const ast::DropView& x) { return "drop view " + qname(x.name); },
          [](const ast::CreateSchema& x) { return "create schema " + print_name(x.name); },
          [](const ast::DropSchema& x) { return "drop schema " + print_name(x.name); },
          [](const ast::CommentOnTable& x) {
            return "comment on table " + qname(x.table) + " is " + print_string(x.comment);
          },
          [](const ast::CommentOnColumn& x) {
            return "comment on column " + qname(x.table) + "." + print_name(x.column) + " is " +
                   print_string(x.comment);
          },
          [&](const ast::Insert& x) {
            return "insert into " + qname(x.table) + " " + names(x.columns) + " values" +
                   rows(x.rows, indent);
          },
          [&](const ast::Execute& x) { return execute(x, indent); },
          [](const ast::DeleteRows& x) {
            // Not in the language (only a derived downgrade holds one): a
            // comment, so that the text still parses.
            std::string out = "-- delete from " + qname(x.table) + " by " + names(x.key_columns);
            for (size_t i = 0; i < x.keys.size(); ++i) out += (i ? ", " : ": ") + row(x.keys[i]);
            std::replace(out.begin(), out.end(), '\n', ' ');
            std::replace(out.begin(), out.end(), '\r', ' ');
            return out;
          },
      },
      node);
}

std::string annotation(const ast::Annotation& a) {
  static constexpr std::string_view kNames[] = {"allow", "only", "except", "transaction"};
  std::string out = "@" + std::string(kNames[static_cast<int>(a.kind)]) + "(";
  for (size_t i = 0; i < a.args.size(); ++i) {
    if (i) out += ", ";
    out += a.args[i].text;  // rule ids and dialects: kebab-case words, never quoted
  }
  if (a.kind == ast::AnnotationKind::Allow) {
    out += (a.args.empty() ? "" : ", ") + print_string(a.reason);
  }
  return out + ")";
}

/// Builds a PrintedLayout: text is appended line by line and constructs
/// are recorded around what they print.
class LayoutWriter {
 public:
  explicit LayoutWriter(PrintedLayout& out) : out_(out) {}

  /// Appends `text` (lines separated by '\n') as one construct.
  size_t add(std::string_view text, const SourceSpan& source, size_t indent) {
    size_t first = out_.lines.size();
    size_t start = 0;
    while (true) {
      size_t nl = text.find('\n', start);
      out_.lines.emplace_back(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    return record(first, out_.lines.size() - 1, source, indent);
  }

  /// A construct over lines already written.
  size_t record(size_t first, size_t last, const SourceSpan& source, size_t indent) {
    out_.constructs.push_back({first, last, source, indent, std::nullopt});
    return out_.constructs.size() - 1;
  }

  void blank() { out_.lines.emplace_back(); }
  size_t next_line() const { return out_.lines.size(); }
  size_t construct_count() const { return out_.constructs.size(); }
  PrintedConstruct& construct(size_t i) { return out_.constructs[i]; }

 private:
  PrintedLayout& out_;
};

size_t line_count(std::string_view text) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// The constructs inside a statement printed at `first` (its lines after
/// the annotations): columns and constraints of `create table`, the actions
/// of a multi-action `alter table`. Their line counts follow the printer.
void record_items(const ast::Statement& s, std::string_view body, size_t first, size_t indent,
                  LayoutWriter& w) {
  size_t line = first + 1;
  auto item = [&](size_t lines, const SourceSpan& span) {
    w.record(line, line + lines - 1, span, indent + 2);
    line += lines;
  };
  if (const auto* t = std::get_if<ast::CreateTable>(&s.node)) {
    for (const auto& c : t->columns) item(line_count(column_rest(c)), c.span);
    for (const auto& c : t->constraints) item(line_count(constraint(c)), c.span);
  } else if (const auto* a = std::get_if<ast::AlterTable>(&s.node)) {
    // Actions under the table name (several, or one too long for its line).
    bool under = a->actions.size() > 1 ||
                 (a->actions.size() == 1 && line_count(body) > line_count(action(a->actions[0])));
    if (under) {
      for (const auto& x : a->actions) item(line_count(action(x)), ast::action_span(x));
    }
  }
}

/// `KEYWORD { ... }` with its statements, a blank line between two
/// statements when either takes more than one line.
void block(std::string_view keyword, const std::vector<ast::Statement>& statements,
           const SourceSpan& span, LayoutWriter& w) {
  // An empty block is written open, as `retort new` writes it: ready for
  // the statements that go in.
  size_t whole = w.add(std::string(keyword) + " {", span, 0);
  bool previous_multiline = false;
  for (size_t i = 0; i < statements.size(); ++i) {
    const ast::Statement& st = statements[i];
    std::string text = print_statement(st, 2);
    bool multiline = text.find('\n') != std::string::npos;
    if (i > 0 && (multiline || previous_multiline)) w.blank();
    size_t first_construct = w.construct_count();
    // print_statement() put each annotation first, then a line break: the
    // rest is the body. An `@allow` reason may hold line breaks itself.
    std::string_view body = text;
    for (const auto& a : st.annotations) {
      std::string line = std::string(2, ' ') + annotation(a);
      w.add(line, a.span, 2);
      body.remove_prefix(line.size() + 1);
    }
    size_t first = w.next_line();
    w.add(body, st.span, 2);
    if (i > 0) w.construct(first_construct).gap_from = statements[i - 1].span.end;
    record_items(st, body, first, 2, w);
    previous_multiline = multiline;
  }
  // Comments before the closing brace stay inside the block.
  SourceSpan closing = span;
  if (closing.valid() && closing.end > closing.begin) {
    closing.begin = closing.end - 1;
    closing.line = closing.end_line;
    closing.column = closing.end_column > 0 ? closing.end_column - 1 : 0;
  }
  w.add("}", closing, 2);
  w.construct(whole).last_line = w.next_line() - 1;
}

/// From the first to the last of `items` (an invalid span when empty).
template <typename T>
SourceSpan span_of(const std::vector<T>& items) {
  if (items.empty()) return {};
  SourceSpan s = items.front().span;
  const SourceSpan& last = items.back().span;
  s.end = last.end;
  s.end_line = last.end_line;
  s.end_column = last.end_column;
  return s;
}

/// `revision ID` and its clauses, one per line, the last with `;`.
void header(const ast::Header& h, LayoutWriter& w) {
  std::vector<std::pair<std::string, SourceSpan>> lines;
  auto ids = [](const std::vector<ast::RevisionId>& v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + revision_id(v[i]);
    return out;
  };
  lines.emplace_back("revision " + revision_id(h.id), h.id.span);
  if (!h.revises.empty()) lines.emplace_back("  revises " + ids(h.revises), span_of(h.revises));
  if (!h.depends_on.empty())
    lines.emplace_back("  depends on " + ids(h.depends_on), span_of(h.depends_on));
  if (!h.labels.empty()) {
    std::string out = "  labels ";
    for (size_t i = 0; i < h.labels.size(); ++i) out += (i ? ", " : "") + label(h.labels[i]);
    lines.emplace_back(out, span_of(h.labels));
  }
  // Strings keep no span of their own: comments near them go by the header's.
  if (h.message) lines.emplace_back("  message " + print_string(*h.message), SourceSpan{});
  if (h.author) lines.emplace_back("  author " + print_string(*h.author), SourceSpan{});
  if (h.created) lines.emplace_back("  created " + print_string(*h.created), SourceSpan{});
  lines.back().first += ";";
  size_t first = w.next_line();
  w.record(first, first + lines.size() - 1, h.span, 0);
  for (const auto& [text, span] : lines) w.add(text, span, 2);
}

}  // namespace

std::string print_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

std::string print_dollar(std::string_view text) {
  // The lexer closes a body at the first occurrence of its opening tag, so
  // the tag must first occur in `text + tag` at its very end (a body that
  // ends in `$` cannot take `$$`).
  auto fits = [&](const std::string& tag) {
    std::string closed = std::string(text) + tag;
    return closed.find(tag) == text.size();
  };
  std::string tag = "$$";
  for (int n = 1; !fits(tag); ++n) tag = n == 1 ? "$body$" : "$body" + std::to_string(n) + "$";
  return tag + std::string(text) + tag;
}

std::string print_name(const ast::Name& name) {
  return name_as(name, NameRule::Name);
}

namespace {

/// The portable type or enum without its per-dialect spelling.
std::string print_type_name(const ast::Type& type) {
  switch (type.kind) {
    case ast::TypeKind::Enum: {
      const ast::QualifiedName& q = *type.enum_name;
      if (q.schema) return name_as(*q.schema, NameRule::TypeWord) + "." + print_name(q.name);
      return name_as(q.name, NameRule::BareType);
    }
    case ast::TypeKind::Native: {
      std::string out = "native(";
      for (size_t i = 0; i < type.native->entries.size(); ++i) {
        const auto& e = type.native->entries[i];
        if (i) out += ", ";
        if (!e.dialect.empty()) out += e.dialect + ": ";
        out += print_string(e.text);
      }
      return out + ")";
    }
    default:
      return ast::type_to_string(type);
  }
}

}  // namespace

std::string print_type(const ast::Type& type) {
  std::string out = print_type_name(type);
  if (type.spelled->entries.empty()) return out;
  out += " native(";
  for (size_t i = 0; i < type.spelled->entries.size(); ++i) {
    const auto& e = type.spelled->entries[i];
    out += (i ? ", " : "") + e.dialect + ": " + print_string(e.text);
  }
  return out + ")";
}

std::string print_expr(const ast::Expr& expr) {
  return expr_at(expr, kOr);
}

std::string print_statement(const ast::Statement& statement, int indent) {
  size_t ind = static_cast<size_t>(std::max(indent, 0));
  std::string out;
  for (const auto& a : statement.annotations) out += spaces(ind) + annotation(a) + "\n";
  out += spaces(ind) + statement_body(statement.node, ind);
  if (!std::holds_alternative<ast::DeleteRows>(statement.node)) out += ";";
  return out;
}

PrintedLayout layout_revision(const ast::RevisionFile& file) {
  PrintedLayout layout;
  LayoutWriter w(layout);
  for (const auto& a : file.file_annotations) w.add(annotation(a), a.span, 0);
  header(file.header, w);
  w.blank();
  block("upgrade", file.upgrade, file.upgrade_span, w);
  switch (file.downgrade_kind) {
    case ast::DowngradeKind::Derived:
      break;
    case ast::DowngradeKind::Irreversible:
      w.blank();
      w.add("downgrade irreversible;", file.downgrade_span, 0);
      break;
    case ast::DowngradeKind::Written:
      w.blank();
      block("downgrade", file.downgrade, file.downgrade_span, w);
      break;
  }
  return layout;
}

std::string print_revision(const ast::RevisionFile& file) {
  std::string out;
  for (const auto& line : layout_revision(file).lines) out += line + "\n";
  return out;
}

}  // namespace retort
