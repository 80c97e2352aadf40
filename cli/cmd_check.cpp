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
  // Header-first: the first dialect's rendering replays the chain while the
  // bodies are still being parsed (compiler/project.h).
  load_revisions(project, sink, ctx.replaying_load());
  // The first dialect's rendering replays the chain and reports what
  // replay_all would, so that the chain is not replayed once more; its
  // dialect errors count only when the replay had none, as before.
  std::optional<size_t> replayed_by;
  DiagnosticSink replay, rendering;
  SchemaModel schema_after;
  bool loaded = !sink.has_errors() && run_while_loading(project, sink, [&] {
    for (size_t t = 0; t < targets.size() && !replayed_by; ++t) {
      if (auto renderer = emit::make_renderer(targets[t])) {
        emit::render_all(project, *renderer, rendering, &replay, &schema_after);
        replayed_by = t;
      }
    }
    if (!replayed_by) replay_all(project, replay);
  });
  // A revision edited after it was summed is reported beside what else is
  // wrong, without stopping the checks that follow.
  std::optional<SumFile> sum;
  DiagnosticSink integrity;
  bool replay_ok = false;
  if (loaded) {
    sum = check_integrity(project, integrity);
    sink.absorb(std::move(replay));
    replay_ok = !sink.has_errors();
    if (replay_ok) sink.absorb(std::move(rendering));
  }
  if (replay_ok) {
    // A dialect without a renderer yet (docs/status.md) is said, not skipped
    // silently: its statements were not checked.
    for (size_t t = 0; t < targets.size(); ++t) {
      if (auto renderer = emit::make_renderer(targets[t])) {
        if (replayed_by != t) emit::render_all(project, *renderer, sink);
      } else {
        sink.warning("dialect", "", {},
                     fmt::format("Retort has no {} renderer yet: statements were not checked "
                                 "for {}",
                                 targets[t].dialect, targets[t].dialect));
      }
    }
  }
  sink.absorb(std::move(integrity));
  SourceTexts texts = project.texts(sink.diagnostics());
  if (sum) texts.emplace(sum->path, sum->text);
  ctx.report(sink, texts);
  ctx.keep_until_exit(project);
  ctx.keep_until_exit(schema_after);
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
