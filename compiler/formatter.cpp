#include "compiler/formatter.h"

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "compiler/ast_dump.h"
#include "compiler/parser.h"
#include "compiler/printer.h"

namespace retort {

namespace {

std::string_view comment_text(const SourceFile& file, const SourceComment& c) {
  std::string_view text =
      std::string_view(file.text).substr(c.span.begin, c.span.end - c.span.begin);
  // A line comment keeps no trailing blanks; a block comment is verbatim.
  if (text.starts_with("--")) {
    size_t last = text.find_last_not_of(" \t\f\r");
    text = text.substr(0, last + 1);
  }
  return text;
}

/// Whether `gap` (source text between two statements) holds an empty line.
bool has_blank_line(std::string_view gap) {
  size_t nl = gap.find('\n');
  while (nl != std::string_view::npos) {
    size_t next = gap.find('\n', nl + 1);
    if (next == std::string_view::npos) break;
    if (gap.substr(nl + 1, next - nl - 1).find_first_not_of(" \t\f\r") == std::string_view::npos)
      return true;
    nl = next;
  }
  return false;
}

bool contains(const SourceSpan& outer, const SourceSpan& inner) {
  return outer.valid() && outer.begin <= inner.begin && inner.end <= outer.end;
}

/// Where a comment on its own line goes: above the construct that starts
/// first after it within the innermost construct holding it (a nested one
/// wins a tie: it is printed later); above that holder when nothing in it
/// follows; at the end of the file when nothing follows at all.
const PrintedConstruct* leading_target(const PrintedLayout& layout, const SourceComment& c) {
  const PrintedConstruct* holder = nullptr;
  for (const auto& k : layout.constructs) {
    if (contains(k.source, c.span) && (holder == nullptr || contains(holder->source, k.source))) {
      holder = &k;
    }
  }
  const PrintedConstruct* best = nullptr;
  for (const auto& k : layout.constructs) {
    if (!k.source.valid() || k.source.begin < c.span.end) continue;
    if (holder != nullptr && k.source.begin >= holder->source.end) continue;
    if (best == nullptr || k.source.begin < best->source.begin ||
        (k.source.begin == best->source.begin && k.first_line >= best->first_line)) {
      best = &k;
    }
  }
  return best != nullptr ? best : holder;
}

/// The construct a comment after code belongs to: the one that ended last
/// before it on its line (the innermost on a tie).
const PrintedConstruct* trailing_target(const PrintedLayout& layout, const SourceComment& c) {
  const PrintedConstruct* best = nullptr;
  for (const auto& k : layout.constructs) {
    if (!k.source.valid() || k.source.end_line != c.span.line || k.source.end > c.span.begin)
      continue;
    if (best == nullptr || k.source.end >= best->source.end) best = &k;
  }
  return best;
}

/// The comments' texts, sorted: what formatting must keep (a comment inside
/// the header may move above a comment that was after it).
std::vector<std::string> comment_texts(const SourceFile& file,
                                       const std::vector<SourceComment>& comments) {
  std::vector<std::string> out;
  for (const auto& c : comments) out.emplace_back(comment_text(file, c));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::optional<std::string> format_revision(const SourceFile& file, DiagnosticSink& sink) {
  std::vector<SourceComment> comments;
  auto ast = parse_revision(file, sink, &comments);
  if (!ast) return std::nullopt;
  PrintedLayout layout = layout_revision(*ast);

  // Per printed line: comment lines to put above it, comments to append.
  std::map<size_t, std::vector<std::string>> above;
  std::map<size_t, std::vector<std::string>> after;
  std::vector<std::string> at_end;
  for (const auto& c : comments) {
    std::string text(comment_text(file, c));
    const PrintedConstruct* k = c.own_line ? nullptr : trailing_target(layout, c);
    if (k != nullptr) {
      auto& on_line = after[k->last_line];
      // A line comment runs to the end of the line: a second comment for
      // the same line goes on a line of its own below it.
      if (!on_line.empty() && on_line.back().starts_with("--")) {
        above[k->last_line + 1].push_back(std::string(k->indent, ' ') + text);
      } else {
        on_line.push_back(std::move(text));
      }
      continue;
    }
    k = leading_target(layout, c);
    if (k == nullptr) {
      at_end.push_back(std::move(text));
    } else {
      above[k->first_line].push_back(std::string(k->indent, ' ') + text);
    }
  }

  // A blank line the author left between two statements is kept (one).
  std::set<size_t> blank_above;
  for (const auto& k : layout.constructs) {
    if (!k.gap_from || k.first_line == 0 || layout.lines[k.first_line - 1].empty()) continue;
    if (has_blank_line(
            std::string_view(file.text).substr(*k.gap_from, k.source.begin - *k.gap_from)))
      blank_above.insert(k.first_line);
  }

  std::string out;
  for (size_t i = 0; i < layout.lines.size(); ++i) {
    if (blank_above.count(i)) out += "\n";
    if (auto it = above.find(i); it != above.end()) {
      for (const auto& line : it->second) out += line + "\n";
    }
    out += layout.lines[i];
    if (auto it = after.find(i); it != after.end()) {
      for (const auto& text : it->second) out += "  " + text;
    }
    out += "\n";
  }
  for (const auto& text : at_end) out += text + "\n";

  // Never rewrite a file wrong: the result must read back as the same
  // program with the same comments.
  SourceFile formatted{file.path, out};
  DiagnosticSink check;
  std::vector<SourceComment> kept;
  auto again = parse_revision(formatted, check, &kept);
  if (!again || ast::dump(*again, {.positions = false}) != ast::dump(*ast, {.positions = false}) ||
      comment_texts(formatted, kept) != comment_texts(file, comments)) {
    sink.error("internal", file.path, ast->header.span,
               "formatting this file would change its meaning or lose a comment; it is left as "
               "it is",
               "please report this bug with the file");
    return std::nullopt;
  }
  return out;
}

}  // namespace retort
