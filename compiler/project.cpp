#include "compiler/project.h"

#include <fmt/format.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <ostream>
#include <random>
#include <system_error>
#include <thread>

#include "compiler/alembic_reader.h"
#include "compiler/digest.h"
#include "compiler/parser.h"
#include "compiler/split_chain.h"

namespace fs = std::filesystem;

namespace retort {

SourceTexts Project::texts() const {
  SourceTexts out;
  out.emplace(config_file.path, config_file.text);
  for (const auto& s : sources) out.emplace(s.path, s.text);
  return out;
}

SourceTexts Project::texts(const std::vector<Diagnostic>& about) const {
  SourceTexts out;
  out.emplace(config_file.path, config_file.text);
  for (const auto& d : about) {
    if (out.contains(d.file)) continue;
    if (const SourceFile* s = find_source(d.file)) out.emplace(s->path, s->text);
  }
  return out;
}

const SourceFile* Project::find_source(std::string_view path) const {
  auto it = std::lower_bound(sources.begin(), sources.end(), path,
                             [](const SourceFile& s, std::string_view p) { return s.path < p; });
  return it != sources.end() && it->path == path ? &*it : nullptr;
}

std::string_view Project::source_text(std::string_view path) const {
  const SourceFile* s = find_source(path);
  return s ? std::string_view(s->text) : std::string_view();
}

std::string Project::source_sha256(std::string_view path) const {
  const SourceFile* s = find_source(path);
  if (!s) return sha256_hex("");
  size_t index = static_cast<size_t>(s - sources.data());
  return index < source_hashes.size() ? source_hashes[index] : sha256_hex(s->text);
}

std::string Project::source_sha256(const ast::RevisionFile& revision) const {
  // A load keeps each revision at its file's place in `sources`; anything
  // else (a revision from elsewhere, another order) is looked up by path.
  std::less<const ast::RevisionFile*> before;
  if (!revisions.empty() && !before(&revision, revisions.data()) &&
      before(&revision, revisions.data() + revisions.size())) {
    size_t index = static_cast<size_t>(&revision - revisions.data());
    if (index < sources.size() && index < source_hashes.size() &&
        sources[index].path == revision.path)
      return source_hashes[index];
  }
  return source_sha256(revision.path);
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

// The names in `folder` of regular files (symbolic links followed) that
// `wanted` accepts, in no order. readdir's file types spare a stat per
// file; std::filesystem's iterator spent more building each entry's paths
// than the system calls cost (bench/README.md, sixth round).
template <class Wanted>
std::vector<std::string> list_folder(const fs::path& folder, Wanted wanted) {
  auto fail = [&](int error) {
    return RunError(2,
                    fmt::format("cannot list \"{}\": {}", folder.string(), std::strerror(error)));
  };
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(folder.c_str()), ::closedir);
  if (!dir) throw fail(errno);
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) {
      if (errno != 0) throw fail(errno);
      break;
    }
    std::string_view name = entry->d_name;
    if (!wanted(name)) continue;
    bool regular = entry->d_type == DT_REG;
    if (entry->d_type == DT_LNK || entry->d_type == DT_UNKNOWN) {
      struct stat st {};
      regular = ::fstatat(::dirfd(dir.get()), entry->d_name, &st, 0) == 0 && S_ISREG(st.st_mode);
    }
    if (regular) names.emplace_back(name);
  }
  return names;
}

// Reads `name` (relative to the folder open as `dir_fd`, or to the current
// folder with AT_FDCWD) with one open, fstat and read: per file, the
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
    // A read that stopped short at exactly the size fstat gave has found
    // the end: no second read to see it return 0 (10,000 syscalls on a
    // 10,000-revision project). Any other short read reads on.
    if (used == static_cast<size_t>(info.st_size) && used < text.size()) break;
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
  write_file_atomically(path, [text](const TextSink& sink) { sink(text); });
}

