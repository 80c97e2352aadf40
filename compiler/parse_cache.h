// The cache of parsed revisions (docs/cache.md): one pack file of serialized
// ASTs keyed by the SHA-256 of each source text, so that a warm run reads,
// hashes and replays but does not parse unchanged files. The cache never
// changes an answer: anything wrong with the pack is a miss.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast.h"

namespace retort {

/// How a run uses the cache; the CLI fills it in (the default is off, so
/// library callers and tests parse as before).
struct ParseCacheOptions {
  bool enabled = false;
  /// $RETORT_CACHE_DIR when set; else ROOT/.retort/cache.
  std::optional<std::filesystem::path> dir;
  /// RETORT_CACHE_STATS=1: one line of hits and misses goes here (stderr).
  std::ostream* stats = nullptr;
};

/// Bumped whenever the byte layout written by `serialize_revision` changes.
inline constexpr uint32_t kParseCacheFormatVersion = 3;

/// What a pack must match to be read at all: the tool version and a hash of
/// the sources that shape the AST (grammar, ast.h, the AST builder), baked in
/// by CMake, plus the format version above.
struct ParseCacheKey {
  std::string tool_version;
  std::string grammar_hash;
  /// The key of this build.
  static ParseCacheKey current();
};

/// The AST as bytes (every node, spans included) and back. The decoder checks
/// every length, index and enum value and returns nullopt on anything
/// malformed; it never throws and never reads out of bounds.
std::string serialize_revision(const ast::RevisionFile& file);
std::optional<ast::RevisionFile> deserialize_revision(std::string_view bytes);

/// Hits and misses of one run.
struct ParseCacheStats {
  size_t hits = 0;
  size_t misses = 0;
  bool pack_written = false;
};

/// A pack file's bytes, read into memory of their own (an anonymous
/// mapping, filled in one step and given back whole when they go) rather
/// than the allocator's: the pack is read on a thread that ends soon after,
/// and with memory in large pages (cli/allocator.cpp) what that thread's
/// heap held stayed in the process until its end, 2 to 4 MB of the peak of
/// a 10,000-revision `upgrade` (bench/README.md, twelfth round).
class PackBytes {
 public:
  PackBytes() = default;
  ~PackBytes();
  PackBytes(const PackBytes&) = delete;
  PackBytes& operator=(const PackBytes&) = delete;

  /// Reads the file at `path`, at most `max_bytes`: false when it cannot
  /// be read or is bigger. A file that changes meanwhile gives what was
  /// read, which the pack's own checks then refuse.
  bool read(const std::filesystem::path& path, size_t max_bytes);
  std::string_view view() const { return {static_cast<const char*>(data_), size_}; }

 private:
  void* data_ = nullptr;
  size_t mapped_ = 0;
  size_t size_ = 0;
};

/// One pack file: loaded once, looked up by source hash, saved (atomically)
/// only when something was recorded. Entries not looked up or recorded in
/// this run are dropped on save, so the pack follows the project.
class ParseCache {
 public:
  /// Reads `pack_path` if it exists; a missing, foreign or corrupt pack is
  /// an empty cache (and is rewritten on save).
  ParseCache(std::filesystem::path pack_path, ParseCacheKey key = ParseCacheKey::current());
  // Entries are views into the cache's own bytes: not copyable or movable.
  ParseCache(const ParseCache&) = delete;
  ParseCache& operator=(const ParseCache&) = delete;

  /// The serialized AST stored for the text whose SHA-256 is `sha256`, when
  /// its checksum holds; nullopt otherwise. Const and thread-safe: the
  /// workers that load a project call it in parallel.
  std::optional<std::string_view> find(std::string_view sha256) const;
  /// True when the pack has an entry for `sha256` (sound or not).
  bool listed(std::string_view sha256) const;
  /// The entry find() gave for `sha256` (`ast_bytes`, already checked) was
  /// used: keep it, count a hit.
  void hit(std::string_view sha256, std::string_view ast_bytes);
  /// A text was parsed instead: count a miss. `damaged_entry`: the pack had
  /// an entry for it that failed its checksum or did not decode, so the
  /// pack is rewritten.
  void miss(bool damaged_entry);
  /// Keeps the serialized AST of a text that parsed without any diagnostic.
  void record(std::string_view sha256, std::string ast_bytes);

  /// One-thread shorthands: find + decode + hit or miss; serialize + record.
  std::optional<ast::RevisionFile> lookup(const std::string& sha256);
  void record(const std::string& sha256, const ast::RevisionFile& file);
  /// Writes the pack when anything changed; errors are ignored (a cache
  /// that cannot be written is only slower).
  void save();

  const ParseCacheStats& stats() const { return stats_; }
  /// Entries read from the pack (after validation).
  size_t loaded_entries() const { return loaded_.size(); }

  /// The pack's bytes for `entries` (sha256 -> serialized AST), as save()
  /// writes them in pieces: for tests that craft or compare packs.
  static std::string encode_pack(const ParseCacheKey& key,
                                 const std::map<std::string, std::string_view>& entries);
  /// The entries of a pack (views into `bytes`, which must outlive them),
  /// or nullopt when it is not a valid pack of `key`.
  static std::optional<std::map<std::string, std::string_view>> decode_pack(
      const ParseCacheKey& key, std::string_view bytes);

 private:
  /// One entry of a pack, as views into its bytes.
  struct PackEntry {
    std::string_view sha256;
    std::string_view ast;
    uint64_t checksum = 0;
  };
  static std::string_view key_of(const PackEntry& e) { return e.sha256; }
  static std::string_view key_of(std::string_view key) { return key; }
  /// The entries of a pack of `key` in key order, checking its structure
  /// but not the entries' checksums (find() checks those of the entries a
  /// run uses); nullopt when it is not a well-formed pack of `key`.
  static std::optional<std::vector<PackEntry>> index_pack(const ParseCacheKey& key,
                                                          std::string_view bytes);

  std::filesystem::path pack_path_;
  ParseCacheKey key_;
  // The pack is read once and entries are views into it: a warm run copies
  // no AST bytes.
  PackBytes pack_bytes_;
  std::vector<PackEntry> loaded_;
  std::deque<std::string> recorded_;  // bytes of entries added by this run
  // What this run used or added, in the order met (a later one of the same
  // key wins); sorted in place and rid of repeated keys only when the pack
  // is written, which a warm run does not do.
  std::vector<std::pair<std::string, std::string_view>> kept_;
  bool dirty_ = false;
  ParseCacheStats stats_;
};

/// The pack file of a project at `root` under `options` (ROOT/.retort/cache/
/// revisions.pack, or one file per project under $RETORT_CACHE_DIR).
std::filesystem::path parse_cache_pack_path(const std::filesystem::path& root,
                                            const ParseCacheOptions& options);

}  // namespace retort
