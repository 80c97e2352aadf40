// The revision graph: ids, parents, merges, `depends on`, branch labels,
// heads and bases, topological order, and revision expressions (as Alembic).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ast.h"
#include "compiler/diagnostics.h"

namespace retort {

/// What the graph needs of one revision file's header.
struct RevisionNode {
  std::string id;
  std::string path;  ///< relative to the project root
  std::vector<ast::RevisionId> parents;
  std::vector<ast::RevisionId> depends_on;
  std::vector<ast::Name> labels;
  std::string message;
  SourceSpan id_span;
};

/// The result of resolving a revision expression: ids, or an error message.
struct Resolution {
  std::vector<std::string> ids;
  std::string error;  ///< non-empty: the expression does not name anything usable
  bool ok() const { return error.empty(); }
};

class RevisionGraph {
 public:
  /// Validates and indexes `nodes`; every problem is an `error[graph]` in
  /// `sink` (duplicate ids naming both files, missing parents, cycles,
  /// self-loops, unknown dependencies, duplicate labels, ids over 32
  /// characters, reserved ids). Nodes in error are left out of the graph.
  static RevisionGraph build(std::vector<RevisionNode> nodes, DiagnosticSink& sink);

  const std::vector<RevisionNode>& nodes() const { return nodes_; }
  const RevisionNode* find(std::string_view id) const;
  /// Index of `id` in nodes(), or nullopt.
  std::optional<size_t> index_of(std::string_view id) const;

  /// Revisions no other revision revises, in topological order.
  std::vector<std::string> heads() const;
  /// Revisions that revise nothing, in topological order.
  std::vector<std::string> bases() const;
  /// Revisions with two or more children.
  std::vector<std::string> branch_points() const;
  std::vector<std::string> children(std::string_view id) const;

  /// Every node index, parents (and dependencies) before children;
  /// deterministic: ties broken by the order of nodes().
  const std::vector<size_t>& topological_order() const { return order_; }

  /// `id` and everything it needs (parents and `depends on`, transitively).
  std::vector<std::string> ancestors_inclusive(std::string_view id) const;
  bool is_ancestor(std::string_view ancestor, std::string_view of) const;

  /// Resolves a revision expression: a full id, a unique prefix of 4+
  /// characters, `base`, `head`, `heads`, `LABEL@head`, `ID+N`, `head-N`.
  Resolution resolve(std::string_view expr) const;

 private:
  std::vector<RevisionNode> nodes_;
  std::vector<size_t> order_;
  std::vector<std::vector<size_t>> children_;  // by node index
  std::vector<std::vector<size_t>> parents_;   // by node index (parents then depends_on)
};

}  // namespace retort
