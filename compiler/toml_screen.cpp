#include "compiler/toml_screen.h"

#include <string>

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
//
// A quote starts a string only where toml++ starts one: where a key or a
// value begins. Anywhere else it is a character of a bare token, which
// toml++ reads on, asking whether each character ends it, up to a space, a
// comma, a closing bracket or a `#` (`1_x!"é` and `-["é` are one token to
// it, not a number and a string).
class Screen {
 public:
  explicit Screen(std::string_view text) : text_(text) {}

  std::optional<TomlHazard> run() {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // toml++ skips a byte-order mark
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (in_bare_value_ && !ends_a_bare_value(c)) {
        if (!is_ascii(c)) return outside_strings();
        last_ = c;
        ++pos_;
        continue;
      }
      in_bare_value_ = false;
      if (c == '#') {
        skip_comment();
      } else if ((c == '"' || c == '\'') && starts_a_string()) {
        if (!skip_string(c)) return hazard_;  // an error toml++ stops at, or a hazard inside
        last_ = c;
      } else if (!is_ascii(c)) {
        return outside_strings();
      } else if (c == '\n') {
        if (open_.empty()) in_key_ = true;  // the next line starts with a key or a header
        last_ = c;
        ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '[' && open_.empty() && last_ == '\n') {
        if (auto h = table_header()) return h;
        in_header_ = true;
        last_ = '[';
      } else {
        // In a value, anything but a quote or a bracket starts a bare one
        // (a number, a date, a boolean; to toml++, whatever runs on).
        in_bare_value_ = !in_key_ && !in_header_ && std::string_view("[{]},").find(c) == npos;
        if (!in_bare_value_) punctuation(c);
        last_ = c;
        ++pos_;
      }
    }
    return std::nullopt;
  }

 private:
  static constexpr size_t npos = std::string_view::npos;

  TomlHazard outside_strings() const {
    return {pos_, "a character outside ASCII must be inside a quoted string or a comment"};
  }

  // What toml++ takes for the end of a bare value (is_value_terminator).
  static bool ends_a_bare_value(char c) { return std::string_view(" \t\r\n]},#").find(c) != npos; }

  // Whether a quote here begins a key or a value: after the start of a line,
  // `=`, `[`, `{` or `,`, or a dot between the parts of a key.
  bool starts_a_string() const {
    switch (last_) {
      case '\n':
      case '=':
      case '[':
      case '{':
      case ',':
        return true;
      case '.':
        return in_key_;
      default:
        return false;
    }
  }

  // Brackets and separators: whether a key or a value comes next.
  void punctuation(char c) {
    if (c == '=') {
      in_key_ = false;
    } else if (c == '[' || c == '{') {
      open_.push_back(c);
      in_key_ = c == '{';
    } else if (c == ',') {
      in_key_ = !open_.empty() && open_.back() == '{';
    } else if (c == ']' || c == '}') {
      if (!open_.empty()) {
        open_.pop_back();
      } else if (in_header_) {
        in_header_ = false;
      }
      in_key_ = false;
    }
  }

  bool three_at(size_t p, char quote) const {
    return p + 3 <= text_.size() && text_[p] == quote && text_[p + 1] == quote &&
           text_[p + 2] == quote;
  }

  void skip_comment() {
    while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
  }

  // `[` or `[[` opening a table header, then spaces or tabs: a key must come
  // (or the `]` toml++ itself reports as an error, or after `[ ` the `[`
  // it reports as a spaced-out `[[`).
  std::optional<TomlHazard> table_header() {
    size_t p = pos_ + 1;
    const bool array = p < text_.size() && text_[p] == '[';
    if (array) ++p;
    const size_t name = p;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    if (p < text_.size()) {
      char c = text_[p];
      bool spaced_bracket = c == '[' && !array && p > name;
      if (!is_bare_key_char(c) && c != '"' && c != '\'' && c != ']' && !spaced_bracket)
        return TomlHazard{p, "a table header needs a name after its `[`"};
    }
    pos_ = p;
    return std::nullopt;
  }

  // Past the string starting at pos_; false at a hazard inside it (in
  // hazard_) or when it is not closed (a syntax error toml++ reports).
  bool skip_string(char quote) {
    const bool multi_line = three_at(pos_, quote);
    const bool basic = quote == '"';
    pos_ += multi_line ? 3 : 1;
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == quote && (!multi_line || three_at(pos_, quote))) {
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
  std::string open_;            // `[` and `{` of values not yet closed, innermost last
  char last_ = '\n';            // the last character outside strings and blanks ('\n' at the start)
  bool in_key_ = true;          // a key is being read, not a value
  bool in_header_ = false;      // inside a table header's brackets
  bool in_bare_value_ = false;  // inside a value neither quoted nor bracketed
  std::optional<TomlHazard> hazard_;
};

}  // namespace

std::optional<TomlHazard> find_toml_hazard(std::string_view text) {
  return Screen(text).run();
}

}  // namespace retort
