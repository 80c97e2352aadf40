// The Alembic parse layer: checks the text, lexes it with the Python-subset
// grammar (grammar/AlembicPython.g4), turns line breaks and indentation
// into NEWLINE / INDENT / DEDENT tokens, parses (SLL first, LL only when
// SLL fails), reports the first syntax error in Python's words, and builds
// the small Python tree of alembic_python.h. The only Alembic code that
// sees ANTLR types.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <new>
#include <set>

#include "AlembicPythonLexer.h"
#include "AlembicPythonParser.h"
#include "compiler/alembic_python.h"
#include "compiler/ast_builder.h"
#include "compiler/parser.h"

namespace retort::alembic::py {

namespace {

using L = alembic_grammar::AlembicPythonLexer;
using P = alembic_grammar::AlembicPythonParser;
using parse::Positions;

/// Python's own limit on nested blocks.
constexpr int kMaxIndentLevels = 100;
/// Brackets a statement may open on top of an expression's own nesting.
constexpr int kStructureSlack = 16;

/// The first syntax error of a file: Python reports one, and so do we.
class Reporter {
 public:
  Reporter(const SourceFile& file, const Positions& pos, DiagnosticSink& sink)
      : file_(file), pos_(pos), sink_(sink) {}

  void error(const SourceSpan& span, std::string message, std::string help = {}) {
    if (reported_) return;
    reported_ = true;
    sink_.error("syntax", file_.path, span, std::move(message), std::move(help));
  }
  bool reported() const { return reported_; }
  const Positions& positions() const { return pos_; }

 private:
  const SourceFile& file_;
  const Positions& pos_;
  DiagnosticSink& sink_;
  bool reported_ = false;
};

/// A token as the user wrote it, for messages.
std::string quote_token(const Positions& pos, const antlr4::Token* t) {
  if (t == nullptr || t->getType() == antlr4::Token::EOF) return "the end of the file";
  switch (t->getType()) {
    case P::NEWLINE:
      return "the end of the line";
    case P::INDENT:
      return "an indented block";
    case P::DEDENT:
      return "the end of the block";
    case P::STRING:
      return "a string";
    default:
      break;
  }
  std::string_view text = pos.text(t);
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size() && text[i] != '\n' && text[i] != '\r'; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && ++chars > 30) {
      out += "...";
      break;
    }
    out += c < 0x20 || c == 0x7F ? fmt::format("\\x{:02x}", c) : std::string(1, text[i]);
  }
  return "\"" + out + "\"";
}

std::string token_words(size_t type, const antlr4::dfa::Vocabulary& vocabulary) {
  switch (type) {
    case P::NAME:
      return "a name";
    case P::STRING:
      return "a string";
    case P::NUMBER:
      return "a number";
    case P::NEWLINE:
      return "the end of the line";
    case P::INDENT:
      return "an indented block";
    case P::DEDENT:
      return "the end of the block";
    case antlr4::Token::EOF:
      return "the end of the file";
    default:
      break;
  }
  std::string literal = vocabulary.getLiteralName(type);
  if (!literal.empty()) return literal;
  return vocabulary.getSymbolicName(type);
}

/// Reports the first error in words and stops the parse.
class FirstErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit FirstErrorStrategy(Reporter& out) : out_(out) {}

  void reportError(antlr4::Parser* parser, const antlr4::RecognitionException& e) override {
    if (out_.reported()) return;
    const Positions& pos = out_.positions();
    antlr4::Token* t = e.getOffendingToken();
    if (t == nullptr) t = parser->getCurrentToken();
    antlr4::TokenStream* tokens = parser->getTokenStream();
    antlr4::Token* prev = t->getTokenIndex() > 0 ? tokens->get(t->getTokenIndex() - 1) : nullptr;
    bool deep = false;  // prediction failed past the first token of the decision
    if (auto* nva = dynamic_cast<const antlr4::NoViableAltException*>(&e)) {
      deep = nva->getStartToken() != nullptr && nva->getStartToken() != t;
    }
    antlr4::misc::IntervalSet expected;
    if (!deep) expected = e.getExpectedTokens();
    size_t type = t->getType();
    if (type == P::INDENT) {
      out_.error(pos.token_span(t), "unexpected indent",
                 "indent a line only to start the block of a line ending with ':'");
      return;
    }
    if (expected.contains(static_cast<size_t>(P::INDENT)) && expected.size() == 1) {
      out_.error(pos.token_span(t), "expected an indented block",
                 "the line before ends with ':', so a block must follow, indented");
      return;
    }
    if (expected.size() == 1 && expected.contains(static_cast<size_t>(P::COLON)) && prev) {
      out_.error(pos.after(prev), fmt::format("expected ':' after {}", quote_token(pos, prev)));
      return;
    }
    std::string found = quote_token(pos, t);
    std::string after = prev != nullptr && prev->getType() != P::NEWLINE &&
                                prev->getType() != P::INDENT && prev->getType() != P::DEDENT
                            ? " after " + quote_token(pos, prev)
                            : std::string();
    std::vector<std::string> words;
    if (!expected.isEmpty() && expected.size() <= 4) {
      for (ssize_t x : expected.toList()) {
        std::string w = token_words(static_cast<size_t>(x), parser->getVocabulary());
        if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(w);
      }
    }
    if (words.empty()) {
      out_.error(pos.token_span(t), fmt::format("invalid syntax: unexpected {}{}", found, after));
      return;
    }
    std::string list;
    for (size_t i = 0; i < words.size(); ++i) {
      if (i > 0) list += i + 1 == words.size() ? " or " : ", ";
      list += words[i];
    }
    out_.error(pos.token_span(t),
               fmt::format("invalid syntax: expected {}{}, found {}", list, after, found));
  }

  void recover(antlr4::Parser*, std::exception_ptr) override {
    throw antlr4::ParseCancellationException();
  }
  antlr4::Token* recoverInline(antlr4::Parser* parser) override {
    throw antlr4::InputMismatchException(parser);
  }
  void sync(antlr4::Parser*) override {}

 private:
  Reporter& out_;
};

