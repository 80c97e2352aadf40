// The parse layer's driver: checks the text, lexes, pre-scans the tokens,
// parses (SLL first, LL only when SLL fails), turns ANTLR's errors into
// diagnostics in the user's words, and hands the tree to the AST builder.
#include "compiler/parser.h"

#include "compiler/text_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <new>

#include "RevisionLexer.h"
#include "RevisionParser.h"
#include "compiler/ast_builder.h"
#include "compiler/revision_lexer.h"

namespace retort {

namespace {

/// The token the parser saw before `t` (comments, on the hidden channel,
/// are not tokens to it); null at the start.
antlr4::Token* previous_token(antlr4::TokenStream* tokens, const antlr4::Token* t) {
  for (size_t i = t->getTokenIndex(); i > 0; --i) {
    antlr4::Token* p = tokens->get(i - 1);
    if (p->getChannel() == antlr4::Token::DEFAULT_CHANNEL) return p;
  }
  return nullptr;
}

using L = grammar::RevisionLexer;
using P = grammar::RevisionParser;

/// Beyond this many syntax errors in one file, the rest are noise.
constexpr size_t kMaxErrorsPerFile = 50;

/// Parentheses a statement may open around an expression (`create table (`,
/// `check (`, `in (`, ...), on top of the expression's own nesting.
constexpr int kStructureSlack = 16;

bool is_error_token(size_t type) {
  return type == L::UNTERMINATED_STRING || type == L::UNTERMINATED_QUOTED_IDENT ||
         type == L::UNTERMINATED_COMMENT || type == P::UNTERMINATED_DOLLAR || type == L::ERROR_CHAR;
}

bool starts_statement(size_t type) {
  return type == L::K_CREATE || type == L::K_DROP || type == L::K_ALTER || type == L::K_COMMENT ||
         type == L::K_INSERT || type == L::K_EXECUTE || type == L::AT;
}

/// Collects the diagnostics of one parse, so that the error strategy, the
/// listener and the pre-scan report the same way.
class Reporter {
 public:
  Reporter(const SourceFile& file, const parse::Positions& pos, DiagnosticSink& sink)
      : file_(file), pos_(pos), sink_(sink) {}

  void error(const SourceSpan& span, std::string message, std::string help = {}) {
    ++count_;
    if (count_ > kMaxErrorsPerFile) return;
    sink_.error("syntax", file_.path, span, std::move(message), std::move(help));
  }
  size_t count() const { return count_; }
  const parse::Positions& positions() const { return pos_; }

 private:
  const SourceFile& file_;
  const parse::Positions& pos_;
  DiagnosticSink& sink_;
  size_t count_ = 0;
};

/// A token as the user wrote it, for messages: `"creat"`, `';'`.
std::string quote_token(const parse::Positions& pos, const antlr4::Token* t) {
  if (t == nullptr || t->getType() == antlr4::Token::EOF) return "the end of the file";
  if (t->getType() == L::DOLLAR_BODY) return "the $$ body";
  if (t->getType() == L::STRING) return "the string";
  std::string_view text = pos.text(t);
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size() && text[i] != '\n' && text[i] != '\r'; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && ++chars > 30) {
      out += "...";
      break;
    }
    if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += text[i];
    }
  }
  return "\"" + out + "\"";
}

/// How a token type reads in "expected ..." messages.
std::string token_words(size_t type, const antlr4::dfa::Vocabulary& vocabulary) {
  switch (type) {
    case L::IDENT:
    case L::QUOTED_IDENT:
      return "a name";
    case L::STRING:
      return "a string";
    case L::INTEGER:
    case L::DECIMAL:
      return "a number";
    case L::DOLLAR_BODY:
      return "a $$ ... $$ body";
    case L::NEQ:
      return "'<>'";
    case antlr4::Token::EOF:
      return "the end of the file";
    case L::DIGIT_WORD:
      return "a revision id";
    default:
      break;
  }
  std::string literal = vocabulary.getLiteralName(type);
  if (!literal.empty()) return literal;  // already quoted: ';'
  std::string symbol = vocabulary.getSymbolicName(type);
  if (symbol.rfind("K_", 0) == 0) {
    std::string word = symbol.substr(2);
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return word;
  }
  return symbol;
}

