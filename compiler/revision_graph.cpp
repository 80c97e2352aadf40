#include "compiler/revision_graph.h"

#include <fmt/format.h>
#include <algorithm>
#include <functional>
#include <limits>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "compiler/text_util.h"

namespace retort {

namespace {

constexpr size_t kNone = std::numeric_limits<size_t>::max();
// Long candidate lists (a prefix matching thousands of ids) are cut here.
constexpr size_t kMaxListed = 10;

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_id_chars(std::string_view text) {
  return std::all_of(text.begin(), text.end(), is_id_char);
}

// `text` in double quotes for a message; control characters are escaped so
// that an id or an expression from the command line cannot garble a terminal.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
  }
  out += '"';
  return out;
}

// `"a", "b", "c"`; past `limit` items, `, and N more`.
template <typename Range>
std::string quoted_list(const Range& items, size_t limit = kNone) {
  std::string out;
  size_t count = 0;
  for (const auto& item : items) {
    if (count == limit) {
      out += fmt::format(", and {} more", std::size(items) - limit);
      break;
    }
    if (count++ > 0) out += ", ";
    out += quoted(item);
  }
  return out;
}

Resolution failure(std::string message) {
  return Resolution{{}, std::move(message)};
}

void report(DiagnosticSink& sink, const RevisionNode& node, SourceSpan span, std::string message,
            std::string help) {
  Diagnostic d;
  d.severity = Severity::error;
  d.code = "graph";
  d.file = node.path;
  d.span = span.valid() ? span : node.id_span;
  d.message = std::move(message);
  d.help = std::move(help);
  d.revision = node.id;
  sink.report(std::move(d));
}

// The lexical and reserved-word rules of language.md for an id; nullopt
// when `node.id` is acceptable.
std::optional<std::pair<std::string, std::string>> id_problem(const RevisionNode& node) {
  const std::string& id = node.id;
  // A view, made a string only on the way out: this runs for every revision.
  constexpr std::string_view rule =
      "ids are words of letters, digits and \"_\", at most 32 characters";
  if (id.empty())
    return std::pair{std::string("a revision id may not be empty"), std::string(rule)};
  if (!all_id_chars(id)) {
    return std::pair{
        fmt::format("revision id {} may only contain letters, digits and \"_\"", quoted(id)),
        std::string(rule)};
  }
  if (id.size() > kMaxRevisionIdLength) {
    return std::pair{fmt::format("revision id {} is {} characters long; the limit is {}",
                                 quoted(id), id.size(), kMaxRevisionIdLength),
                     std::string("shorten the id, and every \"revises\" and \"depends on\" that "
                                 "names it")};
  }
  if (is_reserved_revision_word(id)) {
    return std::pair{fmt::format("{} cannot be a revision id: it is a reserved word", quoted(id)),
                     std::string("\"base\", \"head\" and \"heads\" name places in the graph; "
                                 "choose another id")};
  }
  return std::nullopt;
}

// The help for a reference to an id that does not exist.
std::string missing_help(std::string_view ref, const std::vector<std::string_view>& sorted_ids) {
  if (ref == "base") return "a base revision has no \"revises\"; remove it";
  if (is_reserved_revision_word(ref)) return "name the revision by its id";
  if (ref.size() >= kMinRevisionPrefixLength) {
    // A unique abbreviation is a likely slip: the command line accepts
    // prefixes, the header does not.
    auto it = std::lower_bound(sorted_ids.begin(), sorted_ids.end(), ref);
    if (it != sorted_ids.end() && it->starts_with(ref) &&
        (it + 1 == sorted_ids.end() || !(it + 1)->starts_with(ref))) {
      return fmt::format("write the full id: did you mean {}?", quoted(*it));
    }
  }
  return fmt::format("check the id for a typo, or restore the revision that defines {}",
                     quoted(ref));
}