/// Anything the runtime reports through listeners still becomes a diagnostic.
class CollectingListener : public antlr4::BaseErrorListener {
 public:
  explicit CollectingListener(Reporter& out) : out_(out) {}
  void syntaxError(antlr4::Recognizer*, antlr4::Token* t, size_t, size_t, const std::string& msg,
                   std::exception_ptr) override {
    SourceSpan span = t ? out_.positions().token_span(t) : SourceSpan{};
    out_.error(span, "syntax error: " + msg);
  }

 private:
  Reporter& out_;
};

bool opens(size_t type) {
  return type == L::LPAREN || type == L::LBRACK || type == L::LBRACE;
}
bool closes(size_t type) {
  return type == L::RPAREN || type == L::RBRACK || type == L::RBRACE;
}
char bracket_char(size_t type) {
  switch (type) {
    case L::LPAREN:
      return '(';
    case L::RPAREN:
      return ')';
    case L::LBRACK:
      return '[';
    case L::RBRACK:
      return ']';
    case L::LBRACE:
      return '{';
    default:
      return '}';
  }
}
size_t partner(size_t type) {
  switch (type) {
    case L::LPAREN:
      return L::RPAREN;
    case L::LBRACK:
      return L::RBRACK;
    default:
      return L::RBRACE;
  }
}

/// Whether a comment is the `# retort: ignore` marker.
bool ignore_marker(std::string_view comment) {
  size_t i = 1;
  auto skip_space = [&] {
    while (i < comment.size() && (comment[i] == ' ' || comment[i] == '\t')) ++i;
  };
  skip_space();
  if (comment.substr(i, 7) != "retort:") return false;
  i += 7;
  skip_space();
  if (comment.substr(i, 6) != "ignore") return false;
  i += 6;
  return i == comment.size() || !(std::isalnum(static_cast<unsigned char>(comment[i])) ||
                                  comment[i] == '_' || comment[i] == '-');
}

/// The token list the parser reads: line breaks inside brackets and on
/// blank lines dropped, INDENT / DEDENT where a logical line's indentation
/// changes, a NEWLINE and the DEDENTs still open at the end. Reports
/// lexical mistakes, unbalanced brackets, inconsistent dedents and nesting
/// past the limits; returns false (nothing to parse) after the first.
class Layout {
 public:
  Layout(const SourceFile& file, const Positions& pos, Reporter& out)
      : lines_(file.text), pos_(pos), out_(out) {}

