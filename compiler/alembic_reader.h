// The reader of Alembic revision scripts: a `.py` file in, the same
// ast::RevisionFile the `.rev` parser gives out, with every span pointing
// into the `.py` file.
#pragma once

#include <optional>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"

namespace retort {

/// Reads one Alembic revision script without running it: the header
/// (`revision`, `down_revision`, `branch_labels`, `depends_on`, the
/// docstring's message and Create Date) and the `op.*` calls of
/// `upgrade()` and `downgrade()`, with their literal arguments and
/// SQLAlchemy constructs evaluated statically. Python syntax errors are
/// `error[syntax]`; a construct that cannot be evaluated statically (a loop,
/// a variable, an unknown call) is an `error[alembic]` at the construct;
/// keyword arguments that only tune one dialect are `info[alembic]` notes.
/// Unnamed constraints get the names PostgreSQL gives them. The AST is
/// returned only when there is no error. Never throws for bad input.
std::optional<ast::RevisionFile> read_alembic_script(const SourceFile& file, DiagnosticSink& sink);

}  // namespace retort
