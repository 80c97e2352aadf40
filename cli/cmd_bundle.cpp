// `retort bundle` writes a bundle folder (bundles.md) atomically; `retort
// verify` rebuilds one from what its manifest records and names every file
// that differs.
//
// Exit codes: bundle exits 2 (nothing written) on any input or rendering
// error, 1 when the bundle was written but lint found error-level findings
// in the range (they are recorded in manifest.json and REVIEW.md, and
// printed), else 0. verify exits 2 when the manifest or the project cannot
// be read, 1 on any difference, 0 when every file matches.
#include <fcntl.h>
#include <fmt/format.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "cli/app.h"
#include "compiler/digest.h"
#include "emit/bundle.h"
#include "emit/registry.h"
#include "lint/report.h"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE (1 << 1)
#endif

namespace retort::cli {
namespace {

namespace fs = std::filesystem;

struct BundleOptions {
  std::string range;
  std::string output;
  std::vector<std::string> dialects;
  bool force = false;
};

// Loads the revisions and replays them; false (diagnostics printed) on errors.
bool load_and_replay(Context& ctx, Project& project) {
  DiagnosticSink sink;
  load_revisions(project, sink);
  if (!sink.has_errors()) replay_all(project, sink);
  ctx.report(sink, project);
  return !sink.has_errors();
}

// Every target must have a renderer: a bundle without SQL is no bundle.
void require_renderers(const std::vector<emit::Target>& targets) {
  for (const auto& t : targets) {
    if (!emit::make_renderer(t)) {
      std::string known;
      for (const auto& entry : emit::dialect_registry())
        known += (known.empty() ? "" : ", ") + std::string(entry.name);
      throw RunError(2, fmt::format("Retort cannot write {} SQL yet: {} have renderers (see "
                                    "docs/status.md)",
                                    t.dialect, known));
    }
  }
}

std::string errno_text() {
  return std::strerror(errno);
}

// Writes `bytes` to a new file at `path` and flushes it to disk.
void write_new_file(const fs::path& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) throw RunError(2, fmt::format("cannot write {}: {}", path.string(), errno_text()));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      std::string why = errno_text();
      ::close(fd);
      throw RunError(2, fmt::format("cannot write {}: {}", path.string(), why));
    }
    done += static_cast<size_t>(n);
  }
  bool synced = ::fsync(fd) == 0;
  std::string why = errno_text();
  if (::close(fd) != 0 || !synced)
    throw RunError(2, fmt::format("cannot write {}: {}", path.string(), why));
}

