// The rules' documentation pages, generated from their RuleInfo so that the
// docs cannot drift from the code (lint_test compares them with docs/rules/).
#pragma once

#include <map>
#include <string>

#include "lint/engine.h"

namespace retort::lint {

/// Every page of docs/rules/ by file name: `README.md` (the index) and one
/// `RULE-ID.md` per rule.
std::map<std::string, std::string> rule_docs(const RuleSet& rules);

}  // namespace retort::lint
