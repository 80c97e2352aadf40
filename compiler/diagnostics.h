// Diagnostics: every problem Retort reports to a user, with its place and a
// message in the user's words. A DiagnosticSink is passed down, never global.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/source.h"

namespace retort {

enum class Severity { error, warning, info };

std::string_view severity_name(Severity s);

/// One finding. `code` is the category shown in brackets: `syntax`, `graph`,
/// `schema`, `dialect`, `integrity`, `config`, or a lint rule id.
struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;
  std::string file;  ///< relative to the project root; empty: not tied to a file
  SourceSpan span;   ///< span.line == 0: the whole file
  std::string message;
  std::string help;      ///< what to do; may be empty
  std::string revision;  ///< the revision id the finding belongs to, when known
};

/// Collects diagnostics in the order they are found.
class DiagnosticSink {
 public:
  void report(Diagnostic d);
  /// Shorthand for an error of `code` at `span` of `file`.
  void error(std::string code, std::string file, SourceSpan span, std::string message,
             std::string help = {});
  void warning(std::string code, std::string file, SourceSpan span, std::string message,
               std::string help = {});

  const std::vector<Diagnostic>& diagnostics() const { return items_; }
  bool has_errors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  bool empty() const { return items_.empty(); }
  /// Orders by file, then line, then column, then code (deterministic output).
  void sort();
  /// Moves every diagnostic of `other` into this sink.
  void absorb(DiagnosticSink&& other);

 private:
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

/// The texts of files that diagnostics point into, by path, so that the
/// renderer can echo the source line.
using SourceTexts = std::map<std::string, std::string_view, std::less<>>;

struct RenderOptions {
  bool color = false;
};

/// Renders one diagnostic in the clang-like form of cli.md:
///   path:line:col: error[code]: message
///      14 |   source line
///         |   ^~~~~~
///      help: what to do
std::string render_diagnostic(const Diagnostic& d, const SourceTexts& sources,
                              const RenderOptions& options = {});

/// Escapes control characters of a source line for echoing (tab becomes a
/// space so that columns still line up).
std::string escape_control(std::string_view line);

/// The one exception type: something stops the run that is not a mistake in
/// a revision (unreadable file, bad config, bad usage, internal bug).
/// `exit_code` is 2 for bad input and 3 for an internal error.
class RunError : public std::runtime_error {
 public:
  RunError(int exit_code, std::string message, std::vector<Diagnostic> diagnostics = {})
      : std::runtime_error(std::move(message)),
        exit_code_(exit_code),
        diagnostics_(std::move(diagnostics)) {}
  int exit_code() const { return exit_code_; }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  int exit_code_;
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace retort
