// What an approving DBA must know about one upgrade statement on one
// dialect: the lock it takes, whether it rewrites or scans the table,
// whether its downgrade loses data, and how to recover when it fails half
// way. All of that knowledge lives in emit/review.cpp, organised by
// statement kind with an entry per dialect; REVIEW.md (emit/bundle.cpp)
// prints it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/ast.h"
#include "compiler/schema_model.h"

namespace retort::emit {

/// Where a statement is judged.
struct ReviewContext {
  std::string_view dialect;   ///< canonical: postgresql, mysql, mariadb, sqlite, mssql, oracle
  std::string_view version;   ///< the target server version, dotted
  const SchemaModel& before;  ///< the schema before the statement
  const SchemaModel& after;   ///< and after it
  /// The statement runs inside its revision's transaction (a dialect with
  /// transactional DDL, `[emit] transaction` not "none", no
  /// `@transaction(none)`).
  bool in_transaction = true;
  /// SQLite: whether the renderer rebuilds the table for this `alter
  /// table` (alone, or in one rebuild with the statements around it):
  /// the renderer's own decision (Renderer::merges_alters). nullopt: judged
  /// from the statement alone.
  std::optional<bool> rebuilt;
};

/// Four short sentences, each a table cell of REVIEW.md.
struct StatementReview {
  std::string lock;       ///< the lock taken and what it blocks
  std::string rewrite;    ///< whether the table is rewritten, copied or scanned
  std::string data_loss;  ///< whether the upgrade or its downgrade destroys data
  std::string recovery;   ///< what is left behind when it fails, and what to do
};

/// The review of `statement` (an upgrade statement) on `ctx.dialect`.
StatementReview review_statement(const ast::Statement& statement, const ReviewContext& ctx);

}  // namespace retort::emit