// A temporary folder beside the bundle's place, removed unless released.
class TempFolder {
 public:
  TempFolder(const fs::path& parent, const std::string& name) {
    std::string pattern = (parent / ("." + name + ".tmp-XXXXXX")).string();
    std::vector<char> buffer(pattern.begin(), pattern.end());
    buffer.push_back('\0');
    if (!::mkdtemp(buffer.data())) {
      throw RunError(2, fmt::format("cannot create a temporary folder in {}: {}", parent.string(),
                                    errno_text()));
    }
    path_ = buffer.data();
    ::chmod(path_.c_str(), 0755);  // mkdtemp makes it 0700; a bundle is for others to read
  }
  ~TempFolder() {
    if (path_.empty()) return;
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Swaps two paths atomically (Linux renameat2 RENAME_EXCHANGE, called
// through syscall where glibc lacks the wrapper). False with errno set.
bool exchange(const fs::path& a, const fs::path& b) {
#ifdef SYS_renameat2
  return ::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0;
#else
  errno = ENOSYS;
  return false;
#endif
}

// The bundle folder as given, without a trailing slash.
fs::path bundle_path(const std::string& output) {
  fs::path p = fs::path(output).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  return p;
}

// Refuses (before the work and again at the swap) an existing `dir` that
// the new bundle may not replace: any, without --force; with it, anything
// but an empty folder or a bundle Retort wrote (its manifest.json names
// the tool), so that a mistyped -o never deletes someone's folder.
void check_bundle_target(const fs::path& dir, bool force) {
  std::error_code ec;
  if (fs::symlink_status(dir, ec).type() == fs::file_type::not_found) return;
  if (!force) throw RunError(2, fmt::format("{} exists; use --force to replace it", dir.string()));
  if (!fs::is_directory(fs::symlink_status(dir, ec))) {
    throw RunError(2, fmt::format("{} exists and is not a folder; remove it first", dir.string()));
  }
  if (fs::is_empty(dir, ec) && !ec) return;
  fs::path manifest = dir / "manifest.json";
  if (fs::is_regular_file(fs::symlink_status(manifest, ec)) &&
      read_text_file(manifest, kMaxRevisionFileBytes).find("\"tool\": \"retort\"") !=
          std::string::npos) {
    return;
  }
  throw RunError(2, fmt::format("{} is not a bundle Retort wrote (it has no manifest.json of "
                                "retort's); --force replaces only a bundle: choose another "
                                "folder, or remove it yourself",
                                dir.string()));
}

// Writes every file into a temporary folder beside `dir`, then puts it in
// place: a rename when `dir` does not exist, an atomic exchange with the
// old bundle (then removed) when it does and `force` is set. Any failure
// leaves `dir` as it was and no temporary folder behind.
void write_bundle(const fs::path& dir, const std::map<std::string, std::string>& files,
                  bool force) {
  std::error_code ec;
  fs::path parent = dir.parent_path().empty() ? fs::path(".") : dir.parent_path();
  if (!fs::is_directory(parent, ec))
    throw RunError(
        2, fmt::format("cannot write {}: {} is not a folder", dir.string(), parent.string()));
  TempFolder temp(parent, dir.filename().string());
  for (const auto& [relative, bytes] : files) {
    fs::path target = temp.path() / relative;
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw RunError(2, fmt::format("cannot create {}: {}", target.string(), ec.message()));
    write_new_file(target, bytes);
  }
  check_bundle_target(dir, force);
  bool exists = fs::symlink_status(dir, ec).type() != fs::file_type::not_found;
  if (!exists) {
    if (::rename(temp.path().c_str(), dir.c_str()) != 0)
      throw RunError(2, fmt::format("cannot write {}: {}", dir.string(), errno_text()));
    // The temporary folder is now the bundle; its destructor finds its old
    // path gone (remove_all of a missing path does nothing).
    return;
  }
  if (!exchange(temp.path(), dir)) {
    throw RunError(2, fmt::format("cannot replace {} atomically: {}", dir.string(), errno_text()));
  }
  // The temporary path now holds the old bundle: the destructor removes it.
}

void print_findings(Context& ctx, const Project& project, const std::vector<Diagnostic>& findings) {
  RenderOptions options;
  options.color = ctx.use_color();
  SourceTexts texts = project.texts(findings);
  for (const auto& d : findings) ctx.err << render_diagnostic(d, texts, options);
}

void run_bundle(Context& ctx, const BundleOptions& options) {
  Project project = open_project(ctx.location());
  std::vector<emit::Target> targets = resolve_targets(project, options.dialects);
  require_renderers(targets);
  fs::path dir = bundle_path(options.output);
  if (dir.empty()) throw RunError(2, "-o needs a folder");
  check_bundle_target(dir, options.force);
  if (!load_and_replay(ctx, project)) return;

  emit::Range range = emit::upgrade_range(project.graph, options.range);
  if (!range.error.empty()) throw RunError(2, range.error);
  emit::BundleRequest request{range.from, range.to, targets, RETORT_VERSION};
  DiagnosticSink sink;
  auto bundle = emit::build_bundle(project, request, sink);
  if (!bundle || sink.has_errors()) {
    ctx.report(sink, project);
    ctx.exit_code = std::max(ctx.exit_code, 2);
    return;
  }
  write_bundle(dir, bundle->files, options.force);
  print_findings(ctx, project, bundle->lint_findings);
  lint::Summary s = lint::summarize(bundle->lint_findings);
  ctx.out << fmt::format(
      "wrote {}: {} revision{} for {}, {} files; lint: {} error{}, {} warning{}, {} info\n",
      dir.string(), range.revisions.size(), range.revisions.size() == 1 ? "" : "s",
      [&] {
        std::string names;
        for (const auto& t : targets) names += (names.empty() ? "" : ", ") + t.to_string();
        return names;
      }(),
      bundle->files.size(), s.errors, s.errors == 1 ? "" : "s", s.warnings,
      s.warnings == 1 ? "" : "s", s.infos);
  if (bundle->lint_failed()) ctx.exit_code = std::max(ctx.exit_code, 1);
}

// Every regular file under `dir`, by path relative to it ('/' separated).
std::map<std::string, fs::path> files_on_disk(const fs::path& dir) {
  std::map<std::string, fs::path> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec)) continue;
    out.emplace(it->path().lexically_relative(dir).generic_string(), it->path());
  }
  if (ec) throw RunError(2, fmt::format("cannot read {}: {}", dir.string(), ec.message()));
  return out;
}

