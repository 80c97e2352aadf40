// The one list of lint rules: adding a rule is its file in lint/rules/ and
// one line here.
#include "lint/registry.h"

namespace retort::lint {

// X(file_name): lint/rules/file_name.cpp defines make_file_name().
#define RETORT_LINT_RULES(X)        \
  X(drop_table)                     \
  X(drop_column)                    \
  X(drop_schema)                    \
  X(type_narrowing)                 \
  X(rename_column)                  \
  X(rename_table)                   \
  X(drop_foreign_key)               \
  X(drop_not_null)                  \
  X(add_column_not_null_no_default) \
  X(unique_may_fail)                \
  X(index_not_concurrent)           \
  X(drop_index_not_concurrent)      \
  X(constraint_not_valid)           \
  X(add_unique_locking)             \
  X(set_not_null_scan)              \
  X(add_column_volatile_default)    \
  X(column_type_rewrite)            \
  X(enum_add_value_unordered)       \
  X(lock_timeout_unset)             \
  X(foreign_key_without_index)      \
  X(drop_index_used_by_foreign_key) \
  X(drop_column_drops_index)        \
  X(table_without_primary_key)      \
  X(prefer_bigint_key)              \
  X(prefer_timestamptz)             \
  X(char_column)                    \
  X(prefer_text_over_varchar)       \
  X(identifier_too_long)            \
  X(reserved_word)                  \
  X(naming_convention)              \
  X(multiple_heads)                 \
  X(filename_mismatch)              \
  X(missing_message)                \
  X(mixed_data_and_schema)          \
  X(underivable_downgrade)          \
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
