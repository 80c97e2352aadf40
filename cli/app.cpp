#include "cli/app.h"

#include <fmt/format.h>

#include <cstdlib>
#include <iostream>
#include <new>

#include "emit/registry.h"

namespace retort::cli {

ProjectLocation Context::location() const {
  ProjectLocation where;
  if (!global.directory.empty()) where.start = global.directory;
  if (!global.config.empty()) where.config = global.config;
  // The cache of parsed revisions (docs/cache.md): read from the environment
  // here so that the compiler sees only what it is given.
  where.cache.enabled = !global.no_cache;
  const char* cache_dir = std::getenv("RETORT_CACHE_DIR");
  if (cache_dir && *cache_dir) where.cache.dir = std::filesystem::path(cache_dir);
  const char* cache_stats = std::getenv("RETORT_CACHE_STATS");
  if (cache_stats && std::string_view(cache_stats) == "1") where.cache.stats = &err;
  return where;
}

LoadMode Context::replaying_load() const {
  const char* mode = std::getenv("RETORT_LOAD");
  return mode && std::string_view(mode) == "complete" ? LoadMode::Complete : LoadMode::HeaderFirst;
}

std::vector<emit::Target> resolve_targets(Project& project, const std::vector<std::string>& specs) {
  std::vector<emit::Target> targets;
  if (specs.empty()) {
    for (const auto& d : project.config.dialects)
      targets.push_back({d, project.config.version_of(d)});
    return targets;
  }
  std::vector<std::string> chosen;
  for (const auto& spec : specs) {
    std::string error;
    auto target = emit::parse_target(spec.empty() ? std::string("?") : spec, project.config, error);
    if (!target) throw RunError(2, error);
    chosen.push_back(target->dialect);
    targets.push_back(*target);
  }
  project.config.dialects = chosen;
  return targets;
}

bool Context::use_color() const {
  if (global.color == "always") return true;
  if (global.color == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  return stderr_is_terminal && !(no_color && *no_color);
}

void Context::report(DiagnosticSink& sink, const Project& project) {
  // Most runs have nothing to say: the texts of every file are not gathered for that.
  if (!sink.empty()) report(sink, project.texts(sink.diagnostics()));
}

void Context::report(DiagnosticSink& sink, const SourceTexts& texts) {
  sink.sort();
  RenderOptions options;
  options.color = use_color();
  for (const auto& d : sink.diagnostics()) err << render_diagnostic(d, texts, options);
  if (sink.has_errors()) exit_code = std::max(exit_code, 2);
}

bool Context::load(Project& project, LoadMode mode) {
  project = open_project(location());
  DiagnosticSink sink;
  load_revisions(project, sink, mode);
  report(sink, project);
  return !sink.has_errors();
}

bool Context::finish_load(Project& project) {
  if (!project.pending) return true;
  DiagnosticSink sink;
  finish_loading(project, sink);
  report(sink, project);
  return !sink.has_errors();
}

namespace {

// Prints a RunError: its diagnostics if it carries any, else its message.
void print_run_error(Context& ctx, const RunError& e) {
  if (e.diagnostics().empty()) {
    ctx.err << "retort: error: " << e.what() << "\n";
    return;
  }
  DiagnosticSink sink;
  for (const auto& d : e.diagnostics()) sink.report(d);
  // A bad config's diagnostics point into retort.toml: echo its lines.
  std::string text;
  SourceTexts texts;
  try {
    auto root = find_project_root(ctx.location().start);
    std::filesystem::path path = !ctx.global.config.empty()
                                     ? std::filesystem::path(ctx.global.config)
                                 : root ? *root / "retort.toml"
                                        : std::filesystem::path();
    if (!path.empty()) {
      text = read_text_file(path, 1u << 20);
      texts.emplace(path.filename().string(), text);
    }
  } catch (const RunError&) {
    // The message is still worth printing without the source line.
  }
  ctx.report(sink, texts);
}

}  // namespace

int run(int argc, char** argv, std::ostream& out, std::ostream& err, bool stderr_is_terminal,
        KeptUntilExit* kept_until_exit) {
  Context ctx{GlobalOptions{}, out, err, stderr_is_terminal, 0, kept_until_exit};
  CLI::App app{"retort: an offline SQL migration compiler and linter", "retort"};
  app.set_version_flag("--version", std::string("retort ") + RETORT_VERSION);
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();
  app.add_option("-C", ctx.global.directory, "run as if started in DIR")->type_name("DIR");
  app.add_option("--config", ctx.global.config, "use this retort.toml")->type_name("FILE");
  app.add_flag("--no-cache", ctx.global.no_cache, "bypass the cache of parsed revisions");
  app.add_option("--color", ctx.global.color, "color diagnostics")
      ->check(CLI::IsMember({"auto", "always", "never"}));

  add_init_command(app, ctx);
  add_new_commands(app, ctx);
  add_check_command(app, ctx);
  add_graph_commands(app, ctx);
  add_lint_command(app, ctx);
  add_fmt_command(app, ctx);
  add_sum_command(app, ctx);
  add_emit_commands(app, ctx);
  add_bundle_commands(app, ctx);
  add_import_commands(app, ctx);
  add_debug_commands(app, ctx);

  auto help_topic = std::make_shared<std::string>();
  auto* help = app.add_subcommand("help", "show the help of retort or of one command");
  help->add_option("COMMAND", *help_topic, "a command");
  help->callback([&app, &ctx, help_topic] {
    if (help_topic->empty()) {
      ctx.out << app.help();
      return;
    }
    for (const auto* sub : app.get_subcommands({})) {
      if (sub->get_name() == *help_topic && !sub->get_group().empty()) {
        ctx.out << sub->help();
        return;
      }
    }
    throw RunError(2, fmt::format("unknown command \"{}\"", *help_topic));
  });

  try {
    // CLI11 reports an unknown command as "a subcommand is required": name it.
    for (int i = 1; i < argc; ++i) {
      std::string arg = argv[i];
      if (arg == "-C" || arg == "--config" || arg == "--color") {
        ++i;
        continue;
      }
      if (arg.empty() || arg[0] == '-') continue;
      bool known = false;
      for (const auto* sub : app.get_subcommands({})) known = known || sub->get_name() == arg;
      if (!known) {
        err << "retort: error: unknown command \"" << arg << "\"\n";
        err << "run `retort --help` for the commands\n";
        return 2;
      }
      break;
    }
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    err << "retort: error: " << e.what() << "\n";
    err << "run `retort --help` for usage\n";
    return 2;
  } catch (const RunError& e) {
    print_run_error(ctx, e);
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    err << "retort: error: out of memory\n";
    return 3;
  } catch (const std::exception& e) {
    err << "retort: internal error: " << e.what()
        << "\nthis is a bug in retort; please report it with the input that caused it\n";
    return 3;
  } catch (...) {
    err << "retort: internal error: unknown exception\nthis is a bug in retort; please report "
           "it with the input that caused it\n";
    return 3;
  }
  return ctx.exit_code;
}

}  // namespace retort::cli