std::string join_words(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
    out += words[i];
  }
  return out;
}

bool in_rule(antlr4::RuleContext* ctx, size_t rule) {
  for (; ctx != nullptr; ctx = dynamic_cast<antlr4::RuleContext*>(ctx->parent)) {
    if (ctx->getRuleIndex() == rule) return true;
  }
  return false;
}

/// Turns ANTLR's view of a syntax error (a state, an expected token set) into
/// a sentence about the user's text.
class ErrorDescriber {
 public:
  explicit ErrorDescriber(Reporter& out) : out_(out) {}

  void unknown_statement(antlr4::Parser* parser, antlr4::Token* t) {
    (void)parser;
    if (is_error_token(t->getType())) return;
    static constexpr std::array<std::string_view, 6> kStatements = {"create",  "drop",   "alter",
                                                                    "comment", "insert", "execute"};
    std::string help;
    std::string word(out_.positions().text(t));
    for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (auto s : kStatements) {
      if (edit_distance(word, s) <= 2) {
        help = fmt::format("did you mean \"{}\"?", s);
        break;
      }
    }
    out_.error(out_.positions().token_span(t),
               fmt::format("unknown statement {}; expected create, drop, alter, comment, insert or "
                           "execute",
                           quote_token(out_.positions(), t)),
               help);
  }

  void describe(antlr4::Parser* parser, const antlr4::RecognitionException& e) {
    const parse::Positions& pos = out_.positions();
    antlr4::Token* t = e.getOffendingToken();
    if (t == nullptr) t = parser->getCurrentToken();
    if (is_error_token(t->getType())) return;  // the pre-scan said it already
    antlr4::TokenStream* tokens = parser->getTokenStream();
    antlr4::Token* prev = previous_token(tokens, t);
    auto* ctx = dynamic_cast<antlr4::ParserRuleContext*>(parser->getContext());
    size_t rule = ctx ? ctx->getRuleIndex() : 0;
    std::string after = prev ? " after " + quote_token(pos, prev) : std::string();
    bool deep = false;  // prediction failed past the first token of the decision
    if (auto* nva = dynamic_cast<const antlr4::NoViableAltException*>(&e)) {
      deep = nva->getStartToken() != nullptr && nva->getStartToken() != t;
    }
    antlr4::misc::IntervalSet expected;
    if (!deep) expected = e.getExpectedTokens();

    if (rule == P::RuleStatementBody && ctx->getStart() == t) {
      unknown_statement(parser, t);
      return;
    }
    if ((rule == P::RuleTypeSpec || rule == P::RuleTypeWord) && ctx->getStart() == t) {
      bool column = in_rule(ctx, P::RuleColumnDef);
      out_.error(pos.token_span(t),
                 fmt::format("expected a {}type{}", column ? "column " : "", after),
                 "the types are boolean, smallint, integer, bigint, decimal(p, s), real, double, "
                 "string(n), char(n), text, binary, date, time, timestamp, timestamptz, uuid, "
                 "json, an enum's name, or native('...')");
      return;
    }
    bool later_line = prev && t->getLine() > prev->getLine();
    bool ends = t->getType() == antlr4::Token::EOF || t->getType() == L::RBRACE;
    if (expected.contains(static_cast<size_t>(L::SEMI)) && prev && (later_line || ends)) {
      if (in_rule(ctx, P::RuleHeaderInner)) {
        out_.error(pos.after(prev), "expected ';' after the revision header",
                   "the header ends with ';' before \"upgrade {\"");
      } else {
        out_.error(pos.after(prev), "expected ';' after the statement",
                   "every statement ends with ';'");
      }
      return;
    }
    if (t->getType() == antlr4::Token::EOF && expected.contains(static_cast<size_t>(L::RBRACE)) &&
        in_rule(ctx, P::RuleBlock)) {
      bool down = in_rule(ctx, P::RuleDowngradeClause);
      out_.error(pos.token_span(t),
                 fmt::format("the {} block is not closed: expected '}}' before the end of the file",
                             down ? "downgrade" : "upgrade"));
      return;
    }
    if (prev == nullptr && t->getType() == antlr4::Token::EOF) {
      out_.error(pos.token_span(t), "the file is empty: it has no revision header",
                 "a revision file starts with: revision ID; upgrade { ... }");
      return;
    }
    std::string what = expected_words(parser, ctx, expected);
    if (what.empty()) {
      out_.error(pos.token_span(t), fmt::format("unexpected {}{}", quote_token(pos, t), after));
      return;
    }
    if (prev == nullptr) {
      out_.error(
          pos.token_span(t),
          fmt::format("expected {} at the start of the file, found {}", what, quote_token(pos, t)),
          "a revision file starts with: revision ID; upgrade { ... }");
      return;
    }
    if (t->getType() == antlr4::Token::EOF) {
      out_.error(pos.token_span(t), fmt::format("expected {}{}; the file ends first", what, after));
      return;
    }
    out_.error(pos.token_span(t),
               fmt::format("expected {}{}, found {}", what, after, quote_token(pos, t)));
  }

