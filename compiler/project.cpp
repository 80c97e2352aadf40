#include "compiler/project.h"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <ostream>
#include <random>
#include <system_error>
#include <thread>

#include "compiler/alembic_reader.h"
#include "compiler/digest.h"
#include "compiler/parser.h"

namespace fs = std::filesystem;

namespace retort {

SourceTexts Project::texts() const {
  SourceTexts out;
  out.emplace(config_file.path, config_file.text);
  for (const auto& s : sources) out.emplace(s.path, s.text);
  return out;
}

std::string_view Project::source_text(std::string_view path) const {
  auto it = std::lower_bound(sources.begin(), sources.end(), path,
                             [](const SourceFile& s, std::string_view p) { return s.path < p; });
  return it != sources.end() && it->path == path ? std::string_view(it->text) : std::string_view();
}

std::string Project::source_sha256(std::string_view path) const {
  auto it = std::lower_bound(sources.begin(), sources.end(), path,
                             [](const SourceFile& s, std::string_view p) { return s.path < p; });
  if (it == sources.end() || it->path != path) return sha256_hex("");
  size_t index = static_cast<size_t>(it - sources.begin());
  return index < source_hashes.size() ? source_hashes[index] : sha256_hex(it->text);
}

const ast::RevisionFile* Project::revision(std::string_view id) const {
  auto it = revision_index.find(id);
  return it == revision_index.end() ? nullptr : &revisions[it->second];
}

ReplayOptions Project::replay_options() const {
  ReplayOptions options;
  options.naming = config.naming;
  options.dialects = config.dialects;
  // The strictest identifier limit among the targets (dialects.md): a name
  // is made once and is the same on every dialect.
  size_t limit = 0;
  for (const auto& d : config.dialects) {
    size_t l = d == "postgresql"                ? 63
               : d == "mysql" || d == "mariadb" ? 64
               : d == "mssql"                   ? 128
               : d == "oracle"
                   ? (compare_versions(config.version_of("oracle"), "12.2") < 0 ? 30 : 128)
                   : 0;
    if (l != 0 && (limit == 0 || l < limit)) limit = l;
  }
  options.max_name_bytes = limit == 0 ? 63 : limit;
  return options;
}

std::optional<fs::path> find_project_root(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return std::nullopt;
  dir = dir.lexically_normal();
  while (true) {
    if (fs::is_regular_file(dir / "retort.toml", ec)) return dir;
    fs::path parent = dir.parent_path();
    if (parent == dir || parent.empty()) return std::nullopt;
    dir = parent;
  }
}

namespace {

// Reads `name` (relative to the folder open as `dir_fd`, or to the current
// folder with AT_FDCWD) with one open, fstat and read loop: per file, the
// syscalls are most of the cost of reading a project. `shown` names it in
// errors.
std::string read_file_at(int dir_fd, const std::string& name, const std::string& shown,
                         size_t max_bytes) {
  auto cannot_read = [&shown](int error) {
    return RunError(2, fmt::format("cannot read \"{}\": {}", shown, std::strerror(error)));
  };
  auto too_big = [&](uint64_t bytes) {
    return RunError(
        2, fmt::format("\"{}\" is {} bytes, over the limit of {} bytes", shown, bytes, max_bytes));
  };
  int fd = ::openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw cannot_read(errno);
  // Closed on every way out, a throw included.
  std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* f) { ::close(*f); });
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw cannot_read(errno);
  if (static_cast<uint64_t>(info.st_size) > max_bytes) throw too_big(info.st_size);
  // One byte more than the size: a read that fills it means the file grew.
  std::string text(static_cast<size_t>(info.st_size) + 1, '\0');
  size_t used = 0;
  while (true) {
    if (used == text.size()) {
      if (used > max_bytes) throw too_big(used);
      text.resize(text.size() * 2);
    }
    ssize_t got = ::read(fd, text.data() + used, text.size() - used);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw cannot_read(errno);
    if (got == 0) break;
    used += static_cast<size_t>(got);
  }
  if (used > max_bytes) throw too_big(used);
  text.resize(used);
  return text;
}

}  // namespace

std::string read_text_file(const fs::path& path, size_t max_bytes) {
  return read_file_at(AT_FDCWD, path.string(), path.string(), max_bytes);
}

