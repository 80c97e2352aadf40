// The bodies of the libFuzzer targets (docs/hardening.md). Each is a plain
// function so that the fuzzers (fuzz_entry.cpp) and the ordinary test suite
// (tests/fuzz_regression_test.cpp) run the very same code on an input.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/diagnostics.h"

namespace retort::fuzz {

/// A broken promise of Retort's own (a printed revision that does not parse
/// back, a manifest that does not read back): a bug, never a user's error.
class FuzzFailure : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

/// One input as a `.rev` file: parse, dump the AST, format it (the
/// formatter's own round-trip check must hold) and render the diagnostics.
void fuzz_parse_revision(std::string_view data);

/// One input as an Alembic revision script: read it, print the revision it
/// gives as a `.rev` file (what `retort import` writes) and parse that back.
void fuzz_read_alembic_script(std::string_view data);

/// One input as `retort.toml`: read it and, when it is valid, use what it
/// says (targets, renderers, replay options, durations).
void fuzz_parse_config(std::string_view data);

/// The line that separates files in a pipeline input.
inline constexpr std::string_view kFileSeparator = "\n%%\n";
/// A pipeline input starting with this line holds Alembic scripts, not `.rev` files.
inline constexpr std::string_view kAlembicMarker = "#alembic\n";

/// One input as a whole project: the input split at kFileSeparator into at
/// most a few revision files (Alembic scripts after kAlembicMarker), loaded
/// with a fixed retort.toml targeting every dialect, then replayed, linted,
/// rendered, and bundled (upgrade, downgrade, REVIEW.md, manifest) for all
/// six dialects, as `retort check`, `lint` and `bundle` would.
void fuzz_pipeline(std::string_view data);

/// The pipeline input for the revision files (or Alembic scripts) `files`.
std::string pipeline_input(const std::vector<std::string>& files, bool alembic);

/// Renders every diagnostic of `sink` as the CLI prints them (the caret code
/// must cope with any line); the result is thrown away.
void render_all_diagnostics(const DiagnosticSink& sink, const SourceTexts& texts);

/// Runs `body`, treating a RunError for bad input (exit code 2) as a normal
/// outcome; an internal error (exit 3) or any other exception escapes.
template <typename Body>
void expect_no_internal_error(Body&& body) {
  try {
    body();
  } catch (const RunError& e) {
    if (e.exit_code() != 2) throw;
  }
}

}  // namespace retort::fuzz
