// The lint engine. One replay of the whole chain: each upgrade statement is
// applied to the schema model (cheap snapshots before and after), every
// enabled statement rule sees it, then every revision rule sees the
// revision's end state, then the project rules see the graph.
#include "lint/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <map>

#include "compiler/replay.h"
#include "compiler/split_chain.h"
#include "compiler/text_util.h"

namespace retort::lint {
namespace {

Severity severity_of(Level level) {
  switch (level) {
    case Level::error:
      return Severity::error;
    case Level::warning:
      return Severity::warning;
    default:
      return Severity::info;
  }
}

/// A rule as this run uses it: its level and the targets it judges.
struct ActiveRule {
  const Rule* rule = nullptr;
  Level level = Level::off;
  std::vector<Target> targets;
  bool runs() const { return level != Level::off && !targets.empty(); }
};

/// Collects the findings of one rule at a time, applying `@allow`.
class Collector final : public Findings, public AllowLedger {
 public:
  Collector(const std::vector<ActiveRule>& rules, const LintOptions& options, DiagnosticSink& sink)
      : rules_(rules), options_(options), sink_(sink) {}

  void start(const ActiveRule& rule, const ast::RevisionFile* revision) {
    rule_ = &rule;
    revision_ = revision;
  }

  void report(const ast::Statement* statement, const SourceSpan& span, std::string message,
              std::string help) override {
    assert(revision_ != nullptr);
    add(*revision_, statement, span, std::move(message), std::move(help));
  }

  void report_in(const ast::RevisionFile& revision, const SourceSpan& span, std::string message,
                 std::string help) override {
    add(revision, nullptr, span, std::move(message), std::move(help));
  }

  bool silenced_something(const ast::Name& arg) const override { return used_.count(&arg) > 0; }

  /// Takes in the `@allow` arguments another collector saw used.
  void adopt_allows_used(const Collector& other) {
    used_.insert(other.used_.begin(), other.used_.end());
  }

  const RuleInfo* rule(std::string_view id) const override {
    for (const auto& r : rules_) {
      if (r.rule->info().id == id) return &r.rule->info();
    }
    return nullptr;
  }

  std::vector<std::string_view> rule_ids() const override {
    std::vector<std::string_view> ids;
    for (const auto& r : rules_) ids.push_back(r.rule->info().id);
    return ids;
  }

  Level level(std::string_view id) const override {
    for (const auto& r : rules_) {
      if (r.rule->info().id == id) return r.level;
    }
    return Level::off;
  }

 private:
  // The `@allow` argument naming the current rule, on the statement or the
  // file, or null.
  const ast::Name* allow_for(const std::vector<ast::Annotation>& annotations) const {
    for (const auto& a : annotations) {
      if (a.kind != ast::AnnotationKind::Allow) continue;
      for (const auto& arg : a.args) {
        if (arg.text == rule_->rule->info().id) return &arg;
      }
    }
    return nullptr;
  }

  void add(const ast::RevisionFile& revision, const ast::Statement* statement,
           const SourceSpan& span, std::string message, std::string help) {
    const ast::Name* allow = statement ? allow_for(statement->annotations) : nullptr;
    if (allow == nullptr) allow = allow_for(revision.file_annotations);
    if (allow != nullptr) {
      used_.insert(allow);
      return;
    }
    if (options_.only_files && !options_.only_files->count(revision.path)) return;
    const RuleInfo& info = rule_->rule->info();
    sink_.report(Diagnostic{
        severity_of(rule_->level), std::string(info.id), revision.path, span, std::move(message),
        help.empty() ? std::string(info.better) : std::move(help), revision.header.id.text});
  }

  const std::vector<ActiveRule>& rules_;
  const LintOptions& options_;
  DiagnosticSink& sink_;
  const ActiveRule* rule_ = nullptr;
  const ast::RevisionFile* revision_ = nullptr;
  std::set<const ast::Name*> used_;
};

// One thread's share of the lint: a schema of its own, replayed revision
// by revision, with every rule run on each statement and revision as soon
// as it is replayed, reporting through its own collector into its own sink.
class LintLane {
 public:
  LintLane(const Project& project, const std::vector<ActiveRule>& active,
           const ReplayOptions& replay_options, Collector& collector, DiagnosticSink& sink)
      : project_(project),
        active_(active),
        replay_options_(replay_options),
        collector_(collector),
        sink_(sink) {}

  /// Replays `rev` and runs the rules on it.
  void lint(const ast::RevisionFile& rev) {
    const SchemaModel at_start = schema_;
    RevisionNewness newness;
    // The statements replayed so far, as a rule of the latest sees them.
    std::vector<StatementState> states;
    states.reserve(rev.upgrade.size());
    for (const ast::Statement& statement : rev.upgrade) {
      StatementState state{&statement, schema_, {}, false};
      state.applied =
          apply_statement(statement, rev.path, schema_, replay_options_, sink_, rev.header.id.text);
      state.after = schema_;
      states.push_back(std::move(state));
      const StatementState& now = states.back();
      if (!now.applied) continue;
      for (const auto& a : active_) {
        if (!a.runs()) continue;
        RevisionContext rc{project_, rev,     at_start,  now.after,
                           states,   newness, a.targets, replay_options_};
        StatementContext sc{rc, statement, now.before, now.after};
        collector_.start(a, &rev);
        a.rule->check_statement(sc, collector_);
      }
      newness.note(statement);
    }
    for (const auto& a : active_) {
      if (!a.runs()) continue;
      RevisionContext rc{project_, rev,     at_start,  schema_,
                         states,   newness, a.targets, replay_options_};
      collector_.start(a, &rev);
      a.rule->check_revision(rc, collector_);
    }
  }

