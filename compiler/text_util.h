// Small text helpers shared by the stages (messages, suggestions).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace retort {

/// Levenshtein distance between two byte strings, for "did you mean" help.
size_t edit_distance(std::string_view a, std::string_view b);

/// True when every byte is ASCII (below 0x80): each byte is then one code
/// point, so ANTLR's code-point indexes are byte offsets.
bool is_ascii(std::string_view s);

/// ASCII letters lowered; other bytes unchanged (identifiers fold this way).
std::string lower_ascii(std::string_view s);

/// `items` joined by `sep`.
std::string join(const std::vector<std::string>& items, std::string_view sep);

}  // namespace retort