  bool run(std::vector<std::unique_ptr<antlr4::Token>>& raw,
           std::vector<std::unique_ptr<antlr4::Token>>& out, std::set<uint32_t>& ignored_lines) {
    std::vector<int> indents = {0};
    std::vector<const antlr4::Token*> brackets;
    bool line_has_tokens = false;
    int unary_run = 0;
    int line_nesting = 0;
    uint32_t last_code_line = 0;
    bool marker_pending = false;
    antlr4::Token* eof = nullptr;
    for (auto& owned : raw) {
      antlr4::Token* t = owned.get();
      if (t == nullptr) continue;
      size_t type = t->getType();
      if (type == antlr4::Token::EOF) {
        eof = t;
        break;
      }
      if (type == L::COMMENT) {
        if (ignore_marker(pos_.text(t))) {
          uint32_t line = static_cast<uint32_t>(t->getLine());
          if (line > last_code_line) {
            marker_pending = true;  // a line of its own: marks the next statement
          } else {
            ignored_lines.insert(line);
          }
        }
        continue;
      }
      if (type == L::UNTERMINATED_STRING) {
        std::string_view text = pos_.text(t);
        bool triple = text.find("'''") != std::string_view::npos ||
                      text.find("\"\"\"") != std::string_view::npos;
        out_.error(pos_.span(t, t), "unterminated string",
                   triple ? "close it with the same three quotes it opens with"
                          : "close it on the same line with the quote it opens with");
        return false;
      }
      if (type == L::ERROR_CHAR) {
        std::string_view text = pos_.text(t);
        std::string what = fmt::format("unexpected character \"{}\"", text);
        if (text == std::string_view("\0", 1)) {
          what = "unexpected NUL character";
        } else if (!text.empty() && static_cast<unsigned char>(text[0]) < 0x20) {
          what = fmt::format("unexpected control character U+{:04X}",
                             static_cast<unsigned char>(text[0]));
        } else if (text == "\\") {
          what = "a backslash continues a line only at the end of the line";
        }
        out_.error(pos_.token_span(t), what);
        return false;
      }
      if (type == L::NEWLINE) {
        if (!brackets.empty() || !line_has_tokens) continue;
        out.push_back(std::move(owned));
        line_has_tokens = false;
        line_nesting = 0;
        continue;
      }
      if (!line_has_tokens && brackets.empty()) {
        // The first token of a logical line: its indentation decides.
        int indent = indentation(static_cast<uint32_t>(t->getLine()));
        if (indent > indents.back()) {
          if (static_cast<int>(indents.size()) > kMaxIndentLevels) {
            out_.error(pos_.token_span(t), "too many levels of indentation",
                       fmt::format("Python allows at most {} nested blocks", kMaxIndentLevels));
            return false;
          }
          indents.push_back(indent);
          out.push_back(synthetic(t, P::INDENT));
        } else {
          while (indent < indents.back()) {
            indents.pop_back();
            out.push_back(synthetic(t, P::DEDENT));
          }
          if (indent != indents.back()) {
            out_.error(pos_.token_span(t), "unindent does not match any outer indentation level",
                       "indent the line as the block it belongs to");
            return false;
          }
        }
        if (marker_pending) {
          ignored_lines.insert(static_cast<uint32_t>(t->getLine()));
          marker_pending = false;
        }
      }
      if (opens(type)) {
        brackets.push_back(t);
      } else if (closes(type)) {
        if (brackets.empty()) {
          out_.error(pos_.token_span(t), fmt::format("unmatched '{}'", bracket_char(type)));
          return false;
        }
        const antlr4::Token* open = brackets.back();
        if (partner(open->getType()) != type) {
          out_.error(
              pos_.token_span(t),
              fmt::format("closing '{}' does not match opening '{}' on line {}", bracket_char(type),
                          bracket_char(open->getType()), open->getLine()));
          return false;
        }
        brackets.pop_back();
      }
      if (type == L::MINUS || type == L::PLUS || type == L::TILDE || type == L::K_NOT) {
        ++unary_run;
      } else {
        unary_run = 0;
      }
      // Lambdas, conditional expressions and yields nest without brackets:
      // count them over the logical line.
      if (type == L::K_LAMBDA || type == L::K_IF || type == L::K_YIELD) ++line_nesting;
      if (static_cast<int>(brackets.size()) + unary_run + line_nesting >
          kMaxNesting + kStructureSlack) {
        out_.error(pos_.token_span(t),
                   fmt::format("the expression nests too deep (more than {} levels)", kMaxNesting),
                   "split the expression into simpler ones");
        return false;
      }
      last_code_line = static_cast<uint32_t>(t->getLine());
      line_has_tokens = true;
      out.push_back(std::move(owned));
    }
    if (!brackets.empty()) {
      const antlr4::Token* open = brackets.back();
      out_.error(pos_.token_span(open),
                 fmt::format("'{}' was never closed", bracket_char(open->getType())));
      return false;
    }
    if (eof == nullptr) return false;
    if (line_has_tokens) out.push_back(synthetic(eof, P::NEWLINE));
    while (indents.size() > 1) {
      indents.pop_back();
      out.push_back(synthetic(eof, P::DEDENT));
    }
    auto end = synthetic(eof, antlr4::Token::EOF);
    out.push_back(std::move(end));
    return true;
  }

 private:
  LineIndex lines_;
  const Positions& pos_;
  Reporter& out_;

  /// The width of a line's leading white space, as Python counts it.
  int indentation(uint32_t line) const {
    int width = 0;
    for (char c : lines_.line_text(line)) {
      if (c == ' ') {
        ++width;
      } else if (c == '\t') {
        width = (width / 8 + 1) * 8;
      } else if (c == '\f') {
        width = 0;
      } else {
        break;
      }
    }
    return width;
  }

  /// An empty token of `type` standing where `at` starts.
  static std::unique_ptr<antlr4::Token> synthetic(const antlr4::Token* at, size_t type) {
    auto t = std::make_unique<antlr4::CommonToken>(
        std::make_pair(at->getTokenSource(), at->getInputStream()), type,
        antlr4::Token::DEFAULT_CHANNEL, at->getStartIndex(), at->getStartIndex() - 1);
    t->setLine(at->getLine());
    t->setCharPositionInLine(at->getCharPositionInLine());
    t->setText("");
    return t;
  }
};

