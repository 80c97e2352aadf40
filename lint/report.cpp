// Lint reports: the clang-like text, a JSON document, SARIF 2.1.0 for code
// scanning, and GitHub workflow commands. Every form is built in memory and
// printed in one write; the same findings give the same bytes.
#include "lint/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

namespace retort::lint {
namespace {

// Codes that are not rules: what stops a run before or during the replay.
struct InputCode {
  std::string_view id, description;
};
constexpr InputCode kInputCodes[] = {
    {"config", "retort.toml is not valid"},
    {"dialect", "a statement a target dialect cannot express"},
    {"downgrade", "a downgrade that cannot be derived"},
    {"graph", "the revision graph is not valid"},
    {"integrity", "a revision was edited after it was summed"},
    {"schema", "a statement the schema at that point makes impossible"},
    {"syntax", "the revision file does not parse"},
};

std::string_view sarif_level(Severity s) {
  switch (s) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::info:
      return "note";
  }
  return "note";
}

std::string_view sarif_level(Level l) {
  switch (l) {
    case Level::error:
      return "error";
    case Level::warning:
      return "warning";
    case Level::info:
      return "note";
    case Level::off:
      return "none";
  }
  return "none";
}

std::string text_report(const ReportInput& in) {
  RenderOptions options;
  options.color = in.color;
  std::string out;
  for (const auto& d : in.findings) out += render_diagnostic(d, in.texts, options);
  Summary s = summarize(in.findings);
  out += fmt::format("{} revision file{} linted: {} error{}, {} warning{}, {} info\n",
                     in.files_linted, in.files_linted == 1 ? "" : "s", s.errors,
                     s.errors == 1 ? "" : "s", s.warnings, s.warnings == 1 ? "" : "s", s.infos);
  return out;
}

std::string json_report(const ReportInput& in) {
  std::string out = "{\n  \"version\": 1,\n  \"findings\": [";
  bool first = true;
  for (const auto& d : in.findings) {
    out += first ? "\n" : ",\n";
    first = false;
    out += fmt::format(
        "    {{\"file\": {}, \"line\": {}, \"column\": {}, \"end_line\": {}, \"end_column\": {}, "
        "\"severity\": {}, \"rule\": {}, \"message\": {}, \"help\": {}, \"revision\": {}}}",
        json_string(d.file), d.span.line, d.span.column, d.span.end_line, d.span.end_column,
        json_string(severity_name(d.severity)), json_string(d.code), json_string(d.message),
        json_string(d.help), json_string(d.revision));
  }
  Summary s = summarize(in.findings);
  out += first ? "],\n" : "\n  ],\n";
  out += fmt::format(
      "  \"summary\": {{\"files\": {}, \"error\": {}, \"warning\": {}, \"info\": {}}}\n}}\n",
      in.files_linted, s.errors, s.warnings, s.infos);
  return out;
}

std::string sarif_rule(const RuleInfo& r) {
  std::string markdown = fmt::format(
      "{}\n\n**Why:** {}\n\n**Better:** {}\n\nFires:\n```sql\n{}\n```\n\nPasses:\n"
      "```sql\n{}\n```\n",
      r.summary, r.why, r.better, r.example_fires, r.example_passes);
  std::string text =
      fmt::format("Fires when {}.\n\nWhy: {}\n\nBetter: {}", r.summary, r.why, r.better);
  return fmt::format(
      "{{\"id\": {}, \"name\": {}, \"shortDescription\": {{\"text\": {}}}, "
      "\"fullDescription\": {{\"text\": {}}}, \"help\": {{\"text\": {}, \"markdown\": {}}}, "
      "\"defaultConfiguration\": {{\"level\": {}}}, "
      "\"properties\": {{\"tags\": [\"retort\", \"migrations\"], \"dialects\": {}}}}}",
      json_string(r.id), json_string(r.id), json_string(r.summary), json_string(r.why),
      json_string(text), json_string(markdown), json_string(sarif_level(r.level)),
      json_string(r.dialects));
}

std::string sarif_report(const ReportInput& in) {
  // Rules first (every lint rule, then the input codes), so that each
  // result's ruleIndex points into tool.driver.rules.
  std::map<std::string, size_t, std::less<>> index;
  std::vector<std::string> descriptors;
  for (const auto& rule : in.rules) {
    index.emplace(std::string(rule->info().id), descriptors.size());
    descriptors.push_back(sarif_rule(rule->info()));
  }
  for (const auto& code : kInputCodes) {
    index.emplace(std::string(code.id), descriptors.size());
    descriptors.push_back(
        fmt::format("{{\"id\": {}, \"name\": {}, \"shortDescription\": {{\"text\": {}}}, "
                    "\"fullDescription\": {{\"text\": {}}}, \"help\": {{\"text\": {}}}, "
                    "\"defaultConfiguration\": {{\"level\": \"error\"}}, "
                    "\"properties\": {{\"tags\": [\"retort\"]}}}}",
                    json_string(code.id), json_string(code.id), json_string(code.description),
                    json_string(code.description), json_string(code.description)));
  }
  std::string out = fmt::format(
      "{{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n"
      "  \"version\": \"2.1.0\",\n  \"runs\": [\n    {{\n      \"tool\": {{\n        "
      "\"driver\": {{\n          \"name\": \"retort\",\n          \"version\": {},\n"
      "          \"semanticVersion\": {},\n"
      "          \"rules\": [\n",
      json_string(in.tool_version), json_string(in.tool_version));
  for (size_t i = 0; i < descriptors.size(); ++i) {
    out += "            " + descriptors[i] + (i + 1 < descriptors.size() ? ",\n" : "\n");
  }
  out +=
      "          ]\n        }\n      },\n      \"columnKind\": \"unicodeCodePoints\",\n"
      "      \"originalUriBaseIds\": {\"%SRCROOT%\": {\"description\": {\"text\": \"the root of "
      "the repository\"}}},\n      \"results\": [";
  bool first = true;
  for (const auto& d : in.findings) {
    out += first ? "\n" : ",\n";
    first = false;
    auto it = index.find(d.code);
    size_t rule_index = it == index.end() ? 0 : it->second;
    // A finding that names no file (rare) is placed on retort.toml, because
    // code scanning drops results without a location.
    std::string file = d.file.empty() ? "retort.toml" : d.file;
    std::string region;
    if (d.span.valid()) {
      region = fmt::format(
          ", \"region\": {{\"startLine\": {}, \"startColumn\": {}, \"endLine\": {}, "
          "\"endColumn\": {}}}",
          d.span.line, d.span.column, std::max(d.span.end_line, d.span.line),
          std::max<uint32_t>(d.span.end_column, 1));
    }
    std::string message = d.help.empty() ? d.message : d.message + "\nhelp: " + d.help;
    out += fmt::format(
        "        {{\"ruleId\": {}, \"ruleIndex\": {}, \"level\": {}, \"message\": {{\"text\": "
        "{}}}, "
        "\"locations\": [{{\"physicalLocation\": {{\"artifactLocation\": {{\"uri\": {}, "
        "\"uriBaseId\": \"%SRCROOT%\"}}{}}}}}]{}}}",
        json_string(d.code), rule_index, json_string(sarif_level(d.severity)), json_string(message),
        json_string(in.repository_prefix + file), region,
        d.revision.empty()
            ? std::string()
            : fmt::format(", \"properties\": {{\"revision\": {}}}", json_string(d.revision)));
  }
  out += first ? "]\n" : "\n      ]\n";
  out += "    }\n  ]\n}\n";
  return out;
}

// GitHub workflow commands: the message escapes %, CR and LF; property
// values also escape ':' and ','.
std::string github_escape(std::string_view s, bool property) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '%':
        out += "%25";
        break;
      case '\r':
        out += "%0D";
        break;
      case '\n':
        out += "%0A";
        break;
      case ':':
        out += property ? "%3A" : ":";
        break;
      case ',':
        out += property ? "%2C" : ",";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string github_report(const ReportInput& in) {
  std::string out;
  for (const auto& d : in.findings) {
    std::string_view command = d.severity == Severity::error     ? "error"
                               : d.severity == Severity::warning ? "warning"
                                                                 : "notice";
    std::string props;
    if (!d.file.empty()) props += "file=" + github_escape(d.file, true);
    if (d.span.valid()) {
      props += fmt::format(",line={},col={},endLine={},endColumn={}", d.span.line, d.span.column,
                           std::max(d.span.end_line, d.span.line), d.span.end_column);
    }
    if (!props.empty() && props[0] == ',') props.erase(0, 1);
    props += (props.empty() ? "" : ",") + std::string("title=") + github_escape(d.code, true);
    std::string message = d.help.empty() ? d.message : d.message + "\nhelp: " + d.help;
    out += fmt::format("::{} {}::{}\n", command, props, github_escape(message, false));
  }
  return out;
}

}  // namespace