void write_file_atomically(const fs::path& path, std::string_view text) {
  auto failed = [&path](int error) {
    return RunError(2, fmt::format("cannot write \"{}\": {}", path.string(),
                                   std::generic_category().message(error)));
  };
  // A file being replaced keeps its permissions; a new one gets 0666 less
  // the umask, as any file the user makes.
  struct stat old {};
  const bool replacing = ::stat(path.c_str(), &old) == 0 && S_ISREG(old.st_mode);
  // A fresh name opened with O_EXCL: never a file or a link that someone
  // left at a predictable temporary name, nor another thread's.
  std::random_device random;
  fs::path tmp;
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 16; ++attempt) {
    tmp = path;
    tmp += fmt::format(".tmp-{}-{:08x}", static_cast<long>(::getpid()), random());
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) throw failed(errno);
  }
  if (fd < 0) throw failed(EEXIST);
  int error = 0;
  for (size_t done = 0; done < text.size() && error == 0;) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno != EINTR) error = errno;
    if (n > 0) done += static_cast<size_t>(n);
  }
  if (error == 0 && replacing && ::fchmod(fd, old.st_mode & 07777) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  // No fsync: the rename makes the write atomic for readers and against a
  // crash of retort; the cache pack comes through here on every run.
  if (error == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(tmp.c_str());
    throw failed(error);
  }
}

Project open_project(const ProjectLocation& where) {
  Project project;
  fs::path config_path;
  if (where.config) {
    config_path = fs::absolute(*where.config).lexically_normal();
    if (!fs::is_regular_file(config_path)) {
      throw RunError(2, fmt::format("no config file \"{}\"", where.config->string()));
    }
  } else {
    auto root = find_project_root(where.start);
    if (!root) {
      throw RunError(2, fmt::format("no retort.toml in \"{}\" or any folder above it; run "
                                    "`retort init` to start a project",
                                    where.start.string()));
    }
    config_path = *root / "retort.toml";
  }
  project.root = config_path.parent_path();
  project.config_file.path = config_path.filename().string();
  project.config_file.text = read_text_file(config_path, 1u << 20);
  DiagnosticSink sink;
  auto config = parse_config(project.config_file, sink);
  if (!config || sink.has_errors()) {
    throw RunError(2, "bad config", sink.diagnostics());
  }
  project.config = std::move(*config);
  project.cache = where.cache;
  return project;
}

namespace {

// One revision file on its way in: read and hashed, then found in the cache
// or parsed. Filled by one worker; read in file order afterwards.
struct LoadedFile {
  std::string name;  // in the folder
  SourceFile source;
  std::string sha256;
  std::optional<RunError> failure;  // could not be read (or the runtime failed)
  std::optional<ast::RevisionFile> revision;
  std::optional<std::string_view> cached;  // the pack entry it was decoded from: a hit
  bool cache_entry_damaged = false;
  DiagnosticSink diagnostics;  // of a parse
  std::string serialized;      // a fresh diagnostic-free parse, for the cache
};

// How many threads load a project of `files` files: one per core, but not
// for a handful of files, where starting threads costs more than it saves.
size_t loader_threads(size_t files) {
  constexpr size_t kFilesPerThread = 64;
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<size_t>(files / kFilesPerThread, 1, std::min<size_t>(cores, 16));
}

// Reads, hashes and (for `.rev` files) decodes or parses every file, in
// parallel. Nothing here touches shared state but `cache.find` (const) and
// the per-slot results, so the outcome does not depend on the threads.
void read_and_parse(std::vector<LoadedFile>& files, int dir_fd, bool alembic,
                    const ParseCache* cache) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    std::optional<ParseWorkspace> workspace;
    try {
      workspace.emplace();
    } catch (const std::bad_alloc&) {
      // Parse with the runtime's shared caches instead: slower, same result.
    }
    constexpr size_t kChunk = 16;
    for (size_t begin = next.fetch_add(kChunk); begin < files.size();
         begin = next.fetch_add(kChunk)) {
      for (size_t i = begin; i < std::min(files.size(), begin + kChunk); ++i) {
        LoadedFile& f = files[i];
        try {
          f.source.text = read_file_at(dir_fd, f.name, f.source.path, kMaxRevisionFileBytes);
          f.sha256 = sha256_hex(f.source.text);
          if (alembic) continue;  // read in place, in order, by the caller
          if (cache) {
            if (auto bytes = cache->find(f.sha256)) {
              f.revision = deserialize_revision(*bytes);
              if (f.revision) f.cached = bytes;
            }
            f.cache_entry_damaged = !f.revision && cache->listed(f.sha256);
          }
          if (!f.revision) {
            f.revision =
                parse_revision(f.source, f.diagnostics, nullptr, workspace ? &*workspace : nullptr);
            // Only a parse without any diagnostic is cached, so that a hit
            // never has to reproduce a warning.
            if (cache && f.revision && f.diagnostics.empty())
              f.serialized = serialize_revision(*f.revision);
          }
        } catch (const RunError& e) {
          f.failure = e;
        } catch (const std::exception& e) {
          f.failure = RunError(
              3, fmt::format("internal error while loading {}: {}", f.source.path, e.what()));
        }
      }
    }
  };
  size_t threads = loader_threads(files.size());
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: fewer threads are only slower
    }
  }
  work();
  for (auto& h : helpers) h.join();
}

}  // namespace