// Strongly connected components with two or more nodes (cycles) of the
// subgraph of `members`, by iterative Tarjan (no recursion: chains are deep).
// Edges go from a node to its requirements. Each component comes sorted.
std::vector<std::vector<size_t>> cycles_among(const std::vector<std::vector<size_t>>& edges,
                                              const std::vector<char>& member) {
  const size_t n = edges.size();
  std::vector<size_t> index(n, kNone), low(n, 0);
  std::vector<char> on_stack(n, 0);
  std::vector<size_t> stack;
  std::vector<std::pair<size_t, size_t>> calls;  // node, next edge
  std::vector<std::vector<size_t>> components;
  size_t counter = 0;
  auto visit = [&](size_t v) {
    index[v] = low[v] = counter++;
    stack.push_back(v);
    on_stack[v] = 1;
    calls.emplace_back(v, 0);
  };
  for (size_t s = 0; s < n; ++s) {
    if (!member[s] || index[s] != kNone) continue;
    visit(s);
    while (!calls.empty()) {
      const size_t v = calls.back().first;
      const size_t e = calls.back().second;
      if (e < edges[v].size()) {
        ++calls.back().second;
        const size_t w = edges[v][e];
        if (!member[w]) continue;
        if (index[w] == kNone) {
          visit(w);
        } else if (on_stack[w]) {
          low[v] = std::min(low[v], index[w]);
        }
        continue;
      }
      calls.pop_back();
      if (!calls.empty()) {
        const size_t parent = calls.back().first;
        low[parent] = std::min(low[parent], low[v]);
      }
      if (low[v] != index[v]) continue;
      std::vector<size_t> component;
      size_t w = kNone;
      do {
        w = stack.back();
        stack.pop_back();
        on_stack[w] = 0;
        component.push_back(w);
      } while (w != v);
      if (component.size() > 1) {
        std::sort(component.begin(), component.end());
        components.push_back(std::move(component));
      }
    }
  }
  std::sort(components.begin(), components.end());
  return components;
}

// One cycle through `component.front()` (its first node in node order),
// shortest by breadth-first search along requirement edges in declaration
// order, so that the same input always reports the same path.
std::vector<size_t> cycle_path(const std::vector<std::vector<size_t>>& edges,
                               const std::vector<size_t>& component, std::vector<size_t>& prev) {
  const size_t start = component.front();
  auto in_component = [&](size_t v) {
    return std::binary_search(component.begin(), component.end(), v);
  };
  for (size_t v : component) prev[v] = kNone;
  std::queue<size_t> queue;
  queue.push(start);
  prev[start] = start;
  size_t last = kNone;
  while (!queue.empty() && last == kNone) {
    const size_t v = queue.front();
    queue.pop();
    for (size_t w : edges[v]) {
      if (w == start) {
        last = v;
        break;
      }
      if (!in_component(w) || prev[w] != kNone) continue;
      prev[w] = v;
      queue.push(w);
    }
  }
  std::vector<size_t> path;
  for (size_t v = last; v != start; v = prev[v]) path.push_back(v);
  path.push_back(start);
  std::reverse(path.begin(), path.end());
  path.push_back(start);
  return path;
}

// The span of the reference in `node` that names `id` (for a cycle report).
SourceSpan reference_span(const RevisionNode& node, std::string_view id) {
  for (const auto* list : {&node.parents, &node.depends_on}) {
    for (const auto& ref : *list) {
      if (ref.text == id) return ref.span;
    }
  }
  return node.id_span;
}

// Why a branch label cannot be used in `LABEL@head`, or empty.
std::string label_problem(std::string_view label) {
  if (label.empty()) return "a branch label may not be empty";
  if (is_reserved_revision_word(label)) {
    return fmt::format("{} cannot be a branch label: it is a reserved word", quoted(label));
  }
  for (char c : label) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '@' || c == ':' || c == ' ' || byte < 0x20 || byte == 0x7f) {
      return fmt::format("branch label {} may not contain \"@\", \":\" or white space",
                         quoted(label));
    }
  }
  return {};
}

// Parses the digits of a step count; counts too large to matter are capped
// (a step past every revision fails the same way).
size_t parse_steps(std::string_view digits, size_t cap) {
  size_t value = 0;
  for (char c : digits) {
    value = value * 10 + static_cast<size_t>(c - '0');
    if (value > cap) return cap;
  }
  return value;
}

}  // namespace

std::string branch_label_problem(std::string_view label) {
  return label_problem(label);
}

bool is_reserved_revision_word(std::string_view word) {
  return word == "base" || word == "head" || word == "heads";
}

struct RevisionGraph::Target {
  enum Kind { base, one, several } kind = base;
  size_t index = kNone;         // kind == one
  std::vector<size_t> indexes;  // kind == several
};