void write_file_atomically(const fs::path& path,
                           const std::function<void(const TextSink&)>& produce) {
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
  auto write_all = [&](std::string_view bytes) {
    for (size_t done = 0; done < bytes.size() && error == 0;) {
      ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno != EINTR) error = errno;
      if (n > 0) done += static_cast<size_t>(n);
    }
  };
  // Small pieces are gathered into blocks; a large one goes straight out.
  constexpr size_t kBlock = size_t{256} << 10;
  std::string block;
  try {
    produce([&](std::string_view piece) {
      if (error != 0) return;
      if (block.size() + piece.size() > kBlock && !block.empty()) {
        write_all(block);
        block.clear();
      }
      if (piece.size() >= kBlock) {
        write_all(piece);
      } else {
        block.append(piece);
      }
    });
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (error == 0) write_all(block);
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

// What joining a file needs once it is parsed or found in the cache.
struct Outcome {
  std::optional<RunError> failure;         // could not be read (or the runtime failed)
  std::optional<std::string_view> cached;  // the pack entry it was decoded from: a hit
  bool cache_entry_damaged = false;
  DiagnosticSink diagnostics;  // of a parse
  std::string serialized;      // a fresh diagnostic-free parse, for the cache

  // Nothing to say: a miss with no diagnostic and nothing for the cache.
  bool plain() const {
    return !failure && !cached && !cache_entry_damaged && diagnostics.empty() && serialized.empty();
  }
  // Kept only when not plain (a header-first load holds one per file while
  // the bodies are parsed).
  static std::unique_ptr<Outcome> kept(Outcome&& out) {
    return out.plain() ? nullptr : std::make_unique<Outcome>(std::move(out));
  }
};

// One revision file on its way in: read and hashed, then found in the cache
// or parsed. Filled by one worker at a time; read in file order afterwards.
struct LoadedFile {
  std::string name;  // in the folder
  SourceFile source;
  std::string sha256;
  Outcome outcome;
  // Its revision once decoded or parsed, or null: a slot of the load's
  // vector of revisions, which becomes the project's whole. (Held here, a
  // revision made every file 728 bytes, and all of them were moved into a
  // second vector at the end: 4 MB more to touch on one thread.)
  ast::RevisionFile* revision = nullptr;
  void keep(ast::RevisionFile& slot, std::optional<ast::RevisionFile> made) {
    if (!made) return;
    slot = std::move(*made);
    revision = &slot;
  }
  // Header-first, not in the cache: its node of the graph, made by the
  // worker from the header parsed alone, so that the graph is ready sooner.
  // (A Complete load makes its nodes on its own thread: it has no time to
  // win there, and memory a worker allocates and another thread frees
  // goes back the slow way.) Held apart: usually null.
  std::unique_ptr<RevisionNode> node;
};

// How many threads load a project of `files` files: one per core, but not
// for a handful of files, where starting threads costs more than it saves.
size_t loader_threads(size_t files) {
  constexpr size_t kFilesPerThread = 64;
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<size_t>(files / kFilesPerThread, 1, std::min<size_t>(cores, 16));
}

// A parse workspace for one thread, or none when memory is short (parsing
// then uses the runtime's shared caches: slower, same result).
std::unique_ptr<ParseWorkspace> make_workspace() {
  try {
    return std::make_unique<ParseWorkspace>();
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}

// Runs `step` for the file at `path`; what it throws becomes its failure.
template <class Step>
void guarded(Outcome& out, const std::string& path, Step step) {
  try {
    step();
  } catch (const RunError& e) {
    out.failure = e;
  } catch (const std::bad_alloc&) {
    out.failure = RunError(3, fmt::format("out of memory while loading {}", path));
  } catch (const std::exception& e) {
    out.failure = RunError(3, fmt::format("internal error while loading {}: {}", path, e.what()));
  }
}

// Runs `work(i, workspace)` for every i below `count` on up to `threads`
// threads (this one included), each with its own workspace. `work` must
// touch nothing shared but its slot i and const state, so that the
// outcome does not depend on the threads.
template <class Work>
void run_parallel(size_t count, size_t threads, Work work) {
  std::atomic<size_t> next{0};
  auto run = [&] {
    std::unique_ptr<ParseWorkspace> workspace = make_workspace();
    constexpr size_t kChunk = 16;
    for (size_t begin = next.fetch_add(kChunk); begin < count; begin = next.fetch_add(kChunk)) {
      for (size_t i = begin; i < std::min(count, begin + kChunk); ++i) work(i, workspace.get());
    }
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) {
    try {
      helpers.emplace_back(run);
    } catch (const std::system_error&) {
      break;  // no more threads to be had: fewer threads are only slower
    }
  }
  run();
  for (auto& h : helpers) h.join();
}

// Opens the cache's pack on a thread of its own while the caller lists the
// folder: at 10,000 revisions each is a few milliseconds of a start where
// nothing else runs yet. take() waits for the cache (or rethrows what
// opening it threw).
class CacheOpener {
 public:
  explicit CacheOpener(fs::path pack) : pack_(std::move(pack)) {
    try {
      thread_ = std::jthread([this] { open(); });
    } catch (const std::system_error&) {
      open();  // no thread to be had: here and now
    }
  }
  std::unique_ptr<ParseCache> take() {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(error_);
    return std::move(cache_);
  }

 private:
  void open() {
    try {
      cache_ = std::make_unique<ParseCache>(pack_);
    } catch (...) {
      error_ = std::current_exception();
    }
  }
  fs::path pack_;
  std::unique_ptr<ParseCache> cache_;
  std::exception_ptr error_;
  std::jthread thread_;  // last: joined before the members it writes go
};

// Finds a `.rev` file's revision in the cache, if it is there, into `slot`.
void decode_cached(LoadedFile& f, ast::RevisionFile& slot, const ParseCache* cache) {
  if (!cache) return;
  if (auto bytes = cache->find(f.sha256)) {
    f.keep(slot, deserialize_revision(*bytes));
    if (f.revision) f.outcome.cached = bytes;
  }
  f.outcome.cache_entry_damaged = !f.revision && cache->listed(f.sha256);
}

// Parses a `.rev` file (of text `source`) that was not in the cache.
std::optional<ast::RevisionFile> parse_body(Outcome& out, const SourceFile& source,
                                            const ParseCache* cache, ParseWorkspace* workspace) {
  auto revision = parse_revision(source, out.diagnostics, nullptr, workspace);
  // Only a parse without any diagnostic is cached, so that a hit never has
  // to reproduce a warning.
  if (cache && revision && out.diagnostics.empty()) out.serialized = serialize_revision(*revision);
  return revision;
}

// The cache's part of joining the file of hash `sha256`, and its
// diagnostics into `parse_sink`; throws the file's failure.
void collect(Outcome& out, std::string_view sha256, ParseCache* cache, DiagnosticSink& parse_sink) {
  if (out.failure) throw *out.failure;
  if (cache) {
    if (out.cached) {
      cache->hit(sha256, *out.cached);
    } else {
      cache->miss(out.cache_entry_damaged);
      if (!out.serialized.empty()) cache->record(sha256, std::move(out.serialized));
    }
  }
  parse_sink.absorb(std::move(out.diagnostics));
}

void save_cache(ParseCache& cache, const Project& project) {
  cache.save();
  if (project.cache.stats) {
    const auto& stats = cache.stats();
    *project.cache.stats << fmt::format("retort: cache: {} hits, {} misses, pack {}\n", stats.hits,
                                        stats.misses, stats.pack_written ? "written" : "unchanged");
  }
}

RevisionNode node_of(const ast::Header& header, const std::string& path) {
  RevisionNode node;
  node.id = header.id.text;
  node.path = path;
  node.parents = header.revises;
  node.depends_on = header.depends_on;
  node.labels = header.labels;
  node.message = header.message.value_or("");
  node.id_span = header.id.span;
  return node;
}

bool same_spans(const SourceSpan& a, const SourceSpan& b) {
  return a.begin == b.begin && a.end == b.end && a.line == b.line && a.column == b.column &&
         a.end_line == b.end_line && a.end_column == b.end_column;
}

// Two nodes made from one file: by a header-first load from the header
// parsed alone, and from the whole file.
bool same_node(const RevisionNode& a, const RevisionNode& b) {
  auto same_ids = [](const std::vector<ast::RevisionId>& x, const std::vector<ast::RevisionId>& y) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](const auto& p, const auto& q) {
      return p.text == q.text && same_spans(p.span, q.span);
    });
  };
  return a.id == b.id && a.path == b.path && same_ids(a.parents, b.parents) &&
         same_ids(a.depends_on, b.depends_on) &&
         std::equal(a.labels.begin(), a.labels.end(), b.labels.begin(), b.labels.end(),
                    [](const auto& p, const auto& q) {
                      return p.text == q.text && p.quoted == q.quoted && same_spans(p.span, q.span);
                    }) &&
         a.message == b.message && same_spans(a.id_span, b.id_span);
}

}  // namespace

