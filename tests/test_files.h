// File helpers shared by the tests that run the binary on scratch projects.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

/// Names under `dir` (at any depth) that look like the temporary file or
/// folder of an atomic write: what a run must never leave behind.
inline std::vector<std::string> temporary_leftovers(const std::filesystem::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    std::string n = e.path().filename().string();
    if (n.find(".tmp-") != std::string::npos) out.push_back(n);
  }
  return out;
}

#ifdef RETORT_BINARY
/// What a shell line did: its exit code (-1 when a signal ended it) and its
/// stdout and stderr together.
struct ShellRun {
  int code = 0;
  std::string output;
};

/// A fresh folder under the temporary folder, removed at the end, where
/// shell lines and the built `retort` run.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name)
      : dir_(std::filesystem::temp_directory_path() /
             ("retort-" + name + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& dir() const { return dir_; }

  /// Runs `line` with /bin/sh in the folder.
  ShellRun shell(const std::string& line) const {
    std::filesystem::path out = dir_.string() + ".out";
    std::string full = "cd '" + dir_.string() + "' && (" + line + ") >'" + out.string() + "' 2>&1";
    int status = std::system(full.c_str());
    ShellRun r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(out)};
    std::filesystem::remove(out);
    return r;
  }
  /// Runs the built retort with `args` (shell words) in the folder.
  ShellRun retort(const std::string& args) const {
    return shell(std::string("NO_COLOR=1 '") + RETORT_BINARY + "' " + args);
  }

 private:
  std::filesystem::path dir_;
};
#endif

}  // namespace retort::testing
