// Fuzz target: the whole pipeline on a small project made from the input,
// as `retort check`, `lint`, `schema` and `bundle` run it.
#include <fmt/format.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "compiler/project.h"
#include "emit/bundle.h"
#include "emit/registry.h"
#include "emit/script.h"
#include "lint/engine.h"
#include "lint/registry.h"
#include "lint/report.h"
#include "tests/fuzz/targets.h"

namespace retort::fuzz {
namespace {

namespace fs = std::filesystem;

// More files add little the fuzzer cannot reach with these, and cost time.
constexpr size_t kMaxFiles = 16;

// Every dialect, so that every renderer sees every input; Oracle before
// 12.2 for its 30-byte names, the strictest limit.
constexpr std::string_view kConfig = R"([project]
migrations = "migrations"
alembic_placeholder
dialects = ["postgresql", "mysql", "mariadb", "sqlite", "mssql", "oracle"]

[dialect.oracle]
version = "12.1"

[emit]
lock_timeout = "5s"
statement_timeout = "30min"
)";

// A scratch folder of this call's own, removed whatever happens.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "retort-fuzz-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("cannot make a scratch folder");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::vector<std::string_view> split_files(std::string_view data) {
  std::vector<std::string_view> files;
  while (files.size() + 1 < kMaxFiles) {
    size_t at = data.find(kFileSeparator);
    if (at == std::string_view::npos) break;
    files.push_back(data.substr(0, at));
    data.remove_prefix(at + kFileSeparator.size());
  }
  files.push_back(data);
  return files;
}

std::vector<emit::Target> all_targets(const Config& config) {
  std::vector<emit::Target> targets;
  for (const auto& dialect : config.dialects)
    targets.push_back({dialect, config.version_of(dialect)});
  return targets;
}

// Everything after a clean load: what `check`, `lint`, `schema` and `bundle` do.
void compile(const Project& project, DiagnosticSink& sink) {
  SchemaModel schema = replay_all(project, sink);
  if (sink.has_errors()) return;
  std::vector<emit::Target> targets = all_targets(project.config);
  for (const auto& target : targets) {
    auto renderer = emit::make_renderer(target);
    if (!renderer) throw FuzzFailure("no renderer for " + target.dialect);
    emit::render_all(project, *renderer, sink);
    Resolution heads = project.graph.resolve("heads");
    if (heads.ok()) {
      DiagnosticSink schema_sink;
      (void)emit::schema_script(project, *renderer, heads.ids, {"fuzz"}, schema_sink);
    }
    emit::Range stamp = emit::stamp_range(project.graph, "heads");
    if (stamp.error.empty()) (void)emit::stamp_script(project, *renderer, stamp, {"fuzz"});
  }

  lint::RuleSet rules = lint::make_rules();
  DiagnosticSink lint_sink;
  lint::LintOptions lint_options;
  for (const auto& t : targets) lint_options.targets.push_back({t.dialect, t.version});
  lint::run_lint(project, rules, lint_options, lint_sink);
  lint_sink.sort();
  SourceTexts texts = project.texts();
  for (auto format : {lint::ReportFormat::text, lint::ReportFormat::json, lint::ReportFormat::sarif,
                      lint::ReportFormat::github}) {
    (void)lint::render_report(
        format, {lint_sink.diagnostics(), rules, texts, "fuzz", "", project.sources.size(), false});
  }

  // The bundle: the upgrade and downgrade scripts of every dialect (whole
  // and per revision, downgrades derived), REVIEW.md and the manifest.
  emit::Range range = emit::upgrade_range(project.graph, "heads");
  if (!range.error.empty()) return;
  DiagnosticSink bundle_sink;
  auto bundle = emit::build_bundle(project, {range.from, range.to, targets, "fuzz"}, bundle_sink);
  render_all_diagnostics(bundle_sink, texts);
  if (!bundle) return;
  auto manifest = bundle->files.find("manifest.json");
  if (manifest == bundle->files.end()) throw FuzzFailure("a bundle without manifest.json");
  std::string error;
  if (!emit::parse_manifest(manifest->second, error)) {
    throw FuzzFailure(fmt::format("the bundle's manifest does not read back: {}", error));
  }
}

}  // namespace

std::string pipeline_input(const std::vector<std::string>& files, bool alembic) {
  std::string out(alembic ? kAlembicMarker : "");
  for (size_t i = 0; i < files.size(); ++i) {
    if (i > 0) out += kFileSeparator;
    out += files[i];
  }
  return out;
}

void fuzz_pipeline(std::string_view data) {
  bool alembic = data.substr(0, kAlembicMarker.size()) == kAlembicMarker;
  if (alembic) data.remove_prefix(kAlembicMarker.size());
  ScratchDir dir;
  std::string config(kConfig);
  config.replace(config.find("alembic_placeholder"), std::string_view("alembic_placeholder").size(),
                 alembic ? "alembic = \"versions\"" : "");
  write(dir.path() / "retort.toml", config);
  fs::create_directory(dir.path() / (alembic ? "versions" : "migrations"));
  std::vector<std::string_view> files = split_files(data);
  for (size_t i = 0; i < files.size(); ++i) {
    fs::path name = alembic ? fs::path("versions") / fmt::format("v{}.py", i)
                            : fs::path("migrations") / fmt::format("{:02}.rev", i);
    write(dir.path() / name, files[i]);
  }

  expect_no_internal_error([&] {
    Project project = open_project(ProjectLocation{dir.path(), std::nullopt, {}});
    DiagnosticSink sink;
    load_revisions(project, sink);
    if (!sink.has_errors()) compile(project, sink);
    render_all_diagnostics(sink, project.texts());
  });
}

}  // namespace retort::fuzz