// ---------------------------------------------------------------- strings

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

struct DecodedString {
  std::string value;
  bool fstring = false;
  bool bytes = false;
  bool verbatim = false;
  uint32_t content_begin = 0;
  std::string problem;  ///< non-empty: what cannot be read ("a \N{...} escape")
};

/// Decodes one string literal token (prefix, quotes, escapes), as Python.
DecodedString decode_string(std::string_view text, uint32_t begin) {
  DecodedString d;
  size_t p = 0;
  bool raw = false;
  while (p < text.size() && std::isalpha(static_cast<unsigned char>(text[p]))) {
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[p])));
    if (c == 'r') raw = true;
    if (c == 'b') d.bytes = true;
    if (c == 'f') d.fstring = true;
    ++p;
  }
  size_t quote = text.substr(p, 3) == std::string_view("'''") ||
                         text.substr(p, 3) == std::string_view("\"\"\"")
                     ? 3
                     : 1;
  if (text.size() < p + 2 * quote) return d;
  std::string_view content = text.substr(p + quote, text.size() - p - 2 * quote);
  d.content_begin = begin + static_cast<uint32_t>(p + quote);
  d.verbatim = !d.fstring && !d.bytes && content.find('\r') == std::string_view::npos &&
               (raw || content.find('\\') == std::string_view::npos);
  std::string& out = d.value;
  out.reserve(content.size());
  auto hex = [&](size_t at, size_t n, uint32_t& cp) {
    if (at + n > content.size()) return false;
    cp = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = content[at + k];
      if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
      cp = cp * 16 +
           static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(c))
                                     ? c - '0'
                                     : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    }
    return true;
  };
  for (size_t i = 0; i < content.size(); ++i) {
    char c = content[i];
    if (c == '\r') {  // universal newlines, as Python reads source
      out += '\n';
      if (i + 1 < content.size() && content[i + 1] == '\n') ++i;
      continue;
    }
    if (c != '\\' || i + 1 >= content.size()) {
      out += c;
      continue;
    }
    char n = content[i + 1];
    if (raw) {
      // A raw string keeps the backslash; it only stops the quote closing.
      out += c;
      continue;
    }
    ++i;
    switch (n) {
      case '\n':
        break;
      case '\r':
        if (i + 1 < content.size() && content[i + 1] == '\n') ++i;
        break;
      case '\\':
      case '\'':
      case '"':
        out += n;
        break;
      case 'a':
        out += '\a';
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
      case 'v':
        out += '\v';
        break;
      case 'x':
      case 'u':
      case 'U': {
        size_t digits = n == 'x' ? 2 : n == 'u' ? 4 : 8;
        uint32_t cp = 0;
        if (!hex(i + 1, digits, cp)) {
          d.problem = fmt::format("a malformed \\{} escape", n);
          return d;
        }
        if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
          d.problem = fmt::format("an escape (U+{:04X}) that is not a character", cp);
          return d;
        }
        append_utf8(out, cp);
        i += digits;
        break;
      }
      case 'N':
        d.problem = "a \\N{...} escape";
        return d;
      default:
        if (n >= '0' && n <= '7') {
          uint32_t cp = static_cast<uint32_t>(n - '0');
          for (int k = 0;
               k < 2 && i + 1 < content.size() && content[i + 1] >= '0' && content[i + 1] <= '7';
               ++k) {
            cp = cp * 8 + static_cast<uint32_t>(content[++i] - '0');
          }
          append_utf8(out, cp);
        } else {
          out += '\\';  // an unknown escape keeps its backslash
          out += n;
        }
        break;
    }
  }
  if (out.find('\0') != std::string::npos) d.problem = "a string with a NUL character";
  return d;
}

// ---------------------------------------------------------------- the tree

class Builder {
 public:
  Builder(const Positions& pos, const std::set<uint32_t>& ignored_lines, Reporter& out)
      : pos_(pos), ignored_lines_(ignored_lines), out_(out) {}

  Module module(P::File_Context* ctx) {
    Module m;
    for (auto* s : ctx->statement()) statement(s, m.body);
    return m;
  }

 private:
  const Positions& pos_;
  const std::set<uint32_t>& ignored_lines_;
  Reporter& out_;

  SourceSpan span(antlr4::ParserRuleContext* ctx) const {
    return pos_.span(ctx->getStart(), ctx->getStop());
  }
  SourceSpan span(antlr4::tree::TerminalNode* t) const { return pos_.token_span(t->getSymbol()); }
  std::string text(antlr4::tree::TerminalNode* t) const {
    return std::string(pos_.text(t->getSymbol()));
  }

  bool marked(const SourceSpan& s) const {
    auto it = ignored_lines_.lower_bound(s.line);
    return it != ignored_lines_.end() && *it <= s.end_line;
  }

