// `retort init [DIR] [--dialect D]`: a new project.
#include <fmt/format.h>

#include <fstream>

#include "cli/app.h"

namespace fs = std::filesystem;

namespace retort::cli {
namespace {

struct InitOptions {
  std::string directory = ".";
  std::string dialect = "postgresql";
};

// Adds `.retort/` (the cache of parsed revisions) to DIR/.gitignore.
void ignore_cache(const fs::path& dir) {
  fs::path gitignore = dir / ".gitignore";
  std::string text;
  if (fs::exists(gitignore)) text = read_text_file(gitignore, 16u << 20);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line == ".retort/" || line == ".retort" || line == "/.retort/") return;
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += ".retort/\n";
  write_file_atomically(gitignore, text);
}

void run_init(Context& ctx, const InitOptions& options) {
  auto dialect = canonical_dialect(options.dialect);
  if (!dialect) {
    throw RunError(2, fmt::format("unknown dialect \"{}\"; expected one of postgresql, mysql, "
                                  "mariadb, sqlite, mssql, oracle",
                                  options.dialect));
  }
  fs::path dir = options.directory;
  fs::path config = dir / "retort.toml";
  if (fs::exists(config)) {
    throw RunError(2, fmt::format("\"{}\" already exists; init does not overwrite it",
                                  config.generic_string()));
  }
  std::error_code ec;
  fs::create_directories(dir / "migrations", ec);
  if (ec) {
    throw RunError(2, fmt::format("cannot create \"{}\": {}", (dir / "migrations").generic_string(),
                                  ec.message()));
  }
  // retort.toml last: a run that fails before it leaves no project behind,
  // and running init again finishes the job.
  ignore_cache(dir);
  write_file_atomically(config, default_config_text(*dialect));
  ctx.out << "created " << config.lexically_normal().generic_string() << "\n";
  ctx.out << "created " << (dir / "migrations").lexically_normal().generic_string() << "/\n";
}

}  // namespace

void add_init_command(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<InitOptions>();
  auto* cmd = app.add_subcommand("init", "write retort.toml and an empty migrations/ folder");
  cmd->add_option("DIR", options->directory, "the project folder (default: the current one)");
  cmd->add_option("--dialect", options->dialect, "the default dialect");
  cmd->callback([&ctx, options] { run_init(ctx, *options); });
}

}  // namespace retort::cli
