// SHA-256, for the script headers, the integrity file and the cache.
#pragma once

#include <string>
#include <string_view>

namespace retort {

/// The SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

}  // namespace retort
