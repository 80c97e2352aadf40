// multiple-heads: a branch that was never merged; `upgrade head` cannot
// say which head it means.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

class MultipleHeads final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_project(const ProjectContext& ctx, Findings& out) const override {
    std::vector<std::string> heads = ctx.project.graph.heads();
    if (heads.size() < 2) return;
    std::string list = fmt::format("{}", fmt::join(heads, ", "));
    for (const auto& id : heads) {
      const ast::RevisionFile* rev = ctx.project.revision(id);
      if (rev == nullptr) continue;
      out.report_in(*rev, rev->header.id.span,
                    fmt::format("revision {} is one of {} heads ({})", id, heads.size(), list),
                    fmt::format("merge them: retort merge {} -m 'merge'", fmt::join(heads, " ")));
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "multiple-heads",
      Level::error,
      "all",
      "the graph has more than one head (a branch not merged)",
      "Two revisions that revise the same parent were written on two branches. Until a "
      "merge revision joins them, `upgrade head` is ambiguous and the order the two run in "
      "on a database is not decided.",
      "merge the heads: retort merge ID ID -m 'merge'",
      "-- 3f2a_add_fees.rev\nrevision 3f2a revises 1a2b;\n"
      "-- 9c1d_add_jobs.rev, written on another branch\nrevision 9c1d revises 1a2b;",
      "-- 7e4b_merge.rev joins the two branches\nrevision 7e4b revises 3f2a, 9c1d message 'merge';",
  };
};

}  // namespace

std::unique_ptr<Rule> make_multiple_heads() {
  return std::make_unique<MultipleHeads>();
}

}  // namespace retort::lint