std::optional<ReportFormat> parse_format(std::string_view name) {
  if (name == "text") return ReportFormat::text;
  if (name == "json") return ReportFormat::json;
  if (name == "sarif") return ReportFormat::sarif;
  if (name == "github") return ReportFormat::github;
  return std::nullopt;
}

Summary summarize(const std::vector<Diagnostic>& findings) {
  Summary s;
  for (const auto& d : findings) {
    if (d.severity == Severity::error) ++s.errors;
    if (d.severity == Severity::warning) ++s.warnings;
    if (d.severity == Severity::info) ++s.infos;
  }
  return s;
}

std::string render_report(ReportFormat format, const ReportInput& input) {
  switch (format) {
    case ReportFormat::text:
      return text_report(input);
    case ReportFormat::json:
      return json_report(input);
    case ReportFormat::sarif:
      return sarif_report(input);
    case ReportFormat::github:
      return github_report(input);
  }
  return {};
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string list_rules(const RuleSet& rules, const Config& config) {
  size_t width = 0;
  for (const auto& r : rules) width = std::max(width, r->info().id.size());
  std::string out;
  for (const auto& r : rules) {
    const RuleInfo& info = r->info();
    out += fmt::format("{:<{}}  {:<7}  {:<30}  {}\n", info.id, width,
                       level_name(effective_level(info, config)), info.dialects, info.summary);
  }
  return out;
}

}  // namespace retort::lint
