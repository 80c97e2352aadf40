// lock-timeout-unset: a revision that locks a table that existed before it,
// in a project without `[emit] lock_timeout`. Reported once per revision, on
// the first statement that takes such a lock.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "compiler/overloaded.h"
#include "lint/rule.h"

namespace retort::lint {
namespace {

// A table of `schema` (the schema before the statement) that existed before
// the revision.
bool existing(const SchemaModel& schema, const RevisionNewness& newness, const std::string& key) {
  return schema.find_table(key) != nullptr && !newness.table_is_new(key);
}

// An existing table that a new foreign key of `table` references: adding
// it locks the referenced table too.
std::optional<std::string> referenced_existing(const StatementState& state,
                                               const RevisionNewness& newness,
                                               const std::string& table) {
  const Table* after = state.after.find_table(table);
  if (after == nullptr) return std::nullopt;
  const Table* before = state.before.find_table(table);
  for (const auto& c : after->constraints) {
    if (c.kind != ast::ConstraintKind::ForeignKey || c.ref_table == table) continue;
    if (before != nullptr && before->find_constraint(c.name) != nullptr) continue;
    if (existing(state.before, newness, c.ref_table)) return c.ref_table;
  }
  return std::nullopt;
}

// The existing table whose lock `state`'s statement waits for, if any.
// Statements that take only locks queries do not queue behind (`create
// index concurrently`, `validate constraint`, comments, inserts) and opaque
// `execute` bodies do not count.
std::optional<std::string> locked_table(const StatementState& state,
                                        const RevisionNewness& newness) {
  auto if_existing = [&](const std::string& key) -> std::optional<std::string> {
    if (existing(state.before, newness, key)) return key;
    return std::nullopt;
  };
  auto of_index = [&](const ast::QualifiedName& index) -> std::optional<std::string> {
    if (IndexRef ref = state.before.find_index(index.key())) return if_existing(ref.table->key);
    return std::nullopt;
  };
  return std::visit(Overloaded{
                        [&](const ast::AlterTable& s) -> std::optional<std::string> {
                          std::string key = s.name.key();
                          bool only_validate =
                              std::all_of(s.actions.begin(), s.actions.end(), [](const auto& a) {
                                return std::holds_alternative<ast::ValidateConstraint>(a);
                              });
                          if (!only_validate) {
                            if (auto t = if_existing(key)) return t;
                          }
                          return referenced_existing(state, newness, key);
                        },
                        [&](const ast::CreateTable& s) {
                          return referenced_existing(state, newness, s.name.key());
                        },
                        [&](const ast::DropTable& s) { return if_existing(s.name.key()); },
                        [&](const ast::RenameTable& s) { return if_existing(s.name.key()); },
                        [&](const ast::CreateIndex& s) -> std::optional<std::string> {
                          if (s.concurrently) return std::nullopt;
                          return if_existing(s.table.key());
                        },
                        [&](const ast::DropIndex& s) -> std::optional<std::string> {
                          if (s.concurrently) return std::nullopt;
                          return of_index(s.name);
                        },
                        [&](const ast::RenameIndex& s) { return of_index(s.name); },
                        [](const auto&) -> std::optional<std::string> { return std::nullopt; },
                    },
                    state.statement->node);
}

class LockTimeoutUnset final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_revision(const RevisionContext& ctx, Findings& out) const override {
    if (ctx.project.config.emit.lock_timeout) return;
    // What was new at each statement, replayed as the engine did.
    RevisionNewness newness;
    for (const auto& state : ctx.statements) {
      if (!state.applied) continue;
      if (auto table = locked_table(state, newness)) {
        out.report(state.statement, state.statement->span,
                   fmt::format("this revision locks existing table {} and [emit] lock_timeout "
                               "is not set",
                               quote_name(*table)));
        return;
      }
      newness.note(*state.statement);
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "lock-timeout-unset",
      Level::warning,
      "postgresql",
      "a revision alters an existing table and `[emit] lock_timeout` is not set",
      "A DDL statement first waits for its lock, and while it waits, every query on the table "
      "queues behind it: one long-running transaction holding the table makes the migration "
      "take the application down. With a lock timeout the statement gives up instead, and the "
      "migration can be retried.",
      "set `[emit] lock_timeout` (e.g. \"5s\") in retort.toml: a DDL statement waiting for its "
      "lock blocks every query behind it",
      "-- retort.toml has no [emit] lock_timeout\n"
      "alter table users add column nickname string(40);",
      "-- retort.toml: [emit] lock_timeout = \"5s\"\n"
      "alter table users add column nickname string(40);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_lock_timeout_unset() {
  return std::make_unique<LockTimeoutUnset>();
}

}  // namespace retort::lint
