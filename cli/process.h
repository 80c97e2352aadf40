// Running another program (git, for `lint --since`) and reading its output.
#pragma once

#include <string>
#include <vector>

namespace retort::cli {

struct ProcessResult {
  int exit_code = -1;  ///< -1: it could not be started or was killed by a signal
  std::string out;
  std::string err;
};

/// Runs `argv` (searched on PATH) with stdin from /dev/null and returns
/// what it printed. Never throws; a failure to start is exit_code -1 with
/// the reason in `err`.
ProcessResult run_process(const std::vector<std::string>& argv);

}  // namespace retort::cli