 private:
  Reporter& out_;

  /// The expected set in words, most useful first; empty when it is too
  /// large to help.
  static std::string expected_words(antlr4::Parser* parser, antlr4::ParserRuleContext* ctx,
                                    const antlr4::misc::IntervalSet& expected) {
    if (expected.isEmpty()) return {};
    const auto& vocabulary = parser->getVocabulary();
    size_t rule = ctx ? ctx->getRuleIndex() : 0;
    bool names = expected.contains(static_cast<size_t>(L::IDENT));
    if (rule == P::RuleTableItem) return "a column definition or a table constraint";
    if (names && expected.contains(static_cast<size_t>(L::STRING)) &&
        expected.contains(static_cast<size_t>(L::INTEGER)) &&
        expected.contains(static_cast<size_t>(L::LPAREN))) {
      return "an expression";
    }
    if (rule == P::RuleRevisionId) return "a revision id";
    if (rule == P::RuleDialectName) return "a dialect name";
    if (rule == P::RuleTypeArg) return "a number";
    std::vector<std::string> words;
    std::vector<size_t> types;
    for (ssize_t type : expected.toList()) types.push_back(static_cast<size_t>(type));
    auto add = [&](std::string w) {
      if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(std::move(w));
    };
    if (names) add(in_rule(ctx, P::RuleAnnotation) ? "a rule id" : "a name");
    for (size_t type : types) {
      std::string symbol = vocabulary.getSymbolicName(type);
      bool keyword = symbol.rfind("K_", 0) == 0;
      // With names expected, the keywords that can be names add nothing.
      if (names &&
          (keyword || type == L::QUOTED_IDENT || type == L::DIGIT_WORD || type == L::INTEGER) &&
          !reserved(type)) {
        continue;
      }
      if (type == L::IDENT) continue;
      add(token_words(type, vocabulary));
    }
    if (words.size() > 8) return {};
    return join_words(words);
  }

  /// The keywords that never stand for a name (reservedKeyword in the grammar).
  static bool reserved(size_t type) {
    switch (type) {
      case L::K_NOT:
      case L::K_NULL:
      case L::K_TRUE:
      case L::K_FALSE:
      case L::K_AND:
      case L::K_OR:
      case L::K_IN:
      case L::K_IS:
      case L::K_LIKE:
      case L::K_BETWEEN:
      case L::K_CAST:
      case L::K_SQL:
      case L::K_CURRENT_TIMESTAMP:
      case L::K_CURRENT_DATE:
      case L::K_CONSTRAINT:
      case L::K_PRIMARY:
      case L::K_UNIQUE:
      case L::K_FOREIGN:
      case L::K_CHECK:
      case L::K_REFERENCES:
      case L::K_DEFAULT:
      case L::K_IF:
      case L::K_ON:
      case L::K_CONCURRENTLY:
      case L::K_AS:
        return true;
      default:
        return false;
    }
  }
};

