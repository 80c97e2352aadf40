#include "emit/renderer.h"
#include "compiler/text_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <functional>
#include <set>

#include "compiler/config.h"
#include "compiler/overloaded.h"

// The base renderer writes standard SQL in the form most servers accept
// (PostgreSQL's is the closest to the standard, so its file overrides
// little); dialects override the hooks where they differ.

namespace retort::emit {

namespace {

bool is_plain_word(std::string_view s) {
  if (s.empty()) return false;
  if (!((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

std::string_view ref_action_sql(ast::RefAction a) {
  switch (a) {
    case ast::RefAction::NoAction:
      return "NO ACTION";
    case ast::RefAction::Restrict:
      return "RESTRICT";
    case ast::RefAction::Cascade:
      return "CASCADE";
    case ast::RefAction::SetNull:
      return "SET NULL";
    case ast::RefAction::SetDefault:
      return "SET DEFAULT";
  }
  return "NO ACTION";
}

// Binding strength of an expression node when it is an operand; higher binds
// tighter. The order is PostgreSQL's (and the standard's): OR, AND, NOT, IS,
// comparisons, BETWEEN/IN/LIKE, other operators (||), + -, * /, unary minus.
int precedence(const ast::Expr& e) {
  using K = ast::ExprKind;
  switch (e.kind) {
    case K::Binary:
      if (e.op == "or") return 1;
      if (e.op == "and") return 2;
      if (e.op == "=" || e.op == "<>" || e.op == "!=" || e.op == "<" || e.op == "<=" ||
          e.op == ">" || e.op == ">=")
        return 5;
      if (e.op == "||") return 7;
      if (e.op == "+" || e.op == "-") return 8;
      return 9;
    case K::Unary:
      return e.op == "not" ? 3 : 10;
    case K::IsNull:
      return 4;
    case K::In:
    case K::Like:
    case K::Between:
      return 6;
    default:
      return 100;
  }
}

}  // namespace

std::vector<const View*> dependent_views(const SchemaModel& schema, std::string_view table) {
  std::vector<const View*> found = schema.views_reading(table);
  std::set<std::string> seen;
  for (const View* v : found) seen.insert(v->key);
  for (size_t i = 0; i < found.size(); ++i) {
    for (const View* r : schema.views_reading_view(found[i]->key)) {
      if (seen.insert(r->key).second) found.push_back(r);
    }
  }
  // Order: a view after the views of the set it reads.
  std::vector<const View*> ordered;
  std::set<std::string> placed;
  std::function<void(const View*)> place = [&](const View* v) {
    if (placed.count(v->key)) return;
    placed.insert(v->key);
    for (const auto& dep : v->views) {
      if (!seen.count(dep)) continue;
      if (const View* d = schema.find_view(dep)) place(d);
    }
    ordered.push_back(v);
  };
  for (const View* v : found) place(v);
  return ordered;
}

bool Renderer::at_least(std::string_view version) const {
  if (!is_valid_version(target_.version) || !is_valid_version(version)) return true;
  return compare_versions(target_.version, version) >= 0;
}

// ---------------------------------------------------------------- text

bool Renderer::needs_quotes(std::string_view name) const {
  return !is_plain_word(name) || is_reserved(name);
}

std::string Renderer::quote(std::string_view name) const {
  if (!needs_quotes(name)) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string Renderer::qualified(std::string_view schema, std::string_view name) const {
  if (schema.empty()) return quote(name);
  return quote(schema) + "." + quote(name);
}

std::string Renderer::qualified_key(std::string_view key) const {
  return qualified(schema_of(key), name_of(key));
}

std::string Renderer::qualified(const ast::QualifiedName& q) const {
  return qualified(q.schema ? std::string_view(q.schema->text) : std::string_view(), q.name.text);
}

std::string Renderer::literal(std::string_view text) const {
  // Whole runs between quotes are copied at once: scripts quote every id,
  // message and comment.
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  size_t start = 0;
  for (size_t q = text.find('\''); q != std::string_view::npos; q = text.find('\'', q + 1)) {
    out.append(text, start, q + 1 - start);
    out += '\'';
    start = q + 1;
  }
  out.append(text, start);
  out += '\'';
  return out;
}

std::string Renderer::type(const ast::Type& t, const RenderContext& ctx) const {
  if (const std::string* s = spelled(t)) return *s;
  const TypeNames& n = type_names();
  using K = ast::TypeKind;
  switch (t.kind) {
    case K::Boolean:
      return std::string(n.boolean);
    case K::Smallint:
      return std::string(n.smallint);
    case K::Integer:
      return std::string(n.integer);
    case K::Bigint:
      return std::string(n.bigint);
    case K::Decimal:
      if (t.precision && t.scale)
        return fmt::format("{}({}, {})", n.decimal, *t.precision, *t.scale);
      if (t.precision) return fmt::format("{}({})", n.decimal, *t.precision);
      return std::string(n.decimal);
    case K::Real:
      return std::string(n.real);
    case K::Double:
      return std::string(n.double_precision);
    case K::String:
      // Without a length only where the dialect allows it; columns are
      // checked by the dialect.
      return t.length ? fmt::format("{}({})", n.string, *t.length) : std::string(n.string);
    case K::Char:
      return fmt::format("{}({})", n.fixed_char, t.length.value_or(1));
    case K::Text:
      return std::string(n.text);
    case K::Binary:
      return std::string(n.binary);
    case K::Date:
      return std::string(n.date);
    case K::Time:
      return std::string(n.time);
    case K::Timestamp:
      return std::string(n.timestamp);
    case K::Timestamptz:
      return std::string(n.timestamptz);
    case K::Uuid:
      return std::string(n.uuid);
    case K::Json:
      return std::string(n.json);
    case K::Enum:
      return enum_type(t, ctx);
    case K::Native:
      if (const std::string* spelling = t.native->for_dialect(info().name)) return *spelling;
      error(ctx, t.span,
            fmt::format("native type {} has no {} spelling", ast::type_to_string(t), info().title),
            fmt::format("add `{}: '...'` to native(...)", n.native_key));
      return std::string(n.text);
  }
  return std::string(n.text);
}

std::string Renderer::enum_type(const ast::Type& t, const RenderContext&) const {
  return qualified(*t.enum_name);
}

std::string Renderer::comment_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_comment_text(out, text);
  return out;
}

void Renderer::append_comment_text(std::string& out, std::string_view text) {
  // Characters that need a look: control characters, and `*` and `/`,
  // which could close or open a block comment. The runs between them are
  // copied whole; a table tells them apart in one load a byte (a comment
  // line of every script section goes through here).
  static constexpr auto kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 256; ++c) plain[c] = c != 0x7f && c != '*' && c != '/';
    return plain;
  }();
  auto plain = [&](char c) { return kPlain[static_cast<unsigned char>(c)]; };
  size_t i = 0;
  while (i < text.size()) {
    size_t run = i;
    while (run < text.size() && plain(text[run])) ++run;
    out.append(text, i, run - i);
    i = run;
    if (i == text.size()) break;
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      out += "\\n";
      ++i;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += ' ';
    } else if (c < 0x20 || c == 0x7f) {
      out += '?';
    } else if (c == '*' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "* /";
      ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      out += "/ *";
      ++i;
    } else {
      out += static_cast<char>(c);
    }
    ++i;
  }
}

// ------------------------------------------------------- types, exprs

bool Renderer::same_type_here(const ast::AlterAction& action, const ActionContext& a) const {
  const auto* change = std::get_if<ast::AlterColumnType>(&action);
  if (change == nullptr || change->using_expr) return false;
  const Column* from = a.before.find_column(change->column.text);
  const Column* to = a.after.find_column(change->column.text);
  if (from == nullptr || to == nullptr) return false;
  DiagnosticSink ignored;  // only comparing: the statement's own rendering reports
  RenderContext quiet{a.ctx.before, a.ctx.after,    a.ctx.file,           a.ctx.options,
                      ignored,      a.ctx.revision, a.ctx.statement_span, a.ctx.derived_downgrade};
  return column_type(*from, quiet) == column_type(*to, quiet);
}

const std::string* Renderer::spelled(const ast::Type& t) const {
  return t.spelled->entries.empty() ? nullptr : t.spelled->for_dialect(info().name);
}

std::string Renderer::column_type(const Column& c, const RenderContext& ctx) const {
  return type(c.type, ctx);
}

std::string Renderer::expr(const ast::Expr& e, const RenderContext& ctx) const {
  using K = ast::ExprKind;
  auto operand = [&](const ast::ExprPtr& a, int parent, bool right) -> std::string {
    if (!a) return "NULL";
    std::string text = expr(*a, ctx);
    int p = precedence(*a);
    if (p < parent || (p == parent && right && p < 100)) return "(" + text + ")";
    return text;
  };
  auto arg = [&](size_t i) -> const ast::ExprPtr& {
    static const ast::ExprPtr none;
    return i < e.args.size() ? e.args[i] : none;
  };
  int self = precedence(e);
  switch (e.kind) {
    case K::String:
      return literal(e.text);
    case K::Number:
      return e.text;
    case K::Boolean:
      return e.text == "true" ? "TRUE" : "FALSE";
    case K::Null:
      return "NULL";
    case K::Column: {
      std::vector<std::string> parts;
      for (const auto& n : e.names) parts.push_back(quote(n.text));
      return join(parts, ".");
    }
    case K::Unary: {
      if (e.op == "not") return "NOT " + operand(arg(0), self, true);
      // `- -1` must not become `--1`, a comment.
      std::string inner = operand(arg(0), self, true);
      if (!inner.empty() && (inner[0] == '-' || inner[0] == '+')) inner = "(" + inner + ")";
      return e.op + inner;
    }
    case K::Binary: {
      std::string op = e.op == "!="                    ? "<>"
                       : e.op == "and" || e.op == "or" ? upper_ascii(e.op)
                                                       : e.op;
      return operand(arg(0), self, false) + " " + op + " " + operand(arg(1), self, true);
    }
    case K::IsNull:
      return operand(arg(0), self, false) + (e.negated ? " IS NOT NULL" : " IS NULL");
    case K::In: {
      std::vector<std::string> items;
      for (size_t i = 1; i < e.args.size(); ++i) items.push_back(operand(e.args[i], 0, false));
      return operand(arg(0), self, false) + (e.negated ? " NOT IN (" : " IN (") +
             join(items, ", ") + ")";
    }
    case K::Like:
      return operand(arg(0), self, false) + (e.negated ? " NOT LIKE " : " LIKE ") +
             operand(arg(1), self, true);
    case K::Between:
      return operand(arg(0), self, false) + (e.negated ? " NOT BETWEEN " : " BETWEEN ") +
             operand(arg(1), self, true) + " AND " + operand(arg(2), self, true);
    case K::Cast:
      return "CAST(" + operand(arg(0), 0, false) + " AS " +
             (e.cast_type ? type(*e.cast_type, ctx) : std::string("TEXT")) + ")";
    case K::Call:
      return call(e, ctx);
    case K::Keyword:
      return upper_ascii(e.text);
    case K::Raw: {
      // Verbatim, without the white space around it inside `$$ ... $$`.
      size_t b = e.text.find_first_not_of(" \t\r\n");
      if (b == std::string::npos) return "NULL";
      size_t last = e.text.find_last_not_of(" \t\r\n");
      return e.text.substr(b, last - b + 1);
    }
    case K::Paren:
      return "(" + operand(arg(0), 0, false) + ")";
  }
  return "NULL";
}

std::string Renderer::call(const ast::Expr& e, const RenderContext& ctx) const {
  if (e.text == "now" && e.args.empty()) return "CURRENT_TIMESTAMP";
  if (e.text == "gen_uuid" && e.args.empty()) {
    error(ctx, e.span, fmt::format("{} has no portable gen_uuid()", info_.title),
          "use sql($$ ... $$) with this dialect's own function");
    return "NULL";
  }
  std::vector<std::string> args;
  for (const auto& a : e.args) args.push_back(a ? expr(*a, ctx) : "NULL");
  std::string name = is_plain_word(e.text) ? e.text : quote(e.text);
  return name + "(" + join(args, ", ") + ")";
}

std::string Renderer::column_definition(const Table& t, const Column& c,
                                        const RenderContext& ctx) const {
  std::string out = quote(c.name) + " " + column_type(c, ctx);
  if (c.collate) out += " COLLATE " + quote_always(*c.collate);
  if (c.identity) out += " " + identity_clause();
  if (c.default_value) out += " DEFAULT " + expr(*c.default_value, ctx);
  // Primary key columns are always written NOT NULL (dialects.md).
  bool in_pk = false;
  if (const Constraint* pk = t.primary_key()) {
    in_pk = std::find(pk->columns.begin(), pk->columns.end(), c.name) != pk->columns.end();
  }
  if (!c.nullable || in_pk) out += " NOT NULL";
  return out;
}

std::string Renderer::quote_always(std::string_view name) const {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string Renderer::column_list(const std::vector<std::string>& columns) const {
  std::vector<std::string> q;
  for (const auto& c : columns) q.push_back(quote(c));
  return join(q, ", ");
}

std::string Renderer::constraint_definition(const Table& /*t*/, const Constraint& c,
                                            const RenderContext& ctx) const {
  // A constraint the server named (read unnamed from an Alembic script)
  // is created under the name that server would give it.
  std::string out = "CONSTRAINT " + quote(c.name_on(info().name)) + " ";
  switch (c.kind) {
    case ast::ConstraintKind::PrimaryKey:
      return out + "PRIMARY KEY (" + column_list(c.columns) + ")";
    case ast::ConstraintKind::Unique:
      return out + "UNIQUE (" + column_list(c.columns) + ")";
    case ast::ConstraintKind::ForeignKey:
      out += "FOREIGN KEY (" + column_list(c.columns) + ") REFERENCES " +
             qualified_key(c.ref_table) + " (" + column_list(c.ref_columns) + ")";
      if (c.on_delete != ast::RefAction::NoAction)
        out += " ON DELETE " + std::string(ref_action_sql(c.on_delete));
      if (c.on_update != ast::RefAction::NoAction)
        out += " ON UPDATE " + std::string(ref_action_sql(c.on_update));
      return out;
    case ast::ConstraintKind::Check:
      return out + "CHECK (" + (c.check ? expr(*c.check, ctx) : std::string("TRUE")) + ")";
  }
  return out;
}

// ------------------------------------------------------ model objects

std::vector<Step> Renderer::create_table(const Table& t, bool if_not_exists,
                                         const std::vector<bool>* keep,
                                         const RenderContext& ctx) const {
  std::vector<std::string> items;
  for (const auto& c : t.columns) items.push_back(column_definition(t, c, ctx));
  for (size_t i = 0; i < t.constraints.size(); ++i) {
    if (keep && !(*keep)[i]) continue;
    items.push_back(constraint_definition(t, t.constraints[i], ctx));
  }
  std::string sql =
      fmt::format("CREATE TABLE {}{} (\n    {}\n);", if_not_exists ? "IF NOT EXISTS " : "",
                  qualified(t.schema, t.name), join(items, ",\n    "));
  std::vector<Step> out{step(std::move(sql))};
  if (t.comment) {
    auto s = comment_on_table(t, t.comment, ctx);
    out.insert(out.end(), s.begin(), s.end());
  }
  for (const auto& c : t.columns) {
    if (!c.comment) continue;
    auto s = comment_on_column(t, c.name, c.comment, ctx);
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

std::vector<Step> Renderer::create_index(const Table& t, const Index& i, bool concurrently,
                                         bool if_not_exists, const RenderContext& ctx) const {
  std::vector<std::string> keys;
  for (const auto& k : i.keys) {
    std::string key = k.expr ? "(" + expr(*k.expr, ctx) + ")" : quote(k.column);
    if (k.descending) key += " DESC";
    keys.push_back(std::move(key));
  }
  std::string sql = fmt::format(
      "CREATE {}INDEX {}{}{} ON {}", i.unique ? "UNIQUE " : "", concurrently ? "CONCURRENTLY " : "",
      if_not_exists ? "IF NOT EXISTS " : "", quote(i.name), qualified(t.schema, t.name));
  if (i.method) sql += " USING " + quote(*i.method);
  sql += " (" + join(keys, ", ") + ")";
  if (!i.include.empty()) sql += " INCLUDE (" + column_list(i.include) + ")";
  if (i.where) sql += " WHERE " + expr(*i.where, ctx);
  sql += ";";
  return {step(std::move(sql), concurrently)};
}

std::vector<Step> Renderer::create_enum(const Enum& e, const RenderContext& ctx) const {
  error(ctx, ctx.statement_span, fmt::format("{} has no enum types", info_.title));
  (void)e;
  return {};
}

std::vector<Step> Renderer::create_view(const View& v, const SourceSpan& span,
                                        const RenderContext& ctx) const {
  const std::string* body = v.body.for_dialect(info_.name);
  if (!body) {
    error(
        ctx, span,
        fmt::format("view {} has no body for {} and no default", qualified_key(v.key), info_.name),
        fmt::format("add `{}: $$ ... $$` or `default: $$ ... $$` to its body", info_.name));
    return {};
  }
  return {
      step(fmt::format("CREATE VIEW {} AS\n{};", qualified(v.schema, v.name), trim_body(*body)))};
}

std::vector<Step> Renderer::drop_view(std::string_view key, const RenderContext&) const {
  return {step(fmt::format("DROP VIEW {};", qualified_key(key)))};
}

std::vector<Step> Renderer::comment_on_table(const Table& t, const std::optional<std::string>& c,
                                             const RenderContext&) const {
  return {step(fmt::format("COMMENT ON TABLE {} IS {};", qualified(t.schema, t.name),
                           c && !c->empty() ? literal(*c) : std::string("NULL")))};
}

std::vector<Step> Renderer::comment_on_column(const Table& t, std::string_view column,
                                              const std::optional<std::string>& c,
                                              const RenderContext&) const {
  return {step(fmt::format("COMMENT ON COLUMN {}.{} IS {};", qualified(t.schema, t.name),
                           quote(column), c && !c->empty() ? literal(*c) : std::string("NULL")))};
}

std::vector<Step> Renderer::add_constraint(const Table& t, const Constraint& c, bool not_valid,
                                           const RenderContext& ctx) const {
  std::vector<Step> out =
      alter(t, "ADD " + constraint_definition(t, c, ctx) + (not_valid ? " NOT VALID" : ""));
  if (not_valid && ctx.derived_downgrade && c.kind == ast::ConstraintKind::ForeignKey) {
    out.back().comments.push_back(fmt::format(
        "NOT VALID: the rows already in {} are not checked; once those that break it are fixed, "
        "run ALTER TABLE {} VALIDATE CONSTRAINT {}",
        qualified(t.schema, t.name), qualified(t.schema, t.name), quote(c.name)));
  }
  return out;
}

// --------------------------------------------------------- statements

std::vector<Step> Renderer::render(const ast::Statement& s, const RenderContext& outer) const {
  RenderContext ctx = outer;
  ctx.statement_span = s.span;
  // @only / @except limit an execute to some dialects; `mysql` covers mariadb.
  auto listed = [&](const ast::Annotation& a) {
    for (const auto& n : a.args) {
      auto name = canonical_dialect(n.text);
      if (!name) continue;
      if (*name == info_.name || (*name == "mysql" && info_.name == "mariadb")) return true;
    }
    return false;
  };
  for (const auto& a : s.annotations) {
    if (a.kind == ast::AnnotationKind::Only && !listed(a)) return {};
    if (a.kind == ast::AnnotationKind::Except && listed(a)) return {};
  }
  return std::visit([&](const auto& node) { return render_node(node, ctx); }, s.node);
}

std::vector<Step> Renderer::render_node(const ast::CreateTable& s, const RenderContext& ctx) const {
  std::string key = s.name.key();
  // `if not exists` on a table that exists: the model kept the old one.
  if (s.if_not_exists) {
    if (const Table* old = ctx.before.find_table(key))
      return create_table(*old, true, nullptr, ctx);
  }
  const Table* t = ctx.after.find_table(key);
  if (!t) return {};
  return create_table(*t, s.if_not_exists, nullptr, ctx);
}

std::vector<Step> Renderer::render_node(const ast::DropTable& s, const RenderContext&) const {
  return {step(fmt::format("DROP TABLE {}{}{};", s.if_exists ? "IF EXISTS " : "", qualified(s.name),
                           s.cascade ? " CASCADE" : ""))};
}

std::vector<Step> Renderer::render_node(const ast::RenameTable& s, const RenderContext&) const {
  return {
      step(fmt::format("ALTER TABLE {} RENAME TO {};", qualified(s.name), quote(s.new_name.text)))};
}

bool Renderer::action_needs_views_rebuilt(const ast::AlterAction& a) const {
  return std::holds_alternative<ast::DropColumn>(a) ||
         std::holds_alternative<ast::AlterColumnType>(a);
}

std::vector<Step> Renderer::render_node(const ast::AlterTable& s, const RenderContext& ctx) const {
  std::string key = s.name.key();
  std::vector<Step> out;
  // Each action sees the schema the previous ones left: replay them one by
  // one on copies (cheap: the model shares structure). The one action of a
  // statement of one (most of them) left `ctx.after`, the schema after the
  // statement: it is not replayed a second time.
  SchemaModel work = ctx.before;
  for (const auto& action : s.actions) {
    SchemaModel next = s.actions.size() == 1 ? ctx.after : work;
    if (s.actions.size() != 1) {
      ast::Statement single;
      single.node = ast::AlterTable{s.name, {action}};
      single.span = ctx.statement_span;
      DiagnosticSink ignored;  // replay has reported these already
      apply_statement(single, ctx.file, next, ctx.options, ignored);
    }
    const Table* before = work.find_table(key);
    const Table* after = next.find_table(key);
    if (!before || !after) {
      work = std::move(next);
      continue;
    }
    RenderContext actx{work,     next,         ctx.file,           ctx.options,
                       ctx.sink, ctx.revision, ctx.statement_span, ctx.derived_downgrade};
    ActionContext a{*before, *after, actx};
    if (same_type_here(action, a)) {
      work = std::move(next);
      continue;
    }
    std::vector<const View*> views;
    if (action_needs_views_rebuilt(action)) views = dependent_views(work, key);
    for (auto it = views.rbegin(); it != views.rend(); ++it) {
      auto steps = drop_view((*it)->key, actx);
      for (auto& st : steps) {
        st.comments.insert(st.comments.begin(),
                           fmt::format("view {} reads table {}: dropped and recreated around the "
                                       "change",
                                       qualified_key((*it)->key), qualified_key(key)));
      }
      out.insert(out.end(), steps.begin(), steps.end());
    }
    auto steps = std::visit([&](const auto& act) { return render_action(act, a); }, action);
    out.insert(out.end(), steps.begin(), steps.end());
    for (const View* v : views) {
      const View* still = next.find_view(v->key);
      if (!still) continue;  // dropped with the column (cascade)
      auto vs = create_view(*still, ctx.statement_span, actx);
      out.insert(out.end(), vs.begin(), vs.end());
    }
    work = std::move(next);
  }
  return out;
}

std::vector<Step> Renderer::render_node(const ast::CreateIndex& s, const RenderContext& ctx) const {
  const Table* t = ctx.after.find_table(s.table.key());
  if (!t) return {};
  const Table* before = ctx.before.find_table(s.table.key());
  const Index* made = nullptr;
  for (const auto& i : t->indexes) {
    if (s.name ? i.name == s.name->text : !(before && before->find_index(i.name))) made = &i;
  }
  // `if not exists` on a taken name: the model kept what held it; build the
  // index from the statement so the SQL says what the revision says.
  Index built;
  if (!made || (s.if_not_exists && before && before->find_index(made->name))) {
    if (!s.name) return {};
    built.name = s.name->text;
    built.table = t->key;
    built.unique = s.unique;
    built.where = s.where;
    if (s.method) built.method = s.method->text;
    for (const auto& k : s.keys) {
      IndexKeyDef d;
      d.descending = k.descending;
      if (k.column) d.column = k.column->text;
      d.expr = k.expr;
      built.keys.push_back(std::move(d));
    }
    for (const auto& c : s.include) built.include.push_back(c.text);
    made = &built;
  }
  return create_index(*t, *made, s.concurrently, s.if_not_exists, ctx);
}

std::vector<Step> Renderer::render_node(const ast::DropIndex& s, const RenderContext&) const {
  return {step(fmt::format("DROP INDEX {}{}{};", s.concurrently ? "CONCURRENTLY " : "",
                           s.if_exists ? "IF EXISTS " : "", qualified(s.name)),
               s.concurrently)};
}

std::vector<Step> Renderer::render_node(const ast::RenameIndex& s, const RenderContext&) const {
  return {
      step(fmt::format("ALTER INDEX {} RENAME TO {};", qualified(s.name), quote(s.new_name.text)))};
}

std::vector<Step> Renderer::render_node(const ast::CreateEnum& s, const RenderContext& ctx) const {
  const Enum* e = ctx.after.find_enum(s.name.key());
  if (!e) return {};
  return create_enum(*e, ctx);
}

std::vector<Step> Renderer::render_node(const ast::AlterEnumAddValue& s,
                                        const RenderContext& ctx) const {
  error(ctx, ctx.statement_span, fmt::format("{} has no enum types", info_.title));
  (void)s;
  return {};
}

std::vector<Step> Renderer::render_node(const ast::DropEnum& s, const RenderContext& ctx) const {
  error(ctx, ctx.statement_span, fmt::format("{} has no enum types", info_.title));
  (void)s;
  return {};
}

std::vector<Step> Renderer::render_node(const ast::CreateView& s, const RenderContext& ctx) const {
  const View* v = ctx.after.find_view(s.name.key());
  if (!v) return {};
  return create_view(*v, s.body.span.valid() ? s.body.span : ctx.statement_span, ctx);
}

std::vector<Step> Renderer::render_node(const ast::DropView& s, const RenderContext& ctx) const {
  return drop_view(s.name.key(), ctx);
}

std::vector<Step> Renderer::render_node(const ast::CreateSchema& s, const RenderContext&) const {
  return {step(fmt::format("CREATE SCHEMA {};", quote(s.name.text)))};
}

std::vector<Step> Renderer::render_node(const ast::DropSchema& s, const RenderContext&) const {
  return {step(fmt::format("DROP SCHEMA {};", quote(s.name.text)))};
}

std::vector<Step> Renderer::render_node(const ast::CommentOnTable& s,
                                        const RenderContext& ctx) const {
  const Table* t = ctx.after.find_table(s.table.key());
  if (!t) return {};
  return comment_on_table(*t, s.comment, ctx);
}

std::vector<Step> Renderer::render_node(const ast::CommentOnColumn& s,
                                        const RenderContext& ctx) const {
  const Table* t = ctx.after.find_table(s.table.key());
  if (!t) return {};
  return comment_on_column(*t, s.column.text, s.comment, ctx);
}

std::vector<Step> Renderer::render_node(const ast::Insert& s, const RenderContext& ctx) const {
  std::vector<std::string> columns;
  for (const auto& c : s.columns) columns.push_back(quote(c.text));
  std::vector<std::string> rows;
  for (const auto& row : s.rows) {
    std::vector<std::string> values;
    for (const auto& v : row) values.push_back(v ? expr(*v, ctx) : "NULL");
    rows.push_back("(" + join(values, ", ") + ")");
  }
  return {step(fmt::format("INSERT INTO {} ({}) VALUES\n    {};", qualified(s.table),
                           join(columns, ", "), join(rows, ",\n    ")))};
}

std::vector<Step> Renderer::render_node(const ast::Execute& s, const RenderContext& ctx) const {
  const std::string* body = s.body.for_dialect(info_.name);
  if (!body) {
    error(ctx, s.body.span.valid() ? s.body.span : ctx.statement_span,
          fmt::format("execute has no body for {} and no default", info_.name),
          fmt::format("add `{}: $$ ... $$` or `default: $$ ... $$`, or limit the statement with "
                      "@only(...)",
                      info_.name));
    return {};
  }
  std::string text = trim_body(*body);
  if (text.empty()) return {};
  // A body whose last line is a `--` comment would swallow the `;`.
  size_t last_line = text.rfind('\n');
  std::string_view tail =
      std::string_view(text).substr(last_line == std::string::npos ? 0 : last_line + 1);
  text += tail.find("--") != std::string_view::npos ? "\n;" : ";";
  return {step(std::move(text))};
}

std::vector<Step> Renderer::render_node(const ast::DeleteRows& s, const RenderContext& ctx) const {
  if (s.keys.empty()) return {};
  std::vector<std::string> keys;
  for (const auto& row : s.keys) {
    std::vector<std::string> values;
    for (const auto& v : row) values.push_back(v ? expr(*v, ctx) : "NULL");
    keys.push_back(values.size() == 1 ? values[0] : "(" + join(values, ", ") + ")");
  }
  std::vector<std::string> columns;
  for (const auto& c : s.key_columns) columns.push_back(c.text);
  std::string lhs = columns.size() == 1 ? quote(columns[0]) : "(" + column_list(columns) + ")";
  return {step(fmt::format("DELETE FROM {} WHERE {} IN (\n    {}\n);", qualified(s.table), lhs,
                           join(keys, ",\n    ")))};
}

// ------------------------------------------------------ alter actions

std::vector<Step> Renderer::alter(const Table& t, std::string action) const {
  return {step(fmt::format("ALTER TABLE {} {};", qualified(t.schema, t.name), action))};
}

std::vector<Step> Renderer::render_action(const ast::AddColumn& a, const ActionContext& c) const {
  const Column* col = c.after.find_column(a.column.name.text);
  if (!col) return {};
  std::vector<Step> out = alter(c.after, "ADD COLUMN " + column_definition(c.after, *col, c.ctx));
  // Constraints written on the column, named by the model.
  for (const auto& k : c.after.constraints) {
    if (c.before.find_constraint(k.name)) continue;
    auto s = add_constraint(c.after, k, false, c.ctx);
    out.insert(out.end(), s.begin(), s.end());
  }
  if (col->comment) {
    auto s = comment_on_column(c.after, col->name, col->comment, c.ctx);
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}

std::vector<Step> Renderer::render_action(const ast::DropColumn& a, const ActionContext& c) const {
  return alter(c.before, "DROP COLUMN " + quote(a.column.text) + (a.cascade ? " CASCADE" : ""));
}

std::vector<Step> Renderer::render_action(const ast::RenameColumn& a,
                                          const ActionContext& c) const {
  return alter(c.before, "RENAME COLUMN " + quote(a.column.text) + " TO " + quote(a.new_name.text));
}

std::vector<Step> Renderer::render_action(const ast::AlterColumnType& a,
                                          const ActionContext& c) const {
  const Column* col = c.after.find_column(a.column.text);
  if (!col) return {};
  std::string sql = "ALTER COLUMN " + quote(a.column.text) + " TYPE " + column_type(*col, c.ctx);
  if (a.using_expr) sql += " USING " + expr(*a.using_expr, c.ctx);
  return alter(c.before, std::move(sql));
}

std::vector<Step> Renderer::render_action(const ast::SetNotNull& a, const ActionContext& c) const {
  return alter(c.before, "ALTER COLUMN " + quote(a.column.text) + " SET NOT NULL");
}

std::vector<Step> Renderer::render_action(const ast::DropNotNull& a, const ActionContext& c) const {
  return alter(c.before, "ALTER COLUMN " + quote(a.column.text) + " DROP NOT NULL");
}

std::vector<Step> Renderer::render_action(const ast::SetDefault& a, const ActionContext& c) const {
  return alter(c.before, "ALTER COLUMN " + quote(a.column.text) + " SET DEFAULT " +
                             (a.value ? expr(*a.value, c.ctx) : std::string("NULL")));
}

std::vector<Step> Renderer::render_action(const ast::DropDefault& a, const ActionContext& c) const {
  return alter(c.before, "ALTER COLUMN " + quote(a.column.text) + " DROP DEFAULT");
}

std::vector<Step> Renderer::render_action(const ast::SetColumnComment& a,
                                          const ActionContext& c) const {
  return comment_on_column(c.after, a.column.text, a.comment, c.ctx);
}

std::vector<Step> Renderer::render_action(const ast::AddConstraint& a,
                                          const ActionContext& c) const {
  const Constraint* made = nullptr;
  for (const auto& k : c.after.constraints) {
    // A server-named constraint's name is the replay's, not the script's.
    bool by_name = a.constraint.name && !a.constraint.server_named;
    if (by_name ? k.name == a.constraint.name->text : !c.before.find_constraint(k.name)) made = &k;
  }
  if (!made) return {};
  return add_constraint(c.after, *made, a.not_valid, c.ctx);
}

std::vector<Step> Renderer::render_action(const ast::AddConstraintUsingIndex& a,
                                          const ActionContext& c) const {
  return alter(c.before,
               fmt::format("ADD CONSTRAINT {} {} USING INDEX {}", quote(a.name.text),
                           a.kind == ast::ConstraintKind::PrimaryKey ? "PRIMARY KEY" : "UNIQUE",
                           quote(a.index.text)));
}

// The name on this dialect of the constraint a statement names: a script
// written for one server may name a server-named constraint by that
// server's name (`fees_ibfk_1`), which the model knows on every dialect.
std::string Renderer::constraint_name(const Table& t, const ast::Name& written) const {
  const Constraint* k = t.find_constraint(written.text);
  return k ? k->name_on(info().name) : written.text;
}

std::vector<Step> Renderer::render_action(const ast::ValidateConstraint& a,
                                          const ActionContext& c) const {
  return alter(c.before, "VALIDATE CONSTRAINT " + quote(constraint_name(c.before, a.name)));
}

std::vector<Step> Renderer::render_action(const ast::DropConstraint& a,
                                          const ActionContext& c) const {
  return alter(c.before, "DROP CONSTRAINT " + quote(constraint_name(c.before, a.name)));
}

std::vector<Step> Renderer::render_action(const ast::RenameConstraint& a,
                                          const ActionContext& c) const {
  return alter(c.before, "RENAME CONSTRAINT " + quote(constraint_name(c.before, a.name)) + " TO " +
                             quote(a.new_name.text));
}

// -------------------------------------------------------- bookkeeping

std::vector<std::string> Renderer::client_settings() const {
  if (info_.client_settings.empty()) return {};
  return {std::string(info_.client_settings)};
}

std::vector<std::string> Renderer::session_settings(const EmitSettings&) const {
  return {};
}

std::string Renderer::create_version_table(std::string_view table) const {
  return fmt::format(
      "CREATE TABLE IF NOT EXISTS {} (\n    version_num VARCHAR(32) NOT NULL,\n    CONSTRAINT "
      "{} PRIMARY KEY (version_num)\n);",
      quote(table), quote(std::string(table) + "_pkc"));
}

std::string Renderer::insert_version(std::string_view table, std::string_view id) const {
  return concat({"INSERT INTO ", quote(table), " (version_num) VALUES (", literal(id), ");"});
}

std::string Renderer::update_version(std::string_view table, std::string_view from,
                                     std::string_view to) const {
  return concat({"UPDATE ", quote(table), " SET version_num = ", literal(to),
                 " WHERE version_num = ", literal(from), ";"});
}

std::string Renderer::delete_version(std::string_view table, std::string_view id) const {
  return concat({"DELETE FROM ", quote(table), " WHERE version_num = ", literal(id), ";"});
}

std::string Renderer::expected_state(std::string_view table,
                                     const std::vector<std::string>& present,
                                     const std::vector<std::string>& absent) const {
  // Written straight into one string: every section of a script has one.
  std::string out;
  auto count = [&](const std::vector<std::string>& ids) {
    out += "(SELECT COUNT(*) FROM ";
    out += quote(table);
    out += " WHERE version_num IN (";
    for (size_t i = 0; i < ids.size(); ++i) {
      if (i > 0) out += ", ";
      out += literal(ids[i]);
    }
    out += "))";
  };
  if (!present.empty()) {
    count(present);
    out += " = ";
    out += std::to_string(present.size());
  }
  if (!absent.empty()) {
    if (!out.empty()) out += "\n    AND ";
    count(absent);
    out += " = 0";
  }
  if (out.empty()) return "TRUE";
  return out;
}

// ------------------------------------------------------------ helpers

void Renderer::error(const RenderContext& ctx, const SourceSpan& span, std::string message,
                     std::string help) const {
  ctx.sink.report(Diagnostic{Severity::error, "dialect", ctx.file,
                             span.valid() ? span : ctx.statement_span, std::move(message),
                             std::move(help), std::string(ctx.revision)});
}

void Renderer::check_client_lines(std::string_view what, std::string_view text,
                                  const SourceSpan& span, const RenderContext& ctx,
                                  bool (*is_command)(std::string_view line),
                                  std::string_view client, std::string help) const {
  for (size_t at = text.find('\n'); at != std::string_view::npos; at = text.find('\n', at + 1)) {
    std::string_view line = text.substr(at + 1);
    line = line.substr(0, line.find('\n'));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!is_command(line)) continue;
    error(ctx, span,
          fmt::format("{} has a line that {} reads as its own command: \"{}\"", what, client, line),
          std::move(help));
    return;
  }
}

Step Renderer::step(std::string sql, bool outside_transaction) {
  Step s;
  s.sql = std::move(sql);
  s.outside_transaction = outside_transaction;
  return s;
}

std::string Renderer::trim_body(std::string_view body) {
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  size_t b = 0, e = body.size();
  while (b < e && is_space(body[b])) ++b;
  while (e > b && (is_space(body[e - 1]) || body[e - 1] == ';')) --e;
  return std::string(body.substr(b, e - b));
}

}  // namespace retort::emit