RevisionGraph RevisionGraph::build(std::vector<RevisionNode> nodes, DiagnosticSink& sink) {
  const size_t n = nodes.size();
  // Every run replays the whole chain: past the bound, a project is better
  // squashed than slow (docs/hardening.md).
  if (n > kMaxRevisions) {
    const RevisionNode& over = nodes[kMaxRevisions];
    report(sink, over, over.id_span,
           fmt::format("the project has {} revisions; Retort reads at most {}", n, kMaxRevisions),
           "squash the oldest revisions into a new base revision (`retort schema ID` prints "
           "the schema they build)");
    return RevisionGraph{};
  }
  std::vector<char> alive(n, 1);

  // 1. Ids: the rules of the language, then uniqueness. Views point into
  // `nodes`, which does not change until the graph is compacted at the end.
  std::unordered_map<std::string_view, size_t> first;
  std::unordered_set<std::string_view> rejected;  // ids of nodes left out for their id
  first.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const RevisionNode& node = nodes[i];
    if (auto problem = id_problem(node)) {
      report(sink, node, node.id_span, std::move(problem->first), std::move(problem->second));
      alive[i] = 0;
      rejected.insert(node.id);
      continue;
    }
    auto [it, inserted] = first.emplace(node.id, i);
    if (!inserted) {
      report(sink, node, node.id_span,
             fmt::format("revision id {} is defined in both {} and {}", quoted(node.id),
                         quoted(nodes[it->second].path), quoted(node.path)),
             "ids must be unique in a project; give one of the two revisions a new id");
      alive[i] = 0;
    }
  }
  // Sorted ids, for "did you mean": filled on the first missing reference,
  // so that a sound project does not pay for it.
  std::vector<std::string_view> sorted_ids;
  auto sorted_known_ids = [&]() -> const std::vector<std::string_view>& {
    if (sorted_ids.empty() && !first.empty()) {
      sorted_ids.reserve(first.size());
      for (const auto& entry : first) sorted_ids.push_back(entry.first);
      std::sort(sorted_ids.begin(), sorted_ids.end());
    }
    return sorted_ids;
  };

  // 2. References. reqs[i]: the parents of i, then its dependencies, each
  // once. `seen` holds i + 1 for every index already in reqs[i], so that a
  // merge of thousands of parents is deduplicated in linear time.
  std::vector<std::vector<size_t>> reqs(n);
  std::vector<size_t> parent_count(n, 0);
  std::vector<size_t> seen(n, 0);
  for (size_t i = 0; i < n; ++i) {
    if (!alive[i]) continue;
    const RevisionNode& node = nodes[i];
    bool ok = true;
    auto link = [&](const ast::RevisionId& ref, std::string_view verb) {
      if (ref.text == node.id) {
        report(sink, node, ref.span, fmt::format("revision {} {} itself", quoted(node.id), verb),
               fmt::format("remove {} from its own \"{}\" list", quoted(node.id), verb));
        ok = false;
        return;
      }
      auto it = first.find(ref.text);
      if (it == first.end()) {
        // A reference to a node left out for its own id is not reported
        // again: the user fixes that node first.
        if (!rejected.contains(ref.text)) {
          report(sink, node, ref.span,
                 fmt::format("revision {} {} {}, which does not exist", quoted(node.id), verb,
                             quoted(ref.text)),
                 missing_help(ref.text, sorted_known_ids()));
        }
        ok = false;
        return;
      }
      if (seen[it->second] == i + 1) return;
      seen[it->second] = i + 1;
      reqs[i].push_back(it->second);
    };
    for (const auto& ref : node.parents) link(ref, "revises");
    parent_count[i] = reqs[i].size();
    for (const auto& ref : node.depends_on) link(ref, "depends on");
    if (!ok) alive[i] = 0;
  }

  // 3. Whatever needs a node that is left out is left out too.
  std::vector<std::vector<size_t>> dependents(n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t r : reqs[i]) dependents[r].push_back(i);
  }
  {
    std::vector<size_t> work;
    for (size_t i = 0; i < n; ++i) {
      if (!alive[i]) work.push_back(i);
    }
    while (!work.empty()) {
      const size_t v = work.back();
      work.pop_back();
      for (size_t d : dependents[v]) {
        if (!alive[d]) continue;
        alive[d] = 0;
        work.push_back(d);
      }
    }
  }

  // 4. Topological order (Kahn), ready nodes taken smallest index first:
  // O((N + E) log N) and the same order for the same input.
  std::vector<size_t> pending(n, 0);
  std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
  for (size_t i = 0; i < n; ++i) {
    if (!alive[i]) continue;
    pending[i] = reqs[i].size();
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<size_t> order;
  order.reserve(n);
  std::vector<char> placed(n, 0);
  while (!ready.empty()) {
    const size_t v = ready.top();
    ready.pop();
    order.push_back(v);
    placed[v] = 1;
    for (size_t d : dependents[v]) {
      if (alive[d] && --pending[d] == 0) ready.push(d);
    }
  }

  // 5. What could not be placed is on a cycle or needs one. Each cycle
  // (strongly connected component) is reported once, at its first node.
  std::vector<char> stuck(n, 0);
  bool any_stuck = false;
  for (size_t i = 0; i < n; ++i) {
    stuck[i] = alive[i] && !placed[i];
    any_stuck = any_stuck || stuck[i];
  }
  if (any_stuck) {
    std::vector<size_t> prev(n, kNone);
    for (const auto& component : cycles_among(reqs, stuck)) {
      const std::vector<size_t> path = cycle_path(reqs, component, prev);
      std::string text;
      for (size_t v : path) {
        if (!text.empty()) text += " -> ";
        text += nodes[v].id;
      }
      const RevisionNode& start = nodes[path.front()];
      report(sink, start, reference_span(start, nodes[path[1]].id),
             fmt::format("revision {} is part of a cycle: {}", quoted(start.id), text),
             "each revision in the cycle revises or depends on the next one; remove one of "
             "these links");
    }
    for (size_t i = 0; i < n; ++i) {
      if (stuck[i]) alive[i] = 0;
    }
  }

  // 6. Compact: only accepted nodes remain, in their original order, so
  // that the smallest-index rule of step 4 is the nodes() order too.
  RevisionGraph graph;
  std::vector<size_t> renumber(n, kNone);
  const size_t accepted = static_cast<size_t>(std::count(alive.begin(), alive.end(), 1));
  if (accepted == n) {
    // The usual case: every node stays where it is (no copy, no slack).
    for (size_t i = 0; i < n; ++i) renumber[i] = i;
    graph.nodes_ = std::move(nodes);
  } else {
    graph.nodes_.reserve(accepted);
    for (size_t i = 0; i < n; ++i) {
      if (!alive[i]) continue;
      renumber[i] = graph.nodes_.size();
      graph.nodes_.push_back(std::move(nodes[i]));
    }
  }
  const size_t m = graph.nodes_.size();
  graph.parents_.resize(m);
  graph.revises_.resize(m);
  graph.children_.resize(m);
  for (size_t i = 0; i < n; ++i) {
    if (!alive[i]) continue;
    const size_t k = renumber[i];
    for (size_t j = 0; j < reqs[i].size(); ++j) {
      const size_t r = renumber[reqs[i][j]];
      graph.parents_[k].push_back(r);
      if (j < parent_count[i]) graph.revises_[k].push_back(r);
    }
  }
  for (size_t k = 0; k < m; ++k) {
    for (size_t p : graph.revises_[k]) graph.children_[p].push_back(k);
  }
  graph.order_.reserve(m);
  for (size_t v : order) graph.order_.push_back(renumber[v]);
  graph.topo_pos_.assign(m, 0);
  for (size_t pos = 0; pos < m; ++pos) graph.topo_pos_[graph.order_[pos]] = pos;
  {
    // Sorted as (id, index) side by side rather than as indexes compared
    // through the nodes, which are far apart in memory; and by the ids'
    // first eight bytes before their whole text, which settles most
    // comparisons of two random ids without a call to compare their bytes.
    struct Keyed {
      uint64_t prefix;
      std::string_view id;
      size_t index;
    };
    std::vector<Keyed> ids(m);
    for (size_t k = 0; k < m; ++k) {
      const std::string& id = graph.nodes_[k].id;
      ids[k] = {order_prefix(id), id, k};
    }
    // The ids are unique by now (step 1): no two compare equal.
    auto before = [](const Keyed& a, const Keyed& b) {
      return a.prefix != b.prefix ? a.prefix < b.prefix : a.id < b.id;
    };
    // Files are mostly named after their ids, so the nodes, in file order,
    // mostly come sorted already: a pass to check is cheaper than a sort.
    if (!std::is_sorted(ids.begin(), ids.end(), before)) std::sort(ids.begin(), ids.end(), before);
    graph.by_id_.resize(m);
    for (size_t k = 0; k < m; ++k) graph.by_id_[k] = ids[k].index;
  }

  // 7. Branch labels. A bad label is dropped but its revision stays.
  for (size_t k = 0; k < m; ++k) {
    const RevisionNode& node = graph.nodes_[k];
    for (const auto& label : node.labels) {
      if (std::string problem = label_problem(label.text); !problem.empty()) {
        report(sink, node, label.span, std::move(problem),
               "use a word of letters, digits and \"_\", so that \"LABEL@head\" can name it");
        continue;
      }
      if (graph.index_of(label.text)) {
        report(sink, node, label.span,
               fmt::format("branch label {} of revision {} is also a revision id",
                           quoted(label.text), quoted(node.id)),
               fmt::format("rename the label, so that {} names one thing",
                           quoted(label.text + "@head")));
        continue;
      }
      auto [it, inserted] = graph.labels_.emplace(label.text, k);
      if (!inserted && it->second != k) {
        report(sink, node, label.span,
               fmt::format("branch label {} is used by both {} and {}", quoted(label.text),
                           quoted(graph.nodes_[it->second].id), quoted(node.id)),
               "a label names one branch; rename one of them");
      }
    }
  }
  return graph;
}

