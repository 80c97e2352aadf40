#include "compiler/parse_cache.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <system_error>
#include <type_traits>

#include "compiler/digest.h"
#include "compiler/project.h"

#ifndef RETORT_VERSION
#define RETORT_VERSION "unknown"
#endif
#ifndef RETORT_PARSE_INPUTS_SHA256
#define RETORT_PARSE_INPUTS_SHA256 "unknown"
#endif

namespace fs = std::filesystem;

namespace retort {

ParseCacheKey ParseCacheKey::current() {
  return {RETORT_VERSION, RETORT_PARSE_INPUTS_SHA256};
}

namespace {

// Adding a statement or an alter action must extend the coders below.
static_assert(std::variant_size_v<ast::StatementNode> == 19);
static_assert(std::variant_size_v<ast::AlterAction> == 14);

// Expressions nest at most kMaxNesting deep in parsed text; the decoder
// allows some slack but bounds the recursion so hostile bytes cannot
// exhaust the stack.
constexpr int kMaxDecodeDepth = 1024;

// ------------------------------------------------------------------ writer

class Writer {
 public:
  std::string out;

  void u8(uint8_t v) { out.push_back(static_cast<char>(v)); }
  // LEB128: almost every number in an AST (lengths, offsets, lines) is
  // small, and the pack is read on every warm run.
  void u32(uint32_t v) {
    while (v >= 0x80) {
      u8(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    u8(static_cast<uint8_t>(v));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<uint8_t>(v >> (8 * i)));
  }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out.append(s);
  }
  void count(size_t n) { u32(static_cast<uint32_t>(n)); }
  template <class E>
  void enumeration(E e) {
    u8(static_cast<uint8_t>(e));
  }

  // Ends as distances from the starts (small), wrapping so that any span,
  // even a malformed one, round-trips exactly.
  void span(const SourceSpan& s) {
    u32(s.begin);
    u32(s.end - s.begin);
    u32(s.line);
    u32(s.column);
    u32(s.end_line - s.line);
    u32(s.end_column);
  }
  void opt_int(const std::optional<int>& v) {
    boolean(v.has_value());
    if (v) u32(static_cast<uint32_t>(*v));
  }
  void opt_str(const std::optional<std::string>& v) {
    boolean(v.has_value());
    if (v) str(*v);
  }
  void name(const ast::Name& n) {
    str(n.text);
    boolean(n.quoted);
    span(n.span);
  }
  void opt_name(const std::optional<ast::Name>& n) {
    boolean(n.has_value());
    if (n) name(*n);
  }
  void names(const std::vector<ast::Name>& v) {
    count(v.size());
    for (const auto& n : v) name(n);
  }
  void qname(const ast::QualifiedName& q) {
    boxed(q.schema, [&](const auto& n) { name(n); });
    name(q.name);
    span(q.span);
  }
  void dialect_text(const ast::DialectText& d) {
    count(d.entries.size());
    for (const auto& e : d.entries) {
      str(e.dialect);
      str(e.text);
      span(e.span);
    }
    span(d.span);
  }
  void type(const ast::Type& t) {
    enumeration(t.kind);
    opt_int(t.length);
    opt_int(t.precision);
    opt_int(t.scale);
    boxed(t.enum_name, [&](const auto& q) { qname(q); });
    boxed(t.native, [&](const auto& d) { dialect_text(d); });
    boxed(t.spelled, [&](const auto& d) { dialect_text(d); });
    span(t.span);
  }
  template <typename T, typename Write>
  void boxed(const ast::Boxed<T>& b, Write write) {
    boolean(b.has_value());
    if (b.has_value()) write(*b);
  }
  void expr(const ast::ExprPtr& e) {
    boolean(e != nullptr);
    if (!e) return;
    enumeration(e->kind);
    str(e->text);
    str(e->op);
    boolean(e->negated);
    names(e->names);
    count(e->args.size());
    for (const auto& a : e->args) expr(a);
    boolean(e->cast_type.has_value());
    if (e->cast_type) type(*e->cast_type);
    span(e->span);
  }
  void exprs(const std::vector<ast::ExprPtr>& v) {
    count(v.size());
    for (const auto& e : v) expr(e);
  }
  void rows(const std::vector<std::vector<ast::ExprPtr>>& v) {
    count(v.size());
    for (const auto& r : v) exprs(r);
  }
  void references(const ast::Boxed<ast::References>& box) {
    boxed(box, [&](const ast::References& r) {
      qname(r.table);
      names(r.columns);
      boolean(r.on_delete.has_value());
      if (r.on_delete) enumeration(*r.on_delete);
      boolean(r.on_update.has_value());
      if (r.on_update) enumeration(*r.on_update);
      span(r.span);
    });
  }
  void constraint(const ast::TableConstraint& c) {
    opt_name(c.name);
    enumeration(c.kind);
    names(c.columns);
    references(c.references);
    expr(c.check);
    boolean(c.server_named.has_value());
    if (c.server_named) {
      count(c.server_named->check_columns.size());
      for (const auto& s : c.server_named->check_columns) str(s);
      str(c.server_named->in_column);
      count(c.server_named->names.size());
      for (const auto& [k, v] : c.server_named->names) {
        str(k);
        str(v);
      }
    }
    span(c.span);
  }
  void column(const ast::ColumnDef& c) {
    name(c.name);
    type(c.type);
    boolean(c.not_null.has_value());
    if (c.not_null) boolean(*c.not_null);
    expr(c.default_value);
    boolean(c.primary_key);
    boolean(c.unique);
    boolean(c.identity);
    references(c.references);
    exprs(c.checks);
    boxed(c.comment, [&](const auto& v) { str(v); });
    boxed(c.collate, [&](const auto& v) { str(v); });
    span(c.span);
  }
  void enum_value(const ast::EnumValue& v) {
    str(v.value);
    span(v.span);
  }

