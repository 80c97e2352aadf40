// The integrity file `retort.sum` beside the revisions (bundles.md): one
// line per revision with the SHA-256 of its file and a running hash of the
// lines before it. Two branches that each add a revision both change its
// end, so git shows a conflict; `check` reports a revision edited after it
// was summed.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics.h"
#include "compiler/project.h"

namespace retort {

/// One line of the sum file.
struct SumLine {
  std::string id;
  std::string file_sha256;
  std::string chain;  ///< SHA-256 of the text of every line before it
  uint32_t line = 0;  ///< 1-based line in the file (0: not read from one)
};

/// The sum file as read: the lines in order, and its path relative to the
/// project root.
struct SumFile {
  std::string path;
  std::string text;
  std::vector<SumLine> lines;
};

/// Where the project's sum file is: `retort.sum` in the folder its
/// revisions are read from (`migrations`, or the Alembic versions folder).
std::filesystem::path sum_file_path(const Project& project);

/// The sum file as it is on disk, or nothing when there is none. A line
/// that cannot be read is an `error[integrity]` at that line.
std::optional<SumFile> read_sum_file(const Project& project, DiagnosticSink& sink);

/// The text of a sum file with these lines (their `chain` recomputed).
std::string render_sum_file(std::vector<SumLine> lines);

/// The lines `retort sum` writes: every revision of the project, in
/// topological order, with the SHA-256 of its file as it is now.
std::vector<SumLine> sum_every_revision(const Project& project);

/// After `new` or `merge` wrote revision `id`: its line is added at the end
/// of the sum file, the other lines kept as they are. A project without a
/// sum file gets one listing every revision first.
void add_to_sum_file(const Project& project, const std::string& id, std::string_view text);

/// After `fmt` rewrote files: a line whose hash is a key of `rewritten`
/// (the file matched it before formatting) gets the value (the hash of the
/// formatted file). Nothing happens when the project has no sum file.
void update_sum_file(const Project& project, const std::map<std::string, std::string>& rewritten);

/// Compares the project with its sum file, if it has one: a revision whose
/// file no longer matches its line, or a line that does not follow from the
/// ones before it, is an `error[integrity]`; a revision the file does not
/// list, or a line for a revision that no longer exists, is a warning.
/// Returns the sum file read (for the text of its diagnostics).
std::optional<SumFile> check_integrity(const Project& project, DiagnosticSink& sink);

}  // namespace retort