std::optional<size_t> RevisionGraph::index_of(std::string_view id) const {
  auto it = std::lower_bound(by_id_.begin(), by_id_.end(), id,
                             [&](size_t k, std::string_view text) { return nodes_[k].id < text; });
  if (it == by_id_.end() || nodes_[*it].id != id) return std::nullopt;
  return *it;
}

const RevisionNode* RevisionGraph::find(std::string_view id) const {
  auto index = index_of(id);
  return index ? &nodes_[*index] : nullptr;
}

const RevisionNode* RevisionGraph::find_label(std::string_view label) const {
  auto it = labels_.find(label);
  return it == labels_.end() ? nullptr : &nodes_[it->second];
}

std::vector<std::string> RevisionGraph::ids_of(const std::vector<size_t>& indexes) const {
  std::vector<std::string> ids;
  ids.reserve(indexes.size());
  for (size_t k : indexes) ids.push_back(nodes_[k].id);
  return ids;
}

std::vector<std::string> RevisionGraph::heads() const {
  std::vector<std::string> ids;
  for (size_t k : order_) {
    if (children_[k].empty()) ids.push_back(nodes_[k].id);
  }
  return ids;
}

std::vector<std::string> RevisionGraph::bases() const {
  std::vector<std::string> ids;
  for (size_t k : order_) {
    if (revises_[k].empty()) ids.push_back(nodes_[k].id);
  }
  return ids;
}

