// Running the clients and reading what they print.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/db/internal.h"

extern char** environ;

namespace retort::testing::detail {
namespace {

/// Closes the descriptors it holds on every path out.
struct Fds {
  int fd[2] = {-1, -1};
  ~Fds() {
    for (int f : fd) {
      if (f >= 0) close(f);
    }
  }
  void close_end(int i) {
    if (fd[i] >= 0) close(fd[i]);
    fd[i] = -1;
  }
};

std::string errno_text(int error) {
  return std::strerror(error);
}

/// The parent's environment with `extra` (NAME=value) replacing or added.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> result;
  auto overridden = [&](std::string_view entry) {
    auto name = entry.substr(0, entry.find('=') + 1);
    for (const auto& e : extra) {
      if (std::string_view(e).substr(0, e.find('=') + 1) == name) return true;
    }
    return false;
  };
  for (char** e = environ; *e != nullptr; ++e) {
    if (!overridden(*e)) result.emplace_back(*e);
  }
  result.insert(result.end(), extra.begin(), extra.end());
  return result;
}

}  // namespace

RunResult run(const Command& command) {
  // Pipes for both outputs, read together with poll(): a client that fills
  // one pipe while we wait on the other would otherwise deadlock.
  Fds out, err;
  if (pipe2(out.fd, O_CLOEXEC) != 0 || pipe2(err.fd, O_CLOEXEC) != 0) {
    throw HarnessError("pipe: " + errno_text(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  std::string input = command.stdin_file.empty() ? "/dev/null" : command.stdin_file.string();
  posix_spawn_file_actions_addopen(&actions, 0, input.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);

  std::vector<char*> argv;
  for (const auto& a : command.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  auto env_strings = merged_environment(command.environment);
  std::vector<char*> envp;
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  int spawned = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw HarnessError("cannot run " + describe(command) + ": " + errno_text(spawned) +
                       " (is it installed? ci/setup installs the clients)");
  }
  out.close_end(1);
  err.close_end(1);

  RunResult result;
  auto deadline = std::chrono::steady_clock::now() + command.timeout;
  bool timed_out = false;
  pollfd fds[2] = {{out.fd[0], POLLIN, 0}, {err.fd[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_pipes = 2;
  while (open_pipes > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 && !timed_out) {
      timed_out = true;
      kill(pid, SIGKILL);  // its pipes close with it; keep reading to EOF
    }
    int ready = poll(fds, 2, timed_out ? 1000 : static_cast<int>(left.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      throw HarnessError("poll: " + errno_text(errno));
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buffer[65536];
      ssize_t n = read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw HarnessError("waitpid: " + errno_text(errno));
  }
  if (timed_out) {
    throw HarnessError(describe(command) + " did not finish within " +
                       std::to_string(command.timeout.count()) + "s; it printed:\n" + result.out +
                       result.err);
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string describe(const Command& command) {
  std::string text;
  for (const auto& a : command.argv) {
    if (!text.empty()) text += ' ';
    if (!a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_=./:,@%+") == std::string::npos) {
      text += a;
      continue;
    }
    text += '\'';
    for (char c : a) {
      if (c == '\'') {
        text += "'\\''";
      } else {
        text += c;
      }
    }
    text += '\'';
  }
  if (!command.stdin_file.empty()) text += " < " + command.stdin_file.string();
  return text;
}

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    throw HarnessError(std::string(name) +
                       " is not set: the database tests need the servers that "
                       "`ci/databases start` starts; run them with "
                       "`eval \"$(ci/databases env)\"` in the environment (ci/test does both)");
  }
  return value;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.emplace_back(text.substr(start));
      return parts;
    }
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::vector<Row> parse_separated(std::string_view out, char field, char record,
                                 std::string_view trailing) {
  std::vector<Row> rows;
  if (out.empty()) return rows;  // no rows at all (one empty value prints `trailing`)
  if (out.ends_with(trailing)) out.remove_suffix(trailing.size());
  for (const auto& line : split(out, record)) rows.push_back(split(line, field));
  return rows;
}

std::vector<Row> parse_mariadb_batch(std::string_view out) {
  std::vector<Row> rows;
  Row row;
  std::string value;
  for (size_t i = 0; i < out.size(); ++i) {
    char c = out[i];
    if (c == '\\' && i + 1 < out.size()) {
      char next = out[++i];
      switch (next) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case '0':
          value += '\0';
          break;
        default:
          value += next;  // "\\" and anything else escaped: the character
      }
    } else if (c == '\t') {
      row.push_back(std::move(value));
      value.clear();
    } else if (c == '\n') {
      row.push_back(std::move(value));
      value.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      value += c;
    }
  }
  return rows;
}

std::vector<std::string> split_list(std::string_view text) {
  if (text.empty()) return {};
  return split(text, kListSeparator);
}

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

}  // namespace retort::testing::detail
