// The graph commands, as Alembic's of the same name: history, heads, bases,
// branches, show; and `graph`, the revision graph as mermaid or dot source.
#include <fmt/format.h>

#include <set>

#include "cli/app.h"
#include "compiler/text_util.h"

namespace retort::cli {
namespace {

std::vector<std::string> parent_ids(const RevisionNode& node) {
  std::vector<std::string> out;
  for (const auto& p : node.parents) out.push_back(p.text);
  return out;
}

// Markers Alembic prints after an id: labels, (head), (branchpoint), (mergepoint).
std::string markers(const RevisionGraph& graph, const RevisionNode& node) {
  std::string out;
  if (!node.labels.empty()) {
    std::vector<std::string> labels;
    for (const auto& l : node.labels) labels.push_back(l.text);
    out += " (" + join(labels, ", ") + ")";
  }
  auto children = graph.children(node.id);
  if (children.empty()) out += " (head)";
  if (children.size() > 1) out += " (branchpoint)";
  if (node.parents.size() > 1) out += " (mergepoint)";
  return out;
}

// `PARENTS -> ID (markers), message`
std::string history_line(const RevisionGraph& graph, const RevisionNode& node) {
  auto parents = parent_ids(node);
  std::string from = parents.empty()       ? "<base>"
                     : parents.size() == 1 ? parents[0]
                                           : "(" + join(parents, ", ") + ")";
  return fmt::format("{} -> {}{}, {}\n", from, node.id, markers(graph, node), node.message);
}

std::string verbose_entry(const Project& project, const RevisionNode& node) {
  const RevisionGraph& graph = project.graph;
  std::string out = fmt::format("Rev: {}{}\n", node.id, markers(graph, node));
  auto parents = parent_ids(node);
  out += fmt::format("Parent: {}\n", parents.empty() ? "<base>" : join(parents, ", "));
  if (!node.depends_on.empty()) {
    std::vector<std::string> deps;
    for (const auto& d : node.depends_on) deps.push_back(d.text);
    out += fmt::format("Also depends on: {}\n", join(deps, ", "));
  }
  auto children = graph.children(node.id);
  if (children.size() > 1) out += fmt::format("Branches into: {}\n", join(children, ", "));
  if (!node.labels.empty()) {
    std::vector<std::string> labels;
    for (const auto& l : node.labels) labels.push_back(l.text);
    out += fmt::format("Branch names: {}\n", join(labels, ", "));
  }
  out += fmt::format("Path: {}\n", node.path);
  if (const auto* rev = project.revision(node.id)) {
    if (rev->header.author) out += fmt::format("Author: {}\n", *rev->header.author);
    if (rev->header.created) out += fmt::format("Created: {}\n", *rev->header.created);
  }
  out += fmt::format("\n    {}\n\n", node.message);
  return out;
}

// The revisions of a `-r FROM:TO` range (Alembic's history -r), newest first.
std::vector<size_t> history_range(const RevisionGraph& graph, const std::string& range) {
  const auto& order = graph.topological_order();
  std::vector<size_t> selected(order.rbegin(), order.rend());
  if (range.empty()) return selected;
  std::string from = "base";
  std::string to = "heads";
  auto colon = range.find(':');
  if (colon == std::string::npos) {
    from = range;
  } else {
    if (colon > 0) from = range.substr(0, colon);
    if (colon + 1 < range.size()) to = range.substr(colon + 1);
  }
  Resolution to_ids = graph.resolve(to);
  if (!to_ids.ok()) throw RunError(2, to_ids.error);
  Resolution from_ids = graph.resolve(from);
  if (!from_ids.ok()) throw RunError(2, from_ids.error);
  std::set<std::string> keep;
  for (const auto& id : to_ids.ids) {
    for (const auto& a : graph.ancestors_inclusive(id)) keep.insert(a);
  }
  // FROM itself is shown (Alembic's ranges are inclusive); what is below it is not.
  for (const auto& id : from_ids.ids) {
    for (const auto& a : graph.ancestors_inclusive(id)) {
      if (a != id) keep.erase(a);
    }
  }
  std::vector<size_t> out;
  for (size_t i : selected) {
    if (keep.count(graph.nodes()[i].id)) out.push_back(i);
  }
  return out;
}

std::string mermaid_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "#quot;";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out;
}

std::string dot_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n' || c == '\r') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string graph_source(const RevisionGraph& graph, const std::string& format) {
  std::string out;
  const auto& nodes = graph.nodes();
  if (format == "mermaid") {
    out += "flowchart BT\n";
    for (size_t i : graph.topological_order()) {
      const auto& n = nodes[i];
      out += fmt::format("  r{}[\"{}<br/>{}\"]\n", i, mermaid_text(n.id), mermaid_text(n.message));
    }
    for (size_t i : graph.topological_order()) {
      const auto& n = nodes[i];
      for (const auto& p : n.parents) {
        if (auto j = graph.index_of(p.text)) out += fmt::format("  r{} --> r{}\n", i, *j);
      }
      for (const auto& d : n.depends_on) {
        if (auto j = graph.index_of(d.text))
          out += fmt::format("  r{} -. depends on .-> r{}\n", i, *j);
      }
    }
    for (const auto& h : graph.heads()) {
      if (auto j = graph.index_of(h)) out += fmt::format("  class r{} head\n", *j);
    }
    out += "  classDef head stroke-width:3px\n";
    return out;
  }
  out += "digraph revisions {\n  rankdir=BT;\n  node [shape=box];\n";
  for (size_t i : graph.topological_order()) {
    const auto& n = nodes[i];
    bool head = graph.children(n.id).empty();
    out += fmt::format("  \"{}\" [label=\"{}\\n{}\"{}];\n", dot_text(n.id), dot_text(n.id),
                       dot_text(n.message), head ? ", penwidth=3" : "");
  }
  for (size_t i : graph.topological_order()) {
    const auto& n = nodes[i];
    for (const auto& p : n.parents) {
      out += fmt::format("  \"{}\" -> \"{}\";\n", dot_text(n.id), dot_text(p.text));
    }
    for (const auto& d : n.depends_on) {
      out += fmt::format("  \"{}\" -> \"{}\" [style=dashed, label=\"depends on\"];\n",
                         dot_text(n.id), dot_text(d.text));
    }
  }
  out += "}\n";
  return out;
}

