// column-type-rewrite: a type change on a table that existed before this
// revision that makes the server rewrite (PostgreSQL) or copy (MySQL,
// MariaDB) the whole table while it is locked.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

using ast::TypeKind;

bool is_string(const ast::Type& t) {
  return t.kind == TypeKind::String;
}

// decimal(p) has scale 0; decimal with no precision is unconstrained.
int scale_of(const ast::Type& t) {
  return t.scale.value_or(0);
}

// PostgreSQL keeps the rows as they are (no rewrite) when the new type
// only lifts a limit: varchar(n) to a longer n or to varchar/text, text to
// varchar, and numeric(p, s) to more precision at the same scale or to
// unconstrained numeric.
bool postgresql_in_place(const ast::Type& from, const ast::Type& to) {
  if ((is_string(from) || from.kind == TypeKind::Text) &&
      (to.kind == TypeKind::Text || (is_string(to) && !to.length))) {
    return true;
  }
  if (is_string(from) && is_string(to) && from.length && to.length) {
    return *to.length >= *from.length;
  }
  if (from.kind == TypeKind::Decimal && to.kind == TypeKind::Decimal) {
    if (!to.precision) return true;
    return from.precision && *to.precision >= *from.precision && scale_of(to) == scale_of(from);
  }
  return false;
}

// MySQL and MariaDB change a column in place only when a VARCHAR grows and
// keeps the number of its length bytes (one up to 255 bytes, two from 256):
// the bands below hold for one-byte and four-byte (utf8mb4) characters
// alike. Every other type change copies the table.
int varchar_band(int length) {
  return length <= 63 ? 0 : length <= 255 ? 1 : 2;
}
bool mysql_in_place(const ast::Type& from, const ast::Type& to) {
  return is_string(from) && is_string(to) && from.length && to.length &&
         *to.length >= *from.length && varchar_band(*from.length) == varchar_band(*to.length);
}

// True when `using` only reads the column as it is (`c`, `cast(c as T)`).
bool plain_using(const ast::Expr* e, std::string_view column) {
  while (e != nullptr && (e->kind == ast::ExprKind::Paren || e->kind == ast::ExprKind::Cast) &&
         !e->args.empty()) {
    e = e->args[0].get();
  }
  return e != nullptr && e->kind == ast::ExprKind::Column && !e->names.empty() &&
         e->names.back().text == column;
}

class ColumnTypeRewrite final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for_each_action<ast::AlterColumnType>(
        ctx.statement, [&](const ast::AlterTable& alter, const ast::AlterColumnType& change) {
          std::string table = alter.name.key();
          if (!ctx.existing_table(table)) return;
          const Column* column = ctx.before.find_column(table, change.column.text);
          if (column == nullptr || ast::same_type(column->type, change.type)) return;
          const ast::Type& from = column->type;
          const ast::Type& to = change.type;
          std::vector<std::string> rewriting;
          for (const auto& target : ctx.revision.targets) {
            bool in_place =
                target.dialect == "postgresql"
                    ? postgresql_in_place(from, to) &&
                          (!change.using_expr || plain_using(change.using_expr.get(), column->name))
                    : mysql_in_place(from, to);
            if (!in_place) rewriting.push_back(target.dialect);
          }
          if (rewriting.empty()) return;
          std::string where;
          if (rewriting.size() < ctx.revision.targets.size()) {
            where = fmt::format(" on {}", fmt::join(rewriting, " and "));
          }
          out.report(&ctx.statement, finding_span(ctx.statement, change.span),
                     fmt::format("changing {} from {} to {} rewrites {}{}",
                                 column_label(table, column->name), ast::type_to_string(from),
                                 ast::type_to_string(to), quote_name(table), where));
        });
  }

 private:
  static constexpr RuleInfo kInfo{
      "column-type-rewrite",
      Level::warning,
      "postgresql,mysql,mariadb",
      "a type change that rewrites the table (all but widening `string(n)`, `string`→`text`, "
      "more `decimal` precision at the same scale)",
      "Most type changes make PostgreSQL rewrite the table and rebuild its indexes under an "
      "ACCESS EXCLUSIVE lock, and make MySQL and MariaDB copy the table while writes wait: "
      "the table is unavailable for as long as that takes. PostgreSQL changes in place only "
      "when a limit is lifted (a longer `string(n)`, `string` to `text`, more `decimal` "
      "precision at the same scale); MySQL and MariaDB only when a `string(n)` grows and keeps "
      "its length bytes (up to 63 characters, 64 to 255, or 256 and more).",
      "new column of the new type, backfill it in batches, switch reads and writes to it",
      "alter table events alter column id type bigint;",
      "alter table events add column id_new bigint;\n"
      "-- backfill id_new in batches, write both, switch reads, then drop id",
  };
};

}  // namespace

std::unique_ptr<Rule> make_column_type_rewrite() {
  return std::make_unique<ColumnTypeRewrite>();
}

}  // namespace retort::lint