  static ExprPtr make(Expr e) { return std::make_shared<const Expr>(std::move(e)); }
  static ExprPtr unsupported(std::string what, const SourceSpan& s) {
    Expr e;
    e.kind = ExprKind::Unsupported;
    e.text = std::move(what);
    e.span = s;
    return make(std::move(e));
  }

  // ------------------------------------------------------------ statements

  /// One line's statements (`a; b` is two) or one compound statement.
  void statement(P::StatementContext* ctx, std::vector<Stmt>& out) {
    if (auto* simple = ctx->simpleStatements()) {
      for (auto* p : simple->smallStatement()) out.push_back(small(p));
      return;
    }
    out.push_back(compound(ctx->compoundStatement()));
  }

  std::vector<Stmt> suite(P::SuiteContext* ctx) {
    std::vector<Stmt> out;
    if (auto* simple = ctx->simpleStatements()) {
      for (auto* p : simple->smallStatement()) out.push_back(small(p));
      return out;
    }
    for (auto* s : ctx->statement()) statement(s, out);
    return out;
  }

  Stmt small(P::SmallStatementContext* ctx) {
    Stmt s;
    s.span = span(ctx);
    s.ignored = marked(s.span);
    if (dynamic_cast<P::PassStatementContext*>(ctx)) {
      s.kind = StmtKind::Pass;
    } else if (auto* im = dynamic_cast<P::ImportStatementContext*>(ctx)) {
      s.kind = StmtKind::Import;
      for (auto* d : im->dottedAsName()) {
        auto names = d->dottedName()->NAME();
        std::string path = dotted(d->dottedName());
        Binding b;
        b.span = span(d);
        if (d->K_AS()) {
          b.name = text(d->NAME());
          b.path = path;
        } else {
          b.name = text(names[0]);
          b.path = b.name;
        }
        s.bindings.push_back(std::move(b));
      }
    } else if (auto* from = dynamic_cast<P::FromImportStatementContext*>(ctx)) {
      s.kind = StmtKind::Import;
      auto* module = from->fromModule();
      std::string path = module->dottedName() ? dotted(module->dottedName()) : std::string();
      if (!module->DOT().empty() || !module->ELLIPSIS().empty()) path = "." + path;  // relative
      if (from->STAR()) {
        s.bindings.push_back({"*", path, span(from->STAR())});
      } else {
        for (auto* n : from->importAsNames()->importAsName()) {
          auto names = n->NAME();
          Binding b;
          b.span = span(n);
          b.path = path + "." + text(names[0]);
          b.name = text(names.back());
          s.bindings.push_back(std::move(b));
        }
      }
    } else if (auto* r = dynamic_cast<P::ReturnStatementContext*>(ctx)) {
      s.kind = StmtKind::Return;
      if (r->testList()) s.value = test_list(r->testList());
    } else if (dynamic_cast<P::RaiseStatementContext*>(ctx)) {
      s.kind = StmtKind::Raise;
    } else if (auto* o = dynamic_cast<P::OtherSimpleStatementContext*>(ctx)) {
      s.kind = StmtKind::Other;
      std::string word = std::string(pos_.text(o->simpleKeyword()->getStart()));
      s.text = (word == "assert" ? "an " : "a ") + word + " statement";
    } else if (auto* e = dynamic_cast<P::ExpressionStatementContext*>(ctx)) {
      ExprPtr first = test_list(e->testList());
      auto* tail = e->assignTail();
      if (tail == nullptr) {
        s.kind = StmtKind::Expression;
        s.value = first;
      } else if (auto* a = dynamic_cast<P::AnnotatedAssignContext*>(tail)) {
        s.kind = StmtKind::Assign;
        s.annotated = true;
        s.targets.push_back(first);
        if (a->testList()) s.value = test_list(a->testList());
      } else if (auto* a2 = dynamic_cast<P::PlainAssignContext*>(tail)) {
        s.kind = StmtKind::Assign;
        auto lists = a2->testList();
        s.targets.push_back(first);
        for (size_t i = 0; i + 1 < lists.size(); ++i) s.targets.push_back(test_list(lists[i]));
        s.value = test_list(lists.back());
      } else if (auto* a3 = dynamic_cast<P::AugmentedAssignContext*>(tail)) {
        s.kind = StmtKind::Assign;
        s.augmented = true;
        s.targets.push_back(first);
        s.value = test_list(a3->testList());
      }
    }
    return s;
  }

  std::string dotted(P::DottedNameContext* ctx) {
    std::string out;
    for (auto* n : ctx->NAME()) out += (out.empty() ? "" : ".") + text(n);
    return out;
  }