// The bodies of a header-first load, parsed on helper threads in
// topological order while the command replays; the command's thread parses
// too whenever it waits for one. A body is handed over under `mutex_`, so
// the command's thread reads a revision only after the thread that parsed
// it has let go of it.
class PendingBodies {
 public:
  // `outcomes` by file index; `order`: the files to parse, in topological
  // order (the others are in their slots already).
  PendingBodies(std::vector<std::unique_ptr<Outcome>> loaded, std::unique_ptr<ParseCache> pack,
                const std::vector<SourceFile>& sources, std::vector<ast::RevisionFile>& slots,
                std::vector<size_t> order)
      : outcomes(std::move(loaded)),
        cache(std::move(pack)),
        sources_(sources.data()),
        slots_(slots.data()),
        order_(std::move(order)),
        done_(slots.size(), 1),
        parsed_(slots.size(), 1) {
    for (size_t i : order_) done_[i] = parsed_[i] = 0;
  }
  ~PendingBodies() {
    stop_ = true;
    for (auto& t : helpers_) t.join();
  }
  PendingBodies(const PendingBodies&) = delete;
  PendingBodies& operator=(const PendingBodies&) = delete;

  void start(size_t threads) {
    for (size_t t = 0; t < threads; ++t) {
      try {
        helpers_.emplace_back([this] {
          std::unique_ptr<ParseWorkspace> workspace = make_workspace();
          while (!stop_) {
            auto i = claim();
            if (!i) break;
            parse(*i, workspace.get());
          }
        });
      } catch (const std::system_error&) {
        break;  // the command's thread parses what no helper takes
      }
    }
  }

