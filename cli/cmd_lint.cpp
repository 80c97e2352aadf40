// `retort lint`: replays the whole chain once and runs every rule; reports
// in text, json, sarif or github form, on stdout, for every revision or only
// for FILES or the files changed since a git ref.
#include <fmt/format.h>

#include <filesystem>
#include <sstream>

#include "cli/app.h"
#include "cli/process.h"
#include "emit/registry.h"
#include "lint/registry.h"
#include "lint/report.h"

namespace retort::cli {
namespace {

namespace fs = std::filesystem;

struct LintCommandOptions {
  std::vector<std::string> files;
  std::string since;
  std::string format = "text";
  std::vector<std::string> dialects;
  std::string min_level = "info";
  bool list_rules = false;
};

bool is_input_error(const Diagnostic& d, const lint::RuleSet& rules) {
  return d.severity == Severity::error && lint::find_rule(rules, d.code) == nullptr;
}

// The project-relative paths of the revision files among `paths` (relative
// to `base`); anything else is skipped with a note on stderr.
std::set<std::string, std::less<>> select_files(const Project& project, const fs::path& base,
                                                const std::vector<std::string>& paths,
                                                std::ostream& err) {
  std::set<std::string, std::less<>> known;
  for (const auto& s : project.sources) known.insert(s.path);
  std::error_code ec;
  fs::path root = fs::weakly_canonical(project.root, ec);
  std::set<std::string, std::less<>> chosen;
  for (const auto& p : paths) {
    fs::path full = fs::weakly_canonical(base / p, ec);
    std::string rel = full.lexically_relative(root).generic_string();
    if (known.count(rel)) {
      chosen.insert(rel);
    } else {
      err << fmt::format("retort: note: skipping {}: not a revision file of this project\n", p);
    }
  }
  return chosen;
}

// Files added or modified since `ref` (committed, staged or not) and files
// git does not track yet, relative to the project root.
std::vector<std::string> changed_since(const Project& project, const std::string& ref) {
  std::string root = project.root.string();
  ProcessResult diff = run_process({"git", "-C", root, "diff", "--name-only", "--relative",
                                    "--diff-filter=AM", "--no-renames", ref, "--"});
  if (diff.exit_code != 0) {
    std::string why = diff.err.empty() ? "git could not be run" : diff.err;
    while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
    throw RunError(2, fmt::format("--since {}: git diff failed: {}", ref, why));
  }
  ProcessResult untracked =
      run_process({"git", "-C", root, "ls-files", "--others", "--exclude-standard"});
  std::vector<std::string> files;
  for (const std::string* text : {&diff.out, &untracked.out}) {
    size_t start = 0;
    while (start < text->size()) {
      size_t end = text->find('\n', start);
      if (end == std::string::npos) end = text->size();
      if (end > start) files.push_back(text->substr(start, end - start));
      start = end + 1;
    }
  }
  return files;
}

// The folder of the git work tree above `root`, as a prefix for SARIF paths
// ("" when the project is at the top or not in git).
std::string repository_prefix(const fs::path& root) {
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(root, ec);
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git", ec)) {
      std::string rel = dir.lexically_relative(p).generic_string();
      return rel == "." ? "" : rel + "/";
    }
    if (p == p.parent_path()) break;
  }
  return "";
}

void print_list(Context& ctx, const lint::RuleSet& rules) {
  Config config;
  if (auto root = find_project_root(ctx.location().start); root || !ctx.global.config.empty()) {
    config = open_project(ctx.location()).config;
  }
  ctx.out << lint::list_rules(rules, config);
}

