// The Alembic reader: the script's header, its imports, and the statements
// of its upgrade() and downgrade() (the op.* calls are read in
// alembic_ops.cpp, the values they take in alembic_values.cpp).
#include "compiler/alembic_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "compiler/alembic_eval.h"
#include "compiler/alembic_python.h"

namespace retort {

namespace alembic {

namespace {

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y += m <= 2;
}

/// Alembic's `Create Date:` (`2024-01-15 10:30:45.123456`, perhaps with a
/// `+01:00` offset) as Retort's `created`: UTC, to the second. A time
/// without an offset is taken as it is (Alembic writes local time).
std::optional<std::string> created_time(std::string_view s) {
  auto digits = [&](size_t at, size_t n, int& out) {
    if (at + n > s.size()) return false;
    out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(0, 4, y) || s.size() < 19 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
      !digits(8, 2, d) || (s[10] != ' ' && s[10] != 'T') || !digits(11, 2, h) || s[13] != ':' ||
      !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  int offset = 0;  // minutes east of UTC
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (!digits(i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(i + 4, 2, om)) {
      return std::nullopt;
    }
    offset = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else if (i < s.size() && s[i] == 'Z') {
    ++i;
  }
  if (i != s.size()) return std::nullopt;
  int64_t minutes = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 1440 +
                    h * 60 + mi - offset;
  int64_t days = minutes >= 0 ? minutes / 1440 : (minutes - 1439) / 1440;
  int64_t in_day = minutes - days * 1440;
  int64_t yy = 0;
  unsigned mm = 0, dd = 0;
  civil_from_days(days, yy, mm, dd);
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", yy, mm, dd, in_day / 60, in_day % 60,
                     se);
}

}  // namespace

// ------------------------------------------------------------- the script

std::shared_ptr<TableHandle> Reader::table_handle(const Value& v) {
  // sa.table('name', sa.column('a'), ..., schema=...) or
  // sa.Table('name', sa.MetaData(), sa.Column('a', ...), ..., schema=...).
  bool lightweight = v.text == "sa.table";
  if (v.items.empty()) {
    error(v.span, fmt::format("{}() needs the table's name", v.text), "");
    return nullptr;
  }
  for (const auto& k : v.keywords) {
    if (k.name != "schema") {
      error(k.span, fmt::format("{}() has no argument \"{}\" that Retort reads", v.text, k.name),
            "");
      return nullptr;
    }
  }
  auto q = qualified(v.items[0], v.keyword("schema"), "a table's name");
  if (!q) return nullptr;
  auto handle = std::make_shared<TableHandle>();
  handle->name = *q;
  for (size_t i = 1; i < v.items.size(); ++i) {
    const Value& c = v.items[i];
    if (!lightweight && i == 1 && c.is_object("sa.MetaData")) continue;
    if ((lightweight && c.is_object("sa.column")) || (!lightweight && c.is_object("sa.Column"))) {
      if (c.items.empty()) {
        error(c.span, fmt::format("{}() needs the column's name", c.text), "");
        return nullptr;
      }
      auto s = string(c.items[0], "a column's name");
      if (!s) return nullptr;
      handle->columns.push_back(*s);
      continue;
    }
    error(c.span, fmt::format("{}() cannot take {} here", v.text, what(c)), "");
    return nullptr;
  }
  return handle;
}

void Reader::bind_import(const py::Stmt& s, std::map<std::string, Symbol, std::less<>>& scope) {
  for (const auto& b : s.bindings) {
    if (b.name == "*") {
      error(b.span,
            fmt::format("cannot read `from {} import *`: the names it binds are unknown", b.path),
            "import the names the script uses");
      continue;
    }
    Symbol sym;
    sym.kind = Symbol::Kind::Module;
    sym.path = b.path;
    sym.span = b.span;
    scope[b.name] = sym;
  }
}

void Reader::emit(Block& block, ast::StatementNode node, const SourceSpan& span) {
  ast::Statement st;
  st.node = std::move(node);
  st.span = span;
  block.out->push_back(std::move(st));
}

void Reader::call(const Value& c, Block& block, const std::shared_ptr<TableHandle>& batch,
                  std::shared_ptr<TableHandle>* result) {
  if (c.text.rfind("op.", 0) == 0 && !batch) {
    read_op(*this, block, c, nullptr, std::string_view(c.text).substr(3), result);
    return;
  }
  if (batch && c.text[0] == '.') {
    read_op(*this, block, c, batch, std::string_view(c.text).substr(1), result);
    return;
  }
  cannot(c.span, fmt::format("cannot read the call {}(...): only op.* calls are read",
                             c.expr ? dotted(*c.expr->object) : c.text));
}

void Reader::enum_method(const Value& c, Block& block) {
  const Value& e = *c.receiver;
  bool create = c.text == ".create";
  const Value* bind = c.items.empty() ? c.keyword("bind") : &c.items[0];
  if (bind == nullptr || !bind->is_object("op.get_bind") || c.items.size() > 1) {
    cannot(c.span, fmt::format("cannot read {}{}(...): Retort reads it only as "
                               "{}(op.get_bind(), checkfirst=...)",
                               e.text, c.text, c.text));
    return;
  }
  for (const auto& k : c.keywords) {
    if (k.name != "bind" && k.name != "checkfirst") {
      error(k.span, fmt::format("{}() has no argument \"{}\" that Retort reads", c.text, k.name),
            "");
      return;
    }
    if (k.name == "checkfirst" && !boolean(k.value, "checkfirst")) return;
  }
  if (create) {
    Value with_type = e;
    with_type.keywords.erase(
        std::remove_if(with_type.keywords.begin(), with_type.keywords.end(),
                       [](const Keyword& k) { return k.name == "create_type"; }),
        with_type.keywords.end());
    auto t = type(with_type);
    if (!t) return;
    if (!t->create) {
      error(e.span, "this enum has no values to create its type with", "");
      return;
    }
    if (!enums_made_.insert(t->create->name.key()).second) return;
    emit(block, *t->create, c.span);
    return;
  }
  const Value* name_value = e.keyword("name");
  if (name_value == nullptr) {
    error(e.span, fmt::format("{} needs name='...' to drop the type", e.text), "");
    return;
  }
  auto q = qualified(*name_value, e.keyword("schema"), "the enum's name");
  if (!q) return;
  enums_made_.erase(q->key());
  emit(block, ast::DropEnum{*q}, c.span);
}

void Reader::read_assign(const py::Stmt& s, Block& block) {
  const py::Expr* target = s.targets.size() == 1 ? s.targets[0].get() : nullptr;
  if (target == nullptr || target->kind != py::ExprKind::Name || s.augmented || !s.value) {
    cannot(s.span, "cannot read this assignment: variables are not read");
    return;
  }
  auto v = eval(s.value, &block);
  if (!v) return;
  std::shared_ptr<TableHandle> handle;
  if (v->is_object("op.create_table")) {
    call(*v, block, nullptr, &handle);
    if (!handle) return;
  } else if (v->is_object("sa.table") || v->is_object("sa.Table")) {
    handle = table_handle(*v);
    if (!handle) return;
  } else {
    cannot(s.span, fmt::format("cannot read the assignment to \"{}\": variables are not read, "
                               "except a table for op.bulk_insert()",
                               target->text));
    return;
  }
  Symbol sym;
  sym.kind = Symbol::Kind::Table;
  sym.table = handle;
  sym.span = target->span;
  block.locals[target->text] = sym;
}

void Reader::read_with(const py::Stmt& s, Block& block) {
  if (s.with_items.size() != 1) {
    cannot(s.span, "cannot read a with statement of several items");
    return;
  }
  const py::WithItem& item = s.with_items[0];
  auto v = eval(item.context, &block);
  if (!v) return;
  if (!v->is_object("op.batch_alter_table")) {
    cannot(s.span, fmt::format("cannot read a with statement on {}: only "
                               "op.batch_alter_table(...) is read",
                               what(*v)));
    return;
  }
  if (!item.target || item.target->kind != py::ExprKind::Name) {
    cannot(s.span, "cannot read op.batch_alter_table() without `as NAME`");
    return;
  }
  // op.batch_alter_table(table_name, schema=None, recreate='auto', ...)
  static const char* const kParams[] = {
      "table_name", "schema",       "recreate",     "partial_reordering", "copy_from",
      "table_args", "table_kwargs", "reflect_args", "reflect_kwargs",     "naming_convention"};
  std::map<std::string, const Value*, std::less<>> args;
  for (size_t i = 0; i < v->items.size(); ++i) {
    if (i >= std::size(kParams)) {
      error(v->items[i].span, "op.batch_alter_table() takes at most 10 positional arguments", "");
      return;
    }
    args[kParams[i]] = &v->items[i];
  }
  for (const auto& k : v->keywords) {
    if (std::find(std::begin(kParams), std::end(kParams), k.name) == std::end(kParams)) {
      error(k.span, fmt::format("op.batch_alter_table() has no argument \"{}\"", k.name), "");
      return;
    }
    args[k.name] = &k.value;
  }
  auto arg = [&](const char* key) -> const Value* {
    auto it = args.find(key);
    return it == args.end() || it->second->is(Value::Kind::None) ? nullptr : it->second;
  };
  if (!arg("table_name")) {
    error(v->span, "op.batch_alter_table() needs the table's name", "");
    return;
  }
  for (const char* k : {"naming_convention", "reflect_args", "reflect_kwargs", "table_args",
                        "table_kwargs", "partial_reordering"}) {
    const Value* x = arg(k);
    if (x == nullptr) continue;
    bool empty =
        (x->is(Value::Kind::List) || x->is(Value::Kind::Tuple) || x->is(Value::Kind::Dict)) &&
        x->items.empty();
    if (!empty) {
      cannot(x->span, fmt::format("cannot read {}=...: Retort rebuilds SQLite tables from the "
                                  "schema it knows",
                                  k));
      return;
    }
  }
  if (const Value* rc = arg("recreate")) {
    auto mode = string(*rc, "recreate");
    if (!mode) return;
    if (*mode != "auto" && *mode != "always" && *mode != "never") {
      error(rc->span, "recreate must be 'auto', 'always' or 'never'", "");
      return;
    }
    if (*mode == "always") {
      note(rc->span,
           "recreate='always': Alembic rebuilds the table on every dialect; Retort "
           "alters it in place and rebuilds only where the dialect needs it");
    }
  }
  auto q = qualified(*arg("table_name"), arg("schema"), "a table's name");
  if (!q) return;
  if (const Value* cf = arg("copy_from")) {
    // Alembic rebuilds the table copy_from describes instead of reflecting
    // it (the only way its offline mode rebuilds SQLite tables); Retort
    // rebuilds from the schema it replayed, so only the name is checked.
    if (!cf->is_object("sa.Table")) {
      error(cf->span, fmt::format("copy_from must be a sa.Table(...), not {}", what(*cf)), "");
      return;
    }
    if (cf->items.empty()) {
      error(cf->span, "copy_from=sa.Table(...) needs the table's name", "");
      return;
    }
    auto copied = qualified(cf->items[0], cf->keyword("schema"), "the copy_from table's name");
    if (!copied) return;
    if (copied->key() != q->key()) {
      error(cf->span,
            fmt::format("copy_from is the table {}, not the batch's table {}: Alembic would "
                        "rebuild {}",
                        copied->key(), q->key(), copied->key()),
            "pass the batch's own table as copy_from=");
      return;
    }
    note(cf->span,
         "copy_from only spares Alembic reflecting the table: Retort rebuilds SQLite tables "
         "from the schema it knows, so it is ignored");
  }
  auto handle = std::make_shared<TableHandle>();
  handle->name = *q;
  handle->batch = true;
  // The batch's operations run when the block ends, in order; op.* calls
  // inside it run at once.
  std::vector<ast::Statement> deferred;
  Block inner;
  inner.out = block.out;
  inner.locals = block.locals;
  Symbol sym;
  sym.kind = Symbol::Kind::Table;
  sym.table = handle;
  sym.span = item.target->span;
  inner.locals[item.target->text] = sym;
  for (const auto& st : s.body) {
    if (st.ignored) continue;
    if (st.kind == py::StmtKind::Expression && st.value && st.value->kind == py::ExprKind::Call) {
      auto c = eval(st.value, &inner);
      if (!c) continue;
      if (c->is_object() && !c->text.empty() && c->text[0] == '.' && c->receiver &&
          c->receiver->is(Value::Kind::Table) && c->receiver->table == handle) {
        Block to_deferred;
        to_deferred.out = &deferred;
        call(*c, to_deferred, handle, nullptr);
        continue;
      }
    }
    read_statement(st, inner);
  }
  for (auto& st : deferred) block.out->push_back(std::move(st));
}

void Reader::read_statement(const py::Stmt& s, Block& block) {
  if (s.ignored) return;
  switch (s.kind) {
    case py::StmtKind::Pass:
      return;
    case py::StmtKind::Expression: {
      if (s.value->kind == py::ExprKind::String) return;  // a docstring or a comment
      if (s.value->kind != py::ExprKind::Call) {
        cannot(s.span, "cannot read this statement: only op.* calls are read");
        return;
      }
      auto c = eval(s.value, &block);
      if (!c) return;
      if (c->is_object() && (c->text == ".create" || c->text == ".drop") && c->receiver &&
          (c->receiver->is_object("sa.Enum") || c->receiver->is_object("postgresql.ENUM"))) {
        enum_method(*c, block);
        return;
      }
      if (c->is_object() && !c->text.empty() && c->text[0] == '.' && c->receiver &&
          c->receiver->is(Value::Kind::Table) && c->receiver->table->batch) {
        cannot(s.span, "cannot read a batch operation outside its with block");
        return;
      }
      call(*c, block, nullptr, nullptr);
      return;
    }
    case py::StmtKind::Assign:
      read_assign(s, block);
      return;
    case py::StmtKind::Import:
      bind_import(s, block.locals);
      return;
    case py::StmtKind::With:
      read_with(s, block);
      return;
    case py::StmtKind::Return:
      cannot(s.span, "cannot read a return statement in the middle of the function");
      return;
    case py::StmtKind::Raise:
      cannot(s.span, "cannot read a raise statement");
      return;
    case py::StmtKind::Def:
      cannot(s.span, "cannot read a function defined inside another");
      return;
    case py::StmtKind::Other:
      if (s.continuation) return;  // its if/try was reported
      cannot(s.span, fmt::format("cannot read {}", s.text));
      return;
  }
}

void Reader::read_body(const std::vector<py::Stmt>& body, Block& block, bool) {
  for (size_t i = 0; i < body.size(); ++i) {
    const py::Stmt& s = body[i];
    // A bare `return` ends the function: fine as its last statement.
    if (s.kind == py::StmtKind::Return && !s.value && !s.ignored && i + 1 == body.size()) continue;
    read_statement(s, block);
  }
}

std::optional<ast::RevisionId> Reader::revision_id(const Value& v, std::string_view role) {
  if (!v.is(Value::Kind::String)) {
    error(v.span, fmt::format("{} must be a string, not {}", role, what(v)), "");
    return std::nullopt;
  }
  ast::RevisionId id{v.text, v.span};
  if (id.text.empty()) {
    error(v.span, fmt::format("{} cannot be empty", role), "");
    return std::nullopt;
  }
  for (char c : id.text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      error(v.span,
            fmt::format("'{}' is not a revision id Retort can use: ids are made of letters, "
                        "digits and underscores",
                        id.text),
            "");
      return std::nullopt;
    }
  }
  std::string l = id.text;
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "base" || l == "head" || l == "heads") {
    error(v.span, fmt::format("\"{}\" cannot be a revision id", id.text),
          "base, head and heads name places in the revision graph");
    return std::nullopt;
  }
  return id;
}