  // Waits until file `i` is parsed; true when it has a revision.
  bool wait(size_t i) {
    while (true) {
      {
        std::lock_guard lock(mutex_);
        if (done_[i]) return parsed_[i] != 0;
      }
      auto next = claim();
      if (!next) break;  // nothing left to take: wait below
      parse(*next, own_workspace());
    }
    own_workspace_.reset();  // its DFA is not needed again
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return done_[i] != 0; });
    return parsed_[i] != 0;
  }

  // Waits for every body and for the helpers to end.
  void wait_all() {
    while (auto next = claim()) parse(*next, own_workspace());
    own_workspace_.reset();
    for (auto& t : helpers_) t.join();
    helpers_.clear();
  }

  size_t bodies() const { return order_.size(); }

  std::vector<std::unique_ptr<Outcome>> outcomes;  // by file index; null when plain
  std::unique_ptr<ParseCache> cache;
  std::atomic<bool> out_of_memory{false};  // an outcome could not be kept

 private:
  // The next body in topological order, now this thread's to parse; none
  // when every body is taken.
  std::optional<size_t> claim() {
    size_t k = next_.fetch_add(1);
    if (k >= order_.size()) return std::nullopt;
    return order_[k];
  }
  // Parses body `i` into its slot. Throws nothing: on a helper thread an
  // exception would end the process.
  void parse(size_t i, ParseWorkspace* workspace) {
    // What the cache lookup found (a damaged entry) stays.
    Outcome out = outcomes[i] ? std::move(*outcomes[i]) : Outcome();
    bool parsed = false;
    guarded(out, sources_[i].path, [&] {
      auto revision = parse_body(out, sources_[i], cache.get(), workspace);
      if (!revision) return;
      revision->path = sources_[i].path;
      slots_[i] = std::move(*revision);
      parsed = true;
    });
    try {
      outcomes[i] = Outcome::kept(std::move(out));
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
    }
    {
      std::lock_guard lock(mutex_);
      done_[i] = 1;
      parsed_[i] = parsed ? 1 : 0;
    }
    ready_.notify_all();
  }
  ParseWorkspace* own_workspace() {
    if (!own_workspace_) own_workspace_ = make_workspace();
    return own_workspace_.get();
  }

  const SourceFile* sources_;    // the project's, by file index
  ast::RevisionFile* slots_;     // the project's revisions, by file index
  std::vector<size_t> order_;    // file indices of the bodies to parse, in topological order
  std::atomic<size_t> next_{0};  // into order_
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<uint8_t> done_, parsed_;  // by file index, under mutex_
  std::vector<std::thread> helpers_;
  std::unique_ptr<ParseWorkspace> own_workspace_;  // the command thread's
};