  void action(const ast::AlterAction& a) {
    u8(static_cast<uint8_t>(a.index()));
    std::visit([this](const auto& x) { alter(x); }, a);
  }
  void alter(const ast::AddColumn& x) {
    column(x.column);
    span(x.span);
  }
  void alter(const ast::DropColumn& x) {
    name(x.column);
    boolean(x.cascade);
    span(x.span);
  }
  void alter(const ast::RenameColumn& x) {
    name(x.column);
    name(x.new_name);
    span(x.span);
  }
  void alter(const ast::AlterColumnType& x) {
    name(x.column);
    type(x.type);
    expr(x.using_expr);
    span(x.span);
  }
  void alter(const ast::SetNotNull& x) {
    name(x.column);
    span(x.span);
  }
  void alter(const ast::DropNotNull& x) {
    name(x.column);
    span(x.span);
  }
  void alter(const ast::SetDefault& x) {
    name(x.column);
    expr(x.value);
    span(x.span);
  }
  void alter(const ast::DropDefault& x) {
    name(x.column);
    span(x.span);
  }
  void alter(const ast::SetColumnComment& x) {
    name(x.column);
    str(x.comment);
    span(x.span);
  }
  void alter(const ast::AddConstraint& x) {
    constraint(x.constraint);
    boolean(x.not_valid);
    span(x.span);
  }
  void alter(const ast::AddConstraintUsingIndex& x) {
    name(x.name);
    enumeration(x.kind);
    name(x.index);
    span(x.span);
  }
  void alter(const ast::ValidateConstraint& x) {
    name(x.name);
    span(x.span);
  }
  void alter(const ast::DropConstraint& x) {
    name(x.name);
    span(x.span);
  }
  void alter(const ast::RenameConstraint& x) {
    name(x.name);
    name(x.new_name);
    span(x.span);
  }

  void node(const ast::CreateTable& x) {
    qname(x.name);
    boolean(x.if_not_exists);
    count(x.columns.size());
    for (const auto& c : x.columns) column(c);
    count(x.constraints.size());
    for (const auto& c : x.constraints) constraint(c);
    opt_str(x.comment);
  }
  void node(const ast::DropTable& x) {
    qname(x.name);
    boolean(x.if_exists);
    boolean(x.cascade);
  }
  void node(const ast::RenameTable& x) {
    qname(x.name);
    name(x.new_name);
  }
  void node(const ast::AlterTable& x) {
    qname(x.name);
    count(x.actions.size());
    for (const auto& a : x.actions) action(a);
  }
  void node(const ast::CreateIndex& x) {
    opt_name(x.name);
    qname(x.table);
    boolean(x.unique);
    boolean(x.concurrently);
    boolean(x.if_not_exists);
    count(x.keys.size());
    for (const auto& k : x.keys) {
      opt_name(k.column);
      expr(k.expr);
      boolean(k.descending);
      span(k.span);
    }
    names(x.include);
    expr(x.where);
    boxed(x.method, [&](const auto& n) { name(n); });
  }
  void node(const ast::DropIndex& x) {
    qname(x.name);
    boolean(x.concurrently);
    boolean(x.if_exists);
  }
  void node(const ast::RenameIndex& x) {
    qname(x.name);
    name(x.new_name);
  }
  void node(const ast::CreateEnum& x) {
    qname(x.name);
    count(x.values.size());
    for (const auto& v : x.values) enum_value(v);
  }
  void node(const ast::AlterEnumAddValue& x) {
    qname(x.name);
    enum_value(x.value);
    boxed(x.before, [&](const auto& v) { enum_value(v); });
    boxed(x.after, [&](const auto& v) { enum_value(v); });
  }
  void node(const ast::DropEnum& x) { qname(x.name); }
  void node(const ast::CreateView& x) {
    qname(x.name);
    dialect_text(x.body);
  }
  void node(const ast::DropView& x) { qname(x.name); }
  void node(const ast::CreateSchema& x) { name(x.name); }
  void node(const ast::DropSchema& x) { name(x.name); }
  void node(const ast::CommentOnTable& x) {
    qname(x.table);
    str(x.comment);
  }
  void node(const ast::CommentOnColumn& x) {
    qname(x.table);
    name(x.column);
    str(x.comment);
  }
  void node(const ast::Insert& x) {
    qname(x.table);
    names(x.columns);
    rows(x.rows);
  }
  void node(const ast::Execute& x) {
    dialect_text(x.body);
    boolean(x.reverse.has_value());
    if (x.reverse) dialect_text(*x.reverse);
  }
  void node(const ast::DeleteRows& x) {
    qname(x.table);
    names(x.key_columns);
    rows(x.keys);
  }