  /// Replays `rev` only: what it reports, and the rules, are another
  /// lane's.
  void replay(const ast::RevisionFile& rev) {
    for (const ast::Statement& statement : rev.upgrade) {
      DiagnosticSink unheard;
      apply_statement(statement, rev.path, schema_, replay_options_, unheard, rev.header.id.text);
    }
  }

  SchemaModel& schema() { return schema_; }

 private:
  const Project& project_;
  const std::vector<ActiveRule>& active_;
  const ReplayOptions& replay_options_;
  Collector& collector_;
  DiagnosticSink& sink_;
  SchemaModel schema_;
};

// `[lint.rules]` naming a rule that does not exist is a config error: a
// typo would otherwise silently leave a rule at its default.
void check_configured_rules(const Project& project, const RuleSet& rules, DiagnosticSink& sink) {
  for (const auto& [id, level] : project.config.lint_rules) {
    // Named apart: clang before 16 cannot capture a structured binding.
    bool known = std::any_of(rules.begin(), rules.end(),
                             [&wanted = id](const auto& r) { return r->info().id == wanted; });
    if (known) continue;
    std::string help = "`retort lint --list-rules` lists them";
    size_t best = 3;
    for (const auto& r : rules) {
      size_t d = edit_distance(id, r->info().id);
      if (d < best) {
        best = d;
        help = fmt::format("did you mean \"{}\"?", r->info().id);
      }
    }
    auto span = project.config.lint_rule_spans.find(id);
    sink.error("config", project.config_file.path,
               span == project.config.lint_rule_spans.end() ? SourceSpan{} : span->second,
               fmt::format("unknown lint rule \"{}\" in [lint.rules]", id), std::move(help));
  }
}

}  // namespace

Level effective_level(const RuleInfo& info, const Config& config) {
  if (auto it = config.lint_rules.find(std::string(info.id)); it != config.lint_rules.end()) {
    if (auto level = parse_level(it->second)) return *level;
  }
  return info.level;
}

void run_lint(const Project& project, const RuleSet& rules, const LintOptions& options,
              DiagnosticSink& sink) {
  check_configured_rules(project, rules, sink);

  std::vector<ActiveRule> active;
  for (const auto& rule : rules) {
    ActiveRule a{rule.get(), effective_level(rule->info(), project.config), {}};
    for (const auto& t : options.targets) {
      if (applies_to(rule->info(), t.dialect)) a.targets.push_back(t);
    }
    active.push_back(std::move(a));
  }
  Collector collector(active, options, sink);

  // The chain in order, on this thread, or split with a helper thread
  // that replays ahead on its own schema and lints the rest of the chain
  // (compiler/split_chain.h); its findings follow this thread's, so `sink`
  // gets what it would have got from one thread.
  const ReplayOptions replay_options = project.replay_options();
  const auto& nodes = project.graph.nodes();
  const std::vector<size_t>& order = project.graph.topological_order();
  // A split set by a test is honoured on any host, so that the split is
  // tested on one core too.
  const bool two_threads =
      options.two_threads && (options.split_at > 0 || project.worth_two_replaying_threads());
  // Project::revision may wait for a body parsed behind the load, and is
  // for one thread at a time: with two, every revision is looked up first
  // (a few bodies at most are still being parsed then).
  std::vector<const ast::RevisionFile*> chain;
  if (two_threads) {
    chain.reserve(order.size());
    for (size_t index : order) chain.push_back(project.revision(nodes[index].id));
  }
  auto revision_at = [&](size_t i) {
    return two_threads ? chain[i] : project.revision(nodes[order[i]].id);
  };
  LintLane front(project, active, replay_options, collector, sink);
  DiagnosticSink back_sink;
  Collector back_collector(active, options, back_sink);
  LintLane back(project, active, replay_options, back_collector, back_sink);
  const size_t split = run_split_chain(
      order.size(), two_threads,
      [&](size_t i) {
        if (const ast::RevisionFile* rev = revision_at(i)) front.lint(*rev);
      },
      [&](size_t i) {
        if (const ast::RevisionFile* rev = chain[i]) back.replay(*rev);
      },
      [&](size_t i) {
        if (const ast::RevisionFile* rev = chain[i]) back.lint(*rev);
      },
      options.split_at);
  SchemaModel& schema = split < order.size() ? back.schema() : front.schema();
  if (split < order.size()) {
    sink.absorb(std::move(back_sink));
    collector.adopt_allows_used(back_collector);
  }

  // Project rules; the ones that judge other rules' findings come last.
  for (bool last : {false, true}) {
    for (const auto& a : active) {
      if (!a.runs() || a.rule->runs_last() != last) continue;
      ProjectContext pc{project, a.targets, collector};
      collector.start(a, nullptr);
      a.rule->check_project(pc, collector);
    }
  }
  if (options.schema_after != nullptr) *options.schema_after = std::move(schema);
}

}  // namespace retort::lint