struct GraphOptions {
  std::string range;
  bool verbose = false;
  std::string id;
  std::string format = "mermaid";
};

}  // namespace

void add_graph_commands(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<GraphOptions>();

  auto* history = app.add_subcommand("history", "list revisions, newest first");
  history->add_option("-r,--rev-range", options->range, "FROM:TO (either side may be omitted)");
  history->add_flag("-v,--verbose", options->verbose, "show every detail of each revision");
  history->callback([&ctx, options] {
    Project project;
    if (!ctx.load(project)) return;
    for (size_t i : history_range(project.graph, options->range)) {
      const auto& node = project.graph.nodes()[i];
      ctx.out << (options->verbose ? verbose_entry(project, node)
                                   : history_line(project.graph, node));
    }
  });

  auto* heads = app.add_subcommand("heads", "list the heads (revisions nothing revises)");
  heads->add_flag("-v,--verbose", options->verbose, "show every detail of each head");
  heads->callback([&ctx, options] {
    Project project;
    if (!ctx.load(project)) return;
    for (const auto& id : project.graph.heads()) {
      const auto& node = *project.graph.find(id);
      ctx.out << (options->verbose ? verbose_entry(project, node)
                                   : id + markers(project.graph, node) + "\n");
    }
  });

  auto* bases = app.add_subcommand("bases", "list the bases (revisions that revise nothing)");
  bases->add_flag("-v,--verbose", options->verbose, "show every detail of each base");
  bases->callback([&ctx, options] {
    Project project;
    if (!ctx.load(project)) return;
    for (const auto& id : project.graph.bases()) {
      const auto& node = *project.graph.find(id);
      ctx.out << (options->verbose ? verbose_entry(project, node)
                                   : id + markers(project.graph, node) + " (base)\n");
    }
  });

  auto* branches = app.add_subcommand("branches", "list branch points and where they lead");
  branches->callback([&ctx] {
    Project project;
    if (!ctx.load(project)) return;
    for (const auto& id : project.graph.branch_points()) {
      const auto& node = *project.graph.find(id);
      ctx.out << id << markers(project.graph, node) << ", " << node.message << "\n";
      for (const auto& child : project.graph.children(id)) {
        const auto& c = *project.graph.find(child);
        ctx.out << "  -> " << child << markers(project.graph, c) << ", " << c.message << "\n";
      }
    }
  });

  auto* show = app.add_subcommand("show", "show one revision");
  show->add_option("ID", options->id, "a revision expression")->required();
  show->callback([&ctx, options] {
    Project project;
    if (!ctx.load(project)) return;
    Resolution r = project.graph.resolve(options->id);
    if (!r.ok()) throw RunError(2, r.error);
    if (r.ids.empty()) throw RunError(2, fmt::format("\"{}\" names no revision", options->id));
    for (const auto& id : r.ids) ctx.out << verbose_entry(project, *project.graph.find(id));
  });

  auto* graph = app.add_subcommand("graph", "print the revision graph as mermaid or dot source");
  graph->add_option("--format", options->format, "mermaid or dot")
      ->check(CLI::IsMember({"mermaid", "dot"}));
  graph->callback([&ctx, options] {
    Project project;
    if (!ctx.load(project)) return;
    ctx.out << graph_source(project.graph, options->format);
  });
}

}  // namespace retort::cli
