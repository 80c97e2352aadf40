// unused-allow: an `@allow` that silences nothing on any target dialect, or
// names a rule that does not exist. Stale allows hide the next real finding.
#include <fmt/format.h>

#include "compiler/text_util.h"
#include "lint/rule.h"

namespace retort::lint {
namespace {

class UnusedAllow final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }
  bool runs_last() const override { return true; }

  void check_project(const ProjectContext& ctx, Findings& out) const override {
    // Through Project::revision, which waits for a body that a header-first
    // load is still parsing (the engine has had them all by now).
    for (const auto& node : ctx.project.graph.nodes()) {
      const ast::RevisionFile* rev = ctx.project.revision(node.id);
      if (rev == nullptr) continue;
      check(ctx, *rev, rev->file_annotations, out);
      for (const auto& s : rev->upgrade) check(ctx, *rev, s.annotations, out);
      for (const auto& s : rev->downgrade) check(ctx, *rev, s.annotations, out);
    }
  }

 private:
  void check(const ProjectContext& ctx, const ast::RevisionFile& rev,
             const std::vector<ast::Annotation>& annotations, Findings& out) const {
    for (const auto& a : annotations) {
      if (a.kind != ast::AnnotationKind::Allow) continue;
      for (const auto& arg : a.args) {
        if (arg.text == kInfo.id) continue;
        if (ctx.allows.rule(arg.text) == nullptr) {
          out.report_in(rev, arg.span, fmt::format("unknown rule \"{}\" in @allow", arg.text),
                        suggestion(ctx, arg.text));
        } else if (ctx.allows.level(arg.text) != Level::off &&
                   !ctx.allows.silenced_something(arg)) {
          out.report_in(
              rev, arg.span,
              fmt::format("@allow({}) silences nothing here on any target dialect", arg.text));
        }
      }
    }
  }

  static std::string suggestion(const ProjectContext& ctx, const std::string& id) {
    // The closest known id, when one is close enough to be a typo.
    std::string best;
    size_t best_distance = 4;
    for (std::string_view known : ctx.allows.rule_ids()) {
      size_t d = edit_distance(id, known);
      if (d < best_distance) {
        best_distance = d;
        best = std::string(known);
      }
    }
    if (!best.empty()) return fmt::format("did you mean \"{}\"?", best);
    return "`retort lint --list-rules` lists the rule ids";
  }

  static constexpr RuleInfo kInfo{
      "unused-allow",
      Level::warning,
      "all",
      "an @allow silences nothing, or names an unknown rule",
      "An @allow that no longer silences anything (the statement changed, or the rule id is "
      "misspelt) stays in the file and will silence the next real finding on that statement "
      "without anyone deciding it should.",
      "remove the @allow, or correct the rule id",
      "@allow(drop-column, 'old column')\nalter table users add column nickname string(40);",
      "alter table users add column nickname string(40);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_unused_allow() {
  return std::make_unique<UnusedAllow>();
}

}  // namespace retort::lint
