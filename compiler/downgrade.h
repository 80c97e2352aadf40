// Downgrades: a revision's written `downgrade { }`, or one derived from its
// upgrade and the schema before it (language.md, "Downgrade").
#pragma once

#include <string>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"
#include "compiler/replay.h"
#include "compiler/schema_model.h"

namespace retort {

/// One statement of a downgrade, with what a reviewer must know about it.
struct DowngradeStep {
  ast::Statement statement;
  /// Comments for the script and REVIEW.md, e.g. `column "users.email" comes
  /// back nullable: it was not null without a default`.
  std::vector<std::string> notes;
  /// True when undoing destroys data the upgrade wrote (a dropped column
  /// that was added, a deleted row, a narrowed type).
  bool loses_data = false;
  /// The upgrade statement this step undoes (its span points into the
  /// revision file); empty span for a written downgrade.
  SourceSpan undoes;
};

struct DowngradePlan {
  std::vector<DowngradeStep> steps;  ///< in the order they run
  bool derived = false;              ///< false: the revision's own `downgrade { }`
  bool ok = true;                    ///< false: irreversible; errors were reported
};

/// The downgrade of `revision`, whose upgrade turned `before` into the next
/// schema. A written block is used as is. `downgrade irreversible;` and any
/// upgrade statement without an inverse (an `execute` without `reverse`, an
/// enum value added, an insert whose columns miss the primary key) is an
/// `error[downgrade]` naming the revision and the statement's line; the plan
/// is then not ok. Derived steps are valid to replay, in order, on the schema
/// after the upgrade, and end at a schema equal to `before` (up to the order
/// of a table's columns, constraints and indexes, which cannot be restored;
/// a `not null` column without a default comes back nullable, with a note;
/// `validate constraint` is not undone; a foreign key added back to a table
/// that kept its rows comes back `not valid`, with a note, since rows
/// written after the upgrade may break it; a dropped column in a unique key
/// whose default is the same for every row comes back nullable, its default
/// set after the key, with a note). A plan that is not ok has no steps.
DowngradePlan plan_downgrade(const ast::RevisionFile& revision, const SchemaModel& before,
                             const ReplayOptions& options, DiagnosticSink& sink);

/// One upgrade statement as a replay already left it.
struct ReplayedStatement {
  const SchemaModel* before = nullptr;
  const SchemaModel* after = nullptr;
  bool applied = false;
};
/// The same, from a replay already done (lint keeps the schema around every
/// upgrade statement), so that the upgrade is not replayed a second time:
/// `replayed` has one entry per upgrade statement, in order. A written or
/// irreversible downgrade needs no entries.
DowngradePlan plan_downgrade_from_replay(const ast::RevisionFile& revision,
                                         const std::vector<ReplayedStatement>& replayed,
                                         const ReplayOptions& options, DiagnosticSink& sink);

}  // namespace retort
