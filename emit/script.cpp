#include "emit/script.h"
#include "compiler/text_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "compiler/downgrade.h"
#include "compiler/replay.h"

// Choices where bundles.md is silent, so that the golden files can rely on them:
// - A statement that cannot run in a transaction is not moved: the
//   transaction is committed before it and begun again after it, so the
//   revision's order holds; placed last (the usual case) it lands after the
//   revision's transaction and before the version update, as bundles.md says.
// - A new PostgreSQL enum value is committed before any later statement of
//   the same transaction whose SQL holds its literal (a use the compiler can
//   see, `execute` bodies included).
// - The session settings are set once at the top, for the whole session.
// - The version table is created before the first section, outside any
//   transaction (it is idempotent).
// - A script replays what FROM has, in topological order, then the range;
//   the schema before each statement comes from that replay.

namespace retort::emit {

namespace {

// True when every line of `sql` is a `--` comment.
bool only_comments(std::string_view sql) {
  for (size_t at = 0; at < sql.size();) {
    size_t end = sql.find('\n', at);
    if (end == std::string_view::npos) end = sql.size();
    if (sql.substr(at, 2) != "--") return false;
    at = end + 1;
  }
  return true;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Node indexes of `ids` and everything they need.
std::vector<char> closure(const RevisionGraph& graph, const std::vector<std::string>& ids) {
  std::vector<char> in(graph.size(), 0);
  std::vector<size_t> work;
  for (const auto& id : ids) {
    auto index = graph.index_of(id);
    if (index && !in[*index]) {
      in[*index] = 1;
      work.push_back(*index);
    }
  }
  while (!work.empty()) {
    size_t v = work.back();
    work.pop_back();
    for (size_t p : graph.requirement_indexes(v)) {
      if (!in[p]) {
        in[p] = 1;
        work.push_back(p);
      }
    }
  }
  return in;
}

// Ids of the nodes in `in`, in topological order.
std::vector<std::string> in_order(const RevisionGraph& graph, const std::vector<char>& in) {
  std::vector<std::string> out;
  for (size_t index : graph.topological_order()) {
    if (in[index]) out.push_back(graph.nodes()[index].id);
  }
  return out;
}

std::string describe(const std::vector<std::string>& ids) {
  return ids.empty() ? std::string("base") : join(ids, ", ");
}

std::pair<std::string, std::string> split_range(std::string_view text, bool& has_from) {
  size_t colon = text.find(':');
  has_from = colon != std::string_view::npos;
  if (!has_from) return {"base", std::string(text)};
  return {std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

bool resolve_into(const RevisionGraph& graph, const std::string& expr,
                  std::vector<std::string>& ids, std::string& error) {
  if (expr.empty()) {
    error = "empty revision expression";
    return false;
  }
  Resolution r = graph.resolve(expr);
  if (!r.ok()) {
    error = r.error;
    return false;
  }
  ids = r.ids;
  return true;
}

// One statement of a section: comments above it, then its SQL.
struct Item {
  std::vector<std::string> comments;
  Step step;
};

// A statement to render, or a run of them merged into one, with the
// schema before and after it: what the replay hands to the rendering.
struct PlannedStatement {
  const ast::Statement* statement = nullptr;  // the revision's; null when merged
  std::optional<ast::Statement> merged;       // a run the dialect renders as one
  SchemaModel before;
  size_t first = 0, last = 0;  // the statements it stands for (their comments)

  const ast::Statement& rendered() const { return merged ? *merged : *statement; }
};

// The statements of a revision planned for rendering. The schema after
// one is the schema before the next: each is kept once.
struct Plan {
  std::vector<PlannedStatement> statements;
  SchemaModel after;  // after the last of them

  const SchemaModel& after_of(size_t k) const {
    return k + 1 < statements.size() ? statements[k + 1].before : after;
  }
};

// Applies `statements` one by one to `schema` and plans their rendering.
// A replay error (into `replay_sink`) ends the plan: nothing is rendered
// past it, and the rest is only replayed, for its diagnostics, as
// replay_all would.
Plan plan_statements(const std::vector<const ast::Statement*>& statements, SchemaModel& schema,
                     const Renderer& renderer, const ReplayOptions& options,
                     const std::string& file, std::string_view revision, bool derived,
                     DiagnosticSink* replay_sink) {
  Plan plan;
  std::vector<PlannedStatement>& planned = plan.statements;
  planned.reserve(statements.size());
  for (size_t i = 0; i < statements.size(); ++i) {
    const ast::Statement& s = *statements[i];
    SchemaModel before = schema;
    DiagnosticSink ignored;  // replay errors were reported before emitting
    apply_statement(s, file, schema, options, replay_sink ? *replay_sink : ignored, revision);
    if (replay_sink && replay_sink->has_errors()) {
      for (size_t m = i + 1; m < statements.size(); ++m)
        apply_statement(*statements[m], file, schema, options, *replay_sink, revision);
      plan.after = std::move(before);
      return plan;
    }
    PlannedStatement& p = planned.emplace_back();
    p.statement = &s;
    p.first = p.last = i;
    // Statements i..last are rendered as one when the dialect asks for it:
    // a run of `alter table`s of one table that SQLite rebuilds once.
    const auto* alter = std::get_if<ast::AlterTable>(&s.node);
    auto continues_run = [&](size_t next) {
      const auto* a = next < statements.size()
                          ? std::get_if<ast::AlterTable>(&statements[next]->node)
                          : nullptr;
      return a != nullptr && a->name.key() == alter->name.key();
    };
    // Only a run of two or more is worth copying the statement for.
    if (alter != nullptr && renderer.may_merge_alters() && continues_run(i + 1)) {
      SchemaModel run_after = schema;
      ast::AlterTable all = *alter;
      size_t end = i;
      DiagnosticSink run_sink;
      while (continues_run(end + 1)) {
        const auto& next = std::get<ast::AlterTable>(statements[end + 1]->node);
        ++end;
        apply_statement(*statements[end], file, run_after, options, run_sink, revision);
        all.actions.insert(all.actions.end(), next.actions.begin(), next.actions.end());
      }
      DiagnosticSink unheard;  // merges_alters asks; rendering reports
      RenderContext run{before, run_after, file, options, unheard, revision, s.span, derived};
      // A run with a replay error is not merged: its statements are applied
      // one by one, where the error stops the plan.
      bool sound = !replay_sink || !run_sink.has_errors();
      if (end > i && sound && renderer.merges_alters(all, run)) {
        if (replay_sink) replay_sink->absorb(std::move(run_sink));
        p.last = end;
        schema = std::move(run_after);
        p.merged.emplace();
        p.merged->node = std::move(all);
        p.merged->span = s.span;
        p.statement = nullptr;
      }
    }
    p.before = std::move(before);
    i = p.last;
  }
  plan.after = schema;
  return plan;
}

// Renders what plan_statements planned for `statements` into items. The
// @allow reasons and `notes` (one list per statement, may be null) become
// comments above the statement's first step.
// `derived`: the statements are a derived downgrade (RenderContext).
std::vector<Item> render_planned(const Plan& plan,
                                 const std::vector<const ast::Statement*>& statements,
                                 const std::vector<std::vector<std::string>>* notes,
                                 const Renderer& renderer, const ReplayOptions& options,
                                 const std::string& file, std::string_view revision,
                                 DiagnosticSink& sink, bool derived) {
  std::vector<Item> items;
  for (size_t k = 0; k < plan.statements.size(); ++k) {
    const PlannedStatement& p = plan.statements[k];
    const ast::Statement& first = *statements[p.first];
    RenderContext ctx{p.before, plan.after_of(k), file,       options,
                      sink,     revision,         first.span, derived};
    std::vector<Step> steps = renderer.render(p.rendered(), ctx);
    std::vector<std::string> comments;
    for (size_t m = p.first; m <= p.last; ++m) {
      for (const auto& a : statements[m]->annotations) {
        if (a.kind != ast::AnnotationKind::Allow) continue;
        std::vector<std::string> rules;
        for (const auto& r : a.args) rules.push_back(r.text);
        comments.push_back(fmt::format("@allow({}): {}", join(rules, ", "), a.reason));
      }
      if (notes && m < notes->size()) {
        for (const auto& n : (*notes)[m]) comments.push_back("note: " + n);
      }
    }
    for (size_t at = 0; at < steps.size(); ++at) {
      Item item;
      if (at == 0) item.comments = comments;
      item.comments.insert(item.comments.end(), steps[at].comments.begin(),
                           steps[at].comments.end());
      item.step = std::move(steps[at]);
      items.push_back(std::move(item));
    }
  }
  return items;
}

// Both at once, on this thread: `statements` applied to `schema`, rendered.
std::vector<Item> render_statements(const std::vector<const ast::Statement*>& statements,
                                    const std::vector<std::vector<std::string>>* notes,
                                    SchemaModel& schema, const Renderer& renderer,
                                    const ReplayOptions& options, const std::string& file,
                                    std::string_view revision, DiagnosticSink& sink,
                                    bool derived = false, DiagnosticSink* replay_sink = nullptr) {
  Plan plan =
      plan_statements(statements, schema, renderer, options, file, revision, derived, replay_sink);
  return render_planned(plan, statements, notes, renderer, options, file, revision, sink, derived);
}

// Writes a script: lines, statements, and the transaction state.
class Writer {
 public:
  Writer(const Renderer& renderer, const Config& config) : renderer_(renderer), config_(config) {}

  std::string text;

  // Room for the script of `ids`, so that a long script is not copied as it
  // grows. Generous: pages reserved but never written cost no memory.
  void reserve_for(const Project& project, const std::vector<std::string>& ids) {
    size_t bytes = 4096;
    for (const auto& id : ids) {
      if (const RevisionNode* node = project.graph.find(id))
        bytes += 2048 + 8 * project.source_text(node->path).size();
    }
    text.reserve(bytes);
  }

  void line(std::string_view s) {
    text += s;
    text += '\n';
  }
  void comment(std::string_view s) {
    text += "-- ";
    Renderer::append_comment_text(text, s);
    text += '\n';
  }
  void statement(std::string_view sql) {
    line(sql);
    // A step that is only a comment (what a statement became) ends no batch.
    if (std::string_view go = renderer_.batch_separator(); !go.empty() && !only_comments(sql))
      line(go);
    line("");
  }

  bool transactions_enabled() const {
    return renderer_.info().transactional_ddl && config_.emit.transaction != "none";
  }

  // Opens or closes the transaction when the state differs.
  void transaction(bool open) {
    if (open == open_) return;
    statement(open ? renderer_.begin_transaction() : renderer_.commit_transaction());
    open_ = open;
    if (!open) pending_literals_.clear();
  }

  // One section: its comments, guard, items and version statements.
  void section(const std::vector<std::string>& heading, const std::string& guard,
               const std::vector<Item>& items, const std::vector<std::string>& version,
               bool no_transaction) {
    bool use = transactions_enabled() && !no_transaction;
    for (const auto& h : heading) comment(h);
    if (no_transaction && transactions_enabled()) {
      comment("@transaction(none): this revision runs outside a transaction");
    }
    transaction(use);
    if (!guard.empty()) statement(guard);
    for (const auto& item : items) {
      if (use && item.step.outside_transaction) {
        transaction(false);
        comment("outside a transaction: the statement below cannot run inside one");
      } else if (use && open_) {
        for (const auto& lit : pending_literals_) {
          if (item.step.sql.find(lit) == std::string::npos) continue;
          comment(
              fmt::format("commit first: the enum value {} added above cannot be used in the "
                          "transaction that added it",
                          lit));
          transaction(false);
          break;
        }
      }
      if (use && !item.step.outside_transaction) transaction(true);
      for (const auto& c : item.comments) comment(c);
      statement(item.step.sql);
      if (open_ && !item.step.new_enum_literal.empty())
        pending_literals_.push_back(item.step.new_enum_literal);
    }
    if (use) transaction(true);
    for (const auto& v : version) statement(v);
    if (config_.emit.transaction != "all" || !use) transaction(false);
  }

  void finish() { transaction(false); }

 private:
  const Renderer& renderer_;
  const Config& config_;
  bool open_ = false;
  std::vector<std::string> pending_literals_;
};

// The source text of a revision's file.
std::string range_text(const Range& range) {
  return describe(range.from) + " -> " + describe(range.to);
}

// The header: what, for which server, how to run it, and each revision.
void write_header(Writer& w, const Project& project, const Renderer& renderer,
                  std::string_view kind, const Range& range, const ScriptOptions& options,
                  const std::vector<std::string>& extra) {
  const DialectInfo& info = renderer.info();
  w.line(fmt::format("{}{}: {} {} for {} {}.", kScriptHeaderPrefix, options.tool_version, kind,
                     Renderer::comment_text(range_text(range)), info.title,
                     renderer.target().version));
  std::string run = std::string(info.run_with);
  w.comment("Run it with: " + run);
  w.comment("Do not edit: the same revision files give the same bytes; regenerate instead.");
  if (!info.transactional_ddl) {
    w.comment(
        fmt::format("{} commits DDL implicitly: this script runs no transactions, and a "
                    "failure leaves its revision half applied.",
                    info.title));
  }
  if (!range.revisions.empty()) {
    w.comment("Revisions (id: message, then the source file and its sha256):");
    std::string text;  // two lines a revision: built in one reused buffer
    for (const auto& id : range.revisions) {
      // The graph's node, not the revision: after a header-first load,
      // bodies are still being parsed.
      const RevisionNode* node = project.graph.find(id);
      if (!node) continue;
      text.assign("  ").append(id).append(": ").append(node->message);
      w.comment(text);
      text.assign("    ").append(node->path).append(" sha256:");
      text.append(project.source_sha256(node->path));
      w.comment(text);
    }
  }
  for (const auto& e : extra) w.comment(e);
  w.line("");
  for (const auto& s : renderer.client_settings()) w.line(s);
  for (const auto& s : renderer.session_settings(project.config.emit)) {
    w.line(s);
    // A setting is a statement too (a `--` line is a note about one).
    if (!renderer.batch_separator().empty() && s.rfind("--", 0) != 0)
      w.line(renderer.batch_separator());
  }
  w.line("");
}

std::string guard_for(const Project& project, const Renderer& renderer, const VersionChange& change,
                      std::string_view what) {
  if (!project.config.emit.guard) return {};
  auto [present, absent] = guard_sets(project.graph, change);
  std::string expect;
  if (!change.remove.empty()) expect += "to hold " + join(change.remove, ", ");
  if (!change.add.empty()) {
    if (!expect.empty()) expect += " and ";
    expect += "not to hold " + join(change.add, ", ");
    if (absent.size() > change.add.size()) expect += " or any revision after it";
  }
  std::string message =
      concat({"retort: ", what, " stopped: expected ", project.config.version_table, " ", expect});
  return renderer.guard(project.config.version_table, present, absent, message);
}

// Replays the upgrade of every revision of `ids` (in their order) onto `schema`.
void replay_ids(const Project& project, const std::vector<std::string>& ids, SchemaModel& schema,
                const ReplayOptions& options) {
  DiagnosticSink ignored;
  for (const auto& id : ids) {
    if (const ast::RevisionFile* rev = project.revision(id))
      replay_upgrade(*rev, schema, options, ignored);
  }
}

// A revision's parents as a section title names them: "<base>" for none.
std::string parents_text(const RevisionGraph& graph, const std::string& id) {
  std::vector<std::string> parents = graph.parents(id);
  return parents.empty() ? "<base>" : join(parents, ", ");
}

// The comment lines that open a revision's section: what runs, and the
// source it came from.
std::vector<std::string> section_heading(const Project& project, const ast::RevisionFile& rev,
                                         std::string_view title) {
  return {concat({"Running ", title, ": ", rev.header.message.value_or("")}),
          concat({"source: ", rev.path, " sha256:", project.source_sha256(rev)})};
}

// The foreign keys of `schema` held `not valid`: (table key, name).
std::set<std::pair<std::string, std::string>> unchecked_foreign_keys(const SchemaModel& schema) {
  std::set<std::pair<std::string, std::string>> out;
  for (const auto& e : schema.tables()) {
    for (const auto& c : e.value->constraints) {
      if (c.kind == ast::ConstraintKind::ForeignKey && !c.validated) out.emplace(e.key, c.name);
    }
  }
  return out;
}

// Marks the foreign keys of `keys` that `schema` holds `not valid`.
void mark_unchecked(SchemaModel& schema,
                    const std::set<std::pair<std::string, std::string>>& keys) {
  for (const auto& [key, name] : keys) {
    const Table* t = schema.find_table(key);
    const Constraint* c = t ? t->find_constraint(name) : nullptr;
    if (!c || c->kind != ast::ConstraintKind::ForeignKey || !c->validated) continue;
    Table copy = *t;
    for (auto& k : copy.constraints) {
      if (k.name == name) k.validated = false;
    }
    schema.put_table(std::move(copy));
  }
}

}  // namespace

bool has_no_transaction(const ast::RevisionFile& rev) {
  for (const auto& a : rev.file_annotations) {
    if (a.kind == ast::AnnotationKind::Transaction && !a.args.empty() && a.args[0].text == "none")
      return true;
  }
  return false;
}

std::vector<std::string> applied_through(const RevisionGraph& graph,
                                         const std::vector<std::string>& ids) {
  return in_order(graph, closure(graph, ids));
}

// ------------------------------------------------------------ version rows

std::pair<std::vector<std::string>, std::vector<std::string>> guard_sets(
    const RevisionGraph& graph, const VersionChange& change) {
  std::vector<std::string> absent = change.add;
  if (change.remove.empty()) {
    // An insert replaces no row, so the rows it checks cannot tell whether
    // the revision was applied long ago: a database where it was holds one
    // of its descendants instead. Those must be absent too.
    std::vector<char> below(graph.size(), 0);
    for (const auto& id : change.add) {
      if (auto i = graph.index_of(id)) below[*i] = 1;
    }
    for (size_t index : graph.topological_order()) {
      if (below[index]) continue;
      for (size_t p : graph.requirement_indexes(index)) {
        if (below[p]) {
          below[index] = 1;
          absent.push_back(graph.nodes()[index].id);
          break;
        }
      }
    }
  }
  return {change.remove, absent};
}

std::vector<std::string> normalized_requirements(const RevisionGraph& graph, std::string_view id) {
  auto index = graph.index_of(id);
  if (!index) return {};
  std::vector<std::string> reqs;
  for (size_t p : graph.requirement_indexes(*index)) {
    const std::string& r = graph.nodes()[p].id;
    if (!contains(reqs, r)) reqs.push_back(r);
  }
  return minimal_heads(graph, reqs);
}

std::vector<std::string> minimal_heads(const RevisionGraph& graph,
                                       const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) {
    if (contains(out, id)) continue;
    bool implied = false;
    for (const auto& other : ids) {
      if (other != id && graph.is_ancestor(id, other)) implied = true;
    }
    if (!implied) out.push_back(id);
  }
  return out;
}

VersionChange VersionRows::upgrade(std::string_view id) {
  VersionChange change;
  for (const auto& r : normalized_requirements(graph_, id)) {
    if (contains(rows_, r)) change.remove.push_back(r);
  }
  change.add.emplace_back(id);
  std::erase_if(rows_, [&](const std::string& r) { return contains(change.remove, r); });
  rows_.emplace_back(id);
  return change;
}

VersionChange VersionRows::downgrade(std::string_view id) {
  VersionChange change;
  change.remove.emplace_back(id);
  std::erase(rows_, std::string(id));
  for (const auto& r : normalized_requirements(graph_, id)) {
    if (contains(rows_, r)) continue;
    bool implied = false;
    for (const auto& row : rows_) implied = implied || graph_.is_ancestor(r, row);
    if (!implied) change.add.push_back(r);
  }
  rows_.insert(rows_.end(), change.add.begin(), change.add.end());
  return change;
}

std::vector<std::string> version_statements(const Renderer& renderer, std::string_view table,
                                            const VersionChange& change) {
  std::vector<std::string> out;
  if (change.remove.empty()) {
    for (const auto& a : change.add) out.push_back(renderer.insert_version(table, a));
    return out;
  }
  for (size_t i = 0; i + 1 < change.remove.size(); ++i)
    out.push_back(renderer.delete_version(table, change.remove[i]));
  if (change.add.empty()) {
    out.push_back(renderer.delete_version(table, change.remove.back()));
    return out;
  }
  out.push_back(renderer.update_version(table, change.remove.back(), change.add[0]));
  for (size_t i = 1; i < change.add.size(); ++i)
    out.push_back(renderer.insert_version(table, change.add[i]));
  return out;
}

// ------------------------------------------------------------------ ranges

Range upgrade_range(const RevisionGraph& graph, std::string_view text) {
  Range range;
  bool has_from = false;
  auto [from, to] = split_range(text, has_from);
  if (!resolve_into(graph, from, range.from, range.error)) return range;
  if (!resolve_into(graph, to, range.to, range.error)) return range;
  for (const auto& f : range.from) {
    bool below = false;
    for (const auto& t : range.to) below = below || graph.is_ancestor(f, t);
    if (!below) {
      range.error = fmt::format(
          "\"{}\" is not an ancestor of \"{}\": an upgrade only goes up (use `retort downgrade "
          "{}:{}` to go down)",
          f, describe(range.to), from, to);
      return range;
    }
  }
  std::vector<char> want = closure(graph, range.to);
  std::vector<char> have = closure(graph, range.from);
  for (size_t i = 0; i < want.size(); ++i) want[i] = want[i] && !have[i];
  range.revisions = in_order(graph, want);
  return range;
}

Range downgrade_range(const RevisionGraph& graph, std::string_view text) {
  Range range;
  bool has_from = false;
  auto [from, to] = split_range(text, has_from);
  if (!has_from) {
    range.error =
        fmt::format("a downgrade needs FROM:TO, as \"head:base\" or \"head:-1\"; got \"{}\"", text);
    return range;
  }
  if (!to.empty() && (to[0] == '-' || to[0] == '+')) to = from + to;
  if (!resolve_into(graph, from, range.from, range.error)) return range;
  if (!resolve_into(graph, to, range.to, range.error)) return range;
  for (const auto& t : range.to) {
    bool below = false;
    for (const auto& f : range.from) below = below || graph.is_ancestor(t, f);
    if (!below) {
      range.error = fmt::format(
          "\"{}\" is not an ancestor of \"{}\": a downgrade only goes down (use `retort upgrade "
          "{}:{}` to go up)",
          t, describe(range.from), to, from);
      return range;
    }
  }
  std::vector<char> have = closure(graph, range.from);
  std::vector<char> keep = closure(graph, range.to);
  for (size_t i = 0; i < have.size(); ++i) have[i] = have[i] && !keep[i];
  range.revisions = in_order(graph, have);
  std::reverse(range.revisions.begin(), range.revisions.end());
  return range;
}

Range stamp_range(const RevisionGraph& graph, std::string_view text) {
  Range range;
  bool has_from = false;
  auto [from, to] = split_range(text, has_from);
  if (!resolve_into(graph, from, range.from, range.error)) return range;
  resolve_into(graph, to, range.to, range.error);
  return range;
}

// ----------------------------------------------------------------- scripts

bool is_retort_output(std::string_view text) {
  return text.substr(0, kScriptHeaderPrefix.size()) == kScriptHeaderPrefix;
}

std::optional<std::string> upgrade_script(const Project& project, const Renderer& renderer,
                                          const Range& range, const ScriptOptions& options,
                                          DiagnosticSink& sink) {
  const RevisionGraph& graph = project.graph;
  ReplayOptions replay = project.replay_options();
  Writer w(renderer, project.config);
  const std::string& table = project.config.version_table;
  VersionRows rows(graph, minimal_heads(graph, range.from));
  size_t errors_before = sink.error_count();
  DiagnosticSink* replay_sink = options.replay_diagnostics;
  // Replayed and rendered revision by revision on this thread: rendering on
  // a second thread behind the replay cost more than it gave once memory
  // came in large pages (bench/README.md, twelfth round).
  w.reserve_for(project, range.revisions);
  write_header(w, project, renderer, "upgrade", range, options, {});
  if (range.from.empty()) w.statement(renderer.create_version_table(table));
  SchemaModel schema;
  replay_ids(project, in_order(graph, closure(graph, range.from)), schema, replay);
  std::vector<const ast::Statement*> statements;
  for (const auto& id : range.revisions) {
    const ast::RevisionFile* rev = project.revision(id);
    if (!rev) continue;
    if (replay_sink && replay_sink->has_errors()) {
      replay_upgrade(*rev, schema, replay, *replay_sink);  // for its diagnostics only
      continue;
    }
    statements.clear();
    for (const auto& s : rev->upgrade) statements.push_back(&s);
    Plan plan =
        plan_statements(statements, schema, renderer, replay, rev->path, id, false, replay_sink);
    VersionChange change = rows.upgrade(id);
    std::string title = concat({"upgrade ", parents_text(graph, id), " -> ", id});
    auto items =
        render_planned(plan, statements, nullptr, renderer, replay, rev->path, id, sink, false);
    w.section(section_heading(project, *rev, title), guard_for(project, renderer, change, title),
              items, version_statements(renderer, table, change), has_no_transaction(*rev));
  }
  w.finish();
  if (options.schema_after != nullptr) *options.schema_after = std::move(schema);
  if (sink.error_count() != errors_before) return std::nullopt;
  if (replay_sink && replay_sink->has_errors()) return std::nullopt;
  return std::move(w.text);
}

bool replays_everything(const RevisionGraph& graph, const Range& range) {
  // range.revisions is in topological order and holds no id twice: as many
  // as the graph has is every one of them, in replay_all's order.
  return range.from.empty() && range.error.empty() && range.revisions.size() == graph.size();
}

std::optional<std::string> downgrade_script(const Project& project, const Renderer& renderer,
                                            const Range& range, const ScriptOptions& options,
                                            DiagnosticSink& sink) {
  const RevisionGraph& graph = project.graph;
  ReplayOptions replay = project.replay_options();
  // The schema before each revision that goes: what TO needs, then the
  // removed revisions in topological order (the reverse of the script's).
  SchemaModel schema;
  replay_ids(project, in_order(graph, closure(graph, range.to)), schema, replay);
  std::map<std::string, std::pair<SchemaModel, SchemaModel>> around;  // id -> before, after
  for (auto it = range.revisions.rbegin(); it != range.revisions.rend(); ++it) {
    SchemaModel before = schema;
    replay_ids(project, {*it}, schema, replay);
    around.emplace(*it, std::make_pair(before, schema));
  }

  size_t errors_before = sink.error_count();
  std::vector<std::string> data_loss;
  struct Planned {
    std::string id;
    DowngradePlan plan;
  };
  std::vector<Planned> plans;
  for (const auto& id : range.revisions) {
    const ast::RevisionFile* rev = project.revision(id);
    if (!rev) continue;
    DowngradePlan plan = plan_downgrade(*rev, around.at(id).first, replay, sink);
    for (const auto& step : plan.steps) {
      if (!step.loses_data) continue;
      std::string what = step.notes.empty()
                             ? std::string(ast::statement_kind_name(step.statement.node))
                             : step.notes.front();
      data_loss.push_back(fmt::format("  {}: {}", id, what));
    }
    plans.push_back({id, std::move(plan)});
  }
  if (sink.error_count() != errors_before) return std::nullopt;

  std::vector<std::string> extra;
  if (!data_loss.empty()) {
    extra.push_back("Downgrades that lose data:");
    extra.insert(extra.end(), data_loss.begin(), data_loss.end());
  }
  Writer w(renderer, project.config);
  w.reserve_for(project, range.revisions);
  write_header(w, project, renderer, "downgrade", range, options, extra);
  const std::string& table = project.config.version_table;
  VersionRows rows(graph, minimal_heads(graph, range.from));
  // Foreign keys (table key, name) that a derived downgrade added back
  // unchecked stay so in the database for the revisions downgraded after
  // it, whatever the upgrade's model says: they are marked `not valid` in
  // the model those are rendered from (a SQLite rebuild then leaves them
  // out of its check, as PostgreSQL leaves a NOT VALID key unchecked).
  std::set<std::pair<std::string, std::string>> unchecked;
  for (auto& [id, plan] : plans) {
    const ast::RevisionFile* rev = project.revision(id);
    VersionChange change = rows.downgrade(id);
    std::string title = concat({"downgrade ", id, " -> ", parents_text(graph, id)});
    SchemaModel work = around.at(id).second;
    mark_unchecked(work, unchecked);
    std::vector<const ast::Statement*> statements;
    std::vector<std::vector<std::string>> notes;
    for (const auto& step : plan.steps) {
      statements.push_back(&step.statement);
      notes.push_back(step.notes);
    }
    auto items = render_statements(statements, &notes, work, renderer, replay, rev->path, id, sink,
                                   plan.derived);
    unchecked = unchecked_foreign_keys(work);
    std::vector<std::string> heading = section_heading(project, *rev, title);
    heading.push_back(plan.derived ? "downgrade derived from the upgrade" : "downgrade as written");
    w.section(heading, guard_for(project, renderer, change, title), items,
              version_statements(renderer, table, change), has_no_transaction(*rev));
  }
  w.finish();
  if (sink.error_count() != errors_before) return std::nullopt;
  return std::move(w.text);
}

std::string stamp_script(const Project& project, const Renderer& renderer, const Range& range,
                         const ScriptOptions& options) {
  const RevisionGraph& graph = project.graph;
  Writer w(renderer, project.config);
  Range shown = range;
  write_header(w, project, renderer, "stamp", shown, options,
               {"Only the version table changes: the schema must already be at the target."});
  const std::string& table = project.config.version_table;
  if (range.from.empty()) w.statement(renderer.create_version_table(table));
  auto old_rows = minimal_heads(graph, range.from);
  auto new_rows = minimal_heads(graph, range.to);
  VersionChange change;
  for (const auto& r : old_rows) {
    if (!contains(new_rows, r)) change.remove.push_back(r);
  }
  for (const auto& r : new_rows) {
    if (!contains(old_rows, r)) change.add.push_back(r);
  }
  if (change.remove.empty() && change.add.empty()) {
    w.comment("Nothing to stamp: both ends hold the same version rows.");
    return std::move(w.text);
  }
  std::string title = "stamp " + range_text(range);
  w.section({"Running " + title}, guard_for(project, renderer, change, title), {},
            version_statements(renderer, table, change), false);
  w.finish();
  return std::move(w.text);
}

std::optional<std::string> schema_script(const Project& project, const Renderer& renderer,
                                         const std::vector<std::string>& ids,
                                         const ScriptOptions& options, DiagnosticSink& sink) {
  const RevisionGraph& graph = project.graph;
  ReplayOptions replay = project.replay_options();
  SchemaModel schema;
  replay_ids(project, in_order(graph, closure(graph, ids)), schema, replay);
  size_t errors_before = sink.error_count();
  static const std::string kNoFile;
  RenderContext ctx{schema, schema, kNoFile, replay, sink, {}, {}};

  Writer w(renderer, project.config);
  w.line(fmt::format("{}{}: schema at {} for {} {}.", kScriptHeaderPrefix, options.tool_version,
                     describe(ids), renderer.info().title, renderer.target().version));
  w.comment("A snapshot for reading: CREATE statements in dependency order.");
  w.line("");
  auto emit = [&](const std::vector<Step>& steps) {
    for (const auto& s : steps) {
      for (const auto& c : s.comments) w.comment(c);
      w.statement(s.sql);
    }
  };
  for (const auto& s : schema.schemas()) {
    ast::CreateSchema cs;
    cs.name.text = s;
    emit(renderer.render_node(cs, ctx));
  }
  for (const auto& e : schema.enums()) emit(renderer.create_enum(*e.value, ctx));

  // Tables after the tables they reference; a cycle is broken by adding its
  // foreign keys after every table exists.
  std::vector<const Table*> remaining;
  for (const auto& e : schema.tables()) remaining.push_back(e.value.get());
  std::set<std::string> created;
  std::vector<std::pair<const Table*, const Constraint*>> deferred;
  auto ready = [&](const Table* t) {
    for (const auto& c : t->constraints) {
      if (c.kind == ast::ConstraintKind::ForeignKey && c.ref_table != t->key &&
          !created.count(c.ref_table))
        return false;
    }
    return true;
  };
  while (!remaining.empty()) {
    auto it = std::find_if(remaining.begin(), remaining.end(), ready);
    if (it == remaining.end()) it = remaining.begin();
    const Table* t = *it;
    remaining.erase(it);
    std::vector<bool> keep(t->constraints.size(), true);
    for (size_t i = 0; i < t->constraints.size(); ++i) {
      const Constraint& c = t->constraints[i];
      bool later = (c.kind == ast::ConstraintKind::ForeignKey && c.ref_table != t->key &&
                    !created.count(c.ref_table)) ||
                   !c.validated;
      if (later) {
        keep[i] = false;
        deferred.emplace_back(t, &c);
      }
    }
    emit(renderer.create_table(*t, false, &keep, ctx));
    created.insert(t->key);
  }
  for (const auto& [t, c] : deferred) emit(renderer.add_constraint(*t, *c, !c->validated, ctx));
  for (const auto& e : schema.tables()) {
    for (const auto& i : e.value->indexes)
      emit(renderer.create_index(*e.value, i, false, false, ctx));
  }
  std::set<std::string> placed;
  std::function<void(const View&)> place = [&](const View& v) {
    if (!placed.insert(v.key).second) return;
    for (const auto& dep : v.views) {
      if (const View* d = schema.find_view(dep)) place(*d);
    }
    emit(renderer.create_view(v, {}, ctx));
  };
  for (const auto& e : schema.views()) place(*e.value);
  if (sink.error_count() != errors_before) return std::nullopt;
  return std::move(w.text);
}

void render_all(const Project& project, const Renderer& renderer, DiagnosticSink& sink,
                DiagnosticSink* replay_sink, SchemaModel* schema_after) {
  // All on this thread: unlike a script's sections, rendering here is
  // little beside the replay, and a second thread cost more than it saved
  // (bench/README.md, sixth round).
  ReplayOptions replay = project.replay_options();
  SchemaModel schema;
  const auto& nodes = project.graph.nodes();
  for (size_t index : project.graph.topological_order()) {
    const ast::RevisionFile* rev = project.revision(nodes[index].id);
    if (!rev) continue;
    if (replay_sink && replay_sink->has_errors()) {
      replay_upgrade(*rev, schema, replay, *replay_sink);  // for its diagnostics only
      continue;
    }
    std::vector<const ast::Statement*> statements;
    for (const auto& s : rev->upgrade) statements.push_back(&s);
    render_statements(statements, nullptr, schema, renderer, replay, rev->path, rev->header.id.text,
                      sink, false, replay_sink);
  }
  if (schema_after != nullptr) *schema_after = std::move(schema);
}

}  // namespace retort::emit
