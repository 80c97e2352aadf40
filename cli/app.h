// The command line: one binary, subcommands (CLI11). Each command lives in
// its own file and registers itself on the app through one add_* function.
#pragma once

#include <CLI/CLI.hpp>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/project.h"
#include "emit/renderer.h"

namespace retort::cli {

/// Options given before the subcommand (cli.md).
struct GlobalOptions {
  std::string directory;  ///< -C DIR
  std::string config;     ///< --config FILE
  bool no_cache = false;  ///< --no-cache
  std::string color = "auto";
};

/// Objects a command hands over to the process's exit (Context::keep_until_exit).
using KeptUntilExit = std::vector<std::shared_ptr<const void>>;

/// What a command needs from the outside world; passed down, never global.
struct Context {
  GlobalOptions global;
  std::ostream& out;
  std::ostream& err;
  bool stderr_is_terminal = false;
  int exit_code = 0;
  /// Set by main when the process ends right after the command: see
  /// keep_until_exit. Null in tests that drive `run` in-process.
  KeptUntilExit* kept_until_exit = nullptr;

  /// Moves `object` (a loaded project, the last schema) out of the
  /// command's way when the process is about to exit: freeing ten thousand
  /// ASTs and schema nodes one by one only delays the exit, by about 5% of
  /// a run (bench/README.md; clang's -disable-free does the same). Without
  /// kept_until_exit the object is left where it is, to be destroyed as usual.
  template <class T>
  void keep_until_exit(T& object) {
    if (kept_until_exit != nullptr)
      kept_until_exit->push_back(std::make_shared<const T>(std::move(object)));
  }

  ProjectLocation location() const;
  /// Opens the project and loads its revisions and graph. Diagnostics are
  /// printed; returns false (and sets exit_code 2) when any is an error.
  /// After a HeaderFirst load, finish_load (or run_while_loading) must come
  /// before anything else is printed.
  bool load(Project& project, LoadMode mode = LoadMode::Complete);
  /// How a command that replays the whole chain loads: HeaderFirst, or
  /// Complete when RETORT_LOAD=complete (docs/cache.md), to rule the
  /// overlap out when something looks wrong, and for the tests.
  LoadMode replaying_load() const;
  /// After a header-first load: waits for the bodies and prints what a
  /// Complete load would have; false (exit_code 2) when a file has a syntax
  /// error, and then whatever the command made so far is to be thrown away.
  /// True at once after a Complete load.
  bool finish_load(Project& project);
  /// Prints diagnostics (sorted) to stderr; raises exit_code to 2 on errors.
  void report(DiagnosticSink& sink, const SourceTexts& texts);
  /// The same, with the texts of `project`'s files (gathered only when
  /// there is something to print).
  void report(DiagnosticSink& sink, const Project& project);
  bool use_color() const;
};

/// The target dialects of a command: each of `specs` (`--dialect`, which may
/// carry @VERSION), else `[project] dialects` at their configured versions.
/// With `specs`, the project's dialects become those chosen (they set the
/// replay's name limit). A bad spec throws RunError(2).
std::vector<emit::Target> resolve_targets(Project& project, const std::vector<std::string>& specs);

void add_init_command(CLI::App& app, Context& ctx);
void add_new_commands(CLI::App& app, Context& ctx);  ///< new, merge
void add_check_command(CLI::App& app, Context& ctx);
void add_graph_commands(CLI::App& app,
                        Context& ctx);  ///< history, heads, bases, branches, show, graph
void add_debug_commands(CLI::App& app, Context& ctx);  ///< debug parse (hidden; for golden tests)
void add_emit_commands(CLI::App& app, Context& ctx);   ///< upgrade, downgrade, stamp, schema
void add_lint_command(CLI::App& app, Context& ctx);
void add_fmt_command(CLI::App& app, Context& ctx);
void add_sum_command(CLI::App& app, Context& ctx);      ///< retort.sum
void add_import_commands(CLI::App& app, Context& ctx);  ///< import alembic
void add_bundle_commands(CLI::App& app, Context& ctx);  ///< bundle, verify

/// A message as a file-name slug: lower case words joined by `_` (at most
/// about 40 bytes; `revision` when nothing is left).
std::string slugify(std::string_view message);

/// Runs retort; returns the exit code (cli.md). Never throws. With
/// `kept_until_exit`, the caller exits without destroying what a command
/// put there (Context::keep_until_exit).
int run(int argc, char** argv, std::ostream& out, std::ostream& err, bool stderr_is_terminal,
        KeptUntilExit* kept_until_exit = nullptr);

}  // namespace retort::cli
