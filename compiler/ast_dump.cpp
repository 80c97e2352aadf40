// The AST as text for golden tests: one node per line, two spaces of indent
// per level, `@line:column` after the nodes a user would look for.
#include "compiler/ast_dump.h"

#include <fmt/format.h>

#include "compiler/overloaded.h"

namespace retort::ast {

namespace {

std::string quote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string name(const Name& n) {
  if (!n.quoted) return n.text;
  std::string out = "\"";
  for (char c : n.text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string qname(const QualifiedName& q) {
  return q.schema ? name(*q.schema) + "." + name(q.name) : name(q.name);
}

std::string names(const std::vector<Name>& ns) {
  std::string out = "(";
  for (size_t i = 0; i < ns.size(); ++i) {
    if (i) out += ", ";
    out += name(ns[i]);
  }
  return out + ")";
}

std::string expr(const ExprPtr& e) {
  return e ? expr_to_string(*e) : "?";
}

/// ` spelled(mysql: 'TEXT', ...)` for a type SQLAlchemy spells its own way.
std::string spelled(const Type& t) {
  if (t.spelled->entries.empty()) return {};
  std::string out = " spelled(";
  for (size_t i = 0; i < t.spelled->entries.size(); ++i) {
    const auto& e = t.spelled->entries[i];
    out += (i ? ", " : "") + e.dialect + ": " + quote(e.text);
  }
  return out + ")";
}

std::string references(const References& r) {
  std::string out = "references " + qname(r.table);
  if (!r.columns.empty()) out += " " + names(r.columns);
  if (r.on_delete) out += fmt::format(" on delete {}", ref_action_name(*r.on_delete));
  if (r.on_update) out += fmt::format(" on update {}", ref_action_name(*r.on_update));
  return out;
}

class Dumper {
 public:
  std::string out;
  bool positions = true;

  std::string at(const SourceSpan& s) const {
    if (!positions) return {};
    return fmt::format(" @{}:{}", s.line, s.column);
  }

  void line(int indent, std::string_view text) {
    out.append(static_cast<size_t>(indent) * 2, ' ');
    out += text;
    out += '\n';
  }

  void annotation(int indent, const Annotation& a) {
    static constexpr const char* kNames[] = {"allow", "only", "except", "transaction"};
    std::string text = std::string("@") + kNames[static_cast<int>(a.kind)] + "(";
    for (size_t i = 0; i < a.args.size(); ++i) {
      if (i) text += ", ";
      text += a.args[i].text;
    }
    if (a.kind == AnnotationKind::Allow) text += (a.args.empty() ? "" : ", ") + quote(a.reason);
    line(indent, text + ")" + at(a.span));
  }

  void dialect_text(int indent, std::string_view label, const DialectText& t) {
    for (const auto& e : t.entries) {
      std::string key = e.dialect.empty() ? "" : e.dialect + ": ";
      line(indent, fmt::format("{} {}{}{}", label, key, quote(e.text), at(e.span)));
    }
  }

  void column(int indent, std::string_view prefix, const ColumnDef& c, const SourceSpan& where) {
    line(indent, fmt::format("{}{} {}{}{}", prefix, name(c.name), type_to_string(c.type),
                             spelled(c.type), at(where)));
    if (c.not_null) line(indent + 1, *c.not_null ? "not null" : "null");
    if (c.default_value) line(indent + 1, "default " + expr(c.default_value));
    if (c.primary_key) line(indent + 1, "primary key");
    if (c.unique) line(indent + 1, "unique");
    if (c.identity) line(indent + 1, "identity");
    if (c.references) line(indent + 1, references(*c.references) + at(c.references->span));
    for (const auto& ck : c.checks) line(indent + 1, "check (" + expr(ck) + ")");
    if (c.comment) line(indent + 1, "comment " + quote(*c.comment));
    if (c.collate) line(indent + 1, "collate " + quote(*c.collate));
  }

  static std::string constraint(const TableConstraint& c) {
    std::string out = c.name ? "constraint " + name(*c.name) + " " : "constraint ";
    out += constraint_kind_name(c.kind);
    switch (c.kind) {
      case ConstraintKind::PrimaryKey:
      case ConstraintKind::Unique:
        out += " " + names(c.columns);
        break;
      case ConstraintKind::ForeignKey:
        out += " " + names(c.columns);
        if (c.references) out += " " + references(*c.references);
        break;
      case ConstraintKind::Check:
        out += " (" + expr(c.check) + ")";
        break;
    }
    // Unnamed in an Alembic script: the replay predicts each server's name.
    if (c.server_named) {
      out += " server-named";
      if (!c.server_named->in_column.empty()) out += " in column " + c.server_named->in_column;
    }
    return out;
  }

  void action(int indent, const AlterAction& a) {
    std::visit(
        Overloaded{
            [&](const AddColumn& x) { column(indent, "add column ", x.column, x.span); },
            [&](const DropColumn& x) {
              line(indent,
                   "drop column " + name(x.column) + (x.cascade ? " cascade" : "") + at(x.span));
            },
            [&](const RenameColumn& x) {
              line(indent,
                   "rename column " + name(x.column) + " to " + name(x.new_name) + at(x.span));
            },
            [&](const AlterColumnType& x) {
              line(indent, "alter column " + name(x.column) + " type " + type_to_string(x.type) +
                               spelled(x.type) +
                               (x.using_expr ? " using " + expr(x.using_expr) : "") + at(x.span));
            },
            [&](const SetNotNull& x) {
              line(indent, "alter column " + name(x.column) + " set not null" + at(x.span));
            },
            [&](const DropNotNull& x) {
              line(indent, "alter column " + name(x.column) + " drop not null" + at(x.span));
            },
            [&](const SetDefault& x) {
              line(indent,
                   "alter column " + name(x.column) + " set default " + expr(x.value) + at(x.span));
            },
            [&](const DropDefault& x) {
              line(indent, "alter column " + name(x.column) + " drop default" + at(x.span));
            },
            [&](const SetColumnComment& x) {
              line(indent,
                   "alter column " + name(x.column) + " comment " + quote(x.comment) + at(x.span));
            },
            [&](const AddConstraint& x) {
              line(indent, "add " + constraint(x.constraint) + (x.not_valid ? " not valid" : "") +
                               at(x.span));
            },
            [&](const AddConstraintUsingIndex& x) {
              line(indent, fmt::format("add constraint {} {} using index {}{}", name(x.name),
                                       constraint_kind_name(x.kind), name(x.index), at(x.span)));
            },
            [&](const ValidateConstraint& x) {
              line(indent, "validate constraint " + name(x.name) + at(x.span));
            },
            [&](const DropConstraint& x) {
              line(indent, "drop constraint " + name(x.name) + at(x.span));
            },
            [&](const RenameConstraint& x) {
              line(indent,
                   "rename constraint " + name(x.name) + " to " + name(x.new_name) + at(x.span));
            },
        },
        a);
  }

  void statement(int indent, const Statement& st) {
    for (const auto& a : st.annotations) annotation(indent, a);
    std::string where = at(st.span);
    std::visit(
        Overloaded{
            [&](const CreateTable& x) {
              line(indent, "create table " + std::string(x.if_not_exists ? "if not exists " : "") +
                               qname(x.name) + where);
              for (const auto& c : x.columns) column(indent + 1, "column ", c, c.span);
              for (const auto& c : x.constraints) line(indent + 1, constraint(c) + at(c.span));
              if (x.comment) line(indent + 1, "comment " + quote(*x.comment));
            },
            [&](const DropTable& x) {
              line(indent, "drop table " + std::string(x.if_exists ? "if exists " : "") +
                               qname(x.name) + (x.cascade ? " cascade" : "") + where);
            },
            [&](const RenameTable& x) {
              line(indent,
                   "alter table " + qname(x.name) + " rename to " + name(x.new_name) + where);
            },
            [&](const AlterTable& x) {
              line(indent, "alter table " + qname(x.name) + where);
              for (const auto& a : x.actions) action(indent + 1, a);
            },
            [&](const CreateIndex& x) {
              std::string head = "create ";
              if (x.unique) head += "unique ";
              head += "index ";
              if (x.concurrently) head += "concurrently ";
              if (x.if_not_exists) head += "if not exists ";
              if (x.name) head += name(*x.name) + " ";
              line(indent, head + "on " + qname(x.table) + where);
              for (const auto& k : x.keys) {
                std::string key = k.column ? name(*k.column) : "(" + expr(k.expr) + ")";
                line(indent + 1, "key " + key + (k.descending ? " desc" : "") + at(k.span));
              }
              if (!x.include.empty()) line(indent + 1, "include " + names(x.include));
              if (x.where) line(indent + 1, "where " + expr(x.where));
              if (x.method) line(indent + 1, "using " + name(*x.method));
            },
            [&](const DropIndex& x) {
              line(indent, "drop index " + std::string(x.concurrently ? "concurrently " : "") +
                               (x.if_exists ? "if exists " : "") + qname(x.name) + where);
            },
            [&](const RenameIndex& x) {
              line(indent,
                   "alter index " + qname(x.name) + " rename to " + name(x.new_name) + where);
            },
            [&](const CreateEnum& x) {
              line(indent, "create enum " + qname(x.name) + where);
              for (const auto& v : x.values)
                line(indent + 1, "value " + quote(v.value) + at(v.span));
            },
            [&](const AlterEnumAddValue& x) {
              std::string text =
                  "alter enum " + qname(x.name) + " add value " + quote(x.value.value);
              if (x.before) text += " before " + quote(x.before->value);
              if (x.after) text += " after " + quote(x.after->value);
              line(indent, text + where);
            },
            [&](const DropEnum& x) { line(indent, "drop enum " + qname(x.name) + where); },
            [&](const CreateView& x) {
              line(indent, "create view " + qname(x.name) + where);
              dialect_text(indent + 1, "body", x.body);
            },
            [&](const DropView& x) { line(indent, "drop view " + qname(x.name) + where); },
            [&](const CreateSchema& x) { line(indent, "create schema " + name(x.name) + where); },
            [&](const DropSchema& x) { line(indent, "drop schema " + name(x.name) + where); },
            [&](const CommentOnTable& x) {
              line(indent,
                   "comment on table " + qname(x.table) + " is " + quote(x.comment) + where);
            },
            [&](const CommentOnColumn& x) {
              line(indent, "comment on column " + qname(x.table) + "." + name(x.column) + " is " +
                               quote(x.comment) + where);
            },
            [&](const Insert& x) {
              line(indent, "insert into " + qname(x.table) + " " + names(x.columns) + where);
              for (const auto& row : x.rows) {
                std::string text = "row (";
                for (size_t i = 0; i < row.size(); ++i) {
                  if (i) text += ", ";
                  text += expr(row[i]);
                }
                line(indent + 1, text + ")");
              }
            },
            [&](const Execute& x) {
              line(indent, "execute" + where);
              dialect_text(indent + 1, "body", x.body);
              if (x.reverse) dialect_text(indent + 1, "reverse", *x.reverse);
            },
            [&](const DeleteRows& x) {
              line(indent, "delete from " + qname(x.table) + " by " + names(x.key_columns) + where);
              for (const auto& row : x.keys) {
                std::string text = "key (";
                for (size_t i = 0; i < row.size(); ++i) {
                  if (i) text += ", ";
                  text += expr(row[i]);
                }
                line(indent + 1, text + ")");
              }
            },
        },
        st.node);
  }
};

}  // namespace

std::string dump(const RevisionFile& file, DumpOptions options) {
  Dumper d;
  d.positions = options.positions;
  for (const auto& a : file.file_annotations) d.annotation(0, a);
  const Header& h = file.header;
  d.line(0, "revision " + h.id.text + d.at(h.span));
  auto ids = [](const std::vector<RevisionId>& v) {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i].text;
    return out;
  };
  if (!h.revises.empty()) d.line(1, "revises " + ids(h.revises));
  if (!h.depends_on.empty()) d.line(1, "depends on " + ids(h.depends_on));
  if (!h.labels.empty()) {
    std::string out;
    for (size_t i = 0; i < h.labels.size(); ++i) out += (i ? ", " : "") + name(h.labels[i]);
    d.line(1, "labels " + out);
  }
  if (h.message) d.line(1, "message " + quote(*h.message));
  if (h.author) d.line(1, "author " + quote(*h.author));
  if (h.created) d.line(1, "created " + quote(*h.created));
  d.line(0, "upgrade" + d.at(file.upgrade_span));
  for (const auto& st : file.upgrade) d.statement(1, st);
  switch (file.downgrade_kind) {
    case DowngradeKind::Derived:
      d.line(0, "downgrade derived");
      break;
    case DowngradeKind::Irreversible:
      d.line(0, "downgrade irreversible" + d.at(file.downgrade_span));
      break;
    case DowngradeKind::Written:
      d.line(0, "downgrade" + d.at(file.downgrade_span));
      for (const auto& st : file.downgrade) d.statement(1, st);
      break;
  }
  return d.out;
}

}  // namespace retort::ast
