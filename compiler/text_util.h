// Small text helpers shared by the stages (messages, suggestions).
#pragma once

#include <string>
#include <string_view>

namespace retort {

/// Levenshtein distance between two byte strings, for "did you mean" help.
size_t edit_distance(std::string_view a, std::string_view b);

/// ASCII letters lowered; other bytes unchanged (identifiers fold this way).
std::string lower_ascii(std::string_view s);

}  // namespace retort