void PendingBodiesDeleter::operator()(PendingBodies* pending) const {
  delete pending;
}

size_t Project::bodies_parsed_behind() const {
  return pending ? pending->bodies() : 0;
}

bool Project::worth_two_replaying_threads() const {
  // A handful of bodies (the revision being written) keeps the parsing
  // threads busy for a moment only.
  return worth_a_thread(graph.size()) && !worth_a_thread(bodies_parsed_behind());
}

const ast::RevisionFile* Project::revision(std::string_view id) const {
  auto it = revision_index.find(id);
  if (it == revision_index.end()) return nullptr;
  if (pending && !pending->wait(it->second)) return nullptr;
  return &revisions[it->second];
}

void load_revisions(Project& project, DiagnosticSink& sink, LoadMode mode) {
  project.pending.reset();
  project.graph = RevisionGraph();  // none when a file has a syntax error
  // `[project] alembic` reads an Alembic project's scripts in place instead
  // of `.rev` files (Alembic's own __init__.py and the like are not scripts).
  const bool alembic = project.config.alembic.has_value();
  const std::string& where = alembic ? *project.config.alembic : project.config.migrations;
  fs::path folder = project.root / where;
  // Alembic scripts are read in place and not cached (docs/cache.md).
  std::optional<CacheOpener> cache_opener;
  if (project.cache.enabled && !alembic)
    cache_opener.emplace(parse_cache_pack_path(project.root, project.cache));
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
  // A name's extension as std::filesystem sees it: after its last dot,
  // unless that dot starts the name.
  auto has_extension = [](std::string_view name, std::string_view ext) {
    return name.size() > ext.size() && name.ends_with(ext);
  };
  std::vector<std::string> names = list_folder(folder, [&](std::string_view name) {
    return alembic ? has_extension(name, ".py") && name[0] != '_' && name[0] != '.'
                   : has_extension(name, ".rev");
  });
  std::sort(names.begin(), names.end());
  std::vector<LoadedFile> files(names.size());
  std::vector<ast::RevisionFile> revisions(names.size());  // files[i].revision's slots
  // The folder's part of every path, normalised once: a name is a plain
  // file name. Should the shortcut ever disagree with normalising the whole
  // path, every path is normalised whole.
  std::string prefix = shown_folder.lexically_normal().generic_string();
  if (prefix == ".") prefix.clear();
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  bool shortcut = names.empty() || (shown_folder / names[0]).lexically_normal().generic_string() ==
                                       prefix + names[0];
  for (size_t i = 0; i < names.size(); ++i) {
    files[i].source.path = shortcut ? prefix + names[i]
                                    : (shown_folder / names[i]).lexically_normal().generic_string();
    files[i].name = std::move(names[i]);
  }

  std::unique_ptr<ParseCache> cache = cache_opener ? cache_opener->take() : nullptr;
  const ParseCache* cache_view = cache.get();

  int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    throw RunError(2, fmt::format("cannot list \"{}\": {}", folder.string(), std::strerror(errno)));
  }
  // Every file is read, hashed and looked up in the cache; then parsed
  // (Complete) or, header-first, only its header is. A small project is
  // loaded Complete: there is too little to overlap for the headers'
  // second parse to pay. (The test of size is the files', not the cores':
  // on one core, header-first is slower but gives the same result.)
  size_t threads = loader_threads(files.size());
  constexpr size_t kHeaderFirstFiles = 128;
  const bool header_first =
      mode == LoadMode::HeaderFirst && !alembic && files.size() >= kHeaderFirstFiles;
  run_parallel(files.size(), threads, [&](size_t i, ParseWorkspace* workspace) {
    LoadedFile& f = files[i];
    guarded(f.outcome, f.source.path, [&] {
      f.source.text = read_file_at(dir_fd, f.name, f.source.path, kMaxRevisionFileBytes);
      f.sha256 = sha256_hex(f.source.text);
      if (alembic) return;  // read in place, in order, below
      decode_cached(f, revisions[i], cache_view);
      if (!f.revision && header_first) {
        if (auto head = parse_revision_header(f.source, workspace))
          f.node = std::make_unique<RevisionNode>(node_of(*head, f.source.path));
        return;
      }
      if (!f.revision) f.keep(revisions[i], parse_body(f.outcome, f.source, cache_view, workspace));
    });
  });
  ::close(dir_fd);

  project.sources.clear();
  project.source_hashes.clear();
  project.revisions.clear();
  project.revision_index.clear();
  project.sources.reserve(files.size());
  project.source_hashes.reserve(files.size());

  if (header_first) {
    // Header-first only when nothing is in doubt: every file read, every
    // header clean, a graph without a diagnostic, and a body to parse.
    bool clean = true, bodies_left = false;
    for (const auto& f : files) {
      clean = clean && !f.outcome.failure && (f.revision || f.node);
      bodies_left = bodies_left || !f.revision;
    }
    std::optional<RevisionGraph> graph;
    if (clean && bodies_left) {
      std::vector<RevisionNode> nodes;
      nodes.reserve(files.size());
      for (auto& f : files) {
        nodes.push_back(f.node ? std::move(*f.node)
                               : node_of(f.revision->header, f.source.path));  // a cache hit
      }
      DiagnosticSink graph_sink;
      graph = RevisionGraph::build(std::move(nodes), graph_sink);
      if (!graph_sink.empty()) graph.reset();
    }
    if (graph) {
      // The cache hits are in place; the other slots are the bodies' to fill.
      project.revisions = std::move(revisions);
      std::vector<std::unique_ptr<Outcome>> outcomes;
      outcomes.reserve(files.size());
      project.revision_index.reserve(files.size());
      for (size_t i = 0; i < files.size(); ++i) {
        LoadedFile& f = files[i];
        if (f.revision) f.revision->path = f.source.path;  // a cache hit
        project.revision_index.emplace(graph->nodes()[i].id, i);
        project.sources.push_back(std::move(f.source));
        project.source_hashes.push_back(std::move(f.sha256));
        outcomes.push_back(Outcome::kept(std::move(f.outcome)));
      }
      std::vector<size_t> order;
      for (size_t i : graph->topological_order()) {
        if (!files[i].revision) order.push_back(i);
      }
      const size_t bodies = order.size();
      files.clear();  // what is left of a file is in its outcome
      project.graph = std::move(*graph);
      project.pending.reset(new PendingBodies(std::move(outcomes), std::move(cache),
                                              project.sources, project.revisions,
                                              std::move(order)));
      // This thread replays; the others parse, and it helps when it waits.
      project.pending->start(std::min(std::max<size_t>(threads, 2) - 1, bodies));
      return;
    }
    // Complete after all: parse the bodies that are left, as a Complete
    // load would, and make every node again from the whole revisions.
    if (bodies_left)
      run_parallel(files.size(), threads, [&](size_t i, ParseWorkspace* workspace) {
        LoadedFile& f = files[i];
        f.node.reset();
        if (f.outcome.failure) return;
        guarded(f.outcome, f.source.path, [&] {
          if (!f.revision)
            f.keep(revisions[i], parse_body(f.outcome, f.source, cache_view, workspace));
        });
      });
  }

  DiagnosticSink parse_sink;
  std::vector<RevisionNode> nodes;
  nodes.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    LoadedFile& f = files[i];
    // The first failure in file order, whichever thread met it first.
    if (f.outcome.failure) throw *f.outcome.failure;
    if (alembic) f.keep(revisions[i], read_alembic_script(f.source, f.outcome.diagnostics));
    collect(f.outcome, f.sha256, cache.get(), parse_sink);
    if (f.revision) {
      f.revision->path = f.source.path;
      nodes.push_back(node_of(f.revision->header, f.source.path));
    }
    project.sources.push_back(std::move(f.source));
    project.source_hashes.push_back(std::move(f.sha256));
  }
  if (nodes.size() < revisions.size()) {
    // Files without a revision drop out of `revisions`, in order, should
    // a load go on past one.
    size_t next = 0;
    for (size_t i = 0; i < files.size(); ++i) {
      if (!files[i].revision) continue;
      if (next != i) revisions[next] = std::move(revisions[i]);
      ++next;
    }
    revisions.resize(next);
  }
  files.clear();
  if (cache) save_cache(*cache, project);
  bool syntax_failed = parse_sink.has_errors();
  sink.absorb(std::move(parse_sink));
  if (syntax_failed) return;

  project.graph = RevisionGraph::build(std::move(nodes), sink);
  project.revisions = std::move(revisions);
  project.revision_index.reserve(project.revisions.size());
  for (size_t i = 0; i < project.revisions.size(); ++i) {
    project.revision_index.emplace(project.revisions[i].header.id.text, i);
  }
}

