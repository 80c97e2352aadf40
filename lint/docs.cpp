// Generates docs/rules/: one page per rule and an index, from RuleInfo.
#include "lint/docs.h"

#include <fmt/format.h>

namespace retort::lint {
namespace {

std::string dialect_text(const RuleInfo& info) {
  return info.dialects == "all" ? std::string("every target dialect")
                                : fmt::format("{}", info.dialects);
}

std::string page(const RuleInfo& info) {
  return fmt::format(
      "<!-- Generated from lint/rules/ by lint_test (RETORT_UPDATE_GOLDEN=1); do not edit. -->\n"
      "# `{}`\n\n"
      "- Level: `{}` (change it in `[lint.rules]`)\n"
      "- Dialects: {}\n\n"
      "Fires when {}.\n\n"
      "## Why\n{}\n\n"
      "## The better way\n{}\n\n"
      "## Fires\n```sql\n{}\n```\n\n"
      "## Passes\n```sql\n{}\n```\n",
      info.id, level_name(info.level), dialect_text(info), info.summary, info.why, info.better,
      info.example_fires, info.example_passes);
}

}  // namespace

std::map<std::string, std::string> rule_docs(const RuleSet& rules) {
  std::map<std::string, std::string> pages;
  std::string index =
      "<!-- Generated from lint/rules/ by lint_test (RETORT_UPDATE_GOLDEN=1); do not edit. -->\n"
      "# Lint rules\n\n"
      "`retort lint --list-rules` prints the same list with the levels your `retort.toml` "
      "sets. Silence one statement with `@allow(rule-id, 'reason')`.\n\n"
      "| rule | level | dialects | fires when |\n| --- | --- | --- | --- |\n";
  for (const auto& rule : rules) {
    const RuleInfo& info = rule->info();
    index += fmt::format("| [`{}`]({}.md) | {} | {} | {} |\n", info.id, info.id,
                         level_name(info.level), info.dialects, info.summary);
    pages[fmt::format("{}.md", info.id)] = page(info);
  }
  pages["README.md"] = index;
  return pages;
}

}  // namespace retort::lint
