#include "emit/bundle.h"
#include "compiler/text_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <set>
#include <tuple>

#include "compiler/digest.h"
#include "compiler/downgrade.h"
#include "compiler/replay.h"
#include "emit/registry.h"
#include "emit/review.h"
#include "lint/registry.h"
#include "lint/report.h"

// Choices where bundles.md is silent:
// - Per-revision scripts are cut from the same range: script NNNN starts at
//   the version rows of FROM plus the revisions before it, so running the
//   `up` scripts in order is running upgrade.sql, section for section.
// - The downgrade of the bundle is its range reversed (TO down to FROM).
// - REVIEW.md and the manifest show lint findings of the range's revisions
//   only (the whole chain is linted for context).
// - A revision that says `downgrade irreversible` has no `.down.sql`, and
//   `downgrade.sql` stops above the last such revision of the range (a
//   comment-only file when that is the last revision): what can be undone
//   is still there for the DBA, and the file says where it stops. A
//   downgrade that cannot be derived is an error like any other.

namespace retort::emit {
namespace {

// Moves the diagnostics of `from` into `to`, leaving out any `to` already
// holds: each dialect's scripts report the same `error[downgrade]`.
void absorb_unique(DiagnosticSink& to, const DiagnosticSink& from) {
  for (const auto& d : from.diagnostics()) {
    bool seen = std::any_of(to.diagnostics().begin(), to.diagnostics().end(), [&](const auto& e) {
      return std::tie(e.code, e.file, e.span.begin, e.span.end, e.message) ==
             std::tie(d.code, d.file, d.span.begin, d.span.end, d.message);
    });
    if (!seen) to.report(d);
  }
}

// ------------------------------------------------------------- markdown

// Text on one Markdown line: control characters become spaces and ASCII
// punctuation that Markdown reads is escaped, so a message cannot open a
// code block, a link or a table cell.
std::string md(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      out += ' ';
    } else if (std::string_view("\\`*_[]<>|#!~").find(static_cast<char>(c)) !=
               std::string_view::npos) {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// `text` as a Markdown code span: control characters become spaces, and
// the backtick run around it is longer than any inside it.
std::string code(std::string_view text) {
  std::string clean;
  size_t longest = 0, run = 0;
  for (unsigned char c : text) {
    clean += c < 0x20 || c == 0x7f ? ' ' : static_cast<char>(c);
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string ticks(longest + 1, '`');
  std::string pad = !clean.empty() && (clean.front() == '`' || clean.back() == '`') ? " " : "";
  return ticks + pad + clean + pad + ticks;
}

// A fence longer than any run of backticks in `text`.
std::string fence_for(std::string_view text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

// Lines `first`..`last` (1-based) of `text`, each prefixed by its number.
std::string numbered_lines(std::string_view text, uint32_t first, uint32_t last) {
  std::string out;
  uint32_t line = 1;
  size_t begin = 0;
  while (begin <= text.size() && line <= last) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    if (line >= first) {
      std::string_view row = text.substr(begin, end - begin);
      if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
      out += fmt::format("{:>5} | {}\n", line, escape_control(row));
    }
    if (end == text.size()) break;
    begin = end + 1;
    ++line;
  }
  return out;
}

std::string_view level_word(Severity s) {
  return severity_name(s);
}

// --------------------------------------------------------------- manifest

std::string json_list(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& i : items) quoted.push_back(lint::json_string(i));
  return "[" + join(quoted, ", ") + "]";
}

std::string json_optional(const std::optional<std::string>& s) {
  return s ? lint::json_string(*s) : "null";
}

// ------------------------------------------------------------------ build

// One upgrade statement with the schema around it.
struct ReviewedStatement {
  const ast::Statement* statement = nullptr;
  SchemaModel before, after;
};

struct ReviewedRevision {
  const ast::RevisionFile* rev = nullptr;
  size_t position = 0;  // 1-based, in run order
  std::vector<ReviewedStatement> statements;
  DowngradePlan downgrade;
};

class Builder {
 public:
  Builder(const Project& project, const BundleRequest& request, DiagnosticSink& sink)
      : project_(project), request_(request), sink_(sink) {}

  std::optional<BundleResult> build() {
    range_ = range_between(project_.graph, request_.from, request_.to);
    if (!range_.error.empty()) {
      sink_.error("graph", "", {}, range_.error);
      return std::nullopt;
    }
    if (!lint()) return std::nullopt;
    replay();
    ScriptOptions options{request_.tool_version};
    bool ok = true;
    for (const auto& target : request_.targets) ok = scripts(target, options) && ok;
    if (!ok) return std::nullopt;
    result_.files["REVIEW.md"] = review();
    result_.files["manifest.json"] = manifest();
    return std::move(result_);
  }

 private:
  std::string file_name(size_t position, std::string_view id, std::string_view direction) const {
    return fmt::format("{:04}_{}.{}.sql", position, id, direction);
  }

  // Runs every rule over the whole chain; keeps the findings of the range.
  bool lint() {
    lint::RuleSet rules = lint::make_rules();
    lint::LintOptions options;
    for (const auto& t : request_.targets) options.targets.push_back({t.dialect, t.version});
    DiagnosticSink found;
    lint::run_lint(project_, rules, options, found);
    found.sort();
    std::set<std::string, std::less<>> in_range(range_.revisions.begin(), range_.revisions.end());
    bool ok = true;
    for (const auto& d : found.diagnostics()) {
      if (d.severity == Severity::error && !lint::find_rule(rules, d.code)) {
        sink_.report(d);  // not a finding: the project or its config is wrong
        ok = false;
      } else if (in_range.count(d.revision)) {
        result_.lint_findings.push_back(d);
      }
    }
    return ok;
  }

  // The schema around each upgrade statement of the range, and each
  // revision's downgrade plan (for REVIEW.md).
  void replay() {
    ReplayOptions options = project_.replay_options();
    SchemaModel schema;
    DiagnosticSink ignored;  // the replay was checked before the bundle was asked for
    for (const auto& id : applied_through(project_.graph, range_.from)) {
      if (const ast::RevisionFile* rev = project_.revision(id))
        replay_upgrade(*rev, schema, options, ignored);
    }
    size_t position = 0;
    for (const auto& id : range_.revisions) {
      ++position;
      const ast::RevisionFile* rev = project_.revision(id);
      if (!rev) continue;
      ReviewedRevision r;
      r.rev = rev;
      r.position = position;
      DiagnosticSink plan_sink;  // the scripts report downgrade errors
      r.downgrade = plan_downgrade(*rev, schema, options, plan_sink);
      for (const auto& s : rev->upgrade) {
        ReviewedStatement rs{&s, schema, {}};
        apply_statement(s, rev->path, schema, options, ignored, id);
        rs.after = schema;
        r.statements.push_back(std::move(rs));
      }
      reviewed_.push_back(std::move(r));
    }
  }

  // Every script of one dialect. Errors of the whole-range scripts go to
  // the sink; the per-revision scripts repeat the same statements, so
  // their (identical) errors are not reported again.
  bool scripts(const Target& target, const ScriptOptions& options) {
    auto renderer = make_renderer(target);
    if (!renderer) {
      sink_.error("dialect", "", {},
                  fmt::format("Retort cannot write {} SQL yet: no bundle for it", target.dialect));
      return false;
    }
    const RevisionGraph& graph = project_.graph;
    const std::string dir = target.dialect + "/";
    DiagnosticSink local;
    auto up = upgrade_script(project_, *renderer, range_, options, local);
    // The downgrade undoes what comes after the last irreversible revision.
    size_t reversible_from = 0;  // index into range_.revisions
    std::string stopper;         // the last irreversible revision, if any
    for (size_t i = 0; i < range_.revisions.size(); ++i) {
      if (irreversible(range_.revisions[i])) {
        reversible_from = i + 1;
        stopper = range_.revisions[i];
      }
    }
    std::optional<std::string> down;
    if (up && reversible_from == range_.revisions.size() && !stopper.empty()) {
      down = fmt::format(
          "-- No downgrade: revision {} says `downgrade irreversible`, and nothing after it is\n"
          "-- in this bundle. Restore from a backup to go below it.\n",
          stopper);
    } else if (up) {
      std::vector<std::string> kept = range_.from;
      kept.insert(kept.end(), range_.revisions.begin(),
                  range_.revisions.begin() + static_cast<std::ptrdiff_t>(reversible_from));
      Range down_range{range_.to,
                       stopper.empty() ? range_.from : minimal_heads(graph, kept),
                       {range_.revisions.rbegin(),
                        range_.revisions.rend() - static_cast<std::ptrdiff_t>(reversible_from)},
                       {}};
      down = downgrade_script(project_, *renderer, down_range, options, local);
      if (down && !stopper.empty()) {
        *down += fmt::format(
            "\n-- Stops here: revision {} says `downgrade irreversible`. Restore from a backup "
            "to go below it.\n",
            stopper);
      }
    }
    absorb_unique(sink_, local);
    if (!up || !down || local.has_errors()) return false;
    result_.files[dir + "upgrade.sql"] = std::move(*up);
    result_.files[dir + "downgrade.sql"] = std::move(*down);

    std::vector<std::string> applied = range_.from;
    for (size_t i = 0; i < range_.revisions.size(); ++i) {
      const std::string& id = range_.revisions[i];
      Range one_up;
      one_up.from = minimal_heads(graph, applied);
      applied.push_back(id);
      one_up.to = minimal_heads(graph, applied);
      one_up.revisions = {id};
      Range one_down{one_up.to, one_up.from, {id}, {}};
      DiagnosticSink repeated;
      auto u = upgrade_script(project_, *renderer, one_up, options, repeated);
      std::optional<std::string> d;
      if (!irreversible(id)) d = downgrade_script(project_, *renderer, one_down, options, repeated);
      if (!u || (!d && !irreversible(id))) {
        absorb_unique(sink_, repeated);
        return false;
      }
      result_.files[dir + "revisions/" + file_name(i + 1, id, "up")] = std::move(*u);
      if (d) result_.files[dir + "revisions/" + file_name(i + 1, id, "down")] = std::move(*d);
    }
    dialects_.push_back({target, std::move(renderer)});
    return true;
  }

  bool irreversible(const std::string& id) const {
    const ast::RevisionFile* rev = project_.revision(id);
    return rev != nullptr && rev->downgrade_kind == ast::DowngradeKind::Irreversible;
  }

  // For each statement of `r`: whether `renderer` renders it as part of a
  // table rebuild, alone or with the `alter table`s of the same table
  // around it (as the script assembler asks it: Renderer::merges_alters).
  std::vector<char> rebuilt_statements(const Renderer& renderer, const ReviewedRevision& r) const {
    const auto& st = r.statements;
    std::vector<char> out(st.size(), 0);
    ReplayOptions options = project_.replay_options();
    DiagnosticSink quiet;
    const std::string& file = r.rev->path;
    std::string_view id = r.rev->header.id.text;
    for (size_t i = 0; i < st.size(); ++i) {
      const auto* alter = std::get_if<ast::AlterTable>(&st[i].statement->node);
      if (!alter) continue;
      ast::AlterTable all = *alter;
      size_t end = i;
      while (end + 1 < st.size()) {
        const auto* next = std::get_if<ast::AlterTable>(&st[end + 1].statement->node);
        if (!next || next->name.key() != alter->name.key()) break;
        ++end;
        all.actions.insert(all.actions.end(), next->actions.begin(), next->actions.end());
      }
      if (end > i) {
        RenderContext run{st[i].before, st[end].after,        file, options, quiet,
                          id,           st[i].statement->span};
        if (renderer.merges_alters(all, run)) {
          std::fill(out.begin() + static_cast<std::ptrdiff_t>(i),
                    out.begin() + static_cast<std::ptrdiff_t>(end) + 1, 1);
          i = end;
          continue;
        }
      }
      RenderContext one{st[i].before, st[i].after, file, options, quiet, id, st[i].statement->span};
      out[i] = renderer.merges_alters(*alter, one) ? 1 : 0;
    }
    return out;
  }

  std::string range_text() const {
    auto side = [](const std::vector<std::string>& ids) {
      return ids.empty() ? std::string("`base`") : "`" + join(ids, "`, `") + "`";
    };
    return side(range_.from) + " -> " + side(range_.to);
  }

  std::string review() const {
    std::string out = "# Review of a Retort bundle\n\n";
    lint::Summary summary = lint::summarize(result_.lint_findings);
    std::vector<std::string> dialects;
    for (const auto& d : dialects_) {
      dialects.push_back(fmt::format("{} {} (`{}/`)", d.renderer->info().title, d.target.version,
                                     d.target.dialect));
    }
    out += fmt::format("- Range: {} ({} revision{}, in the order they run)\n", range_text(),
                       range_.revisions.size(), range_.revisions.size() == 1 ? "" : "s");
    out += "- Dialects: " + join(dialects, ", ") + "\n";
    out += fmt::format("- Lint: {} error{}, {} warning{}, {} info\n", summary.errors,
                       summary.errors == 1 ? "" : "s", summary.warnings,
                       summary.warnings == 1 ? "" : "s", summary.infos);
    out += fmt::format(
        "- Built by retort {}. `manifest.json` holds the SHA-256 of every file; `retort verify "
        "DIR` rebuilds the bundle from the sources and names any file that differs.\n\n",
        request_.tool_version);
    out +=
        "Run `DIALECT/upgrade.sql` for the whole range, or `DIALECT/revisions/NNNN_ID.up.sql` one "
        "revision at a time, in order (the `.down.sql` files in reverse order). For each "
        "revision below: its statements as written, its lint findings and `@allow` reasons, "
        "what its downgrade does, and for each statement on each dialect the lock it takes, "
        "whether it rewrites or scans the table, whether data is lost, and what a failure half "
        "way leaves behind.\n";
    for (const auto& r : reviewed_) out += review_revision(r);
    return out;
  }

  std::string review_revision(const ReviewedRevision& r) const {
    const ast::RevisionFile& rev = *r.rev;
    const std::string& id = rev.header.id.text;
    std::string_view text = project_.source_text(rev.path);
    std::string out =
        fmt::format("\n## {}. {}: {}\n\n", r.position, md(id), md(rev.header.message.value_or("")));
    std::vector<std::string> parents = project_.graph.parents(id);
    out += fmt::format("- File: {}, sha256 `{}`\n", code(rev.path), sha256_hex(text));
    out += fmt::format("- Revises: {}\n", parents.empty() ? "base" : code(join(parents, ", ")));
    out += fmt::format("- Scripts: {}, {}\n",
                       code("DIALECT/revisions/" + file_name(r.position, id, "up")),
                       code("DIALECT/revisions/" + file_name(r.position, id, "down")));

    out += "\n### Lint findings\n\n";
    size_t shown = 0;
    for (const auto& d : result_.lint_findings) {
      if (d.revision != id) continue;
      ++shown;
      out += fmt::format("- {}[{}] {}: {}\n", level_word(d.severity), md(d.code),
                         code(fmt::format("{}:{}", d.file, d.span.line)), md(d.message));
    }
    if (shown == 0) out += "None.\n";

    out += "\n### `@allow` reasons\n\n";
    std::vector<std::string> allows;
    auto add_allows = [&](const std::vector<ast::Annotation>& annotations, std::string_view where) {
      for (const auto& a : annotations) {
        if (a.kind != ast::AnnotationKind::Allow) continue;
        std::vector<std::string> rules;
        for (const auto& n : a.args) rules.push_back(n.text);
        allows.push_back(fmt::format("- line {} ({}): {}: {}\n", a.span.line, where,
                                     code("@allow(" + join(rules, ", ") + ")"), md(a.reason)));
      }
    };
    add_allows(rev.file_annotations, "the whole file");
    for (const auto& s : r.statements)
      add_allows(s.statement->annotations, "the statement below it");
    out += allows.empty() ? "None.\n" : join(allows, "");

    out += fmt::format("\n### Downgrade ({})\n\n",
                       rev.downgrade_kind == ast::DowngradeKind::Irreversible ? "irreversible"
                       : r.downgrade.derived ? "derived from the upgrade"
                                             : "as written");
    if (r.downgrade.steps.empty()) out += "No statements.\n";
    for (const auto& step : r.downgrade.steps) {
      out += fmt::format("- {}{}\n", ast::statement_kind_name(step.statement.node),
                         step.loses_data ? ": **loses data** written since the upgrade" : "");
      for (const auto& n : step.notes) out += "  - " + md(n) + "\n";
    }

    std::vector<std::vector<char>> rebuilt;
    for (const auto& d : dialects_) rebuilt.push_back(rebuilt_statements(*d.renderer, r));
    for (size_t i = 0; i < r.statements.size(); ++i) {
      const ast::Statement& st = *r.statements[i].statement;
      uint32_t first = st.span.line;
      for (const auto& a : st.annotations) {
        if (a.span.line != 0) first = std::min(first, a.span.line);
      }
      std::string code = numbered_lines(text, first, st.span.end_line);
      std::string fence = fence_for(code);
      out += fmt::format("\n### Statement {}: {}, line {}\n\n{}text\n{}{}\n\n", i + 1,
                         ast::statement_kind_name(st.node), st.span.line, fence, code, fence);
      out += "| Dialect | Lock | Rewrite or scan | Data loss | If it fails half way |\n";
      out += "| --- | --- | --- | --- | --- |\n";
      for (size_t k = 0; k < dialects_.size(); ++k) {
        const Dialect& d = dialects_[k];
        ReviewContext ctx{d.target.dialect,
                          d.target.version,
                          r.statements[i].before,
                          r.statements[i].after,
                          d.renderer->info().transactional_ddl &&
                              project_.config.emit.transaction != "none" &&
                              !has_no_transaction(rev),
                          std::nullopt};
        if (std::holds_alternative<ast::AlterTable>(st.node)) ctx.rebuilt = rebuilt[k][i] != 0;
        StatementReview review = review_statement(st, ctx);
        out += fmt::format("| {} {} | {} | {} | {} | {} |\n", d.renderer->info().title,
                           d.target.version, md(review.lock), md(review.rewrite),
                           md(review.data_loss), md(review.recovery));
      }
    }
    return out;
  }

  std::string manifest() const {
    const Config& c = project_.config;
    lint::Summary summary = lint::summarize(result_.lint_findings);
    std::string out = "{\n";
    out += fmt::format("  \"format\": {},\n", kManifestFormat);
    out += fmt::format("  \"tool\": \"retort\",\n  \"tool_version\": {},\n",
                       lint::json_string(request_.tool_version));
    out += fmt::format("  \"range\": {{\"from\": {}, \"to\": {}}},\n", json_list(range_.from),
                       json_list(range_.to));
    out += "  \"dialects\": [";
    for (size_t i = 0; i < request_.targets.size(); ++i) {
      out += fmt::format("{}\n    {{\"name\": {}, \"version\": {}}}", i ? "," : "",
                         lint::json_string(request_.targets[i].dialect),
                         lint::json_string(request_.targets[i].version));
    }
    out += "\n  ],\n";
    out += "  \"config\": {\n";
    out += fmt::format("    \"version_table\": {},\n", lint::json_string(c.version_table));
    out += fmt::format(
        "    \"emit\": {{\"transaction\": {}, \"guard\": {}, \"lock_timeout\": {}, "
        "\"statement_timeout\": {}}},\n",
        lint::json_string(c.emit.transaction), c.emit.guard ? "true" : "false",
        json_optional(c.emit.lock_timeout), json_optional(c.emit.statement_timeout));
    const NamingConvention& n = c.naming;
    out += fmt::format(
        "    \"naming\": {{\"primary_key\": {}, \"unique\": {}, \"foreign_key\": {}, \"check\": "
        "{}, \"index\": {}, \"default\": {}}},\n",
        lint::json_string(n.primary_key), lint::json_string(n.unique),
        lint::json_string(n.foreign_key), lint::json_string(n.check), lint::json_string(n.index),
        lint::json_string(n.default_constraint));
    std::vector<std::string> rules;
    for (const auto& [id, level] : c.lint_rules)
      rules.push_back(lint::json_string(id) + ": " + lint::json_string(level));
    out += "    \"lint_rules\": {" + join(rules, ", ") + "}\n  },\n";
    out += "  \"revisions\": [";
    for (size_t i = 0; i < reviewed_.size(); ++i) {
      const ast::RevisionFile& rev = *reviewed_[i].rev;
      out += fmt::format("{}\n    {{\"id\": {}, \"file\": {}, \"sha256\": {}, \"message\": {}}}",
                         i ? "," : "", lint::json_string(rev.header.id.text),
                         lint::json_string(rev.path),
                         lint::json_string(sha256_hex(project_.source_text(rev.path))),
                         lint::json_string(rev.header.message.value_or("")));
    }
    out += reviewed_.empty() ? "],\n" : "\n  ],\n";
    out += fmt::format(
        "  \"lint\": {{\n    \"error\": {}, \"warning\": {}, \"info\": {},\n    \"findings\": [",
        summary.errors, summary.warnings, summary.infos);
    for (size_t i = 0; i < result_.lint_findings.size(); ++i) {
      const Diagnostic& d = result_.lint_findings[i];
      out += fmt::format(
          "{}\n      {{\"rule\": {}, \"level\": {}, \"file\": {}, \"line\": {}, \"column\": {}, "
          "\"revision\": {}, \"message\": {}}}",
          i ? "," : "", lint::json_string(d.code), lint::json_string(severity_name(d.severity)),
          lint::json_string(d.file), d.span.line, d.span.column, lint::json_string(d.revision),
          lint::json_string(d.message));
    }
    out += result_.lint_findings.empty() ? "]\n  },\n" : "\n    ]\n  },\n";
    out += "  \"files\": {";
    bool first = true;
    for (const auto& [path, bytes] : result_.files) {
      if (path == "manifest.json") continue;
      out += fmt::format("{}\n    {}: {}", first ? "" : ",", lint::json_string(path),
                         lint::json_string(sha256_hex(bytes)));
      first = false;
    }
    out += first ? "}\n}\n" : "\n  }\n}\n";
    return out;
  }

  const Project& project_;
  const BundleRequest& request_;
  DiagnosticSink& sink_;
  Range range_;
  BundleResult result_;
  std::vector<ReviewedRevision> reviewed_;
  struct Dialect {
    Target target;
    std::unique_ptr<Renderer> renderer;
  };
  std::vector<Dialect> dialects_;  // in the order of the request
};

// ------------------------------------------------------------ JSON reader

// A JSON value, as much as manifest.json needs: integers only.
struct Json {
  // A named member type, complete after Json: clang refuses a
  // std::pair<std::string, Json> inside Json itself.
  struct Member;
  enum class Kind { null, boolean, number, string, array, object } kind = Kind::null;
  bool boolean = false;
  long long number = 0;
  std::string string;
  std::vector<Json> items;
  std::vector<Member> members;

  const Json* get(std::string_view key) const;
};

struct Json::Member {
  std::string key;
  Json value;
};

const Json* Json::get(std::string_view key) const {
  for (const auto& [k, v] : members) {
    if (k == key) return &v;
  }
  return nullptr;
}

// A strict reader (RFC 8259 without fractions or exponents): anything else
// is an error with its line.
class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  bool read(Json& out) {
    if (!value(out, 0)) return false;
    space();
    if (at_ < text_.size()) return fail("unexpected text after the document");
    return true;
  }
  std::string error() const { return error_; }

 private:
  bool fail(std::string_view what) {
    if (error_.empty()) {
      size_t line = 1 + static_cast<size_t>(std::count(
                            text_.begin(), text_.begin() + std::min(at_, text_.size()), '\n'));
      error_ = fmt::format("line {}: {}", line, what);
    }
    return false;
  }
  void space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\t' || text_[at_] == '\r'))
      ++at_;
  }
  bool literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return fail("expected a JSON value");
    at_ += word.size();
    return true;
  }
  bool value(Json& out, int depth) {
    if (depth > 32) return fail("nested too deeply");
    space();
    if (at_ >= text_.size()) return fail("unexpected end of the document");
    char c = text_[at_];
    if (c == '{') return object(out, depth);
    if (c == '[') return array(out, depth);
    if (c == '"') {
      out.kind = Json::Kind::string;
      return string(out.string);
    }
    if (c == 't' || c == 'f') {
      out.kind = Json::Kind::boolean;
      out.boolean = c == 't';
      return literal(c == 't' ? "true" : "false");
    }
    if (c == 'n') {
      out.kind = Json::Kind::null;
      return literal("null");
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(out);
    return fail("expected a JSON value");
  }
  bool number(Json& out) {
    size_t start = at_;
    if (text_[at_] == '-') ++at_;
    size_t digits = at_;
    while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
    if (at_ == digits || at_ - digits > 15) return fail("expected an integer");
    if (text_[digits] == '0' && at_ - digits > 1) return fail("a number has a leading zero");
    out.kind = Json::Kind::number;
    out.number = std::stoll(std::string(text_.substr(start, at_ - start)));
    return true;
  }
  static void utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xc0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xe0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    }
  }
  bool hex4(unsigned& code) {
    if (at_ + 4 > text_.size()) return fail("a \\u escape needs four hex digits");
    code = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[at_++];
      code <<= 4;
      if (h >= '0' && h <= '9') {
        code |= static_cast<unsigned>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        code |= static_cast<unsigned>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        code |= static_cast<unsigned>(h - 'A' + 10);
      } else {
        return fail("a \\u escape needs four hex digits");
      }
    }
    return true;
  }
  bool string(std::string& out) {
    ++at_;  // the opening quote
    while (true) {
      if (at_ >= text_.size()) return fail("a string is not closed");
      unsigned char c = static_cast<unsigned char>(text_[at_++]);
      if (c == '"') return true;
      if (c < 0x20) return fail("a control character in a string");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (at_ >= text_.size()) return fail("a string is not closed");
      char e = text_[at_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned code = 0;
          if (!hex4(code)) return false;
          if (code >= 0xd800 && code < 0xdc00) {
            unsigned low = 0;
            if (text_.substr(at_, 2) != "\\u") return fail("a lone UTF-16 surrogate");
            at_ += 2;
            if (!hex4(low) || low < 0xdc00 || low >= 0xe000) return fail("a lone UTF-16 surrogate");
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
          } else if (code >= 0xdc00 && code < 0xe000) {
            return fail("a lone UTF-16 surrogate");
          }
          utf8(out, code);
          break;
        }
        default:
          return fail("an unknown escape in a string");
      }
    }
  }
  bool array(Json& out, int depth) {
    out.kind = Json::Kind::array;
    ++at_;
    space();
    if (at_ < text_.size() && text_[at_] == ']') {
      ++at_;
      return true;
    }
    while (true) {
      Json item;
      if (!value(item, depth + 1)) return false;
      out.items.push_back(std::move(item));
      space();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == ']') {
        ++at_;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }
  bool object(Json& out, int depth) {
    out.kind = Json::Kind::object;
    ++at_;
    space();
    if (at_ < text_.size() && text_[at_] == '}') {
      ++at_;
      return true;
    }
    while (true) {
      space();
      if (at_ >= text_.size() || text_[at_] != '"') return fail("expected a key in quotes");
      std::string key;
      if (!string(key)) return false;
      if (out.get(key)) return fail(fmt::format("the key \"{}\" is repeated", key));
      space();
      if (at_ >= text_.size() || text_[at_] != ':') return fail("expected ':' after a key");
      ++at_;
      Json item;
      if (!value(item, depth + 1)) return false;
      out.members.push_back({std::move(key), std::move(item)});
      space();
      if (at_ < text_.size() && text_[at_] == ',') {
        ++at_;
        continue;
      }
      if (at_ < text_.size() && text_[at_] == '}') {
        ++at_;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  std::string_view text_;
  size_t at_ = 0;
  std::string error_;
};

// Typed access to the manifest's fields, naming a missing or mistyped one.
class Fields {
 public:
  explicit Fields(std::string& error) : error_(error) {}

  const Json* need(const Json& obj, std::string_view key, Json::Kind kind, std::string_view path) {
    const Json* v = obj.kind == Json::Kind::object ? obj.get(key) : nullptr;
    if (!v || v->kind != kind) {
      static constexpr std::string_view kNames[] = {"null",     "true or false", "an integer",
                                                    "a string", "an array",      "an object"};
      if (error_.empty())
        error_ = fmt::format("\"{}\" must be {}", path, kNames[static_cast<int>(kind)]);
      return nullptr;
    }
    return v;
  }
  bool text(const Json& obj, std::string_view key, std::string& out, std::string_view path) {
    const Json* v = need(obj, key, Json::Kind::string, path);
    if (v) out = v->string;
    return v != nullptr;
  }
  bool optional_text(const Json& obj, std::string_view key, std::optional<std::string>& out,
                     std::string_view path) {
    const Json* v = obj.get(key);
    if (v && v->kind == Json::Kind::null) {
      out.reset();
      return true;
    }
    std::string s;
    if (!text(obj, key, s, path)) {
      error_ = fmt::format("\"{}\" must be a string or null", path);
      return false;
    }
    out = s;
    return true;
  }
  bool texts(const Json& obj, std::string_view key, std::vector<std::string>& out,
             std::string_view path) {
    const Json* v = need(obj, key, Json::Kind::array, path);
    if (!v) return false;
    for (const auto& item : v->items) {
      if (item.kind != Json::Kind::string) {
        error_ = fmt::format("\"{}\" must be an array of strings", path);
        return false;
      }
      out.push_back(item.string);
    }
    return true;
  }

 private:
  std::string& error_;
};

}  // namespace

bool BundleResult::lint_failed() const {
  return std::any_of(lint_findings.begin(), lint_findings.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::error; });
}

Range range_between(const RevisionGraph& graph, const std::vector<std::string>& from,
                    const std::vector<std::string>& to) {
  Range range;
  range.from = from;
  range.to = to;
  for (const auto* side : {&from, &to}) {
    for (const auto& id : *side) {
      if (!graph.index_of(id)) {
        range.error = fmt::format("revision \"{}\" is not in the project", id);
        return range;
      }
    }
  }
  for (const auto& f : from) {
    bool below = std::any_of(to.begin(), to.end(),
                             [&](const std::string& t) { return graph.is_ancestor(f, t); });
    if (!below) {
      range.error = fmt::format("\"{}\" is not an ancestor of {}", f, join(to, ", "));
      return range;
    }
  }
  std::vector<std::string> below = applied_through(graph, from);
  std::set<std::string> have(below.begin(), below.end());
  for (auto& id : applied_through(graph, to)) {
    if (!have.count(id)) range.revisions.push_back(std::move(id));
  }
  return range;
}

std::optional<BundleResult> build_bundle(const Project& project, const BundleRequest& request,
                                         DiagnosticSink& sink) {
  return Builder(project, request, sink).build();
}

std::optional<Manifest> parse_manifest(std::string_view text, std::string& error) {
  Json root;
  JsonReader reader(text);
  if (!reader.read(root)) {
    error = "not valid JSON: " + reader.error();
    return std::nullopt;
  }
  Manifest m;
  Fields f(error);
  const Json* format = f.need(root, "format", Json::Kind::number, "format");
  if (!format) return std::nullopt;
  if (format->number != kManifestFormat) {
    error = fmt::format("format {} is not one this retort reads (it reads format {})",
                        format->number, kManifestFormat);
    return std::nullopt;
  }
  m.format = static_cast<int>(format->number);
  if (!f.text(root, "tool_version", m.tool_version, "tool_version")) return std::nullopt;
  const Json* range = f.need(root, "range", Json::Kind::object, "range");
  if (!range || !f.texts(*range, "from", m.from, "range.from") ||
      !f.texts(*range, "to", m.to, "range.to"))
    return std::nullopt;
  const Json* dialects = f.need(root, "dialects", Json::Kind::array, "dialects");
  if (!dialects) return std::nullopt;
  for (const auto& d : dialects->items) {
    Target t;
    if (!f.text(d, "name", t.dialect, "dialects[].name") ||
        !f.text(d, "version", t.version, "dialects[].version"))
      return std::nullopt;
    auto canonical = canonical_dialect(t.dialect);
    if (!canonical || *canonical != t.dialect || !is_valid_version(t.version)) {
      error = fmt::format("\"dialects\" holds an unknown dialect or version: {}@{}", t.dialect,
                          t.version);
      return std::nullopt;
    }
    m.targets.push_back(std::move(t));
  }
  const Json* config = f.need(root, "config", Json::Kind::object, "config");
  if (!config || !f.text(*config, "version_table", m.version_table, "config.version_table"))
    return std::nullopt;
  const Json* emit = f.need(*config, "emit", Json::Kind::object, "config.emit");
  if (!emit || !f.text(*emit, "transaction", m.emit.transaction, "config.emit.transaction"))
    return std::nullopt;
  const Json* guard = f.need(*emit, "guard", Json::Kind::boolean, "config.emit.guard");
  if (!guard) return std::nullopt;
  m.emit.guard = guard->boolean;
  if (!f.optional_text(*emit, "lock_timeout", m.emit.lock_timeout, "config.emit.lock_timeout") ||
      !f.optional_text(*emit, "statement_timeout", m.emit.statement_timeout,
                       "config.emit.statement_timeout"))
    return std::nullopt;
  const Json* naming = f.need(*config, "naming", Json::Kind::object, "config.naming");
  if (!naming) return std::nullopt;
  NamingConvention& n = m.naming;
  for (auto [key, field] :
       {std::pair<std::string_view, std::string*>{"primary_key", &n.primary_key},
        {"unique", &n.unique},
        {"foreign_key", &n.foreign_key},
        {"check", &n.check},
        {"index", &n.index},
        {"default", &n.default_constraint}}) {
    if (!f.text(*naming, key, *field, "config.naming." + std::string(key))) return std::nullopt;
  }
  const Json* rules = f.need(*config, "lint_rules", Json::Kind::object, "config.lint_rules");
  if (!rules) return std::nullopt;
  for (const auto& [id, level] : rules->members) {
    if (level.kind != Json::Kind::string) {
      error = "\"config.lint_rules\" must map rule ids to levels";
      return std::nullopt;
    }
    m.lint_rules[id] = level.string;
  }
  const Json* revisions = f.need(root, "revisions", Json::Kind::array, "revisions");
  if (!revisions) return std::nullopt;
  for (const auto& r : revisions->items) {
    Manifest::Revision rev;
    if (!f.text(r, "id", rev.id, "revisions[].id") ||
        !f.text(r, "file", rev.file, "revisions[].file") ||
        !f.text(r, "sha256", rev.sha256, "revisions[].sha256") ||
        !f.text(r, "message", rev.message, "revisions[].message"))
      return std::nullopt;
    m.revisions.push_back(std::move(rev));
  }
  const Json* files = f.need(root, "files", Json::Kind::object, "files");
  if (!files) return std::nullopt;
  for (const auto& [path, sha] : files->members) {
    if (sha.kind != Json::Kind::string) {
      error = "\"files\" must map paths to sha256 strings";
      return std::nullopt;
    }
    m.files[path] = sha.string;
  }
  return m;
}

void apply_recorded_config(const Manifest& manifest, Config& config) {
  config.version_table = manifest.version_table;
  config.emit = manifest.emit;
  config.naming = manifest.naming;
  config.lint_rules = manifest.lint_rules;
  config.lint_rule_spans.clear();
  config.dialects.clear();
  config.dialect_versions.clear();
  for (const auto& t : manifest.targets) {
    config.dialects.push_back(t.dialect);
    config.dialect_versions[t.dialect] = t.version;
  }
  if (!config.dialects.empty()) config.dialect = config.dialects.front();
}

}  // namespace retort::emit
