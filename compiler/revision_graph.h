// The revision graph: ids, parents, merges, `depends on`, branch labels,
// heads and bases, topological order, and revision expressions (as Alembic).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
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

/// The longest revision id the language allows.
inline constexpr size_t kMaxRevisionIdLength = 32;
/// The most revisions a project may hold (an error[graph] past it): far
/// beyond any project (the 10,000 of bench/ replay in under a second).
inline constexpr size_t kMaxRevisions = 1000000;
/// The shortest prefix that names a revision on the command line.
inline constexpr size_t kMinRevisionPrefixLength = 4;

/// Why `label` cannot be a branch label (a reserved word, "@", ":" or white
/// space), or "" when it can.
std::string branch_label_problem(std::string_view label);

/// True for `base`, `head` and `heads`: words of revision expressions that
/// can be neither ids nor branch labels.
bool is_reserved_revision_word(std::string_view word);

class RevisionGraph {
 public:
  /// Validates and indexes `nodes`; every problem is an `error[graph]` in
  /// `sink` (duplicate ids naming both files, missing parents, cycles,
  /// self-loops, unknown dependencies, duplicate labels, ids over 32
  /// characters, reserved ids). Nodes in error are left out of the graph.
  ///
  /// Details:
  /// - a node is left out when its own header is wrong, and so is every
  ///   revision that revises or depends on it, transitively, without a
  ///   further message (the root cause is already reported);
  /// - of two nodes with one id the first (in `nodes` order) stays;
  /// - a bad branch label (duplicate, reserved word, equal to a revision id,
  ///   or holding `@`, `:` or white space) is reported and dropped, but its
  ///   revision stays: the label does not change where it sits in the graph;
  /// - a parent named twice (`revises a, a`, or in `revises` and `depends
  ///   on`) counts once.
  /// nodes() then holds the accepted nodes in their original relative order,
  /// and every index of this class is an index into it.
  static RevisionGraph build(std::vector<RevisionNode> nodes, DiagnosticSink& sink);

  const std::vector<RevisionNode>& nodes() const { return nodes_; }
  size_t size() const { return nodes_.size(); }
  const RevisionNode* find(std::string_view id) const;
  /// Index of `id` in nodes(), or nullopt.
  std::optional<size_t> index_of(std::string_view id) const;
  /// The revision that carries branch label `label`, or nullptr.
  const RevisionNode* find_label(std::string_view label) const;

  /// Revisions no other revision revises, in topological order. (A revision
  /// that others only `depends on` is still a head, as in Alembic.)
  std::vector<std::string> heads() const;
  /// Revisions that revise nothing, in topological order.
  std::vector<std::string> bases() const;
  /// Revisions with two or more children, in topological order.
  std::vector<std::string> branch_points() const;
  /// Revisions that revise `id` (not those that only depend on it), in the
  /// order of nodes(); empty for an unknown id.
  std::vector<std::string> children(std::string_view id) const;
  /// What `id` revises (its `revises` list, without `depends on`).
  std::vector<std::string> parents(std::string_view id) const;

  /// Index-based views for hot loops: children (by `revises`), parents (the
  /// `revises` list) and requirements (parents, then `depends on`) of node
  /// `index`, each as indexes into nodes().
  const std::vector<size_t>& child_indexes(size_t index) const { return children_[index]; }
  const std::vector<size_t>& parent_indexes(size_t index) const { return revises_[index]; }
  const std::vector<size_t>& requirement_indexes(size_t index) const { return parents_[index]; }
  /// Position of node `index` in topological_order().
  size_t topological_position(size_t index) const { return topo_pos_[index]; }

  /// Every node index, parents (and dependencies) before children;
  /// deterministic: ties broken by the order of nodes().
  const std::vector<size_t>& topological_order() const { return order_; }

  /// `id` and everything it needs (parents and `depends on`, transitively),
  /// in topological order; empty for an unknown id.
  std::vector<std::string> ancestors_inclusive(std::string_view id) const;
  /// True when `of` needs `ancestor` (through parents and `depends on`), or
  /// when both are the same revision; false when either is unknown.
  bool is_ancestor(std::string_view ancestor, std::string_view of) const;

  /// Resolves a revision expression: a full id, a unique prefix of 4+
  /// characters, `base`, `head`, `heads`, `LABEL@head`, `ID+N`, `head-N`.
  /// Also `ID@head` (the one head that descends from ID), `ID-N`,
  /// `LABEL@head-N`, `base+N`. `base`, and `head` of a project without
  /// revisions, resolve to no ids. Relative `+N`/`-N` need a start: write
  /// `ID-N` with the start's id.
  Resolution resolve(std::string_view expr) const;

 private:
  // A revision expression before its `+N`/`-N` step: no revision (base), one
  // revision, or several (heads).
  struct Target;
  Resolution lookup_id(std::string_view text, std::optional<size_t>& index,
                       bool* ambiguous = nullptr) const;
  Resolution resolve_target(std::string_view text, Target& target) const;
  Resolution step(std::string_view expr, const Target& from, char sign, size_t steps) const;
  std::vector<std::string> ids_of(const std::vector<size_t>& indexes) const;

  std::vector<RevisionNode> nodes_;
  std::vector<size_t> order_;
  std::vector<size_t> topo_pos_;               // by node index: position in order_
  std::vector<std::vector<size_t>> children_;  // by node index (by `revises` only)
  std::vector<std::vector<size_t>> parents_;   // by node index (parents then depends_on)
  std::vector<std::vector<size_t>> revises_;   // by node index (parents only)
  std::vector<size_t> by_id_;                  // node indexes sorted by id: lookups, prefixes
  std::map<std::string, size_t, std::less<>> labels_;  // branch label -> node index
};

}  // namespace retort