std::vector<std::string> RevisionGraph::branch_points() const {
  std::vector<std::string> ids;
  for (size_t k : order_) {
    if (children_[k].size() >= 2) ids.push_back(nodes_[k].id);
  }
  return ids;
}

std::vector<std::string> RevisionGraph::children(std::string_view id) const {
  auto index = index_of(id);
  return index ? ids_of(children_[*index]) : std::vector<std::string>{};
}

std::vector<std::string> RevisionGraph::parents(std::string_view id) const {
  auto index = index_of(id);
  return index ? ids_of(revises_[*index]) : std::vector<std::string>{};
}

std::vector<std::string> RevisionGraph::ancestors_inclusive(std::string_view id) const {
  auto index = index_of(id);
  if (!index) return {};
  std::vector<char> visited(nodes_.size(), 0);
  std::vector<size_t> found{*index};
  visited[*index] = 1;
  for (size_t next = 0; next < found.size(); ++next) {
    for (size_t p : parents_[found[next]]) {
      if (visited[p]) continue;
      visited[p] = 1;
      found.push_back(p);
    }
  }
  std::sort(found.begin(), found.end(),
            [&](size_t a, size_t b) { return topo_pos_[a] < topo_pos_[b]; });
  return ids_of(found);
}

bool RevisionGraph::is_ancestor(std::string_view ancestor, std::string_view of) const {
  auto target = index_of(ancestor);
  auto start = index_of(of);
  if (!target || !start) return false;
  // Only nodes placed after the ancestor in topological order can lead to
  // it, so the search stays within the part of the graph between the two.
  const size_t floor = topo_pos_[*target];
  if (topo_pos_[*start] < floor) return false;
  std::unordered_set<size_t> visited{*start};
  std::vector<size_t> work{*start};
  while (!work.empty()) {
    const size_t v = work.back();
    work.pop_back();
    if (v == *target) return true;
    for (size_t p : parents_[v]) {
      if (topo_pos_[p] < floor || !visited.insert(p).second) continue;
      work.push_back(p);
    }
  }
  return false;
}

