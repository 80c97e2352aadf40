// The lint engine. One replay of the whole chain: each upgrade statement is
// applied to the schema model (cheap snapshots before and after), every
// enabled statement rule sees it, then every revision rule sees the
// revision's end state, then the project rules see the graph.
#include "lint/engine.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <map>

#include "compiler/ordered_worker.h"
#include "compiler/replay.h"
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

// One revision replayed, waiting for its rules: the schema at its start,
// each statement's schema before and after, and what the replay of each
// reported.
struct ReplayedRevision {
  const ast::RevisionFile* revision = nullptr;
  SchemaModel at_start;
  std::vector<StatementState> states;
  std::vector<DiagnosticSink> replay_said;  // by statement
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

  // This thread replays each revision; its statement and revision rules
  // run behind it, in order, on another thread (bench/README.md, sixth
  // round). `collector`, the rules and `sink` are theirs until finish; the
  // replay reports into a sink per statement, which the rules' thread
  // passes on before that statement's findings, so that `sink` gets what
  // it got when both ran here, in the same order.
  const ReplayOptions replay_options = project.replay_options();
  OrderedWorker<ReplayedRevision> checks(
      [&](ReplayedRevision& job) {
        const ast::RevisionFile& rev = *job.revision;
        RevisionNewness newness;
        // The statements replayed so far, as a rule of the latest sees them.
        std::vector<StatementState> states;
        states.reserve(job.states.size());
        for (size_t k = 0; k < job.states.size(); ++k) {
          sink.absorb(std::move(job.replay_said[k]));
          states.push_back(std::move(job.states[k]));
          const StatementState& now = states.back();
          if (!now.applied) continue;
          for (const auto& a : active) {
            if (!a.runs()) continue;
            RevisionContext rc{project, rev,     job.at_start, now.after,
                               states,  newness, a.targets,    replay_options};
            StatementContext sc{rc, *now.statement, now.before, now.after};
            collector.start(a, &rev);
            a.rule->check_statement(sc, collector);
          }
          newness.note(*now.statement);
        }
        const SchemaModel& at_end = states.empty() ? job.at_start : states.back().after;
        for (const auto& a : active) {
          if (!a.runs()) continue;
          RevisionContext rc{project, rev,     job.at_start, at_end,
                             states,  newness, a.targets,    replay_options};
          collector.start(a, &rev);
          a.rule->check_revision(rc, collector);
        }
        job.states = std::move(states);  // destroyed with the job, on the replaying thread
      },
      options.check_behind && project.worth_working_behind_the_replay());

  SchemaModel schema;
  const auto& nodes = project.graph.nodes();
  for (size_t index : project.graph.topological_order()) {
    const ast::RevisionFile* rev = project.revision(nodes[index].id);
    if (rev == nullptr) continue;
    ReplayedRevision job;
    job.revision = rev;
    job.at_start = schema;
    job.states.reserve(rev->upgrade.size());
    job.replay_said.resize(rev->upgrade.size());
    for (size_t k = 0; k < rev->upgrade.size(); ++k) {
      const ast::Statement& statement = rev->upgrade[k];
      StatementState state{&statement, schema, {}, false};
      state.applied = apply_statement(statement, rev->path, schema, replay_options,
                                      job.replay_said[k], rev->header.id.text);
      state.after = schema;
      job.states.push_back(std::move(state));
    }
    checks.post(std::move(job));
  }
  checks.finish();

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
