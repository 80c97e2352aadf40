#include "compiler/revision_lexer.h"

#include "compiler/source.h"
#include "compiler/text_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <type_traits>
#include <unordered_map>

#include "RevisionLexer.h"
#include "antlr4-runtime.h"

namespace retort::parse {
namespace {

using L = grammar::RevisionLexer;

/// ASCII only, whatever the locale: keywords are ASCII.
char ascii_lower(char32_t c) {
  return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}
bool is_letter(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char32_t c) {
  return c >= '0' && c <= '9';
}
bool is_word(char32_t c) {
  return is_letter(c) || is_digit(c) || c == '_';
}
bool is_space(char32_t c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

/// No keyword is longer (`current_timestamp`: 17); keywords() checks.
constexpr size_t kLongestKeyword = 24;

/// Keyword (lower case) -> token type, from the generated lexer's
/// vocabulary: every `K_NAME` rule matches NAME in any case.
const std::unordered_map<std::string, size_t>& keywords() {
  static const std::unordered_map<std::string, size_t> table = [] {
    std::unordered_map<std::string, size_t> out;
    antlr4::ANTLRInputStream empty("");
    L lexer(&empty);
    const antlr4::dfa::Vocabulary& vocabulary = lexer.getVocabulary();
    for (size_t type = 1; type <= vocabulary.getMaxTokenType(); ++type) {
      std::string name = vocabulary.getSymbolicName(type);
      if (!name.starts_with("K_")) continue;
      std::string word = lower_ascii(std::string_view(name).substr(2));
      assert(word.size() <= kLongestKeyword);
      out.emplace(std::move(word), type);
    }
    return out;
  }();
  return table;
}

/// ANTLR's input stream, which decodes the text to code points once; the
/// lexer reads those same code points. The text is copied only when it
/// starts with a byte-order mark (blank_byte_order_mark). For text that is
/// not all ASCII.
class CodePointStream final : public antlr4::ANTLRInputStream {
 public:
  explicit CodePointStream(const std::string& text) {
    if (text.starts_with("\xEF\xBB\xBF")) {
      load(blank_byte_order_mark(text));
    } else {
      load(text);
    }
  }
  std::u32string_view code_points() const { return _data; }
};

/// The characters of an all-ASCII text, where a byte is a code point: a
/// copy of the bytes (so the input owns its text), not a UTF-32 copy four
/// times the file's size, decoded, per parse.
/// Indexes are the same as CodePointStream's would be.
class AsciiStream final : public antlr4::CharStream {
 public:
  explicit AsciiStream(std::string text) : text_(std::move(text)) {}
  std::string_view code_points() const { return text_; }

  void consume() override {
    if (p_ >= text_.size()) throw antlr4::IllegalStateException("cannot consume EOF");
    ++p_;
  }
  size_t LA(ssize_t i) override {
    // As ANTLRInputStream: LA(1) is the current character, LA(-1) the one before.
    if (i == 0) return 0;
    ssize_t at = static_cast<ssize_t>(p_) + (i > 0 ? i - 1 : i);
    if (at < 0 || at >= static_cast<ssize_t>(text_.size())) return antlr4::IntStream::EOF;
    return static_cast<unsigned char>(text_[static_cast<size_t>(at)]);
  }
  ssize_t mark() override { return -1; }
  void release(ssize_t) override {}
  size_t index() override { return p_; }
  void seek(size_t index) override { p_ = std::min(index, text_.size()); }
  size_t size() override { return text_.size(); }
  std::string getSourceName() const override { return antlr4::IntStream::UNKNOWN_SOURCE_NAME; }
  std::string getText(const antlr4::misc::Interval& interval) override {
    if (interval.a < 0 || interval.b < 0) return {};
    // Exactly ANTLRInputStream's arithmetic, an inverted interval included
    // (its count wraps, and substr clamps to the end).
    size_t start = static_cast<size_t>(interval.a);
    size_t stop = static_cast<size_t>(interval.b);
    if (start >= text_.size()) return {};
    stop = std::min(stop, text_.size() - 1);
    return text_.substr(start, stop - start + 1);
  }
  std::string toString() const override { return text_; }

 private:
  std::string text_;
  size_t p_ = 0;
};

std::string describe(antlr4::Token& t) {
  return fmt::format("{} {} {} {} {}:{}\n", static_cast<long long>(t.getType()), t.getChannel(),
                     static_cast<long long>(t.getStartIndex()),
                     static_cast<long long>(t.getStopIndex()), t.getLine(),
                     t.getCharPositionInLine());
}

std::string all_tokens(antlr4::TokenSource& source) {
  std::string out;
  while (true) {
    std::unique_ptr<antlr4::Token> t = source.nextToken();
    out += describe(*t);
    if (t->getType() == antlr4::Token::EOF) return out;
  }
}

/// `Text`: a view of the code points, std::u32string_view, or
/// std::string_view for an all-ASCII text (AsciiStream).
template <class Text>
class RevisionTokenSource final : public antlr4::TokenSource {
 public:
  RevisionTokenSource(antlr4::CharStream& input, Text code_points)
      : input_(input), code_points_(code_points) {}

  std::unique_ptr<antlr4::Token> nextToken() override;
  size_t getLine() const override { return line_; }
  size_t getCharPositionInLine() override { return column_; }
  antlr4::CharStream* getInputStream() override { return &input_; }
  std::string getSourceName() override { return input_.getSourceName(); }
  antlr4::TokenFactory<antlr4::CommonToken>* getTokenFactory() override {
    return antlr4::CommonTokenFactory::DEFAULT.get();
  }

 private:
  char32_t at(size_t i) const { return i < code_points_.size() ? point(i) : 0; }
  /// The code point at `i` (an ASCII byte is never negative as a char32_t).
  char32_t point(size_t i) const {
    return static_cast<std::make_unsigned_t<typename Text::value_type>>(code_points_[i]);
  }
  bool more(size_t i) const { return i < code_points_.size(); }
  /// Moves past code points [pos_, end), keeping the line and column.
  void advance_to(size_t end);
  size_t scan_token(size_t start, size_t& type, size_t& channel) const;

  antlr4::CharStream& input_;
  const Text code_points_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t column_ = 0;
};

template <class Text>
void RevisionTokenSource<Text>::advance_to(size_t end) {
  for (; pos_ < end; ++pos_) {
    if (point(pos_) == '\n') {
      ++line_;
      column_ = 0;
    } else {
      ++column_;
    }
  }
}

template <class Text>
std::unique_ptr<antlr4::Token> RevisionTokenSource<Text>::nextToken() {
  size_t end = pos_;
  while (more(end) && is_space(at(end))) ++end;  // WS -> skip
  advance_to(end);
  size_t type = antlr4::Token::EOF;
  size_t channel = antlr4::Token::DEFAULT_CHANNEL;
  if (more(pos_)) end = scan_token(pos_, type, channel);
  // As the generated lexer makes them: an EOF token (end == pos_) stops one
  // before it starts.
  auto token = std::make_unique<antlr4::CommonToken>(std::make_pair(this, &input_), type, channel,
                                                     pos_, end - 1);
  token->setLine(line_);
  token->setCharPositionInLine(column_);
  advance_to(end);
  return token;
}

// Longest match, the earlier rule winning a tie, as ANTLR's lexer decides.
template <class Text>
size_t RevisionTokenSource<Text>::scan_token(size_t i, size_t& type, size_t& channel) const {
  const size_t size = code_points_.size();
  auto one = [&](size_t t) {
    type = t;
    return i + 1;
  };
  auto two = [&](size_t t) {
    type = t;
    return i + 2;
  };
  // STRING / QUOTED_IDENT: a doubled quote stays inside; with no closing
  // quote, the UNTERMINATED_ rule's match runs to the end and is longer.
  auto quoted = [&](char32_t q, size_t closed, size_t unterminated) {
    for (size_t j = i + 1; j < size; ++j) {
      if (point(j) != q) continue;
      if (j + 1 < size && point(j + 1) == q) {
        ++j;
        continue;
      }
      type = closed;
      return j + 1;
    }
    type = unterminated;
    return size;
  };
  const char32_t c = point(i);
  switch (c) {
    case ';':
      return one(L::SEMI);
    case ',':
      return one(L::COMMA);
    case '.':
      return one(L::DOT);
    case ':':
      return one(L::COLON);
    case '(':
      return one(L::LPAREN);
    case ')':
      return one(L::RPAREN);
    case '{':
      return one(L::LBRACE);
    case '}':
      return one(L::RBRACE);
    case '@':
      return one(L::AT);
    case '+':
      return one(L::PLUS);
    case '*':
      return one(L::STAR);
    case '=':
      return one(L::EQ);
    case '|':
      return at(i + 1) == '|' ? two(L::CONCAT) : one(L::ERROR_CHAR);
    case '!':
      return at(i + 1) == '=' ? two(L::NEQ) : one(L::ERROR_CHAR);
    case '<':
      if (at(i + 1) == '=') return two(L::LE);
      if (at(i + 1) == '>') return two(L::NEQ);
      return one(L::LT);
    case '>':
      return at(i + 1) == '=' ? two(L::GE) : one(L::GT);
    case '-': {
      if (at(i + 1) != '-') return one(L::MINUS);
      size_t j = i + 2;
      while (j < size && point(j) != '\r' && point(j) != '\n') ++j;
      type = L::LINE_COMMENT;
      channel = antlr4::Token::HIDDEN_CHANNEL;
      return j;
    }
    case '/': {
      if (at(i + 1) != '*') return one(L::SLASH);
      // A closed comment ends at the first `*/` after the opening `/*`; its
      // body cannot hold one. Without one, UNTERMINATED_COMMENT takes the rest.
      for (size_t j = i + 2; j + 1 < size; ++j) {
        if (point(j) == '*' && point(j + 1) == '/') {
          type = L::BLOCK_COMMENT;
          channel = antlr4::Token::HIDDEN_CHANNEL;
          return j + 2;
        }
      }
      type = L::UNTERMINATED_COMMENT;
      return size;
    }
    case '\'':
      return quoted('\'', L::STRING, L::UNTERMINATED_STRING);
    case '"':
      return quoted('"', L::QUOTED_IDENT, L::UNTERMINATED_QUOTED_IDENT);
    case '$': {
      // DOLLAR_BODY: `$tag$`, then the body up to and including the same
      // tag again (the grammar's consumeDollarBody), else to the end.
      size_t j = i + 1;
      if (j < size && (is_letter(point(j)) || point(j) == '_')) {
        while (j < size && is_word(point(j))) ++j;
      }
      if (j >= size || point(j) != '$') return one(L::ERROR_CHAR);
      const size_t tag = j + 1 - i;
      type = L::DOLLAR_BODY;
      for (size_t k = j + 1; k + tag <= size; ++k) {
        if (code_points_.compare(k, tag, code_points_, i, tag) == 0) return k + tag;
      }
      return size;
    }
    default:
      break;
  }
  if (is_letter(c) || c == '_') {
    // IDENT: [A-Za-z_] [A-Za-z0-9_$]*; a keyword when it is one whole.
    size_t j = i + 1;
    bool dollar = false;
    while (j < size && (is_word(point(j)) || point(j) == '$')) {
      dollar = dollar || point(j) == '$';
      ++j;
    }
    type = L::IDENT;
    if (!dollar && j - i <= kLongestKeyword) {
      std::string word;
      for (size_t k = i; k < j; ++k) word += ascii_lower(point(k));
      const auto& table = keywords();
      if (auto it = table.find(word); it != table.end()) type = it->second;
    }
    return j;
  }
  if (is_digit(c)) {
    size_t j = i + 1;
    while (j < size && is_digit(point(j))) ++j;
    if (j < size && (is_letter(point(j)) || point(j) == '_')) {
      while (j < size && is_word(point(j))) ++j;  // DIGIT_WORD
      type = L::DIGIT_WORD;
      return j;
    }
    if (j + 1 < size && point(j) == '.' && is_digit(point(j + 1))) {
      j += 2;
      while (j < size && is_digit(point(j))) ++j;
      type = L::DECIMAL;
      return j;
    }
    type = L::INTEGER;
    return j;
  }
  return one(L::ERROR_CHAR);
}

}  // namespace

RevisionInput::RevisionInput() = default;
RevisionInput::~RevisionInput() = default;
RevisionInput::RevisionInput(RevisionInput&&) noexcept = default;

RevisionInput make_revision_lexer(const std::string& text) {
  RevisionInput input;
  if (is_ascii(text)) {
    auto chars = std::make_unique<AsciiStream>(text);
    input.lexer =
        std::make_unique<RevisionTokenSource<std::string_view>>(*chars, chars->code_points());
    input.chars = std::move(chars);
  } else {
    auto chars = std::make_unique<CodePointStream>(text);
    input.lexer =
        std::make_unique<RevisionTokenSource<std::u32string_view>>(*chars, chars->code_points());
    input.chars = std::move(chars);
  }
  return input;
}

std::string generated_lexer_tokens(std::string_view text) {
  antlr4::ANTLRInputStream input{blank_byte_order_mark(text)};
  L lexer(&input);
  lexer.removeErrorListeners();
  return all_tokens(lexer);
}

std::string hand_lexer_tokens(std::string_view text) {
  return all_tokens(*make_revision_lexer(std::string(text)).lexer);
}

}  // namespace retort::parse