/// Reports one error per statement and resumes at the next one: after an
/// error it skips to the statement's `;` (or to a `}`, or to a statement
/// keyword that begins a line, which is where a forgotten `;` leaves us)
/// and unwinds to the enclosing `statement` or `header` rule, which catches
/// StatementResync. Outside those rules an error ends the parse.
class RecoveringStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit RecoveringStrategy(ErrorDescriber& describer) : describer_(describer) {}

  void reportError(antlr4::Parser* parser, const antlr4::RecognitionException& e) override {
    if (inErrorRecoveryMode(parser)) return;
    beginErrorCondition(parser);
    describer_.describe(parser, e);
  }

  void recover(antlr4::Parser* parser, std::exception_ptr) override {
    antlr4::ParserRuleContext* point = nullptr;
    for (auto* ctx = parser->getContext(); ctx != nullptr;
         ctx = dynamic_cast<antlr4::ParserRuleContext*>(ctx->parent)) {
      if (ctx->getRuleIndex() == P::RuleStatementInner ||
          ctx->getRuleIndex() == P::RuleHeaderInner) {
        point = ctx;
        break;
      }
    }
    if (point == nullptr) throw antlr4::ParseCancellationException();
    bool header = point->getRuleIndex() == P::RuleHeaderInner;
    antlr4::TokenStream* in = parser->getTokenStream();
    size_t start = point->getStart()->getTokenIndex();
    while (true) {
      antlr4::Token* t = in->LT(1);
      size_t type = t->getType();
      if (type == antlr4::Token::EOF || type == L::RBRACE) break;
      if (header && (type == L::K_UPGRADE || type == L::LBRACE)) break;
      if (!header && starts_statement(type) && t->getTokenIndex() > start && line_start(in, t) &&
          t == error_token_) {
        break;  // a forgotten ';': the next statement starts here
      }
      parser->consume();
      if (type == L::SEMI) break;
    }
    throw grammar::StatementResync{};
  }

  antlr4::Token* recoverInline(antlr4::Parser* parser) override {
    throw antlr4::InputMismatchException(parser);
  }

  // Only between statements: the tokens of an unknown statement are
  // reported and skipped here, one error per statement.
  void sync(antlr4::Parser* parser) override {
    auto* ctx = parser->getContext();
    if (ctx == nullptr || ctx->getRuleIndex() != P::RuleBlock) return;
    antlr4::TokenStream* in = parser->getTokenStream();
    while (true) {
      antlr4::Token* t = in->LT(1);
      size_t type = t->getType();
      if (type == antlr4::Token::EOF || type == L::RBRACE || starts_statement(type)) return;
      if (!(inErrorRecoveryMode(parser) && t == error_token_)) {
        endErrorCondition(parser);
        beginErrorCondition(parser);
        describer_.unknown_statement(parser, t);
      }
      while (true) {
        antlr4::Token* u = in->LT(1);
        if (u->getType() == antlr4::Token::EOF || u->getType() == L::RBRACE) break;
        parser->consume();
        if (u->getType() == L::SEMI) break;
      }
    }
  }

  /// Remembers the token an error was raised at (see recover).
  void note(antlr4::Token* t) { error_token_ = t; }

 private:
  ErrorDescriber& describer_;
  antlr4::Token* error_token_ = nullptr;

  static bool line_start(antlr4::TokenStream* in, antlr4::Token* t) {
    antlr4::Token* prev = previous_token(in, t);
    return prev == nullptr || prev->getLine() < t->getLine();
  }
};

