// Source files and positions. Lines and columns are 1-based; columns count
// Unicode code points of the line as the user sees it, not bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace retort {

/// A range of a source file: byte offsets for slicing, line/column for people.
struct SourceSpan {
  uint32_t begin = 0;  ///< byte offset of the first character
  uint32_t end = 0;    ///< byte offset one past the last character
  uint32_t line = 0;   ///< 1-based; 0 means "no position" (a whole-file finding)
  uint32_t column = 0;
  uint32_t end_line = 0;
  uint32_t end_column = 0;  ///< column one past the last character

  bool valid() const { return line != 0; }
};

/// One file as read from disk. `path` is relative to the project root and is
/// what messages show.
struct SourceFile {
  std::string path;
  std::string text;
};

/// Maps byte offsets of one text to lines and code-point columns.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  /// Line (1-based) holding byte `offset`.
  uint32_t line_of(uint32_t offset) const;
  /// Column (1-based, in code points) of byte `offset`.
  uint32_t column_of(uint32_t offset) const;
  /// A span from two byte offsets.
  SourceSpan span(uint32_t begin, uint32_t end) const;
  /// The text of line `line` without its line terminator.
  std::string_view line_text(uint32_t line) const;
  uint32_t line_count() const { return static_cast<uint32_t>(starts_.size()); }

 private:
  std::string_view text_;
  std::vector<uint32_t> starts_;  // byte offset where each line starts
};

/// Byte offset and length of the first invalid UTF-8 sequence, or npos.
size_t find_invalid_utf8(std::string_view text);

/// The text an ANTLR input stream is made from: a leading UTF-8 byte-order
/// mark becomes a space. The stream would drop the mark, and then its
/// code-point indexes, which parse::Positions maps to bytes of the file,
/// would be one off (editors on Windows save files with one).
std::string blank_byte_order_mark(std::string_view text);

/// Number of code points in a valid UTF-8 text (invalid bytes count as one).
size_t utf8_length(std::string_view text);

}  // namespace retort
