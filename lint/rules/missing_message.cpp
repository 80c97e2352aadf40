// missing-message: a revision without a `message`, so that history,
// REVIEW.md and the emitted scripts cannot say what it does.
#include <fmt/format.h>

#include "lint/rule.h"

namespace retort::lint {
namespace {

bool blank(const std::string& text) {
  return text.find_first_not_of(" \t\r\n") == std::string::npos;
}

class MissingMessage final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_revision(const RevisionContext& ctx, Findings& out) const override {
    const ast::Header& header = ctx.revision.header;
    if (header.message && !blank(*header.message)) return;
    out.report(nullptr, header.id.span,
               fmt::format("revision {} has no message", quote_name(header.id.text)));
  }

 private:
  static constexpr RuleInfo kInfo{
      "missing-message",
      Level::info,
      "all",
      "a revision has no `message` (or an empty one)",
      "The message is what `retort history`, REVIEW.md and the header of each emitted "
      "script show for the revision. Without one, a reviewer and whoever runs the migration "
      "only see an id.",
      "add `message 'what it does'` to the revision header",
      "revision 0003\n  revises 0002;",
      "revision 0003\n  revises 0002\n  message 'add fees table';",
  };
};

}  // namespace

std::unique_ptr<Rule> make_missing_message() {
  return std::make_unique<MissingMessage>();
}

}  // namespace retort::lint