/// Records where each error was raised, before the strategy recovers.
class NotingStrategy : public RecoveringStrategy {
 public:
  using RecoveringStrategy::RecoveringStrategy;
  void reportError(antlr4::Parser* parser, const antlr4::RecognitionException& e) override {
    if (!inErrorRecoveryMode(parser)) {
      note(e.getOffendingToken() ? e.getOffendingToken() : parser->getCurrentToken());
    }
    RecoveringStrategy::reportError(parser, e);
  }
};

/// A safety net: anything the runtime reports through listeners (the
/// strategy above reports directly) still becomes a diagnostic.
class CollectingListener : public antlr4::BaseErrorListener {
 public:
  explicit CollectingListener(Reporter& out) : out_(out) {}
  void syntaxError(antlr4::Recognizer*, antlr4::Token* t, size_t, size_t, const std::string& msg,
                   std::exception_ptr) override {
    if (t != nullptr && is_error_token(t->getType())) return;
    SourceSpan span = t ? out_.positions().token_span(t) : SourceSpan{};
    out_.error(span, "syntax error: " + msg);
  }

 private:
  Reporter& out_;
};

/// Whether a DOLLAR_BODY token ends with its opening tag.
bool closed_dollar(std::string_view text) {
  size_t tag = text.find('$', 1);
  if (tag == std::string_view::npos) return false;
  std::string_view open = text.substr(0, tag + 1);
  return text.size() >= 2 * open.size() && text.substr(text.size() - open.size()) == open;
}

/// Lexical mistakes (unterminated strings, stray characters), a dollar
/// quote glued to a word, and nesting past kMaxNesting. Returns false when
/// the file must not be parsed (nesting: the parser is recursive).
bool prescan(const std::vector<antlr4::Token*>& tokens, const parse::Positions& pos,
             Reporter& out) {
  int depth = 0;
  int unary_run = 0;
  const antlr4::Token* last_error_char = nullptr;
  for (antlr4::Token* t : tokens) {
    size_t type = t->getType();
    if (type == L::DOLLAR_BODY && !closed_dollar(pos.text(t))) {
      // The parser then treats it as the mistake it is (see the grammar).
      if (auto* w = dynamic_cast<antlr4::WritableToken*>(t)) w->setType(P::UNTERMINATED_DOLLAR);
      type = P::UNTERMINATED_DOLLAR;
    }
    switch (type) {
      case L::UNTERMINATED_STRING:
        out.error(pos.span(t, t), "unterminated string", "close it with ' (write '' for a quote)");
        break;
      case L::UNTERMINATED_QUOTED_IDENT:
        out.error(pos.span(t, t), "unterminated quoted identifier", "close it with \"");
        break;
      case L::UNTERMINATED_COMMENT:
        out.error(pos.span(t, t), "unterminated comment", "close it with */");
        break;
      case P::UNTERMINATED_DOLLAR: {
        std::string_view text = pos.text(t);
        std::string tag(text.substr(0, text.find('$', 1) + 1));
        out.error(pos.token_span(t), fmt::format("unterminated {} body", tag),
                  fmt::format("close it with {}", tag));
        break;
      }
      case L::ERROR_CHAR: {
        // A run of stray characters is one mistake.
        bool glued = last_error_char &&
                     last_error_char->getTokenIndex() + 1 == t->getTokenIndex() &&
                     last_error_char->getStopIndex() + 1 == t->getStartIndex();
        last_error_char = t;
        if (glued) break;
        std::string_view text = pos.text(t);
        std::string what = fmt::format("unexpected character \"{}\"", text);
        if (text == std::string_view("\0", 1)) {
          what = "unexpected NUL character";
        } else if (!text.empty() && static_cast<unsigned char>(text[0]) < 0x20) {
          what = fmt::format("unexpected control character U+{:04X}",
                             static_cast<unsigned char>(text[0]));
        }
        out.error(
            pos.token_span(t), what,
            text == "$" ? "a dollar quote is written $$ ... $$ or $tag$ ... $tag$" : std::string());
        break;
      }
      case L::DOLLAR_BODY: {
        uint32_t begin = pos.byte_of(t->getStartIndex());
        if (begin > 0) {
          unsigned char before = static_cast<unsigned char>(pos.source()[begin - 1]);
          if (std::isalnum(before) || before == '_' || before >= 0x80) {
            out.error(pos.token_span(t),
                      "a dollar quote must follow a space or punctuation, not a word",
                      "write a space before $$");
          }
        }
        break;
      }
      default:
        break;
    }
    if (type == L::LPAREN) {
      ++depth;
    } else if (type == L::RPAREN) {
      depth = std::max(0, depth - 1);
    }
    if (type == L::K_NOT || type == L::MINUS || type == L::PLUS) {
      ++unary_run;
    } else {
      unary_run = 0;
    }
    // A little slack over kMaxNesting for the parentheses of the statement
    // itself: the builder enforces the exact limit on expressions, this
    // only keeps the recursive parser's stack safe.
    if (depth + unary_run > kMaxNesting + kStructureSlack) {
      out.error(pos.token_span(t),
                fmt::format("the expression nests too deep (more than {} levels)", kMaxNesting),
                "split the expression into simpler ones");
      return false;
    }
  }
  return true;
}

