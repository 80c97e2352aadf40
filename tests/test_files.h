// File helpers shared by the tests that run the binary on scratch projects.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace retort::testing {

/// The bytes of `path` ("" when it cannot be read: the caller's EXPECT says why).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Writes `text` to `path`, replacing it.
inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

}  // namespace retort::testing
