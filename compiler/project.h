// A Retort project on disk: retort.toml, its revision files, the graph, and
// the schema replayed from the base. What every command reads.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ast.h"
#include "compiler/config.h"
#include "compiler/diagnostics.h"
#include "compiler/parse_cache.h"
#include "compiler/replay.h"
#include "compiler/revision_graph.h"
#include "compiler/schema_model.h"
#include "compiler/text_util.h"

namespace retort {

/// Where to find the project (cli.md's global options).
struct ProjectLocation {
  std::filesystem::path start = ".";            ///< -C DIR, else the current folder
  std::optional<std::filesystem::path> config;  ///< --config FILE
  ParseCacheOptions cache;                      ///< off unless the CLI turns it on
};

/// Files bigger than this are refused before they are parsed.
inline constexpr size_t kMaxRevisionFileBytes = 64u << 20;

class PendingBodies;  // compiler/project.cpp
struct PendingBodiesDeleter {
  void operator()(PendingBodies* pending) const;
};

/// A project's files and what was made of them (Project, below, adds the
/// bodies a header-first load is still parsing).
struct ProjectFiles {
  std::filesystem::path root;  ///< folder holding retort.toml
  SourceFile config_file;      ///< path relative to root
  Config config;
  std::vector<SourceFile> sources;  ///< every revision file, sorted by path
  /// The SHA-256 of each of `sources` (same order), computed once on load:
  /// the cache key, and what retort.sum and script headers record.
  std::vector<std::string> source_hashes;
  ParseCacheOptions cache;  ///< the cache of parsed revisions (docs/cache.md)
  /// Parsed revisions, in the order of `sources`; empty when any file had a
  /// syntax error (the graph of a half-parsed project would only mislead).
  std::vector<ast::RevisionFile> revisions;
  RevisionGraph graph;
  /// Index into `revisions` by revision id. A hash map: built for every
  /// revision and searched once a revision replayed (a std::map of 10,000
  /// ids cost 12 M instructions to build, on the one loading thread).
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> revision_index;
};

struct Project : ProjectFiles {
  /// Not null between a header-first load_revisions and finish_loading:
  /// the bodies of `revisions` are being parsed on other threads, and only
  /// revision() may be used to read them (`graph` is complete: its nodes
  /// hold each header as the graph needs it, and the path). A member of the
  /// derived class, so destroyed before the files its threads write; an
  /// assignment stops them first too.
  std::unique_ptr<PendingBodies, PendingBodiesDeleter> pending;

  Project() = default;
  Project(Project&&) = default;
  Project& operator=(Project&& other) {
    pending.reset();  // its threads write `revisions` and read `sources`
    ProjectFiles::operator=(std::move(other));
    pending = std::move(other.pending);
    return *this;
  }

