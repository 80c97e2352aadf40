// underivable-downgrade: a revision without a `downgrade` block whose
// upgrade has a statement the compiler cannot reverse. `retort downgrade`
// across it fails; the time to write the block is now, not during an
// incident.
#include <fmt/format.h>

#include <cassert>

#include "compiler/downgrade.h"
#include "lint/rule.h"

namespace retort::lint {
namespace {

class UnderivableDowngrade final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_revision(const RevisionContext& ctx, Findings& out) const override {
    const ast::RevisionFile& rev = ctx.revision;
    if (rev.downgrade_kind != ast::DowngradeKind::Derived) return;
    // A statement that does not replay is an error[schema] already; past
    // it, what a downgrade would need is unknown.
    std::vector<ReplayedStatement> replayed;
    for (const auto& s : ctx.statements) {
      if (!s.applied) return;
      replayed.push_back({&s.before, &s.after, true});
    }
    // The engine kept the schema around every upgrade statement (one state
    // each): no second replay.
    assert(replayed.size() == rev.upgrade.size());
    DiagnosticSink scratch;
    DowngradePlan plan = plan_downgrade_from_replay(rev, replayed, ctx.replay, scratch);
    if (plan.ok) return;
    const std::string prefix =
        fmt::format("cannot derive the downgrade of revision \"{}\": ", rev.header.id.text);
    for (const auto& d : scratch.diagnostics()) {
      if (d.severity != Severity::error) continue;
      const ast::Statement* statement = nullptr;
      for (const auto& s : rev.upgrade) {
        if (s.span.begin == d.span.begin && s.span.end == d.span.end) statement = &s;
      }
      std::string why = d.message.starts_with(prefix) ? d.message.substr(prefix.size()) : d.message;
      out.report(statement, statement ? statement->span : rev.header.id.span,
                 fmt::format("no downgrade can be derived: {}", why), d.help);
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "underivable-downgrade",
      Level::warning,
      "all",
      "a revision has no `downgrade` block and one of its statements cannot be reversed "
      "(names it)",
      "Without a `downgrade` block Retort derives the downgrade from the upgrade, and some "
      "statements have no inverse: an `execute` without `reverse`, an enum value added "
      "(PostgreSQL cannot remove one), an `insert` that does not give the primary key. "
      "Compiling a downgrade across the revision then fails, typically when a deploy must "
      "be rolled back.",
      "give the statement its inverse (`reverse $$ ... $$` on an execute), write a "
      "`downgrade { }` block, or declare `downgrade irreversible;`",
      "upgrade {\n  execute $$ UPDATE fees SET status = 'pending' WHERE status = 'unpaid' $$;\n}",
      "upgrade {\n  execute $$ UPDATE fees SET status = 'pending' WHERE status = 'unpaid' $$\n"
      "    reverse $$ UPDATE fees SET status = 'unpaid' WHERE status = 'pending' $$;\n}",
  };
};

}  // namespace

std::unique_ptr<Rule> make_underivable_downgrade() {
  return std::make_unique<UnderivableDowngrade>();
}

}  // namespace retort::lint
