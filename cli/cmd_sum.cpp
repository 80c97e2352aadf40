// `retort sum`: writes the integrity file again from the revisions as they
// are, accepting on purpose every edit `check` reported (bundles.md).
#include <fmt/format.h>

#include "cli/app.h"
#include "compiler/integrity.h"

namespace retort::cli {
namespace {

void run_sum(Context& ctx) {
  Project project;
  if (!ctx.load(project)) return;
  std::vector<SumLine> lines = sum_every_revision(project);
  size_t count = lines.size();
  std::filesystem::path path = sum_file_path(project);
  write_file_atomically(path, render_sum_file(std::move(lines)));
  ctx.out << fmt::format("wrote {} ({} revision{})\n",
                         path.lexically_relative(project.root).generic_string(), count,
                         count == 1 ? "" : "s");
}

}  // namespace

void add_sum_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "sum", "write the integrity file retort.sum again, accepting every revision as it is now");
  cmd->callback([&ctx] { run_sum(ctx); });
}

}  // namespace retort::cli