  Stmt compound(P::CompoundStatementContext* ctx) {
    if (auto* d = dynamic_cast<P::DecoratedStatementContext*>(ctx)) {
      Stmt s = d->funcDef() ? func_def(d->funcDef()) : other(d->otherCompound());
      s.decorated = true;
      // The decorators belong to the statement: a marker on them counts.
      s.ignored = s.ignored || marked(span(d->decorator(0)));
      return s;
    }
    if (auto* f = dynamic_cast<P::FuncDefStatementContext*>(ctx)) return func_def(f->funcDef());
    if (auto* w = dynamic_cast<P::WithStatementOuterContext*>(ctx)) {
      auto* with = w->withStatement();
      Stmt s;
      s.kind = StmtKind::With;
      s.span = pos_.span(with->getStart(), with->COLON()->getSymbol());
      s.ignored = marked(s.span);
      if (with->K_ASYNC()) {
        s.kind = StmtKind::Other;
        s.text = "an async with statement";
        return s;
      }
      for (auto* item : with->withItem()) {
        WithItem wi;
        wi.context = test(item->test());
        if (item->atomExpr()) wi.target = atom_expr(item->atomExpr());
        s.with_items.push_back(std::move(wi));
      }
      s.body = suite(with->suite());
      return s;
    }
    return other(static_cast<P::OtherCompoundStatementContext*>(ctx)->otherCompound());
  }

  Stmt func_def(P::FuncDefContext* f) {
    Stmt s;
    s.kind = StmtKind::Def;
    s.text = text(f->NAME());
    s.span = pos_.span(f->getStart(), f->COLON()->getSymbol());
    s.ignored = marked(s.span);
    s.has_params = !f->bracketContent().empty();
    if (f->K_ASYNC()) {
      s.kind = StmtKind::Other;
      s.text = "an async function";
      return s;
    }
    s.body = suite(f->suite());
    return s;
  }

  Stmt other(P::OtherCompoundContext* o) {
    Stmt s;
    s.kind = StmtKind::Other;
    s.span = pos_.span(o->getStart(), o->COLON()->getSymbol());
    s.ignored = marked(s.span);
    auto* k = o->compoundKeyword();
    std::string word(pos_.text(k->getStart()));
    if (word == "if") {
      s.text = "an if statement";
    } else if (word == "for" || word == "async") {
      s.text = "a for loop";
    } else if (word == "while") {
      s.text = "a while loop";
    } else if (word == "try") {
      s.text = "a try statement";
    } else if (word == "class") {
      s.text = "a class definition";
    } else {
      s.text = "an " + word + " clause";
      s.continuation = true;
    }
    return s;
  }

  // ------------------------------------------------------------ expressions

  ExprPtr test_list(P::TestListContext* ctx) {
    auto tests = ctx->test();
    if (tests.size() == 1 && ctx->COMMA().empty()) return test(tests[0]);
    Expr e;
    e.kind = ExprKind::Tuple;
    e.span = span(ctx);
    for (auto* t : tests) e.items.push_back(test(t));
    return make(std::move(e));
  }

  ExprPtr test(P::TestContext* ctx) {
    if (ctx->lambdef()) return unsupported("a lambda", span(ctx));
    if (ctx->K_IF()) return unsupported("a conditional expression", span(ctx));
    return chain(ctx->chain(0));
  }

  ExprPtr chain(P::ChainContext* ctx) {
    auto ops = ctx->binaryOp();
    if (ops.empty()) return unary(ctx->unary(0));
    std::string op(pos_.text(ops[0]->getStart()));
    if (ops[0]->getStop() != ops[0]->getStart()) {
      op += " " + std::string(pos_.text(ops[0]->getStop()));
    }
    std::string what;
    if (op == "and" || op == "or") {
      what = "a boolean operation";
    } else if (op == "<" || op == ">" || op == "==" || op == ">=" || op == "<=" || op == "!=") {
      what = "a comparison";
    } else if (op == "in" || op == "not in") {
      what = "a membership test";
    } else if (op == "is" || op == "is not") {
      what = "an identity test";
    } else if (op == ":=") {
      what = "an assignment expression";
    } else if (op == "|" || op == "&" || op == "^" || op == "<<" || op == ">>") {
      what = "a bitwise operation";
    } else {
      what = "an arithmetic expression";
    }
    return unsupported(fmt::format("{} (\"{}\")", what, op), span(ctx));
  }

  ExprPtr unary(P::UnaryContext* ctx) {
    if (ctx->atomExpr()) return atom_expr(ctx->atomExpr());
    if (ctx->MINUS()) {
      Expr e;
      e.kind = ExprKind::Negative;
      e.object = unary(ctx->unary());
      e.span = span(ctx);
      return make(std::move(e));
    }
    std::string op(pos_.text(ctx->getStart()));
    return unsupported(fmt::format("the operator \"{}\"", op), span(ctx));
  }

