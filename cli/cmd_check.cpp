// `retort check`: parse everything, validate the graph, replay the schema,
// and render every revision for every target dialect so that a statement a
// dialect cannot express (`error[dialect]`) is caught here too.
#include <fmt/format.h>

#include "cli/app.h"
#include "compiler/integrity.h"
#include "emit/registry.h"
#include "emit/script.h"

namespace retort::cli {
namespace {

struct CheckOptions {
  std::vector<std::string> dialects;
};

void run_check(Context& ctx, const CheckOptions& options) {
  Project project;
  project = open_project(ctx.location());
  std::vector<emit::Target> targets = resolve_targets(project, options.dialects);
  DiagnosticSink sink;
  load_revisions(project, sink);
  // A revision edited after it was summed is reported beside what else is
  // wrong, without stopping the checks that follow.
  std::optional<SumFile> sum;
  DiagnosticSink integrity;
  if (!sink.has_errors()) sum = check_integrity(project, integrity);
  if (!sink.has_errors()) replay_all(project, sink);
  if (!sink.has_errors()) {
    // A dialect without a renderer yet (docs/status.md) is said, not skipped
    // silently: its statements were not checked.
    for (const auto& target : targets) {
      if (auto renderer = emit::make_renderer(target)) {
        emit::render_all(project, *renderer, sink);
      } else {
        sink.warning("dialect", "", {},
                     fmt::format("Retort has no {} renderer yet: statements were not checked "
                                 "for {}",
                                 target.dialect, target.dialect));
      }
    }
  }
  sink.absorb(std::move(integrity));
  SourceTexts texts = project.texts();
  if (sum) texts.emplace(sum->path, sum->text);
  ctx.report(sink, texts);
}

}  // namespace

void add_check_command(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand(
      "check",
      "parse every revision, validate the graph, replay the schema and render every dialect");
  cmd->add_option("--dialect", options->dialects,
                  "target dialects, each optionally NAME@VERSION (default: [project] dialects)")
      ->delimiter(',');
  cmd->callback([&ctx, options] { run_check(ctx, *options); });
}

}  // namespace retort::cli