/// The hidden-channel tokens (comments) with their spans.
void collect_comments(const std::vector<antlr4::Token*>& tokens, std::string_view text,
                      const parse::Positions& positions, std::vector<SourceComment>& out) {
  for (const antlr4::Token* t : tokens) {
    if (t->getChannel() != antlr4::Token::HIDDEN_CHANNEL) continue;
    SourceComment c;
    c.span = positions.token_span(t);
    size_t line_start = text.rfind('\n', c.span.begin == 0 ? 0 : c.span.begin - 1);
    line_start = line_start == std::string_view::npos || c.span.begin == 0 ? 0 : line_start + 1;
    std::string_view before = text.substr(line_start, c.span.begin - line_start);
    c.own_line = before.find_first_not_of(" \t\f\r") == std::string_view::npos;
    out.push_back(c);
  }
}

}  // namespace

struct ParseWorkspace::Caches {
  // Built on first use from the generated recognizers' ATNs (which are
  // read-only after static initialisation).
  std::vector<antlr4::dfa::DFA> parser_dfa;
  antlr4::atn::PredictionContextCache parser_contexts;

  static void fill(std::vector<antlr4::dfa::DFA>& dfa, const antlr4::atn::ATN& atn) {
    if (!dfa.empty()) return;
    dfa.reserve(atn.getNumberOfDecisions());
    for (size_t i = 0; i < atn.getNumberOfDecisions(); ++i)
      dfa.emplace_back(atn.getDecisionState(i), i);
  }
  // Points a recognizer at this workspace's caches instead of the shared
  // static ones, before it reads anything (a simulator holds its
  // position). setInterpreter deletes the one it was built with.
  template <class Simulator, class Recognizer>
  static void attach(Recognizer& recognizer, std::vector<antlr4::dfa::DFA>& dfa,
                     antlr4::atn::PredictionContextCache& contexts) {
    fill(dfa, recognizer.getATN());
    recognizer.setInterpreter(new Simulator(&recognizer, recognizer.getATN(), dfa, contexts));
  }
  void attach(P& parser) {
    attach<antlr4::atn::ParserATNSimulator>(parser, parser_dfa, parser_contexts);
  }
};

ParseWorkspace::ParseWorkspace() : caches_(std::make_unique<Caches>()) {}
ParseWorkspace::~ParseWorkspace() = default;

namespace {

// The fast first pass of every parse: this thread's prediction caches, SLL
// prediction, and a bail-out at the first error, with no listener (the LL
// pass, if any, reports the errors).
void start_sll(P& parser, ParseWorkspace* workspace) {
  if (workspace != nullptr) workspace->caches().attach(parser);
  parser.removeErrorListeners();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
      antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
}

}  // namespace