  void annotations(const std::vector<ast::Annotation>& v) {
    count(v.size());
    for (const auto& a : v) {
      enumeration(a.kind);
      names(a.args);
      str(a.reason);
      span(a.span);
    }
  }
  void statements(const std::vector<ast::Statement>& v) {
    count(v.size());
    for (const auto& s : v) {
      u8(static_cast<uint8_t>(s.node.index()));
      std::visit([this](const auto& x) { node(x); }, s.node);
      annotations(s.annotations);
      span(s.span);
    }
  }
  void revision_id(const ast::RevisionId& r) {
    str(r.text);
    span(r.span);
  }
  void revision_ids(const std::vector<ast::RevisionId>& v) {
    count(v.size());
    for (const auto& r : v) revision_id(r);
  }
  void file(const ast::RevisionFile& f) {
    str(f.path);
    annotations(f.file_annotations);
    revision_id(f.header.id);
    revision_ids(f.header.revises);
    revision_ids(f.header.depends_on);
    names(f.header.labels);
    opt_str(f.header.message);
    opt_str(f.header.author);
    opt_str(f.header.created);
    span(f.header.span);
    statements(f.upgrade);
    span(f.upgrade_span);
    enumeration(f.downgrade_kind);
    statements(f.downgrade);
    span(f.downgrade_span);
  }
};

// ------------------------------------------------------------------ reader

// Every getter returns false once the input is exhausted or malformed; the
// failure sticks, so callers may chain reads and check `ok` at the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok = true;

  bool at_end() const { return pos_ == in_.size(); }

