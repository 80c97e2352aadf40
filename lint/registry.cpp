// The one list of lint rules: adding a rule is its file in lint/rules/ and
// one line here.
#include "lint/registry.h"

namespace retort::lint {

// X(file_name): lint/rules/file_name.cpp defines make_file_name().
#define RETORT_LINT_RULES(X)   \
  X(drop_table)                \
  X(drop_column)               \
  X(foreign_key_without_index) \
  X(multiple_heads)            \
  X(unused_allow)

#define RETORT_DECLARE_RULE(name) std::unique_ptr<Rule> make_##name();
RETORT_LINT_RULES(RETORT_DECLARE_RULE)
#undef RETORT_DECLARE_RULE

RuleSet make_rules() {
  RuleSet rules;
#define RETORT_ADD_RULE(name) rules.push_back(make_##name());
  RETORT_LINT_RULES(RETORT_ADD_RULE)
#undef RETORT_ADD_RULE
  return rules;
}

const Rule* find_rule(const RuleSet& rules, std::string_view id) {
  for (const auto& r : rules) {
    if (r->info().id == id) return r.get();
  }
  return nullptr;
}

}  // namespace retort::lint