bool check_parseable_text(const SourceFile& file, std::string_view utf8_help,
                          DiagnosticSink& sink) {
  size_t bad = find_invalid_utf8(file.text);
  if (bad != std::string_view::npos) {
    LineIndex index(file.text);
    SourceSpan span = index.span(static_cast<uint32_t>(bad), static_cast<uint32_t>(bad + 1));
    sink.error("syntax", file.path, span,
               fmt::format("the file is not valid UTF-8 (byte 0x{:02x})",
                           static_cast<unsigned char>(file.text[bad])),
               std::string(utf8_help));
    return false;
  }
  if (file.text.size() >= UINT32_MAX) {
    sink.error("syntax", file.path, {}, "the file is too large (4 GB or more)");
    return false;
  }
  return true;
}

std::optional<ast::RevisionFile> parse_revision(const SourceFile& file, DiagnosticSink& sink,
                                                std::vector<SourceComment>* comments,
                                                ParseWorkspace* workspace) {
  // The runtime throws std::range_error on invalid UTF-8 (and then aborts):
  // check first, with a position the user can find.
  if (!check_parseable_text(file, "revision files are UTF-8 text; re-save it as UTF-8", sink))
    return std::nullopt;

  try {
    parse::Positions positions(file.text);
    Reporter reporter(file, positions, sink);
    ErrorDescriber describer(reporter);
    CollectingListener listener(reporter);

    parse::RevisionInput input = parse::make_revision_lexer(file.text);
    antlr4::CommonTokenStream tokens(input.lexer.get());
    tokens.fill();
    if (!prescan(tokens.getTokens(), positions, reporter)) return std::nullopt;
    if (comments != nullptr) collect_comments(tokens.getTokens(), file.text, positions, *comments);

    P parser(&tokens);
    // SLL is enough for almost every file and much faster; only when it
    // fails is the file parsed again with full LL and error recovery.
    start_sll(parser, workspace);
    P::File_Context* tree = nullptr;
    try {
      tree = parser.file_();
    } catch (const antlr4::ParseCancellationException&) {
      tree = nullptr;
    }
    if (tree == nullptr || reporter.count() > 0) {
      tokens.seek(0);
      parser.reset();
      parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(
          antlr4::atn::PredictionMode::LL);
      parser.setErrorHandler(std::make_shared<NotingStrategy>(describer));
      parser.addErrorListener(&listener);
      try {
        tree = parser.file_();
      } catch (const antlr4::ParseCancellationException&) {
        tree = nullptr;  // reported by the strategy
      } catch (const grammar::StatementResync&) {
        tree = nullptr;
      }
    }
    if (reporter.count() > 0 || tree == nullptr) {
      if (reporter.count() == 0) {
        reporter.error({}, "the file could not be parsed");
      }
      return std::nullopt;
    }
    return parse::build_ast(tree, positions, file, sink);
  } catch (const std::bad_alloc&) {
    throw RunError(3, fmt::format("out of memory while parsing {}", file.path));
  } catch (const std::exception& e) {
    throw RunError(3, fmt::format("internal error while parsing {}: {}; please report this bug",
                                  file.path, e.what()));
  }
}

std::optional<ast::Header> parse_revision_header(const SourceFile& file,
                                                 ParseWorkspace* workspace) {
  // Any doubt (bad text, an error token, a diagnostic) is left to the full
  // parse, which says what it is.
  DiagnosticSink sink;
  if (!check_parseable_text(file, "", sink)) return std::nullopt;
  try {
    parse::Positions positions(file.text);
    // Tokens are read as the parser asks for them: only the head's.
    parse::RevisionInput input = parse::make_revision_lexer(file.text);
    antlr4::CommonTokenStream tokens(input.lexer.get());
    P parser(&tokens);
    start_sll(parser, workspace);
    P::FileHeadContext* tree = parser.fileHead();
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (is_error_token(tokens.get(i)->getType())) return std::nullopt;
    }
    auto header = parse::build_header(tree, positions, file, sink);
    if (!sink.empty()) return std::nullopt;
    return header;
  } catch (const std::exception&) {
    return std::nullopt;  // ParseCancellationException, or worse: the full parse will tell
  }
}

}  // namespace retort