  bool u8(uint8_t& v) {
    if (!ok || pos_ >= in_.size()) return ok = false;
    v = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }
  bool u32(uint32_t& v) {
    // Most values (lengths, lines, columns, counts) take one byte.
    if (ok && pos_ < in_.size() && static_cast<uint8_t>(in_[pos_]) < 0x80) {
      v = static_cast<uint8_t>(in_[pos_++]);
      return true;
    }
    v = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      if (!ok || pos_ >= in_.size()) return ok = false;
      uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      // The fifth byte holds the top four bits; more is not a u32.
      if (shift == 28 && b > 0x0F) return ok = false;
      v |= uint32_t(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return ok = false;
  }
  bool u64(uint64_t& v) {
    if (!ok || in_.size() - pos_ < 8) return ok = false;
    v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i);
    pos_ += 8;
    return true;
  }
  bool boolean(bool& v) {
    uint8_t b = 0;
    if (!u8(b) || b > 1) return ok = false;
    v = b == 1;
    return true;
  }
  bool bytes(std::string_view& v) {
    uint32_t n = 0;
    if (!u32(n) || in_.size() - pos_ < n) return ok = false;
    v = in_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool str(std::string& v) {
    std::string_view s;
    if (!bytes(s)) return false;
    v.assign(s);
    return true;
  }
  // A count of items that each take at least one byte: more than the bytes
  // left is malformed (and would only make us allocate for nothing).
  bool count(size_t& n) {
    uint32_t c = 0;
    if (!u32(c) || c > in_.size() - pos_) return ok = false;
    n = c;
    return true;
  }
  template <class E>
  bool enumeration(E& e, E last) {
    uint8_t b = 0;
    if (!u8(b) || b > static_cast<uint8_t>(last)) return ok = false;
    e = static_cast<E>(b);
    return true;
  }

  bool span(SourceSpan& s) {
    uint32_t length = 0, lines = 0;
    if (!(u32(s.begin) && u32(length) && u32(s.line) && u32(s.column) && u32(lines) &&
          u32(s.end_column)))
      return false;
    s.end = s.begin + length;  // unsigned: wraps back to what was written
    s.end_line = s.line + lines;
    return true;
  }
  bool opt_int(std::optional<int>& v) {
    bool has = false;
    if (!boolean(has)) return false;
    v.reset();
    if (!has) return true;
    uint32_t x = 0;
    if (!u32(x)) return false;
    v = static_cast<int>(x);
    return true;
  }
  bool opt_str(std::optional<std::string>& v) {
    bool has = false;
    if (!boolean(has)) return false;
    v.reset();
    if (!has) return true;
    v.emplace();
    return str(*v);
  }
  bool name(ast::Name& n) { return str(n.text) && boolean(n.quoted) && span(n.span); }
  bool opt_name(std::optional<ast::Name>& n) {
    bool has = false;
    if (!boolean(has)) return false;
    n.reset();
    if (!has) return true;
    n.emplace();
    return name(*n);
  }
  bool names(std::vector<ast::Name>& v) {
    size_t n = 0;
    if (!count(n)) return false;
    v.resize(n);
    for (auto& x : v)
      if (!name(x)) return false;
    return true;
  }
  bool qname(ast::QualifiedName& q) {
    return boxed(q.schema, [&](auto& n) { return name(n); }) && name(q.name) && span(q.span);
  }
  bool dialect_text(ast::DialectText& d) {
    size_t n = 0;
    if (!count(n)) return false;
    d.entries.resize(n);
    for (auto& e : d.entries)
      if (!(str(e.dialect) && str(e.text) && span(e.span))) return false;
    return span(d.span);
  }
  bool type(ast::Type& t) {
    return enumeration(t.kind, ast::TypeKind::Native) && opt_int(t.length) &&
           opt_int(t.precision) && opt_int(t.scale) &&
           boxed(t.enum_name, [&](auto& q) { return qname(q); }) &&
           boxed(t.native, [&](auto& d) { return dialect_text(d); }) &&
           boxed(t.spelled, [&](auto& d) { return dialect_text(d); }) && span(t.span);
  }
  template <typename T, typename Read>
  bool boxed(ast::Boxed<T>& b, Read read) {
    bool has = false;
    if (!boolean(has)) return false;
    b = ast::Boxed<T>();
    return !has || read(b.edit());
  }
  bool expr(ast::ExprPtr& out, int depth) {
    bool has = false;
    if (!boolean(has)) return false;
    out.reset();
    if (!has) return true;
    if (depth > kMaxDecodeDepth) return ok = false;
    auto e = std::make_shared<ast::Expr>();
    if (!(enumeration(e->kind, ast::ExprKind::Paren) && str(e->text) && str(e->op) &&
          boolean(e->negated) && names(e->names)))
      return false;
    size_t n = 0;
    if (!count(n)) return false;
    e->args.resize(n);
    for (auto& a : e->args)
      if (!expr(a, depth + 1)) return false;
    bool has_cast = false;
    if (!boolean(has_cast)) return false;
    if (has_cast) {
      e->cast_type.emplace();
      if (!type(*e->cast_type)) return false;
    }
    if (!span(e->span)) return false;
    out = std::move(e);
    return true;
  }
  bool expr(ast::ExprPtr& out) { return expr(out, 0); }
  bool exprs(std::vector<ast::ExprPtr>& v) {
    size_t n = 0;
    if (!count(n)) return false;
    v.resize(n);
    for (auto& e : v)
      if (!expr(e)) return false;
    return true;
  }
  bool rows(std::vector<std::vector<ast::ExprPtr>>& v) {
    size_t n = 0;
    if (!count(n)) return false;
    v.resize(n);
    for (auto& r : v)
      if (!exprs(r)) return false;
    return true;
  }
  bool opt_ref_action(std::optional<ast::RefAction>& a) {
    bool has = false;
    if (!boolean(has)) return false;
    a.reset();
    if (!has) return true;
    a.emplace();
    return enumeration(*a, ast::RefAction::SetDefault);
  }
  bool references(ast::Boxed<ast::References>& box) {
    return boxed(box, [&](ast::References& r) {
      return qname(r.table) && names(r.columns) && opt_ref_action(r.on_delete) &&
             opt_ref_action(r.on_update) && span(r.span);
    });
  }
  bool constraint(ast::TableConstraint& c) {
    if (!(opt_name(c.name) && enumeration(c.kind, ast::ConstraintKind::Check) && names(c.columns) &&
          references(c.references) && expr(c.check)))
      return false;
    bool has = false;
    if (!boolean(has)) return false;
    if (has) {
      auto& s = c.server_named.emplace();
      size_t n = 0;
      if (!count(n)) return false;
      s.check_columns.resize(n);
      for (auto& x : s.check_columns)
        if (!str(x)) return false;
      if (!str(s.in_column) || !count(n)) return false;
      for (size_t i = 0; i < n; ++i) {
        std::string k, v;
        if (!(str(k) && str(v))) return false;
        // Keys were written in map order: a duplicate is a forged entry.
        if (!s.names.emplace(std::move(k), std::move(v)).second) return ok = false;
      }
    }
    return span(c.span);
  }
  bool column(ast::ColumnDef& c) {
    if (!(name(c.name) && type(c.type))) return false;
    bool has = false;
    if (!boolean(has)) return false;
    if (has) {
      bool v = false;
      if (!boolean(v)) return false;
      c.not_null = v;
    }
    return expr(c.default_value) && boolean(c.primary_key) && boolean(c.unique) &&
           boolean(c.identity) && references(c.references) && exprs(c.checks) &&
           boxed(c.comment, [&](auto& v) { return str(v); }) &&
           boxed(c.collate, [&](auto& v) { return str(v); }) && span(c.span);
  }
  bool enum_value(ast::EnumValue& v) { return str(v.value) && span(v.span); }

  bool alter(ast::AddColumn& x) { return column(x.column) && span(x.span); }
  bool alter(ast::DropColumn& x) { return name(x.column) && boolean(x.cascade) && span(x.span); }
  bool alter(ast::RenameColumn& x) { return name(x.column) && name(x.new_name) && span(x.span); }
  bool alter(ast::AlterColumnType& x) {
    return name(x.column) && type(x.type) && expr(x.using_expr) && span(x.span);
  }
  bool alter(ast::SetNotNull& x) { return name(x.column) && span(x.span); }
  bool alter(ast::DropNotNull& x) { return name(x.column) && span(x.span); }
  bool alter(ast::SetDefault& x) { return name(x.column) && expr(x.value) && span(x.span); }
  bool alter(ast::DropDefault& x) { return name(x.column) && span(x.span); }
  bool alter(ast::SetColumnComment& x) { return name(x.column) && str(x.comment) && span(x.span); }
  bool alter(ast::AddConstraint& x) {
    return constraint(x.constraint) && boolean(x.not_valid) && span(x.span);
  }
  bool alter(ast::AddConstraintUsingIndex& x) {
    return name(x.name) && enumeration(x.kind, ast::ConstraintKind::Check) && name(x.index) &&
           span(x.span);
  }
  bool alter(ast::ValidateConstraint& x) { return name(x.name) && span(x.span); }
  bool alter(ast::DropConstraint& x) { return name(x.name) && span(x.span); }
  bool alter(ast::RenameConstraint& x) { return name(x.name) && name(x.new_name) && span(x.span); }

  bool node(ast::CreateTable& x) {
    if (!(qname(x.name) && boolean(x.if_not_exists))) return false;
    size_t n = 0;
    if (!count(n)) return false;
    x.columns.resize(n);
    for (auto& c : x.columns)
      if (!column(c)) return false;
    if (!count(n)) return false;
    x.constraints.resize(n);
    for (auto& c : x.constraints)
      if (!constraint(c)) return false;
    return opt_str(x.comment);
  }
  bool node(ast::DropTable& x) {
    return qname(x.name) && boolean(x.if_exists) && boolean(x.cascade);
  }
  bool node(ast::RenameTable& x) { return qname(x.name) && name(x.new_name); }
  bool node(ast::AlterTable& x) {
    if (!qname(x.name)) return false;
    size_t n = 0;
    if (!count(n)) return false;
    x.actions.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      uint8_t index = 0;
      if (!u8(index)) return false;
      auto action = make_alternative<ast::AlterAction>(index);
      if (!action) return ok = false;
      if (!std::visit([this](auto& a) { return alter(a); }, *action)) return false;
      x.actions.push_back(std::move(*action));
    }
    return true;
  }
  bool node(ast::CreateIndex& x) {
    if (!(opt_name(x.name) && qname(x.table) && boolean(x.unique) && boolean(x.concurrently) &&
          boolean(x.if_not_exists)))
      return false;
    size_t n = 0;
    if (!count(n)) return false;
    x.keys.resize(n);
    for (auto& k : x.keys)
      if (!(opt_name(k.column) && expr(k.expr) && boolean(k.descending) && span(k.span)))
        return false;
    return names(x.include) && expr(x.where) && boxed(x.method, [&](auto& m) { return name(m); });
  }
  bool node(ast::DropIndex& x) {
    return qname(x.name) && boolean(x.concurrently) && boolean(x.if_exists);
  }
  bool node(ast::RenameIndex& x) { return qname(x.name) && name(x.new_name); }
  bool node(ast::CreateEnum& x) {
    if (!qname(x.name)) return false;
    size_t n = 0;
    if (!count(n)) return false;
    x.values.resize(n);
    for (auto& v : x.values)
      if (!enum_value(v)) return false;
    return true;
  }
  bool node(ast::AlterEnumAddValue& x) {
    return qname(x.name) && enum_value(x.value) &&
           boxed(x.before, [&](auto& v) { return enum_value(v); }) &&
           boxed(x.after, [&](auto& v) { return enum_value(v); });
  }
  bool node(ast::DropEnum& x) { return qname(x.name); }
  bool node(ast::CreateView& x) { return qname(x.name) && dialect_text(x.body); }
  bool node(ast::DropView& x) { return qname(x.name); }
  bool node(ast::CreateSchema& x) { return name(x.name); }
  bool node(ast::DropSchema& x) { return name(x.name); }
  bool node(ast::CommentOnTable& x) { return qname(x.table) && str(x.comment); }
  bool node(ast::CommentOnColumn& x) { return qname(x.table) && name(x.column) && str(x.comment); }
  bool node(ast::Insert& x) { return qname(x.table) && names(x.columns) && rows(x.rows); }
  bool node(ast::Execute& x) {
    if (!dialect_text(x.body)) return false;
    bool has = false;
    if (!boolean(has)) return false;
    if (!has) return true;
    x.reverse.emplace();
    return dialect_text(*x.reverse);
  }
  bool node(ast::DeleteRows& x) { return qname(x.table) && names(x.key_columns) && rows(x.keys); }