std::vector<ast::RevisionId> Reader::revision_ids(const Value& v, std::string_view role) {
  std::vector<ast::RevisionId> out;
  if (v.is(Value::Kind::None)) return out;
  if (v.is(Value::Kind::String)) {
    if (auto id = revision_id(v, role)) out.push_back(*id);
    return out;
  }
  if (v.is(Value::Kind::List) || v.is(Value::Kind::Tuple)) {
    for (const auto& item : v.items) {
      if (auto id = revision_id(item, role)) out.push_back(*id);
    }
    return out;
  }
  error(v.span,
        fmt::format("{} must be None, a string or a tuple of strings, not {}", role, what(v)), "");
  return out;
}

void Reader::read_docstring(const py::Stmt& s, ast::Header& h) {
  const std::string& raw = s.value->text;
  std::string doc = trim(raw);
  std::string first = trim(doc.substr(0, doc.find('\n')));
  if (!first.empty() && first.rfind("Revision ID:", 0) != 0) h.message = first;
  size_t at = 0;
  while (at < raw.size()) {
    size_t nl = raw.find('\n', at);
    size_t end = nl == std::string::npos ? raw.size() : nl;
    std::string line = trim(std::string_view(raw).substr(at, end - at));
    size_t line_begin = at;
    at = end + 1;
    if (line.rfind("Create Date:", 0) != 0) continue;
    std::string value = trim(line.substr(12));
    if (value.empty()) break;
    if (auto t = created_time(value)) {
      h.created = *t;
      break;
    }
    // Point at the line when the docstring is the file's text verbatim.
    SourceSpan where = s.span;
    if (s.value->verbatim) {
      size_t lead = raw.find_first_not_of(" \t", line_begin);
      where = lines_.span(s.value->content_begin + static_cast<uint32_t>(lead),
                          s.value->content_begin + static_cast<uint32_t>(end));
    }
    note(where, fmt::format("the Create Date \"{}\" is not a time Retort reads: the revision "
                            "has no created time",
                            value));
    break;
  }
}

