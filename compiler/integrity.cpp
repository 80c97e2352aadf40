#include "compiler/integrity.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "compiler/digest.h"

namespace retort {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kSumHeader =
    "# retort.sum: the SHA-256 of each revision file, and a running hash of the lines\n"
    "# before it. Written by retort new, merge, fmt and sum; do not edit it by hand.\n";

std::string line_text(const SumLine& l) {
  return l.id + " " + l.file_sha256 + " " + l.chain + "\n";
}

bool is_hex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

SourceSpan whole_line(std::string_view text, size_t begin, size_t end, uint32_t line) {
  SourceSpan s;
  s.begin = static_cast<uint32_t>(begin);
  s.end = static_cast<uint32_t>(end);
  s.line = line;
  s.column = 1;
  s.end_line = line;
  s.end_column = static_cast<uint32_t>(end - begin + 1);
  (void)text;
  return s;
}

/// Where a finding about revision `id` points: its header.
SourceSpan header_span(const ast::RevisionFile& r) {
  return r.header.span.valid() ? r.header.span : SourceSpan{0, 0, 1, 1, 1, 1};
}

}  // namespace

fs::path sum_file_path(const Project& project) {
  const std::string& folder =
      project.config.alembic ? *project.config.alembic : project.config.migrations;
  return project.root / folder / "retort.sum";
}

std::optional<SumFile> read_sum_file(const Project& project, DiagnosticSink& sink) {
  fs::path path = sum_file_path(project);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return std::nullopt;
  SumFile sum;
  sum.path = path.lexically_relative(project.root).generic_string();
  sum.text = read_text_file(path, kMaxRevisionFileBytes);
  std::string_view text = sum.text;
  size_t begin = 0;
  uint32_t line = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    ++line;
    std::string_view row = text.substr(begin, end - begin);
    if (!row.empty() && row.back() == '\r') row.remove_suffix(1);
    if (!row.empty() && row[0] != '#') {
      std::vector<std::string_view> fields;
      size_t at = 0;
      while (at < row.size()) {
        size_t space = row.find(' ', at);
        if (space == std::string_view::npos) space = row.size();
        if (space > at) fields.push_back(row.substr(at, space - at));
        at = space + 1;
      }
      if (fields.size() != 3 || !is_hex64(fields[1]) || !is_hex64(fields[2])) {
        sink.error("integrity", sum.path, whole_line(text, begin, begin + row.size(), line),
                   "this line of the integrity file cannot be read: expected a revision id and "
                   "two SHA-256 hashes",
                   "run `retort sum` to write the file again");
      } else {
        sum.lines.push_back(
            {std::string(fields[0]), std::string(fields[1]), std::string(fields[2]), line});
      }
    }
    begin = end + 1;
  }
  return sum;
}

std::string render_sum_file(std::vector<SumLine> lines) {
  std::string out(kSumHeader);
  std::string before;
  for (auto& l : lines) {
    l.chain = sha256_hex(before);
    std::string text = line_text(l);
    before += text;
    out += text;
  }
  return out;
}

std::vector<SumLine> sum_every_revision(const Project& project) {
  std::vector<SumLine> lines;
  for (size_t node : project.graph.topological_order()) {
    const std::string& id = project.graph.nodes()[node].id;
    const ast::RevisionFile* r = project.revision(id);
    if (r == nullptr) continue;
    lines.push_back({id, project.source_sha256(*r), "", 0});
  }
  return lines;
}

void add_to_sum_file(const Project& project, const std::string& id, std::string_view text) {
  DiagnosticSink ignored;  // unreadable lines are left out; `check` reports them
  std::optional<SumFile> sum = read_sum_file(project, ignored);
  std::vector<SumLine> lines = sum ? sum->lines : sum_every_revision(project);
  std::erase_if(lines, [&](const SumLine& l) { return l.id == id; });
  lines.push_back({id, sha256_hex(text), "", 0});
  write_file_atomically(sum_file_path(project), render_sum_file(std::move(lines)));
}

void update_sum_file(const Project& project, const std::map<std::string, std::string>& rewritten) {
  DiagnosticSink ignored;
  std::optional<SumFile> sum = read_sum_file(project, ignored);
  if (!sum) return;
  bool changed = false;
  for (auto& l : sum->lines) {
    if (auto it = rewritten.find(l.file_sha256); it != rewritten.end()) {
      l.file_sha256 = it->second;
      changed = true;
    }
  }
  if (changed)
    write_file_atomically(sum_file_path(project), render_sum_file(std::move(sum->lines)));
}

std::optional<SumFile> check_integrity(const Project& project, DiagnosticSink& sink) {
  std::optional<SumFile> sum = read_sum_file(project, sink);
  if (!sum) return sum;
  std::string_view text = sum->text;
  auto line_span = [&](uint32_t line) {
    size_t begin = 0;
    for (uint32_t l = 1; l < line && begin < text.size(); ++l) begin = text.find('\n', begin) + 1;
    size_t end = std::min(text.find('\n', begin), text.size());
    return whole_line(text, begin, end, line);
  };

  std::string before;
  std::map<std::string, const SumLine*, std::less<>> listed;
  for (const auto& l : sum->lines) {
    if (l.chain != sha256_hex(before)) {
      sink.error("integrity", sum->path, line_span(l.line),
                 "this line does not follow from the lines before it: the integrity file was "
                 "edited by hand, or lines from two branches were both kept",
                 "check that the revisions are as intended (merge two heads with `retort "
                 "merge`), then run `retort sum`");
    }
    before += line_text(l);
    if (!listed.emplace(l.id, &l).second) {
      sink.error("integrity", sum->path, line_span(l.line),
                 fmt::format("revision \"{}\" is listed twice", l.id), "run `retort sum`");
    }
    const ast::RevisionFile* r = project.revision(l.id);
    if (r == nullptr) {
      sink.warning(
          "integrity", sum->path, line_span(l.line),
          fmt::format("the integrity file lists revision \"{}\", which no longer exists", l.id),
          "run `retort sum` to write the file again");
      continue;
    }
    if (project.source_sha256(*r) != l.file_sha256) {
      sink.error("integrity", r->path, header_span(*r),
                 fmt::format("revision \"{}\" was edited after it was summed ({}:{}); a revision "
                             "that may have been applied somewhere must not change",
                             l.id, sum->path, l.line),
                 "undo the edit and write a new revision instead; if this revision was never "
                 "applied anywhere, run `retort sum` to accept the change");
    }
  }
  for (const auto& r : project.revisions) {
    if (listed.count(r.header.id.text)) continue;
    sink.warning(
        "integrity", r.path, header_span(r),
        fmt::format("revision \"{}\" is not in the integrity file {}", r.header.id.text, sum->path),
        "`retort new` adds the revisions it writes; run `retort sum` to add this one");
  }
  return sum;
}

}  // namespace retort