  bool annotations(std::vector<ast::Annotation>& v) {
    size_t n = 0;
    if (!count(n)) return false;
    v.resize(n);
    for (auto& a : v)
      if (!(enumeration(a.kind, ast::AnnotationKind::Transaction) && names(a.args) &&
            str(a.reason) && span(a.span)))
        return false;
    return true;
  }
  bool statements(std::vector<ast::Statement>& v) {
    size_t n = 0;
    if (!count(n)) return false;
    v.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      uint8_t index = 0;
      if (!u8(index)) return false;
      auto node_value = make_alternative<ast::StatementNode>(index);
      if (!node_value) return ok = false;
      ast::Statement s{std::move(*node_value), {}, {}};
      if (!std::visit([this](auto& x) { return node(x); }, s.node)) return false;
      if (!(annotations(s.annotations) && span(s.span))) return false;
      v.push_back(std::move(s));
    }
    return true;
  }
  bool revision_id(ast::RevisionId& r) { return str(r.text) && span(r.span); }
  bool revision_ids(std::vector<ast::RevisionId>& v) {
    size_t n = 0;
    if (!count(n)) return false;
    v.resize(n);
    for (auto& r : v)
      if (!revision_id(r)) return false;
    return true;
  }
  bool file(ast::RevisionFile& f) {
    return str(f.path) && annotations(f.file_annotations) && revision_id(f.header.id) &&
           revision_ids(f.header.revises) && revision_ids(f.header.depends_on) &&
           names(f.header.labels) && opt_str(f.header.message) && opt_str(f.header.author) &&
           opt_str(f.header.created) && span(f.header.span) && statements(f.upgrade) &&
           span(f.upgrade_span) &&
           enumeration(f.downgrade_kind, ast::DowngradeKind::Irreversible) &&
           statements(f.downgrade) && span(f.downgrade_span);
  }

