// The one list of lint rules.
#pragma once

#include "lint/engine.h"

namespace retort::lint {

/// Every rule, in the order of lint-rules.md. `unused-allow` judges what the
/// others silenced, so the engine runs it last whatever its place here.
RuleSet make_rules();

/// The rule of `id` in `rules`, or null.
const Rule* find_rule(const RuleSet& rules, std::string_view id);

}  // namespace retort::lint
