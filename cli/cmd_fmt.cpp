// `retort fmt [FILES...] [--check]`: rewrites revision files in the one
// canonical layout (compiler/formatter.cpp), keeping every comment.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>

#include "cli/app.h"
#include "compiler/digest.h"
#include "compiler/formatter.h"
#include "compiler/integrity.h"

namespace retort::cli {
namespace {

namespace fs = std::filesystem;

struct FmtOptions {
  std::vector<std::string> files;
  bool check = false;
};

/// A file to format: where it is, and the path messages show.
struct FmtTarget {
  fs::path path;
  std::string shown;
};

/// Every `.rev` file of the project's migrations folder, sorted.
std::vector<FmtTarget> project_files(const Context& ctx) {
  Project project = open_project(ctx.location());
  if (project.config.alembic) {
    throw RunError(2, fmt::format("fmt formats .rev files, and this project reads Alembic "
                                  "scripts from \"{}\" ([project] alembic); convert them first "
                                  "with `retort import alembic`",
                                  *project.config.alembic));
  }
  fs::path folder = project.root / project.config.migrations;
  std::vector<FmtTarget> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.path().extension() != ".rev" || !entry.is_regular_file()) continue;
    out.push_back({entry.path(), entry.path().lexically_relative(project.root).generic_string()});
  }
  if (ec) {
    throw RunError(2, fmt::format("cannot read the migrations folder \"{}\": {}", folder.string(),
                                  ec.message()));
  }
  std::sort(out.begin(), out.end(),
            [](const FmtTarget& a, const FmtTarget& b) { return a.shown < b.shown; });
  return out;
}

std::vector<FmtTarget> named_files(const Context& ctx, const std::vector<std::string>& files) {
  fs::path base =
      ctx.global.directory.empty() ? fs::current_path() : fs::path(ctx.global.directory);
  std::vector<FmtTarget> out;
  for (const auto& f : files) {
    fs::path p = base / f;
    if (p.extension() != ".rev") {
      throw RunError(2, fmt::format("fmt formats revision files (.rev); \"{}\" is not one", f));
    }
    if (!fs::is_regular_file(p)) throw RunError(2, fmt::format("no file \"{}\"", f));
    out.push_back({p, f});
  }
  return out;
}

/// The project the current folder belongs to, when there is one: named
/// files may be formatted outside any project.
std::optional<Project> current_project(const Context& ctx) {
  try {
    return open_project(ctx.location());
  } catch (const RunError&) {
    return std::nullopt;
  }
}

void run_fmt(Context& ctx, const FmtOptions& options) {
  std::vector<FmtTarget> targets =
      options.files.empty() ? project_files(ctx) : named_files(ctx, options.files);
  size_t changed = 0;
  std::map<std::string, std::string> rewritten;  // sha256 before -> after
  // A line of retort.sum follows its file only if the file matched it; also
  // when a later write fails, so that the files already rewritten stay summed.
  auto follow_sum = [&] {
    if (rewritten.empty()) return;
    if (auto project = current_project(ctx)) update_sum_file(*project, rewritten);
  };
  for (const auto& target : targets) {
    SourceFile source{target.shown, read_text_file(target.path, kMaxRevisionFileBytes)};
    DiagnosticSink sink;
    std::optional<std::string> formatted = format_revision(source, sink);
    ctx.report(sink, SourceTexts{{source.path, source.text}});
    if (!formatted || *formatted == source.text) continue;
    ++changed;
    if (options.check) {
      ctx.out << target.shown << "\n";
      continue;
    }
    try {
      write_file_atomically(target.path, *formatted);
    } catch (const RunError&) {
      follow_sum();
      throw;
    }
    rewritten.emplace(sha256_hex(source.text), sha256_hex(*formatted));
    ctx.out << "formatted " << target.shown << "\n";
  }
  follow_sum();
  // `--check` is a gate: a file that would change fails it (cli.md, exit 1).
  if (options.check && changed > 0) ctx.exit_code = std::max(ctx.exit_code, 1);
}

}  // namespace

void add_fmt_command(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<FmtOptions>();
  auto* cmd = app.add_subcommand(
      "fmt", "rewrite revision files in the one canonical layout, keeping their comments");
  cmd->add_option("files", options->files,
                  "revision files to format (default: every one of the project)");
  cmd->add_flag("--check", options->check,
                "change nothing; list the files that would change and exit 1 if any would");
  cmd->callback([&ctx, options] { run_fmt(ctx, *options); });
}

}  // namespace retort::cli