std::optional<ast::RevisionFile> Reader::read(const py::Module& module) {
  ast::RevisionFile out;
  out.path = file_.path;
  const py::Stmt* upgrade = nullptr;
  const py::Stmt* downgrade = nullptr;
  std::map<std::string, const py::Stmt*, std::less<>> header;
  for (size_t i = 0; i < module.body.size(); ++i) {
    const py::Stmt& s = module.body[i];
    if (s.ignored) continue;
    switch (s.kind) {
      case py::StmtKind::Expression:
        if (s.value->kind == py::ExprKind::String) {
          if (i == 0) read_docstring(s, out.header);
          continue;
        }
        cannot(s.span,
               "cannot read a statement at the top of the script: only imports, the "
               "revision identifiers and upgrade() and downgrade() are read");
        continue;
      case py::StmtKind::Import:
        bind_import(s, globals_);
        continue;
      case py::StmtKind::Pass:
        continue;
      case py::StmtKind::Assign: {
        for (const auto& t : s.targets) {
          if (t->kind != py::ExprKind::Name) {
            cannot(s.span, "cannot read this assignment at the top of the script");
            break;
          }
          const std::string& n = t->text;
          if (n == "revision" || n == "down_revision" || n == "branch_labels" ||
              n == "depends_on") {
            if (s.augmented) {
              cannot(s.span, fmt::format("cannot read {} changed by an operator", n));
            } else if (s.value) {
              header[n] = &s;
            }
          } else {
            globals_[n] = Symbol{Symbol::Kind::Variable, "", nullptr, t->span};
          }
        }
        continue;
      }
      case py::StmtKind::Def:
        if (s.text == "upgrade") {
          upgrade = &s;
        } else if (s.text == "downgrade") {
          downgrade = &s;
        } else {
          globals_[s.text] = Symbol{Symbol::Kind::Function, "", nullptr, s.span};
        }
        continue;
      case py::StmtKind::Other:
        if (s.continuation) continue;
        if (s.text == "a class definition") {
          cannot(s.span, "cannot read a class definition at the top of the script");
          continue;
        }
        cannot(s.span, fmt::format("cannot read {} at the top of the script", s.text));
        continue;
      default:
        cannot(s.span, "cannot read this statement at the top of the script");
        continue;
    }
  }

  // The header.
  ast::Header& h = out.header;
  if (auto it = header.find("revision"); it != header.end()) {
    h.span = it->second->span;
    if (auto v = eval(it->second->value, nullptr)) {
      if (auto id = revision_id(*v, "revision")) h.id = *id;
    }
  } else {
    error({}, "the script has no `revision = '...'`: it is not an Alembic revision script",
          "Alembic scripts name themselves with revision = '<id>'");
  }
  if (auto it = header.find("down_revision"); it != header.end()) {
    if (auto v = eval(it->second->value, nullptr)) h.revises = revision_ids(*v, "down_revision");
  } else {
    error(h.span, "the script has no `down_revision = ...`",
          "a first revision says "
          "down_revision = None");
  }
  if (auto it = header.find("depends_on"); it != header.end()) {
    if (auto v = eval(it->second->value, nullptr)) h.depends_on = revision_ids(*v, "depends_on");
  }
  if (auto it = header.find("branch_labels"); it != header.end()) {
    if (auto v = eval(it->second->value, nullptr)) {
      std::vector<Value> labels;
      if (v->is(Value::Kind::String)) {
        labels.push_back(*v);
      } else if (v->is(Value::Kind::List) || v->is(Value::Kind::Tuple)) {
        labels = v->items;
      } else if (!v->is(Value::Kind::None)) {
        error(v->span,
              fmt::format("branch_labels must be None, a string or a tuple of strings, "
                          "not {}",
                          what(*v)),
              "");
      }
      for (const auto& l : labels) {
        auto s = string(l, "a branch label");
        if (!s) continue;
        if (s->empty()) {
          error(l.span, "a branch label cannot be empty", "");
          continue;
        }
        h.labels.push_back(ast::Name{*s, true, l.span});
      }
    }
  }

  // The functions.
  if (upgrade == nullptr) {
    error(h.span, "the script has no upgrade() function", "");
  } else {
    out.upgrade_span = upgrade->span;
    read_function(*upgrade, out.upgrade, false, nullptr);
  }
  if (downgrade == nullptr) {
    out.downgrade_kind = ast::DowngradeKind::Irreversible;  // Alembic cannot downgrade it either
  } else {
    out.downgrade_span = downgrade->span;
    out.downgrade_kind = ast::DowngradeKind::Written;
    read_function(*downgrade, out.downgrade, true, &out);
  }
  if (errors_ > 0) return std::nullopt;
  return out;
}

