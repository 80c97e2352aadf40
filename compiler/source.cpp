#include "compiler/source.h"

#include <algorithm>

namespace retort {

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(static_cast<uint32_t>(i + 1));
  }
}

uint32_t LineIndex::line_of(uint32_t offset) const {
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  return static_cast<uint32_t>(it - starts_.begin());
}

uint32_t LineIndex::column_of(uint32_t offset) const {
  uint32_t line = line_of(offset);
  uint32_t start = starts_[line - 1];
  if (offset > text_.size()) offset = static_cast<uint32_t>(text_.size());
  return static_cast<uint32_t>(utf8_length(text_.substr(start, offset - start))) + 1;
}

SourceSpan LineIndex::span(uint32_t begin, uint32_t end) const {
  SourceSpan s;
  s.begin = begin;
  s.end = std::max(begin, end);
  s.line = line_of(begin);
  s.column = column_of(begin);
  s.end_line = line_of(s.end);
  s.end_column = column_of(s.end);
  return s;
}

std::string_view LineIndex::line_text(uint32_t line) const {
  if (line == 0 || line > starts_.size()) return {};
  uint32_t start = starts_[line - 1];
  uint32_t stop = line < starts_.size() ? starts_[line] - 1 : static_cast<uint32_t>(text_.size());
  std::string_view s = text_.substr(start, stop - start);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

std::string blank_byte_order_mark(std::string_view text) {
  std::string out(text);
  if (out.starts_with("\xEF\xBB\xBF")) out.replace(0, 3, " ");
  return out;
}

size_t find_invalid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

size_t utf8_length(std::string_view text) {
  size_t count = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace retort
