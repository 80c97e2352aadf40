// Server: what the three dialects share.
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "tests/db/internal.h"

namespace retort::testing {

namespace fs = std::filesystem;

std::unique_ptr<Server> Server::connect(std::string_view dialect) {
  if (dialect == "postgresql") return detail::connect_postgresql();
  if (dialect == "mariadb") return detail::connect_mariadb();
  if (dialect == "sqlite") return detail::connect_sqlite();
  throw HarnessError("no test server for dialect \"" + std::string(dialect) +
                     "\" (postgresql, mariadb, sqlite)");
}

Server::Server() {
  fs::path base = fs::temp_directory_path() / "retort-dbtest.XXXXXX";
  std::string pattern = base.string();
  if (mkdtemp(pattern.data()) == nullptr) {
    throw HarnessError("cannot make a temporary folder under " + base.parent_path().string());
  }
  scratch_ = pattern;
}

Server::~Server() {
  std::error_code ignored;  // a destructor must not throw; a leftover folder is harmless
  fs::remove_all(scratch_, ignored);
}

std::string Server::unique_name() {
  // The process id keeps parallel test processes apart; the random part,
  // runs that reuse a process id against a server that outlived them.
  static const unsigned salt = std::random_device{}();
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, "%d_%08x_%u", static_cast<int>(getpid()), salt, ++counter_);
  return std::string("retort_t_") + suffix;
}

RunResult Server::apply(const std::string& database, std::string_view sql) {
  fs::path script = scratch() / (unique_name() + ".sql");
  {
    std::ofstream file(script, std::ios::binary);
    file << sql;
    if (!file) throw HarnessError("cannot write " + script.string());
  }
  RunResult result = apply_file(database, script);
  std::error_code ignored;
  fs::remove(script, ignored);
  return result;
}

TemporaryDatabase::TemporaryDatabase(Server& server)
    : server_(server), name_(server.create_database()) {}

TemporaryDatabase::~TemporaryDatabase() {
  try {
    server_.drop_database(name_);
  } catch (const HarnessError&) {
    // A database left behind dies with the server's temporary folder.
  }
}

}  // namespace retort::testing
