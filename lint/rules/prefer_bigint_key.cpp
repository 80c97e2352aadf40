// prefer-bigint-key: an `integer` or `smallint` primary key or identity
// column runs out; widening a key later rewrites the table and every
// foreign key to it.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

bool small_integer(const ast::Type& type) {
  return type.kind == ast::TypeKind::Integer || type.kind == ast::TypeKind::Smallint;
}

// Why `column` of `table` is a key ("primary key", "identity column"), or
// empty. A primary key over several columns is not judged: its columns are
// usually foreign keys, judged at the table they reference.
std::string_view key_role(const Table& table, const Column& column) {
  const Constraint* pk = table.primary_key();
  if (pk != nullptr && pk->columns.size() == 1 && pk->columns[0] == column.name) {
    return "primary key";
  }
  if (column.identity) return "identity column";
  return {};
}

// True when the column is a key of a small integer type in `schema`.
bool small_key(const SchemaModel& schema, const std::string& table, const std::string& column) {
  const Table* t = schema.find_table(table);
  const Column* c = t ? t->find_column(column) : nullptr;
  return c != nullptr && small_integer(c->type) && !key_role(*t, *c).empty();
}

// The part of the statement that made `column` a small key: its definition
// or the action naming it; the statement when none does.
const SourceSpan& span_for(const ast::Statement& statement, const std::string& column) {
  if (const auto* create = std::get_if<ast::CreateTable>(&statement.node)) {
    for (const auto& c : create->columns) {
      if (c.name.text == column) return c.span;
    }
    for (const auto& c : create->constraints) {
      if (c.kind == ast::ConstraintKind::PrimaryKey) return c.span;
    }
    return statement.span;
  }
  if (const auto* alter = std::get_if<ast::AlterTable>(&statement.node)) {
    for (const auto& action : alter->actions) {
      bool names = std::visit(
          [&](const auto& a) -> bool {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, ast::AddColumn>) {
              return a.column.name.text == column;
            } else if constexpr (std::is_same_v<A, ast::AlterColumnType>) {
              return a.column.text == column;
            } else if constexpr (std::is_same_v<A, ast::AddConstraint>) {
              return a.constraint.kind == ast::ConstraintKind::PrimaryKey;
            } else if constexpr (std::is_same_v<A, ast::AddConstraintUsingIndex>) {
              return a.kind == ast::ConstraintKind::PrimaryKey;
            } else {
              return false;
            }
          },
          action);
      if (names) return finding_span(statement, ast::action_span(action));
    }
  }
  return statement.span;
}

class PreferBigintKey final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    std::string key;
    if (const auto* create = std::get_if<ast::CreateTable>(&ctx.statement.node)) {
      key = create->name.key();
    } else if (const auto* alter = std::get_if<ast::AlterTable>(&ctx.statement.node)) {
      // Only actions that can make a small key: a rename keeps one as it was.
      bool makes = false;
      for (const auto& action : alter->actions) {
        makes = makes || std::holds_alternative<ast::AddColumn>(action) ||
                std::holds_alternative<ast::AlterColumnType>(action) ||
                std::holds_alternative<ast::AddConstraint>(action) ||
                std::holds_alternative<ast::AddConstraintUsingIndex>(action);
      }
      if (!makes) return;
      key = alter->name.key();
    } else {
      return;
    }
    const Table* table = ctx.after.find_table(key);
    if (table == nullptr) return;
    for (const auto& column : table->columns) {
      if (!small_key(ctx.after, key, column.name) || small_key(ctx.before, key, column.name)) {
        continue;
      }
      out.report(&ctx.statement, span_for(ctx.statement, column.name),
                 fmt::format("{} {} is {}", key_role(*table, column),
                             column_label(key, column.name), ast::type_to_string(column.type)));
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "prefer-bigint-key",
      Level::info,
      "all",
      "a primary key or identity column is `integer` or `smallint`",
      "An `integer` key runs out at 2,147,483,647 (a `smallint` at 32,767), and ids are "
      "used up by rolled-back inserts and sequence caching too. Widening the key then "
      "rewrites the table and every table whose foreign keys reference it, under locks, "
      "when the table is at its largest.",
      "make it bigint: integer keys run out at 2^31, and widening one later rewrites the "
      "table and its referencing tables",
      "create table events (\n  id integer primary key identity,\n  name text not null,\n);",
      "create table events (\n  id bigint primary key identity,\n  name text not null,\n);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_prefer_bigint_key() {
  return std::make_unique<PreferBigintKey>();
}

}  // namespace retort::lint