void run_verify(Context& ctx, const std::string& folder) {
  fs::path dir = bundle_path(folder);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw RunError(2, fmt::format("{} is not a folder", folder));
  fs::path manifest_path = dir / "manifest.json";
  if (!fs::is_regular_file(manifest_path, ec))
    throw RunError(2, fmt::format("{} has no manifest.json: is it a bundle?", folder));
  std::string error;
  auto manifest = emit::parse_manifest(read_text_file(manifest_path, kMaxRevisionFileBytes), error);
  if (!manifest) throw RunError(2, fmt::format("{}: {}", manifest_path.string(), error));

  Project project = open_project(ctx.location());
  // "Rebuilds from exactly that": the recorded config, not today's retort.toml.
  emit::apply_recorded_config(*manifest, project.config);
  require_renderers(manifest->targets);
  if (!load_and_replay(ctx, project)) return;

  std::vector<std::string> lines;
  if (manifest->tool_version != RETORT_VERSION) {
    lines.push_back(
        fmt::format("tool version: the bundle was written by retort {}, this is "
                    "retort {}",
                    manifest->tool_version, RETORT_VERSION));
  }
  for (const auto& r : manifest->revisions) {
    const ast::RevisionFile* rev = project.revision(r.id);
    if (!rev) {
      lines.push_back(fmt::format("revision removed: {} ({})", r.id, r.file));
    } else if (rev->path != r.file) {
      lines.push_back(fmt::format("revision moved: {} ({}, was {})", r.id, rev->path, r.file));
    } else if (sha256_hex(project.source_text(rev->path)) != r.sha256) {
      lines.push_back(fmt::format("revision changed: {} ({})", r.id, r.file));
    }
  }
  emit::Range range = emit::range_between(project.graph, manifest->from, manifest->to);
  if (!range.error.empty()) {
    // Nothing to rebuild from: say why, beside what else differs.
    lines.push_back("cannot rebuild: " + range.error);
    for (const auto& l : lines) ctx.out << l << "\n";
    ctx.exit_code = std::max(ctx.exit_code, 1);
    return;
  }
  // The rebuild uses the recorded tool version in its headers, so that a
  // newer retort reports only the files whose SQL really changed.
  emit::BundleRequest request{manifest->from, manifest->to, manifest->targets,
                              manifest->tool_version};
  DiagnosticSink sink;
  auto bundle = emit::build_bundle(project, request, sink);
  if (!bundle || sink.has_errors()) {
    for (const auto& l : lines) ctx.out << l << "\n";
    ctx.report(sink, project);
    ctx.exit_code = std::max(ctx.exit_code, 2);
    return;
  }
  std::map<std::string, fs::path> disk = files_on_disk(dir);
  std::set<std::string> paths;
  for (const auto& [p, bytes] : bundle->files) paths.insert(p);
  for (const auto& [p, full] : disk) paths.insert(p);
  for (const auto& p : paths) {
    auto expected = bundle->files.find(p);
    auto found = disk.find(p);
    if (found == disk.end()) {
      lines.push_back("missing: " + p);
    } else if (expected == bundle->files.end()) {
      lines.push_back("extra: " + p);
    } else if (read_text_file(found->second, 1u << 30) != expected->second) {
      lines.push_back("modified: " + p);
    }
  }
  if (lines.empty()) {
    ctx.out << fmt::format("{} matches its sources ({} files)\n", dir.string(),
                           bundle->files.size());
    return;
  }
  for (const auto& l : lines) ctx.out << l << "\n";
  ctx.exit_code = std::max(ctx.exit_code, 1);
}

}  // namespace

void add_bundle_commands(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<BundleOptions>();
  auto* bundle = app.add_subcommand(
      "bundle",
      "write a bundle folder: every script of a range for each dialect, REVIEW.md and "
      "manifest.json");
  bundle->add_option("RANGE", options->range, "[FROM:]TO")->required();
  bundle->add_option("-o", options->output, "the bundle folder to write")
      ->type_name("DIR")
      ->required();
  bundle
      ->add_option("--dialect", options->dialects,
                   "target dialects, each optionally NAME@VERSION (default: [project] dialects)")
      ->delimiter(',');
  bundle->add_flag("--force", options->force, "replace DIR if it exists");
  bundle->callback([&ctx, options] { run_bundle(ctx, *options); });

  auto folder = std::make_shared<std::string>();
  auto* verify = app.add_subcommand(
      "verify", "check that a bundle still matches the sources it was built from");
  verify->add_option("DIR", *folder, "the bundle folder")->required();
  verify->callback([&ctx, folder] { run_verify(ctx, *folder); });
}

}  // namespace retort::cli