 private:
  // A default-constructed alternative `index` of variant V, or nullopt when
  // the index is out of range.
  template <class V, size_t I = 0>
  static std::optional<V> make_alternative(size_t index) {
    if constexpr (I == std::variant_size_v<V>) {
      return std::nullopt;
    } else {
      if (index == I) return V(std::in_place_index<I>);
      return make_alternative<V, I + 1>(index);
    }
  }

  std::string_view in_;
  size_t pos_ = 0;
};

// A 64-bit checksum of an entry (its key, then its AST bytes), eight bytes
// at a time: cheap, and enough to notice a damaged entry. The cache guards
// against accidents, not attackers: a forged pack can only make the tool
// read a well-formed AST, which the decoder validates.
uint64_t entry_checksum(std::string_view key, std::string_view bytes) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (key.size() * 0x100000001B3ull) ^ bytes.size();
  auto mix = [&h](uint64_t word) {
    h = (h ^ word) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  };
  for (std::string_view part : {key, bytes}) {
    size_t i = 0;
    for (; i + 8 <= part.size(); i += 8) {
      uint64_t word = 0;
      std::memcpy(&word, part.data() + i, 8);
      mix(word);
    }
    uint64_t tail = 0;
    if (i < part.size()) std::memcpy(&tail, part.data() + i, part.size() - i);
    mix(tail ^ (uint64_t(part.size() - i) << 59));
  }
  h ^= h >> 29;
  h *= 0xC4CEB9FE1A85EC53ull;
  return h ^ (h >> 32);
}

