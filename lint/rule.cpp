// Helpers every rule shares: levels, dialect sets, what is new in a revision.
#include "lint/rule.h"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/overloaded.h"

namespace retort::lint {

std::string_view level_name(Level level) {
  switch (level) {
    case Level::off:
      return "off";
    case Level::info:
      return "info";
    case Level::warning:
      return "warning";
    case Level::error:
      return "error";
  }
  return "off";
}

std::optional<Level> parse_level(std::string_view text) {
  for (Level l : {Level::off, Level::info, Level::warning, Level::error}) {
    if (level_name(l) == text) return l;
  }
  return std::nullopt;
}

bool applies_to(const RuleInfo& info, std::string_view dialect) {
  if (info.dialects == "all") return true;
  std::string_view rest = info.dialects;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view one = rest.substr(0, comma);
    if (one == dialect || (one == "mysql" && dialect == "mariadb")) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

// ------------------------------------------------------------ newness

std::string RevisionNewness::column_key(std::string_view table, std::string_view column) {
  std::string key(table);
  key += '\0';
  key += column;
  return key;
}

bool RevisionNewness::table_is_new(std::string_view table) const {
  return tables_.find(table) != tables_.end();
}

bool RevisionNewness::column_is_new(std::string_view table, std::string_view column) const {
  return table_is_new(table) || columns_.find(column_key(table, column)) != columns_.end();
}

void RevisionNewness::note(const ast::Statement& statement) {
  std::visit(Overloaded{
                 [&](const ast::CreateTable& s) { tables_.insert(s.name.key()); },
                 [&](const ast::RenameTable& s) {
                   std::string from = s.name.key();
                   std::string to = qualify(schema_of(from), s.new_name.text);
                   if (table_is_new(from)) {
                     tables_.erase(tables_.find(from));
                     tables_.insert(to);
                   }
                   // Columns added to an existing table keep their newness.
                   std::string prefix = column_key(from, "");
                   std::vector<std::string> moved;
                   for (auto it = columns_.lower_bound(prefix);
                        it != columns_.end() && it->compare(0, prefix.size(), prefix) == 0;) {
                     moved.push_back(column_key(to, it->substr(prefix.size())));
                     it = columns_.erase(it);
                   }
                   columns_.insert(moved.begin(), moved.end());
                 },
                 [&](const ast::AlterTable& s) {
                   std::string table = s.name.key();
                   for (const auto& action : s.actions) {
                     if (const auto* add = std::get_if<ast::AddColumn>(&action)) {
                       columns_.insert(column_key(table, add->column.name.text));
                     } else if (const auto* ren = std::get_if<ast::RenameColumn>(&action)) {
                       if (column_is_new(table, ren->column.text))
                         columns_.insert(column_key(table, ren->new_name.text));
                     }
                   }
                 },
                 [](const auto&) {},
             },
             statement.node);
}

// ------------------------------------------------------------ contexts

const ast::Statement* RevisionContext::statement_that_made(
    const std::function<bool(const SchemaModel&)>& holds) const {
  for (auto it = statements.rbegin(); it != statements.rend(); ++it) {
    if (it->applied && !holds(it->before) && holds(it->after)) return it->statement;
  }
  return nullptr;
}

bool RevisionContext::targets_dialect(std::string_view dialect) const {
  for (const auto& t : targets) {
    if (t.dialect == dialect || (dialect == "mysql" && t.dialect == "mariadb")) return true;
  }
  return false;
}

const SourceSpan& finding_span(const ast::Statement& statement, const SourceSpan& part) {
  if (const auto* alter = std::get_if<ast::AlterTable>(&statement.node)) {
    if (alter->actions.size() == 1) return statement.span;
  }
  return part;
}

std::vector<std::string> touched_tables(const RevisionContext& revision) {
  std::set<std::string> keys;
  auto index_table = [&](const SchemaModel& schema, const ast::QualifiedName& index) {
    if (IndexRef ref = schema.find_index(index.key())) keys.insert(ref.table->key);
  };
  for (const auto& state : revision.statements) {
    if (!state.applied) continue;
    std::visit(Overloaded{
                   [&](const ast::CreateTable& s) { keys.insert(s.name.key()); },
                   [&](const ast::AlterTable& s) { keys.insert(s.name.key()); },
                   [&](const ast::RenameTable& s) {
                     keys.insert(qualify(schema_of(s.name.key()), s.new_name.text));
                   },
                   [&](const ast::CreateIndex& s) { keys.insert(s.table.key()); },
                   [&](const ast::DropIndex& s) { index_table(state.before, s.name); },
                   [&](const ast::RenameIndex& s) { index_table(state.before, s.name); },
                   [](const auto&) {},
               },
               state.statement->node);
  }
  std::vector<std::string> out;
  for (const auto& k : keys) {
    if (revision.after.find_table(k)) out.push_back(k);
  }
  return out;
}

std::vector<const Constraint*> added_constraints(const StatementContext& ctx,
                                                 std::string_view table) {
  std::vector<const Constraint*> out;
  const Table* after = ctx.after.find_table(table);
  if (after == nullptr) return out;
  const Table* before = ctx.before.find_table(table);
  for (const auto& c : after->constraints) {
    if (before == nullptr || before->find_constraint(c.name) == nullptr) out.push_back(&c);
  }
  return out;
}

const Constraint* constraint_added_by(const StatementContext& ctx, std::string_view table,
                                      const ast::TableConstraint& written) {
  for (const Constraint* c : added_constraints(ctx, table)) {
    if (written.name) {
      if (c->name == written.name->text) return c;
      continue;
    }
    if (c->kind != written.kind) continue;
    if (c->kind == ast::ConstraintKind::Check) {
      if (c->check == written.check) return c;
      continue;
    }
    bool same = c->columns.size() == written.columns.size();
    for (size_t i = 0; same && i < c->columns.size(); ++i) {
      same = c->columns[i] == written.columns[i].text;
    }
    if (same) return c;
  }
  return nullptr;
}

std::vector<const Constraint*> constraints_added_by(const StatementContext& ctx,
                                                    std::string_view table,
                                                    const ast::ColumnDef& column) {
  std::vector<const Constraint*> out;
  for (const Constraint* c : added_constraints(ctx, table)) {
    bool one = c->columns.size() == 1 && c->columns[0] == column.name.text;
    bool mine = false;
    switch (c->kind) {
      case ast::ConstraintKind::Check:
        mine =
            std::find(column.checks.begin(), column.checks.end(), c->check) != column.checks.end();
        break;
      case ast::ConstraintKind::ForeignKey:
        mine = one && column.references.has_value();
        break;
      case ast::ConstraintKind::Unique:
        mine = one && column.unique;
        break;
      case ast::ConstraintKind::PrimaryKey:
        mine = one && column.primary_key;
        break;
    }
    if (mine) out.push_back(c);
  }
  return out;
}

const Index* index_added_by(const StatementContext& ctx, const ast::CreateIndex& create) {
  std::string table = create.table.key();
  const Table* after = ctx.after.find_table(table);
  if (after == nullptr) return nullptr;
  const Table* before = ctx.before.find_table(table);
  for (const auto& i : after->indexes) {
    if (before != nullptr && before->find_index(i.name) != nullptr) continue;
    if (!create.name || i.name == create.name->text) return &i;
  }
  return nullptr;
}

std::vector<std::string> table_keys_during(const RevisionContext& ctx, const std::string& table) {
  std::vector<std::string> names{table};
  for (auto it = ctx.statements.rbegin(); it != ctx.statements.rend(); ++it) {
    if (!it->applied) continue;
    const auto* rename = std::get_if<ast::RenameTable>(&it->statement->node);
    if (rename == nullptr) continue;
    std::string from = rename->name.key();
    if (qualify(schema_of(from), rename->new_name.text) == names.back()) names.push_back(from);
  }
  return names;
}

std::string column_label(std::string_view table, std::string_view column) {
  return fmt::format("\"{}.{}\"", table, column);
}

std::string join_and(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

std::string quote_name(std::string_view name) {
  return fmt::format("\"{}\"", name);
}

std::string_view constraint_noun(ast::ConstraintKind kind) {
  switch (kind) {
    case ast::ConstraintKind::PrimaryKey:
      return "primary key";
    case ast::ConstraintKind::Unique:
      return "unique constraint";
    case ast::ConstraintKind::ForeignKey:
      return "foreign key";
    case ast::ConstraintKind::Check:
      break;
  }
  return "check constraint";
}

void for_each_typed_column(const ast::Statement& statement,
                           const std::function<void(const TypedColumn&)>& f) {
  if (const auto* create = std::get_if<ast::CreateTable>(&statement.node)) {
    std::string table = create->name.key();
    for (const auto& c : create->columns) f(TypedColumn{table, &c.name, &c.type, &c.span, false});
    return;
  }
  for_each_action<ast::AddColumn>(
      statement, [&](const ast::AlterTable& alter, const ast::AddColumn& add) {
        f(TypedColumn{alter.name.key(), &add.column.name, &add.column.type,
                      &finding_span(statement, add.span), false});
      });
  for_each_action<ast::AlterColumnType>(
      statement, [&](const ast::AlterTable& alter, const ast::AlterColumnType& change) {
        f(TypedColumn{alter.name.key(), &change.column, &change.type,
                      &finding_span(statement, change.span), true});
      });
}

}  // namespace retort::lint
