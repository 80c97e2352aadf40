// The emit commands: `upgrade`, `downgrade` and `stamp` print (or write) one
// SQL script for one dialect; `schema` prints the schema at a revision.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "cli/app.h"
#include "emit/registry.h"
#include "emit/script.h"

namespace retort::cli {
namespace {

enum class ScriptKind { Upgrade, Downgrade, Stamp, Schema };

struct EmitOptions {
  std::string range;
  std::string dialect;
  std::string output;
  bool force = false;
};

// Replays the loaded project; false (diagnostics printed) when it has errors.
bool replay_cleanly(Context& ctx, const Project& project) {
  DiagnosticSink sink;
  replay_all(project, sink);
  ctx.report(sink, project);
  return !sink.has_errors();
}

std::unique_ptr<emit::Renderer> renderer_for(const Project& project, const std::string& spec) {
  std::string error;
  auto target = emit::parse_target(spec, project.config, error);
  if (!target) throw RunError(2, error);
  auto renderer = emit::make_renderer(*target);
  if (!renderer) {
    throw RunError(2, fmt::format("Retort cannot write {} SQL yet: postgresql, mysql, mariadb "
                                  "and sqlite have renderers (see docs/status.md)",
                                  target->dialect));
  }
  return renderer;
}

// Prints the script, or writes it to -o FILE: atomically, and never over a
// file that is not a Retort script unless --force.
void deliver(Context& ctx, const EmitOptions& options, const std::string& text) {
  if (options.output.empty()) {
    ctx.out << text;
    return;
  }
  std::filesystem::path path = options.output;
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !options.force) {
    std::ifstream in(path, std::ios::binary);
    std::string head(emit::kScriptHeaderPrefix.size(), '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    if (!emit::is_retort_output(head)) {
      throw RunError(2, fmt::format("\"{}\" exists and is not a script Retort wrote; use --force "
                                    "to overwrite it",
                                    options.output));
    }
  }
  write_file_atomically(path, text);
}

void run_emit(Context& ctx, ScriptKind kind, const EmitOptions& options) {
  Project project;
  // An upgrade starts on the revisions while their bodies are being parsed
  // (header-first); nothing is reported or thrown before finish_load.
  if (!ctx.load(project, kind == ScriptKind::Upgrade ? ctx.replaying_load() : LoadMode::Complete))
    return;
  // An upgrade of the whole chain from the base replays every statement
  // itself: it reports what replay_all would, and the chain is replayed
  // once. Otherwise (or when the dialect is unusable, which is said after
  // the replay's own errors, as always) the replay comes first.
  std::unique_ptr<emit::Renderer> renderer;
  std::optional<emit::Range> range;  // of upgrade, downgrade and stamp
  bool replayed_by_script = false;
  if (kind == ScriptKind::Upgrade) {
    range = emit::upgrade_range(project.graph, options.range);
    try {
      renderer = renderer_for(project, options.dialect);
    } catch (const RunError&) {
      renderer.reset();
    }
    replayed_by_script = renderer && emit::replays_everything(project.graph, *range);
  }
  if (!replayed_by_script) {
    if (!ctx.finish_load(project)) return;
    if (!replay_cleanly(ctx, project)) return;
    if (!renderer) renderer = renderer_for(project, options.dialect);
  }
  emit::ScriptOptions script_options{RETORT_VERSION};
  DiagnosticSink replay_sink;
  if (replayed_by_script) script_options.replay_diagnostics = &replay_sink;
  SchemaModel schema_after;
  script_options.schema_after = &schema_after;
  DiagnosticSink sink;
  std::optional<std::string> text;
  if (kind == ScriptKind::Schema) {
    Resolution ids = project.graph.resolve(options.range.empty() ? "head" : options.range);
    if (!ids.ok()) throw RunError(2, ids.error);
    text = emit::schema_script(project, *renderer, ids.ids, script_options, sink);
  } else {
    if (!range) {
      range = kind == ScriptKind::Downgrade ? emit::downgrade_range(project.graph, options.range)
                                            : emit::stamp_range(project.graph, options.range);
    }
    if (!range->error.empty()) throw RunError(2, range->error);
    if (kind == ScriptKind::Upgrade) {
      DiagnosticSink load_sink;
      bool loaded = run_while_loading(project, load_sink, [&] {
        text = emit::upgrade_script(project, *renderer, *range, script_options, sink);
      });
      ctx.report(load_sink, project);
      if (!loaded) return;
      if (replayed_by_script) {
        ctx.report(replay_sink, project);
        if (replay_sink.has_errors()) return;
      }
    } else if (kind == ScriptKind::Downgrade) {
      text = emit::downgrade_script(project, *renderer, *range, script_options, sink);
    } else {
      text = emit::stamp_script(project, *renderer, *range, script_options);
    }
  }
  ctx.report(sink, project);
  if (!text || sink.has_errors()) {
    ctx.exit_code = std::max(ctx.exit_code, 2);
    return;
  }
  deliver(ctx, options, *text);
  ctx.keep_until_exit(project);
  ctx.keep_until_exit(schema_after);
}

CLI::App* add_script_command(CLI::App& app, Context& ctx, ScriptKind kind, const char* name,
                             const char* help, const char* range_help, bool range_required) {
  auto options = std::make_shared<EmitOptions>();
  auto* cmd = app.add_subcommand(name, help);
  auto* range =
      cmd->add_option(kind == ScriptKind::Schema ? "ID" : "RANGE", options->range, range_help);
  if (range_required) range->required();
  cmd->add_option("--dialect", options->dialect,
                  "target dialect, optionally with its version: pg, pg@15, mysql@8.0.36 "
                  "(default: [project] dialect)");
  if (kind != ScriptKind::Schema) {
    cmd->add_option("-o", options->output, "write the script to FILE instead of printing it")
        ->type_name("FILE");
    cmd->add_flag("--force", options->force, "overwrite FILE even if Retort did not write it");
  }
  cmd->callback([&ctx, kind, options] { run_emit(ctx, kind, *options); });
  return cmd;
}

}  // namespace

void add_emit_commands(CLI::App& app, Context& ctx) {
  add_script_command(app, ctx, ScriptKind::Upgrade, "upgrade",
                     "print the upgrade SQL from FROM (default base) to TO", "[FROM:]TO", true);
  add_script_command(app, ctx, ScriptKind::Downgrade, "downgrade",
                     "print the downgrade SQL from FROM down to TO", "FROM:TO (head:base, head:-1)",
                     true);
  add_script_command(app, ctx, ScriptKind::Stamp, "stamp",
                     "print SQL that only writes the version table, to adopt a database already "
                     "at TO",
                     "[FROM:]TO", true);
  add_script_command(app, ctx, ScriptKind::Schema, "schema",
                     "print the whole schema at a revision (default head) as CREATE statements",
                     "a revision (default head)", false);
}

}  // namespace retort::cli