constexpr std::string_view kPackMagic{"RTRPACK\0", 8};
// A pack bigger than this is not read (and is rewritten): far above what
// any project's ASTs take (1.6 times the size of its revision files).
constexpr size_t kMaxPackBytes = size_t{1} << 30;

}  // namespace

std::string serialize_revision(const ast::RevisionFile& file) {
  Writer w;
  w.file(file);
  return std::move(w.out);
}

std::optional<ast::RevisionFile> deserialize_revision(std::string_view bytes) {
  try {
    Reader r(bytes);
    ast::RevisionFile file;
    if (!r.file(file) || !r.at_end()) return std::nullopt;
    return file;
  } catch (...) {
    // Only allocation failure can get here; a cache miss is the answer.
    return std::nullopt;
  }
}

namespace {

// Layout: magic, u32 format version, str tool version, str grammar hash,
// u32 entry count, then per entry in increasing key order: str sha256 (64
// hex digits), str serialized AST, u64 checksum of both (entry_checksum).
// Numbers are LEB128 but for the checksums (8 bytes, little-endian).
//
// The pack of `entries` (pairs of key and AST bytes, in increasing key
// order, no key twice) handed to `sink` piece by piece: the AST bytes go on
// as they are, never gathered into one string of the whole pack.
template <class Entries>
void write_pack(const ParseCacheKey& key, const Entries& entries, const TextSink& sink) {
  Writer w;
  w.out.append(kPackMagic);
  w.u32(kParseCacheFormatVersion);
  w.str(key.tool_version);
  w.str(key.grammar_hash);
  w.count(entries.size());
  sink(w.out);
  for (const auto& [sha, ast_bytes] : entries) {
    w.out.clear();
    w.str(sha);
    w.u32(static_cast<uint32_t>(ast_bytes.size()));  // str(ast_bytes), its bytes below
    sink(w.out);
    sink(ast_bytes);
    w.out.clear();
    w.u64(entry_checksum(sha, ast_bytes));
    sink(w.out);
  }
}

}  // namespace

std::string ParseCache::encode_pack(const ParseCacheKey& key,
                                    const std::map<std::string, std::string_view>& entries) {
  std::string out;
  write_pack(key, entries, [&out](std::string_view piece) { out.append(piece); });
  return out;
}

std::optional<std::vector<ParseCache::PackEntry>> ParseCache::index_pack(const ParseCacheKey& key,
                                                                         std::string_view bytes) {
  if (bytes.substr(0, kPackMagic.size()) != kPackMagic) return std::nullopt;
  Reader r(bytes.substr(kPackMagic.size()));
  uint32_t version = 0;
  std::string_view tool, grammar;
  if (!(r.u32(version) && r.bytes(tool) && r.bytes(grammar))) return std::nullopt;
  if (version != kParseCacheFormatVersion || tool != key.tool_version ||
      grammar != key.grammar_hash)
    return std::nullopt;
  size_t n = 0;
  if (!r.count(n)) return std::nullopt;
  std::vector<PackEntry> entries;
  entries.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    PackEntry e;
    if (!(r.bytes(e.sha256) && r.bytes(e.ast) && r.u64(e.checksum))) return std::nullopt;
    // Strictly increasing keys, as encode_pack writes them: lookups are a
    // binary search, and a damaged key is noticed here or by its checksum.
    if (!entries.empty() && !(entries.back().sha256 < e.sha256)) return std::nullopt;
    entries.push_back(e);
  }
  if (!r.at_end()) return std::nullopt;
  return entries;
}

std::optional<std::map<std::string, std::string_view>> ParseCache::decode_pack(
    const ParseCacheKey& key, std::string_view bytes) {
  try {
    auto index = index_pack(key, bytes);
    if (!index) return std::nullopt;
    std::map<std::string, std::string_view> entries;
    for (const auto& e : *index) {
      if (e.checksum != entry_checksum(e.sha256, e.ast)) return std::nullopt;
      entries.emplace(std::string(e.sha256), e.ast);
    }
    return entries;
  } catch (...) {
    return std::nullopt;
  }
}