Resolution RevisionGraph::lookup_id(std::string_view text, std::optional<size_t>& index,
                                    bool* ambiguous) const {
  if (auto exact = index_of(text)) {
    index = exact;
    return {};
  }
  auto less = [&](size_t k, std::string_view t) { return nodes_[k].id < t; };
  auto it = std::lower_bound(by_id_.begin(), by_id_.end(), text, less);
  std::vector<std::string_view> matches;
  for (; it != by_id_.end() && nodes_[*it].id.starts_with(text); ++it) {
    matches.push_back(nodes_[*it].id);
  }
  if (text.size() < kMinRevisionPrefixLength) {
    if (!matches.empty()) {
      return failure(
          fmt::format("revision {} does not exist; a prefix must have at least {} "
                      "characters",
                      quoted(text), kMinRevisionPrefixLength));
    }
  } else if (matches.size() == 1) {
    index = index_of(matches.front());
    return {};
  } else if (matches.size() > 1) {
    if (ambiguous) *ambiguous = true;
    return failure(fmt::format("revision {} is ambiguous: it matches {}", quoted(text),
                               quoted_list(matches, kMaxListed)));
  }
  if (labels_.contains(text)) {
    return failure(fmt::format("{} is a branch label, not a revision; use {} for its head",
                               quoted(text), quoted(std::string(text) + "@head")));
  }
  return failure(fmt::format("revision {} does not exist", quoted(text)));
}

Resolution RevisionGraph::resolve_target(std::string_view text, Target& target) const {
  static constexpr std::string_view kForms =
      "expected an id, a prefix of at least 4 characters, \"base\", \"head\", \"heads\", "
      "LABEL@head, ID+N or ID-N";
  if (text == "base") {
    target.kind = Target::base;
    return {};
  }
  if (text == "head" || text == "heads") {
    std::vector<size_t> heads;
    for (size_t k : order_) {
      if (children_[k].empty()) heads.push_back(k);
    }
    if (text == "heads" || heads.size() > 1) {
      if (text == "head") {
        return failure(
            fmt::format("\"head\" is ambiguous: there are {} heads, {}; use \"heads\", "
                        "one of these ids or LABEL@head",
                        heads.size(), quoted_list(ids_of(heads))));
      }
      target.kind = Target::several;
      target.indexes = std::move(heads);
      return {};
    }
    // One head, or none: a project without revisions is at base.
    target.kind = heads.empty() ? Target::base : Target::one;
    if (!heads.empty()) target.index = heads.front();
    return {};
  }
  if (auto at = text.rfind('@'); at != std::string_view::npos) {
    const std::string_view name = text.substr(0, at);
    const std::string_view suffix = text.substr(at + 1);
    if (suffix != "head") {
      return failure(fmt::format("{} is not a revision expression: only \"head\" may follow \"@\"",
                                 quoted(text)));
    }
    std::optional<size_t> from;
    auto label = labels_.find(name);
    const bool by_label = label != labels_.end();
    if (by_label) {
      from = label->second;
    } else {
      // Not a label: as in Alembic, an id (or prefix) names the branch that
      // grows from that revision.
      bool ambiguous = false;
      Resolution by_id = failure("not an id");
      if (!name.empty() && all_id_chars(name)) by_id = lookup_id(name, from, &ambiguous);
      if (ambiguous) return by_id;
      if (!by_id.ok()) {
        std::string message = fmt::format("unknown branch label {}", quoted(name));
        if (!labels_.empty()) {
          std::vector<std::string_view> names;
          for (const auto& entry : labels_) names.push_back(entry.first);
          message += fmt::format("; the labels are {}", quoted_list(names, kMaxListed));
        }
        return failure(std::move(message));
      }
    }
    // The heads reachable from the labelled revision along children.
    std::vector<size_t> heads;
    std::unordered_set<size_t> visited{*from};
    std::vector<size_t> work{*from};
    while (!work.empty()) {
      const size_t v = work.back();
      work.pop_back();
      if (children_[v].empty()) heads.push_back(v);
      for (size_t c : children_[v]) {
        if (visited.insert(c).second) work.push_back(c);
      }
    }
    if (heads.size() > 1) {
      std::sort(heads.begin(), heads.end(),
                [&](size_t a, size_t b) { return topo_pos_[a] < topo_pos_[b]; });
      return failure(fmt::format("{} {} has {} heads, {}; name one of them",
                                 by_label ? "branch" : "revision", quoted(name), heads.size(),
                                 quoted_list(ids_of(heads))));
    }
    target.kind = Target::one;
    target.index = heads.front();
    return {};
  }
  if (!all_id_chars(text)) {
    return failure(fmt::format("{} is not a revision expression: {}", quoted(text), kForms));
  }
  std::optional<size_t> index;
  Resolution found = lookup_id(text, index);
  if (!found.ok()) return found;
  target.kind = Target::one;
  target.index = *index;
  return {};
}

