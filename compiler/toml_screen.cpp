#include "compiler/toml_screen.h"

namespace retort {
namespace {

bool is_ascii(char c) {
  return static_cast<unsigned char>(c) < 0x80;
}

bool is_bare_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Walks TOML's lexical structure: comments, the four kinds of string, table
// headers, and the brackets of values (a line break inside an array does not
// start a new key or header).
class Screen {
 public:
  explicit Screen(std::string_view text) : text_(text) {}

  std::optional<TomlHazard> run() {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // toml++ skips a byte-order mark
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '#') {
        skip_comment();
      } else if (c == '"' || c == '\'') {
        if (!skip_string(c)) return hazard_;  // an error toml++ stops at, or a hazard inside
        at_line_start_ = false;
      } else if (!is_ascii(c)) {
        return TomlHazard{pos_,
                          "a character outside ASCII must be inside a quoted string or a comment"};
      } else if (c == '\n') {
        at_line_start_ = open_brackets_ == 0;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '[' && at_line_start_) {
        if (auto h = table_header()) return h;
        at_line_start_ = false;
      } else {
        if (c == '[' || c == '{') ++open_brackets_;
        if ((c == ']' || c == '}') && open_brackets_ > 0) --open_brackets_;
        at_line_start_ = false;
        ++pos_;
      }
    }
    return std::nullopt;
  }

 private:
  void skip_comment() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  }

  // `[` or `[[` opening a table header, then spaces or tabs: a key must come
  // (or the `]` or `[` that toml++ itself reports as an error).
  std::optional<TomlHazard> table_header() {
    size_t p = pos_ + 1;
    if (p < text_.size() && text_[p] == '[') ++p;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    if (p < text_.size()) {
      char c = text_[p];
      if (!is_bare_key_char(c) && c != '"' && c != '\'' && c != ']' && c != '[')
        return TomlHazard{p, "a table header needs a name after its `[`"};
    }
    pos_ = p;
    return std::nullopt;
  }

  // Past the string starting at pos_; false at a hazard inside it (in
  // hazard_) or when it is not closed (a syntax error toml++ reports).
  bool skip_string(char quote) {
    const bool multi_line = text_.substr(pos_, 3) == std::string(3, quote);
    const bool basic = quote == '"';
    pos_ += multi_line ? 3 : 1;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == quote && (!multi_line || text_.substr(pos_, 3) == std::string(3, quote))) {
        pos_ += multi_line ? 3 : 1;
        // Up to two more quotes are part of a multi-line string's text.
        for (int extra = 0; multi_line && extra < 2 && pos_ < text_.size() && text_[pos_] == quote;
             ++extra)
          ++pos_;
        return true;
      }
      if (c == '\n' && !multi_line) return false;
      if (c == '\\' && basic) {
        if (multi_line && !skip_escape_in_multi_line()) return false;
        if (!multi_line) pos_ += 2;  // the escaped character is never a hazard here
        continue;
      }
      ++pos_;
    }
    return false;
  }

  // In a multi-line basic string, toml++ asks whether the character after a
  // backslash is whitespace, and after a line-ending backslash whether each
  // following one is: the first that is not space, tab or line break must
  // be ASCII.
  bool skip_escape_in_multi_line() {
    size_t p = pos_ + 1;
    while (p < text_.size() &&
           (text_[p] == ' ' || text_[p] == '\t' || text_[p] == '\r' || text_[p] == '\n'))
      ++p;
    if (p < text_.size() && !is_ascii(text_[p])) {
      hazard_ = TomlHazard{p,
                           "in a multi-line string, a character outside ASCII cannot follow a "
                           "backslash or a line-ending backslash's line break (toml++ cannot read "
                           "it); write it on the backslash's line, or use a literal string"};
      return false;
    }
    // A line-ending backslash: on past the whitespace. An escape: past its
    // letter (a `\uXXXX`'s digits are ASCII, read on as text).
    pos_ = p > pos_ + 1 ? p : pos_ + 2;
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t open_brackets_ = 0;  // `[` and `{` of values not yet closed
  bool at_line_start_ = true;
  std::optional<TomlHazard> hazard_;
};

}  // namespace

std::optional<TomlHazard> find_toml_hazard(std::string_view text) {
  return Screen(text).run();
}

}  // namespace retort
