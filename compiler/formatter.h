// `retort fmt`: a revision file in the one canonical layout (the printer's),
// with every comment kept beside what it was written beside.
#pragma once

#include <optional>
#include <string>

#include "compiler/diagnostics.h"
#include "compiler/source.h"

namespace retort {

/// The canonical text of one `.rev` file. A comment on its own line goes
/// above the construct (statement, column, constraint, action, annotation,
/// closing brace) that followed it; a comment after code goes at the end of
/// the printed line of the construct that ended just before it on that
/// line; a comment inside the header goes above the header. Returns nothing
/// when the file has syntax errors (reported to `sink`), or, as an
/// `error[internal]`, when the result would not parse back to the same
/// program with the same comments: a file is never rewritten wrong.
std::optional<std::string> format_revision(const SourceFile& file, DiagnosticSink& sink);

}  // namespace retort