Resolution RevisionGraph::step(std::string_view expr, const Target& from, char sign,
                               size_t steps) const {
  if (from.kind == Target::several) {
    return failure(
        fmt::format("{} cannot step from \"heads\": it names every head; use \"head\", "
                    "LABEL@head or an id",
                    quoted(expr)));
  }
  const bool forward = sign == '+';
  size_t taken = 0;
  std::optional<size_t> at;
  if (from.kind == Target::one) at = from.index;
  for (; taken < steps; ++taken) {
    if (!at) {
      // At base: only forward, and only when one revision starts the graph.
      if (!forward) return failure(fmt::format("{} goes back past base", quoted(expr)));
      std::vector<size_t> bases;
      for (size_t k : order_) {
        if (revises_[k].empty()) bases.push_back(k);
      }
      if (bases.empty()) {
        return failure(fmt::format("{} goes past the head: there are no revisions", quoted(expr)));
      }
      if (bases.size() > 1) {
        return failure(fmt::format("{} is ambiguous: there are {} bases, {}; name one of them",
                                   quoted(expr), bases.size(), quoted_list(ids_of(bases))));
      }
      at = bases.front();
      continue;
    }
    const std::vector<size_t>& next = forward ? children_[*at] : revises_[*at];
    const std::string& id = nodes_[*at].id;
    if (next.empty()) {
      std::string message =
          forward ? fmt::format("{} goes past the head {}", quoted(expr), quoted(id))
                  : fmt::format("{} goes back past the base {}", quoted(expr), quoted(id));
      if (taken > 0)
        message += fmt::format(", reached after {} step{}", taken, taken == 1 ? "" : "s");
      return failure(std::move(message));
    }
    if (next.size() > 1) {
      return failure(forward ? fmt::format("{} is ambiguous: {} has {} children, {}; name one of "
                                           "them",
                                           quoted(expr), quoted(id), next.size(),
                                           quoted_list(ids_of(next)))
                             : fmt::format("{} is ambiguous: {} is a merge of {}; name one of them",
                                           quoted(expr), quoted(id), quoted_list(ids_of(next))));
    }
    at = next.front();
  }
  Resolution result;
  if (at) result.ids.push_back(nodes_[*at].id);
  return result;
}

Resolution RevisionGraph::resolve(std::string_view expr) const {
  if (expr.empty()) return failure("the revision expression is empty");
  // A trailing `+N` or `-N` is a step; ids never hold `+` or `-`, so the
  // split is unambiguous.
  std::string_view text = expr;
  char sign = 0;
  size_t steps = 0;
  size_t digits = expr.size();
  while (digits > 0 && is_digit(expr[digits - 1])) --digits;
  if (digits > 0 && digits < expr.size() && (expr[digits - 1] == '+' || expr[digits - 1] == '-')) {
    sign = expr[digits - 1];
    text = expr.substr(0, digits - 1);
    steps = parse_steps(expr.substr(digits), nodes_.size() + 1);
    if (text.empty()) {
      return failure(fmt::format("{} is relative: it needs a starting revision, as in {}",
                                 quoted(expr),
                                 quoted(fmt::format("{}{}", sign == '-' ? "head" : "base", expr))));
    }
  }
  Target target;
  Resolution found = resolve_target(text, target);
  if (!found.ok()) return found;
  if (sign != 0) return step(expr, target, sign, steps);
  Resolution result;
  if (target.kind == Target::one) result.ids.push_back(nodes_[target.index].id);
  if (target.kind == Target::several) result.ids = ids_of(target.indexes);
  return result;
}

}  // namespace retort