  ExprPtr atom_expr(P::AtomExprContext* ctx) {
    if (ctx->K_AWAIT()) return unsupported("an await expression", span(ctx));
    auto trailers = ctx->trailer();
    if (trailers.size() > static_cast<size_t>(kMaxNesting)) {
      out_.error(span(ctx),
                 fmt::format("the expression nests too deep (more than {} levels)", kMaxNesting),
                 "split the expression into simpler ones");
      return unsupported("an expression that nests too deep", span(ctx));
    }
    ExprPtr acc = atom(ctx->atom());
    antlr4::Token* start = ctx->getStart();
    for (auto* t : trailers) {
      SourceSpan s = pos_.span(start, t->getStop());
      if (auto* call = dynamic_cast<P::CallTrailerContext*>(t)) {
        Expr e;
        e.kind = ExprKind::Call;
        e.object = acc;
        e.span = s;
        if (auto* args = call->arguments()) {
          for (auto* a : args->argument()) e.args.push_back(argument(a));
        }
        acc = make(std::move(e));
      } else if (auto* attr = dynamic_cast<P::AttributeTrailerContext*>(t)) {
        Expr e;
        e.kind = ExprKind::Attribute;
        e.object = acc;
        e.text = text(attr->NAME());
        e.span = s;
        acc = make(std::move(e));
      } else {
        acc = unsupported("a subscript", s);
      }
    }
    return acc;
  }

  Argument argument(P::ArgumentContext* ctx) {
    Argument a;
    a.span = span(ctx);
    if (auto* k = dynamic_cast<P::KeywordArgumentContext*>(ctx)) {
      a.keyword = text(k->NAME());
      a.value = test(k->test());
    } else if (auto* s = dynamic_cast<P::StarArgumentContext*>(ctx)) {
      a.star = true;
      a.value = test(s->test());
    } else if (auto* d = dynamic_cast<P::KwargsArgumentContext*>(ctx)) {
      a.double_star = true;
      a.value = test(d->test());
    } else {
      auto* p = static_cast<P::PositionalArgumentContext*>(ctx);
      a.value = p->compFor() ? unsupported("a generator expression", a.span) : test(p->test());
    }
    return a;
  }

  ExprPtr list_items(P::TestListCompContext* ctx, ExprKind kind, const SourceSpan& s,
                     const char* comprehension) {
    Expr e;
    e.kind = kind;
    e.span = s;
    if (ctx == nullptr) return make(std::move(e));
    if (ctx->compFor()) return unsupported(comprehension, s);
    for (auto* item : ctx->listItem()) {
      if (item->STAR()) {
        e.items.push_back(unsupported("a starred expression", span(item)));
      } else {
        e.items.push_back(test(item->test()));
      }
    }
    return make(std::move(e));
  }

  ExprPtr atom(P::AtomContext* ctx) {
    SourceSpan s = span(ctx);
    if (auto* p = dynamic_cast<P::ParenAtomContext*>(ctx)) {
      auto* inner = p->testListComp();
      if (inner && !inner->compFor() && inner->listItem().size() == 1 && inner->COMMA().empty() &&
          !inner->listItem(0)->STAR()) {
        return test(inner->listItem(0)->test());  // parentheses around one value
      }
      return list_items(inner, ExprKind::Tuple, s, "a generator expression");
    }
    if (auto* l = dynamic_cast<P::ListAtomContext*>(ctx)) {
      return list_items(l->testListComp(), ExprKind::List, s, "a list comprehension");
    }
    if (auto* b = dynamic_cast<P::BraceAtomContext*>(ctx)) {
      auto* maker = b->dictOrSet();
      Expr e;
      e.kind = ExprKind::Dict;
      e.span = s;
      if (maker == nullptr) return make(std::move(e));
      if (dynamic_cast<P::SetMakerContext*>(maker)) return unsupported("a set", s);
      auto* dict = static_cast<P::DictMakerContext*>(maker);
      if (dict->compFor()) return unsupported("a dict comprehension", s);
      for (auto* entry : dict->dictEntry()) {
        if (entry->POW()) return unsupported("a ** entry in a dict", span(entry));
        e.items.push_back(test(entry->test(0)));
        e.values.push_back(test(entry->test(1)));
      }
      return make(std::move(e));
    }
    if (auto* n = dynamic_cast<P::NameAtomContext*>(ctx)) {
      Expr e;
      e.kind = ExprKind::Name;
      e.text = text(n->NAME());
      e.span = s;
      return make(std::move(e));
    }
    if (auto* n = dynamic_cast<P::NumberAtomContext*>(ctx)) return number(text(n->NUMBER()), s);
    if (auto* st = dynamic_cast<P::StringAtomContext*>(ctx)) return string(st->STRING(), s);
    if (dynamic_cast<P::NoneAtomContext*>(ctx)) {
      Expr e;
      e.kind = ExprKind::None;
      e.span = s;
      return make(std::move(e));
    }
    if (dynamic_cast<P::BoolAtomContext*>(ctx)) {
      Expr e;
      e.kind = ExprKind::Bool;
      e.text = std::string(pos_.text(ctx->getStart()));
      e.span = s;
      return make(std::move(e));
    }
    if (dynamic_cast<P::EllipsisAtomContext*>(ctx)) return unsupported("an ellipsis (...)", s);
    return unsupported("a yield expression", s);
  }

