// SHA-256, for the script headers, the integrity file, the cache and names;
// MD5, for names SQLAlchemy made.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace retort {

/// The SHA-256 of `data`.
std::array<unsigned char, 32> sha256(std::string_view data);

/// The SHA-256 of `data` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

/// The MD5 of `data`: only to predict the names SQLAlchemy truncates with
/// it (compiler/alembic_names.cpp), never as a checksum.
std::array<unsigned char, 16> md5(std::string_view data);

}  // namespace retort