bool finish_loading(Project& project, DiagnosticSink& sink) {
  if (!project.pending) return true;
  PendingBodies& pending = *project.pending;
  pending.wait_all();
  if (pending.out_of_memory) throw RunError(3, "out of memory while loading the revisions");
  DiagnosticSink parse_sink;
  for (size_t i = 0; i < pending.outcomes.size(); ++i) {
    Outcome plain;
    Outcome& out = pending.outcomes[i] ? *pending.outcomes[i] : plain;
    collect(out, project.source_hashes[i], pending.cache.get(), parse_sink);
  }
  if (pending.cache) save_cache(*pending.cache, project);
  if (!parse_sink.has_errors()) {
    // The graph was built from the headers parsed alone; the whole files
    // must give the same one.
    const auto& nodes = project.graph.nodes();
    for (size_t i = 0; i < project.revisions.size(); ++i) {
      const auto& rev = project.revisions[i];
      if (!same_node(nodes[i], node_of(rev.header, rev.path))) {
        throw RunError(3, fmt::format("internal error while loading {}: its header parsed alone "
                                      "differs from the whole file's; please report this bug",
                                      rev.path));
      }
    }
  }
  project.pending.reset();
  if (parse_sink.has_errors()) {
    // What a Complete load leaves when a file has a syntax error.
    project.revisions.clear();
    project.revision_index.clear();
    project.graph = RevisionGraph();
  }
  bool failed = parse_sink.has_errors();
  sink.absorb(std::move(parse_sink));
  return !failed;
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