void load_revisions(Project& project, DiagnosticSink& sink) {
  // `[project] alembic` reads an Alembic project's scripts in place instead
  // of `.rev` files (Alembic's own __init__.py and the like are not scripts).
  const bool alembic = project.config.alembic.has_value();
  const std::string& where = alembic ? *project.config.alembic : project.config.migrations;
  fs::path folder = project.root / where;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw RunError(2, fmt::format("the {} folder \"{}\" does not exist (retort.toml: "
                                  "[project] {})",
                                  alembic ? "Alembic versions" : "migrations", where,
                                  alembic ? "alembic" : "migrations"));
  }
  // Paths are shown relative to the root: the folder's once, then each name.
  fs::path shown_folder = fs::relative(folder, project.root, ec);
  if (ec || shown_folder.empty()) shown_folder = folder;
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::string name = entry.path().filename().string();
    bool wanted = alembic ? entry.path().extension() == ".py" && name[0] != '_' && name[0] != '.'
                          : entry.path().extension() == ".rev";
    if (wanted && entry.is_regular_file()) names.push_back(std::move(name));
  }
  if (ec) throw RunError(2, fmt::format("cannot list \"{}\": {}", folder.string(), ec.message()));
  std::sort(names.begin(), names.end());
  std::vector<LoadedFile> files(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    files[i].source.path = (shown_folder / names[i]).lexically_normal().generic_string();
    files[i].name = std::move(names[i]);
  }

  // Alembic scripts are read in place and not cached (docs/cache.md).
  std::optional<ParseCache> cache;
  if (project.cache.enabled && !alembic)
    cache.emplace(parse_cache_pack_path(project.root, project.cache));

  int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    throw RunError(2, fmt::format("cannot list \"{}\": {}", folder.string(), std::strerror(errno)));
  }
  read_and_parse(files, dir_fd, alembic, cache ? &*cache : nullptr);
  ::close(dir_fd);

  project.sources.clear();
  project.source_hashes.clear();
  project.revisions.clear();
  project.sources.reserve(files.size());
  project.source_hashes.reserve(files.size());
  DiagnosticSink parse_sink;
  std::vector<ast::RevisionFile> parsed;
  parsed.reserve(files.size());
  for (auto& f : files) {
    // The first failure in file order, whichever thread met it first.
    if (f.failure) throw *f.failure;
    if (alembic) f.revision = read_alembic_script(f.source, f.diagnostics);
    if (cache) {
      if (f.cached) {
        cache->hit(f.sha256, *f.cached);
      } else {
        cache->miss(f.cache_entry_damaged);
        if (!f.serialized.empty()) cache->record(f.sha256, std::move(f.serialized));
      }
    }
    parse_sink.absorb(std::move(f.diagnostics));
    if (f.revision) {
      f.revision->path = f.source.path;
      parsed.push_back(std::move(*f.revision));
    }
    project.sources.push_back(std::move(f.source));
    project.source_hashes.push_back(std::move(f.sha256));
  }
  files.clear();
  if (cache) {
    cache->save();
    if (project.cache.stats) {
      const auto& stats = cache->stats();
      *project.cache.stats << fmt::format("retort: cache: {} hits, {} misses, pack {}\n",
                                          stats.hits, stats.misses,
                                          stats.pack_written ? "written" : "unchanged");
    }
  }
  bool syntax_failed = parse_sink.has_errors();
  sink.absorb(std::move(parse_sink));
  if (syntax_failed) return;

  std::vector<RevisionNode> nodes;
  nodes.reserve(parsed.size());
  for (const auto& rev : parsed) {
    RevisionNode node;
    node.id = rev.header.id.text;
    node.path = rev.path;
    node.parents = rev.header.revises;
    node.depends_on = rev.header.depends_on;
    node.labels = rev.header.labels;
    node.message = rev.header.message.value_or("");
    node.id_span = rev.header.id.span;
    nodes.push_back(std::move(node));
  }
  project.graph = RevisionGraph::build(std::move(nodes), sink);
  project.revisions = std::move(parsed);
  project.revision_index.clear();
  for (size_t i = 0; i < project.revisions.size(); ++i) {
    project.revision_index.emplace(project.revisions[i].header.id.text, i);
  }
}

SchemaModel replay_all(const Project& project, DiagnosticSink& sink) {
  SchemaModel schema;
  ReplayOptions options = project.replay_options();
  const auto& nodes = project.graph.nodes();
  for (size_t index : project.graph.topological_order()) {
    const ast::RevisionFile* rev = project.revision(nodes[index].id);
    if (rev) replay_upgrade(*rev, schema, options, sink);
  }
  return schema;
}

}  // namespace retort