PackBytes::~PackBytes() {
  if (data_ != nullptr) ::munmap(data_, mapped_);
}

bool PackBytes::read(const fs::path& path, size_t max_bytes) {
  assert(data_ == nullptr && size_ == 0);  // read once, into a fresh PackBytes
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { ::close(*f); });
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_size < 0 ||
      static_cast<uint64_t>(info.st_size) > max_bytes)
    return false;
  if (info.st_size == 0) return true;
  mapped_ = static_cast<size_t>(info.st_size);
  // MAP_POPULATE: the pages in one step, not a fault each as read fills them.
  void* data = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (data == MAP_FAILED) return false;
  data_ = data;
  while (size_ < mapped_) {
    ssize_t got = ::read(fd, static_cast<char*>(data_) + size_, mapped_ - size_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return false;
    if (got == 0) break;
    size_ += static_cast<size_t>(got);
  }
  return true;
}

ParseCache::ParseCache(fs::path pack_path, ParseCacheKey key)
    : pack_path_(std::move(pack_path)), key_(std::move(key)) {
  std::error_code ec;
  if (!fs::exists(pack_path_, ec)) return;
  try {
    if (!pack_bytes_.read(pack_path_, kMaxPackBytes)) {
      dirty_ = true;  // unreadable: only slower
      return;
    }
    if (auto index = index_pack(key_, pack_bytes_.view())) {
      loaded_ = std::move(*index);
    } else {
      dirty_ = true;  // foreign or damaged: rewrite it with what this run parses
    }
  } catch (...) {
    dirty_ = true;  // unreadable: only slower
  }
}

std::optional<std::string_view> ParseCache::find(std::string_view sha256) const {
  auto it = std::lower_bound(loaded_.begin(), loaded_.end(), sha256,
                             [](const PackEntry& e, std::string_view k) { return e.sha256 < k; });
  if (it == loaded_.end() || it->sha256 != sha256) return std::nullopt;
  if (it->checksum != entry_checksum(it->sha256, it->ast)) return std::nullopt;
  return it->ast;
}

void ParseCache::hit(std::string_view sha256, std::string_view ast_bytes) {
  ++stats_.hits;
  kept_.emplace_back(std::string(sha256), ast_bytes);
}

void ParseCache::miss(bool damaged_entry) {
  ++stats_.misses;
  // A damaged entry, or a well-summed one that does not decode: drop it.
  if (damaged_entry) dirty_ = true;
}

void ParseCache::record(std::string_view sha256, std::string ast_bytes) {
  recorded_.push_back(std::move(ast_bytes));
  kept_.emplace_back(std::string(sha256), recorded_.back());
  dirty_ = true;
}

std::optional<ast::RevisionFile> ParseCache::lookup(const std::string& sha256) {
  if (auto bytes = find(sha256)) {
    if (auto file = deserialize_revision(*bytes)) {
      hit(sha256, *bytes);
      return file;
    }
  }
  miss(listed(sha256));
  return std::nullopt;
}

void ParseCache::record(const std::string& sha256, const ast::RevisionFile& file) {
  record(sha256, serialize_revision(file));
}

bool ParseCache::listed(std::string_view sha256) const {
  return std::binary_search(loaded_.begin(), loaded_.end(), sha256,
                            [](const auto& a, const auto& b) { return key_of(a) < key_of(b); });
}

void ParseCache::save() {
  if (!dirty_) return;
  try {
    std::error_code ec;
    fs::create_directories(pack_path_.parent_path(), ec);
    if (ec) return;
    // In key order, the later of two uses of one key winning; no copy of
    // the keys or of the AST bytes (a pack of 10,000 entries is 3.5 MB).
    std::stable_sort(kept_.begin(), kept_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::pair<std::string_view, std::string_view>> entries;
    entries.reserve(kept_.size());
    for (const auto& [sha, bytes] : kept_) {
      if (!entries.empty() && entries.back().first == sha) {
        entries.back().second = bytes;
      } else {
        entries.emplace_back(sha, bytes);
      }
    }
    write_file_atomically(pack_path_,
                          [&](const TextSink& sink) { write_pack(key_, entries, sink); });
    stats_.pack_written = true;
    dirty_ = false;
  } catch (...) {
    // A cache that cannot be written is only slower: never an error.
  }
}

fs::path parse_cache_pack_path(const fs::path& root, const ParseCacheOptions& options) {
  if (options.dir) {
    // A shared cache folder holds one pack per project so that projects do
    // not evict each other's entries.
    return *options.dir /
           fmt::format("revisions-{}.pack", sha256_hex(root.generic_string()).substr(0, 16));
  }
  return root / ".retort" / "cache" / "revisions.pack";
}

}  // namespace retort
