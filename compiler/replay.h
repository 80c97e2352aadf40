// Schema replay: applies statements to the schema model in order, checking
// each (the table exists, the column type is known, ...).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/naming.h"
#include "compiler/schema_model.h"

namespace retort {

struct ReplayOptions {
  NamingConvention naming;
  std::vector<std::string> dialects = {"postgresql"};  ///< target dialects (canonical)
  size_t max_name_bytes = 63;  ///< the strictest target's identifier limit; 0: none
};

/// Applies one statement of `file` to `schema`. Anything impossible is an
/// `error[schema]` at the statement's (or the offending part's) span, and
/// the statement leaves the schema as it was. Returns false on error.
/// `revision` (the revision id, when known) is recorded on each diagnostic.
bool apply_statement(const ast::Statement& statement, const std::string& file, SchemaModel& schema,
                     const ReplayOptions& options, DiagnosticSink& sink,
                     std::string_view revision = {});

/// Whether `statement` applies to `schema`, reporting what apply_statement
/// would, without keeping the schema after it: for a statement that only
/// needs checking (the last inverse of a derived downgrade), and cheaper
/// than applying it to a copy where the statement's checks all come before
/// its changes (the drops, a rename or type change of a column), since
/// nothing is copied or freed.
bool statement_applies(const ast::Statement& statement, const std::string& file,
                       const SchemaModel& schema, const ReplayOptions& options,
                       DiagnosticSink& sink, std::string_view revision = {});

/// Applies every `upgrade` statement of a revision in order. A statement
/// that fails is reported and skipped, and the replay goes on, so that all
/// the schema errors of a file are reported at once. Returns false when any
/// statement failed.
bool replay_upgrade(const ast::RevisionFile& revision, SchemaModel& schema,
                    const ReplayOptions& options, DiagnosticSink& sink);

/// The name the naming convention gives an object of `table` (in `schema`
/// of the model), cut to `options.max_name_bytes`, with `_2`, `_3`, ...
/// when the name is already taken by an index or constraint of that schema.
std::string generate_name(const SchemaModel& schema, std::string_view pattern, const Table& table,
                          const std::vector<std::string>& columns, std::string_view ref_table,
                          const ReplayOptions& options);

}  // namespace retort
