// Schema replay: applies statements to the schema model in order, checking
// each (the table exists, the column type is known, ...).
#pragma once

#include <string>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/naming.h"
#include "compiler/schema_model.h"

namespace retort {

struct ReplayOptions {
  NamingConvention naming;
  std::vector<std::string> dialects = {"postgresql"};  ///< target dialects (canonical)
  size_t max_name_bytes = 63;  ///< the strictest target's identifier limit
};

/// Applies one statement of `file` to `schema`. Anything impossible is an
/// `error[schema]` at the statement's (or the offending part's) span, and
/// the statement leaves the schema as it was. Returns false on error.
bool apply_statement(const ast::Statement& statement, const std::string& file,
                     SchemaModel& schema, const ReplayOptions& options, DiagnosticSink& sink);

/// Applies every `upgrade` statement of a revision in order.
bool replay_upgrade(const ast::RevisionFile& revision, SchemaModel& schema,
                    const ReplayOptions& options, DiagnosticSink& sink);

}  // namespace retort
