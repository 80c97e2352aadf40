// `retort check`: parse everything, validate the graph, replay the schema.
#include <fmt/format.h>

#include "cli/app.h"

namespace retort::cli {
namespace {

struct CheckOptions {
  std::vector<std::string> dialects;
};

void run_check(Context& ctx, const CheckOptions& options) {
  Project project;
  project = open_project(ctx.location());
  if (!options.dialects.empty()) {
    std::vector<std::string> chosen;
    for (const auto& d : options.dialects) {
      auto name = canonical_dialect(d);
      if (!name) {
        throw RunError(2, fmt::format("unknown dialect \"{}\"; expected one of postgresql, mysql, "
                                      "mariadb, sqlite, mssql, oracle",
                                      d));
      }
      chosen.push_back(*name);
    }
    project.config.dialects = chosen;
  }
  DiagnosticSink sink;
  load_revisions(project, sink);
  if (!sink.has_errors()) replay_all(project, sink);
  ctx.report(sink, project.texts());
}

}  // namespace

void add_check_command(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<CheckOptions>();
  auto* cmd =
      app.add_subcommand("check", "parse every revision, validate the graph and replay the schema");
  cmd->add_option("--dialect", options->dialects, "target dialects (default: [project] dialects)")
      ->delimiter(',');
  cmd->callback([&ctx, options] { run_check(ctx, *options); });
}

}  // namespace retort::cli