void run_lint_command(Context& ctx, const LintCommandOptions& options) {
  lint::RuleSet rules = lint::make_rules();
  if (options.list_rules) return print_list(ctx, rules);
  auto format = lint::parse_format(options.format);
  if (!format) throw RunError(2, fmt::format("unknown format \"{}\"", options.format));
  auto min_level = lint::parse_level(options.min_level);
  if (!min_level || *min_level == lint::Level::off) {
    throw RunError(2, fmt::format("--min-level must be info, warning or error, not \"{}\"",
                                  options.min_level));
  }

  DiagnosticSink sink;
  Project project;
  bool opened = false;
  lint::LintOptions lint_options;
  SchemaModel schema_after;
  lint_options.schema_after = &schema_after;
  try {
    project = open_project(ctx.location());
    opened = true;
    for (const auto& target : resolve_targets(project, options.dialects))
      lint_options.targets.push_back({target.dialect, target.version});
  } catch (const RunError& e) {
    // A document is printed even when the run stops: the errors are its findings.
    if (*format == lint::ReportFormat::text || e.diagnostics().empty()) throw;
    for (const auto& d : e.diagnostics()) sink.report(d);
  }

  if (opened) {
    // Header-first: the lint replays the chain while the bodies are still
    // being parsed (compiler/project.h).
    load_revisions(project, sink, ctx.replaying_load());
    // The notes on FILES come after what the load prints itself (the
    // RETORT_CACHE_STATS line), which a header-first load prints when it
    // finishes; a throw finishes it first too.
    std::ostringstream notes;
    try {
      if (!options.files.empty() || !options.since.empty()) {
        std::error_code ec;
        fs::path cwd = fs::current_path(ec);
        auto chosen = select_files(project, cwd, options.files, notes);
        if (!options.since.empty()) {
          auto changed =
              select_files(project, project.root, changed_since(project, options.since), notes);
          chosen.insert(changed.begin(), changed.end());
        }
        lint_options.only_files = std::move(chosen);
      }
    } catch (...) {
      DiagnosticSink lost;  // as a Complete load's diagnostics are, by the throw
      finish_loading(project, lost);
      throw;
    }
    if (!sink.has_errors()) {
      DiagnosticSink findings;
      if (run_while_loading(project, sink,
                            [&] { run_lint(project, rules, lint_options, findings); }))
        sink.absorb(std::move(findings));
    }
    ctx.err << notes.str();
  }

  sink.sort();
  std::vector<Diagnostic> shown;
  bool input_error = false, gate_failed = false;
  for (const auto& d : sink.diagnostics()) {
    input_error = input_error || is_input_error(d, rules);
    gate_failed = gate_failed || d.severity == Severity::error;
    int rank = d.severity == Severity::error ? 3 : d.severity == Severity::warning ? 2 : 1;
    if (rank >= static_cast<int>(*min_level)) shown.push_back(d);
  }
  SourceTexts texts = opened ? project.texts(shown) : SourceTexts{};
  lint::ReportInput input{shown, rules, texts, RETORT_VERSION, "", 0, false};
  input.repository_prefix = opened ? repository_prefix(project.root) : "";
  input.files_linted = !opened                   ? 0
                       : lint_options.only_files ? lint_options.only_files->size()
                                                 : project.sources.size();
  input.color = ctx.use_color();
  ctx.out << lint::render_report(*format, input);
  ctx.exit_code = std::max(ctx.exit_code, input_error ? 2 : gate_failed ? 1 : 0);
  ctx.keep_until_exit(project);
  ctx.keep_until_exit(schema_after);
}

}  // namespace

void add_lint_command(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<LintCommandOptions>();
  auto* cmd = app.add_subcommand("lint", "lint revisions with the replayed schema in hand");
  cmd->add_option("FILES", options->files,
                  "report only on these revision files (the whole chain is still replayed)");
  cmd->add_option("--since", options->since,
                  "report only on revision files added or modified since this git ref")
      ->type_name("GIT_REF");
  cmd->add_option("--format", options->format, "text, json, sarif or github")
      ->check(CLI::IsMember({"text", "json", "sarif", "github"}));
  cmd->add_option("--dialect", options->dialects,
                  "target dialects, each optionally NAME@VERSION (default: [project] dialects)")
      ->delimiter(',');
  cmd->add_option("--min-level", options->min_level, "report only info, warning or error and up")
      ->check(CLI::IsMember({"info", "warning", "error"}));
  cmd->add_flag("--list-rules", options->list_rules, "print every rule with its level and summary");
  cmd->callback([&ctx, options] { run_lint_command(ctx, *options); });
}

}  // namespace retort::cli