  static ExprPtr number(std::string raw, const SourceSpan& s) {
    std::string digits;
    for (char c : raw) {
      if (c != '_') digits += c;
    }
    if (digits.find_first_of("jJ") != std::string::npos) return unsupported("a complex number", s);
    Expr e;
    e.kind = ExprKind::Number;
    e.span = s;
    if (digits.size() > 2 && digits[0] == '0' &&
        std::isalpha(static_cast<unsigned char>(digits[1]))) {
      char base = static_cast<char>(std::tolower(static_cast<unsigned char>(digits[1])));
      int radix = base == 'x' ? 16 : base == 'o' ? 8 : 2;
      uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(digits.data() + 2, digits.data() + digits.size(), v, radix);
      if (ec != std::errc() || ptr != digits.data() + digits.size()) {
        return unsupported("a number too large to read", s);
      }
      e.text = std::to_string(v);
    } else {
      e.text = digits;
    }
    return make(std::move(e));
  }

  ExprPtr string(const std::vector<antlr4::tree::TerminalNode*>& tokens, const SourceSpan& s) {
    Expr e;
    e.kind = ExprKind::String;
    e.span = s;
    bool any_bytes = false;
    for (auto* t : tokens) {
      antlr4::Token* tok = t->getSymbol();
      DecodedString d = decode_string(pos_.text(tok), pos_.byte_of(tok->getStartIndex()));
      if (d.fstring) return unsupported("an f-string", pos_.token_span(tok));
      if (!d.problem.empty()) return unsupported(d.problem, pos_.token_span(tok));
      any_bytes = any_bytes || d.bytes;
      if (tokens.size() == 1) {
        e.verbatim = d.verbatim;
        e.content_begin = d.content_begin;
      }
      e.text += d.value;
    }
    if (any_bytes) return unsupported("a bytes literal", s);
    return make(std::move(e));
  }
};

}  // namespace

std::optional<Module> parse_python(const SourceFile& file, DiagnosticSink& sink) {
  if (!check_parseable_text(file, "Alembic scripts are read as UTF-8 text; re-save it as UTF-8",
                            sink))
    return std::nullopt;
  try {
    Positions positions(file.text);
    Reporter reporter(file, positions, sink);
    CollectingListener listener(reporter);

    antlr4::ANTLRInputStream input(blank_byte_order_mark(file.text));
    L lexer(&input);
    lexer.removeErrorListeners();
    lexer.addErrorListener(&listener);
    std::vector<std::unique_ptr<antlr4::Token>> raw = lexer.getAllTokens();
    // getAllTokens stops before EOF: add it, for positions at the end.
    raw.push_back(lexer.getTokenFactory()->create(
        {&lexer, &input}, antlr4::Token::EOF, "", antlr4::Token::DEFAULT_CHANNEL, input.index(),
        input.index() - 1, lexer.getLine(), lexer.getCharPositionInLine()));
    std::vector<std::unique_ptr<antlr4::Token>> laid;
    std::set<uint32_t> ignored_lines;
    Layout layout(file, positions, reporter);
    if (!layout.run(raw, laid, ignored_lines) || reporter.reported()) return std::nullopt;

    antlr4::ListTokenSource source(std::move(laid));
    antlr4::CommonTokenStream tokens(&source);
    tokens.fill();
    P parser(&tokens);
    parser.removeErrorListeners();

    P::File_Context* tree = nullptr;
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
        antlr4::atn::PredictionMode::SLL);
    parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
    try {
      tree = parser.file_();
    } catch (const antlr4::ParseCancellationException&) {
      tree = nullptr;
    }
    if (tree == nullptr) {
      tokens.seek(0);
      parser.reset();
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
          antlr4::atn::PredictionMode::LL);
      parser.setErrorHandler(std::make_shared<FirstErrorStrategy>(reporter));
      parser.addErrorListener(&listener);
      try {
        tree = parser.file_();
      } catch (const antlr4::ParseCancellationException&) {
        tree = nullptr;
      }
    }
    if (reporter.reported() || tree == nullptr) {
      if (!reporter.reported()) reporter.error({}, "the file could not be parsed");
      return std::nullopt;
    }
    Builder builder(positions, ignored_lines, reporter);
    Module m = builder.module(tree);
    if (reporter.reported()) return std::nullopt;
    return m;
  } catch (const std::bad_alloc&) {
    throw RunError(3, fmt::format("out of memory while parsing {}", file.path));
  } catch (const std::exception& e) {
    throw RunError(3, fmt::format("internal error while parsing {}: {}; please report this bug",
                                  file.path, e.what()));
  }
}

}  // namespace retort::alembic::py
