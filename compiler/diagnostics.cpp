#include "compiler/diagnostics.h"

#include <fmt/format.h>
#include <algorithm>
#include <tuple>

namespace retort {

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::error:
      return "error";
    case Severity::warning:
      return "warning";
    case Severity::info:
      return "info";
  }
  return "error";
}

void DiagnosticSink::report(Diagnostic d) {
  if (d.severity == Severity::error) ++errors_;
  items_.push_back(std::move(d));
}

void DiagnosticSink::error(std::string code, std::string file, SourceSpan span, std::string message,
                           std::string help) {
  report(Diagnostic{Severity::error,
                    std::move(code),
                    std::move(file),
                    span,
                    std::move(message),
                    std::move(help),
                    {}});
}

void DiagnosticSink::warning(std::string code, std::string file, SourceSpan span,
                             std::string message, std::string help) {
  report(Diagnostic{Severity::warning,
                    std::move(code),
                    std::move(file),
                    span,
                    std::move(message),
                    std::move(help),
                    {}});
}

void DiagnosticSink::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.file, a.span.line, a.span.column, a.code) <
           std::tie(b.file, b.span.line, b.span.column, b.code);
  });
}

void DiagnosticSink::absorb(DiagnosticSink&& other) {
  for (auto& d : other.items_) report(std::move(d));
  other.items_.clear();
  other.errors_ = 0;
}

namespace {

// Rendered form of one code point of a source line: control characters are
// escaped so that a hostile file cannot drive the terminal.
std::string render_code_point(std::string_view cp) {
  unsigned char c = static_cast<unsigned char>(cp[0]);
  if (cp.size() == 1) {
    if (c == '\t') return " ";
    // Controls, and bytes that are not UTF-8 (shown, never passed through).
    if (c < 0x20 || c >= 0x7F) return fmt::format("\\x{:02x}", c);
    return std::string(cp);
  }
  // C1 controls (U+0080..U+009F) and the bidi overrides/isolates that can
  // reorder what a reviewer sees (U+202A..U+202E, U+2066..U+2069).
  uint32_t value = 0;
  if (cp.size() == 2) value = ((c & 0x1F) << 6) | (cp[1] & 0x3F);
  if (cp.size() == 3) value = ((c & 0x0F) << 12) | ((cp[1] & 0x3F) << 6) | (cp[2] & 0x3F);
  if ((value >= 0x80 && value <= 0x9F) || (value >= 0x202A && value <= 0x202E) ||
      (value >= 0x2066 && value <= 0x2069) || value == 0x200E || value == 0x200F) {
    return fmt::format("\\u{{{:04x}}}", value);
  }
  return std::string(cp);
}

// Splits a line into code points (an invalid byte is a code point of its own).
std::vector<std::string_view> code_points(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    size_t len = c < 0x80             ? 1
                 : (c & 0xE0) == 0xC0 ? 2
                 : (c & 0xF0) == 0xE0 ? 3
                 : (c & 0xF8) == 0xF0 ? 4
                                      : 1;
    if (i + len > line.size()) len = 1;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(line[i + k]) & 0xC0) != 0x80) {
        len = 1;
        break;
      }
    }
    out.push_back(line.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace

std::string escape_control(std::string_view line) {
  std::string out;
  for (auto cp : code_points(line)) out += render_code_point(cp);
  return out;
}

std::string render_diagnostic(const Diagnostic& d, const SourceTexts& sources,
                              const RenderOptions& options) {
  const char* bold = options.color ? "\x1b[1m" : "";
  const char* reset = options.color ? "\x1b[0m" : "";
  const char* level_color = "";
  if (options.color) {
    level_color = d.severity == Severity::error     ? "\x1b[1;31m"
                  : d.severity == Severity::warning ? "\x1b[1;35m"
                                                    : "\x1b[1;36m";
  }

  std::string out;
  std::string where;
  if (!d.file.empty()) {
    where = d.span.valid() ? fmt::format("{}:{}:{}: ", d.file, d.span.line, d.span.column)
                           : fmt::format("{}: ", d.file);
  }
  out += fmt::format("{}{}{}{}{}[{}]: {}{}\n", bold, where, reset, level_color,
                     severity_name(d.severity), d.code, reset,
                     options.color ? fmt::format("{}{}{}", bold, d.message, reset) : d.message);

  auto source = sources.find(d.file);
  if (d.span.valid() && source != sources.end()) {
    LineIndex index(source->second);
    std::string_view line = index.line_text(d.span.line);
    auto points = code_points(line);
    std::string gutter = fmt::format("{:>5}", d.span.line);
    std::string blank(gutter.size(), ' ');
    std::string echoed;
    std::string caret_pad;
    std::string underline;
    uint32_t last = d.span.end_line == d.span.line ? d.span.end_column
                                                   : static_cast<uint32_t>(points.size()) + 1;
    // A very long line (minified SQL, binary junk) is shown as a window
    // around the column, so the message stays readable.
    constexpr size_t kWindow = 120;
    size_t first = 0;
    size_t stop = points.size();
    if (points.size() > kWindow) {
      size_t at = d.span.column > 0 ? d.span.column - 1 : 0;
      first = at > 40 ? at - 40 : 0;
      stop = std::min(points.size(), first + kWindow);
    }
    if (first > 0) {
      echoed += "...";
      caret_pad += "   ";
    }
    for (size_t i = first; i < stop; ++i) {
      std::string shown = render_code_point(points[i]);
      echoed += shown;
      uint32_t column = static_cast<uint32_t>(i) + 1;
      size_t width = utf8_length(shown);
      if (column < d.span.column) {
        caret_pad.append(width, ' ');
      } else if (column < last) {
        underline.append(width, '~');
      }
    }
    if (stop < points.size()) echoed += "...";
    if (underline.empty()) underline = "^";
    underline[0] = '^';
    std::fill(underline.begin() + 1, underline.end(), '~');
    out += fmt::format("{} | {}\n", gutter, echoed);
    out += fmt::format("{} | {}{}{}{}\n", blank, caret_pad, level_color, underline, reset);
  }
  if (!d.help.empty()) out += fmt::format("   {}help:{} {}\n", bold, reset, d.help);
  return out;
}

}  // namespace retort