void Reader::read_function(const py::Stmt& def, std::vector<ast::Statement>& out, bool downgrade,
                           ast::RevisionFile* file) {
  if (def.has_params) {
    error(def.span,
          fmt::format("cannot read {}() with parameters (Alembic's multidb template)", def.text),
          "Retort reads the revisions of one database: give each database its own project of "
          "scripts whose upgrade() and downgrade() take none");
    return;
  }
  if (def.decorated) {
    cannot(def.span, fmt::format("cannot read a decorated {}()", def.text));
    return;
  }
  if (downgrade && file != nullptr) {
    // `raise NotImplementedError(...)` first: the revision cannot be undone.
    for (const auto& s : def.body) {
      if (s.ignored || s.kind == py::StmtKind::Pass ||
          (s.kind == py::StmtKind::Expression && s.value->kind == py::ExprKind::String)) {
        continue;
      }
      if (s.kind == py::StmtKind::Raise) {
        file->downgrade_kind = ast::DowngradeKind::Irreversible;
        return;
      }
      break;
    }
  }
  Block block;
  block.out = &out;
  read_body(def.body, block, downgrade);
}

}  // namespace alembic

std::optional<ast::RevisionFile> read_alembic_script(const SourceFile& file, DiagnosticSink& sink) {
  auto module = alembic::py::parse_python(file, sink);
  if (!module) return std::nullopt;
  try {
    alembic::Reader reader(file, sink);
    return reader.read(*module);
  } catch (const RunError&) {
    throw;
  } catch (const std::exception& e) {
    throw RunError(3, fmt::format("internal error while reading {}: {}; please report this bug",
                                  file.path, e.what()));
  }
}

}  // namespace retort