  /// Every source text by path, for rendering diagnostics.
  SourceTexts texts() const;
  /// The texts that `about` points into (and the config's), by path: what
  /// rendering those diagnostics needs. (Gathering every text cost a clean
  /// `lint` of 10,000 revisions 12 M instructions at its end.)
  SourceTexts texts(const std::vector<Diagnostic>& about) const;
  /// The source at `path`, or null; `sources` is sorted by path, so this
  /// is a binary search.
  const SourceFile* find_source(std::string_view path) const;
  /// The text of the revision file at `path` (empty if none).
  std::string_view source_text(std::string_view path) const;
  /// The SHA-256 of the text of the revision file at `path` (hashed now if
  /// the project was not loaded by load_revisions).
  std::string source_sha256(std::string_view path) const;
  /// The same for one of `revisions`, found by its place instead of a
  /// search by path (a script's every section names its file's hash).
  std::string source_sha256(const ast::RevisionFile& revision) const;
  /// The parsed revision of `id`, or null. While bodies are pending, waits
  /// for this one (parsing others meanwhile); null if it did not parse.
  /// Then not safe to call from two threads at once.
  const ast::RevisionFile* revision(std::string_view id) const;
  /// How many bodies a header-first load handed to other threads to parse
  /// (parsed by now or not); 0 once finish_loading has run, or after a
  /// Complete load. While there are many, the cores are busy parsing.
  size_t bodies_parsed_behind() const;
  /// Whether a command that replays the chain should split it between two
  /// threads, each replaying on a schema of its own (compiler/split_chain.h):
  /// a long chain, two cores, and the cores not already busy parsing bodies
  /// (a cold run), where a second thread only competes.
  bool worth_two_replaying_threads() const;
  /// Replay options from the config (naming, target dialects, name limit).
  ReplayOptions replay_options() const;
};

/// The folder holding retort.toml, walking up from `start`; nullopt if none.
std::optional<std::filesystem::path> find_project_root(const std::filesystem::path& start);

/// Reads retort.toml; throws RunError(2) when there is none or it is bad
/// (its diagnostics are carried by the exception).
Project open_project(const ProjectLocation& where);

enum class LoadMode {
  Complete,     ///< every file parsed when load_revisions returns
  HeaderFirst,  ///< the graph first; bodies may still be parsing (below)
};

/// Reads and parses every revision file and builds the graph. Problems go to
/// `sink`; the stages stop at the first stage with errors (syntax, then graph).
///
/// HeaderFirst lets a command (`upgrade`, `check`, `lint`) replay while bodies are parsed: every
/// file is read and its header parsed (the `fileHead` rule), the graph is built from the headers,
/// and the bodies are parsed on other threads in topological order, each as soon as a thread is
/// free. It applies only when every header parsed cleanly and the graph has no diagnostic at all;
/// otherwise (and for Alembic scripts) the load is Complete. While `project.pending`, the command
/// may only read revisions through revision() (or the graph's nodes, or `revisions[i]` once
/// revision() has returned it), must not report anything, and must call finish_loading before it
/// does (run_while_loading); a command that started early throws away what it made when
/// finish_loading reports an error.
void load_revisions(Project& project, DiagnosticSink& sink, LoadMode mode = LoadMode::Complete);

/// Waits for the pending bodies of a header-first load and reports to
/// `sink` what a Complete load would have: the files' parse diagnostics in
/// file order, and no revisions and no graph when any is an error. Does
/// nothing after a Complete load.
/// Returns false when it reported an error.
bool finish_loading(Project& project, DiagnosticSink& sink);

/// Runs `work` while a header-first load's bodies are parsed (it must read
/// revisions through Project::revision), then finish_loading into `sink`.
/// False when that reported an error: whatever `work` made is then to be
/// thrown away, and so is an exception it threw, since a Complete load
/// would have stopped before `work` began. After a Complete load, only runs
/// `work`.
template <class Work>
bool run_while_loading(Project& project, DiagnosticSink& sink, Work&& work) {
  try {
    work();
  } catch (...) {
    if (!finish_loading(project, sink)) return false;
    throw;
  }
  return finish_loading(project, sink);
}

/// Replays every revision in topological order from an empty schema and
/// returns the schema at the end (all heads applied).
SchemaModel replay_all(const Project& project, DiagnosticSink& sink);

/// Reads a whole file; throws RunError(2) naming it when it cannot.
std::string read_text_file(const std::filesystem::path& path, size_t max_bytes);

/// Writes a file atomically (temporary file in the same folder, then rename).
void write_file_atomically(const std::filesystem::path& path, std::string_view text);

/// Hands each piece of a file's text, in order, to where it is written.
using TextSink = std::function<void(std::string_view)>;

/// The same, for a text made piece by piece: `produce` gives the pieces to
/// the sink it is handed, which writes them in large blocks, so that a big
/// file (the cache's pack) need not be whole in memory first. What
/// `produce` throws leaves no file and is thrown again.
void write_file_atomically(const std::filesystem::path& path,
                           const std::function<void(const TextSink&)>& produce);

}  // namespace retort
