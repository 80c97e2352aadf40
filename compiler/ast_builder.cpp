// The one transformer from the ANTLR parse tree to retort::ast. Every node
// gets its span here; nothing past this file sees ANTLR types.
#include "compiler/ast_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <typeinfo>

#include "compiler/parser.h"
#include "compiler/text_util.h"

namespace retort::parse {

using P = grammar::RevisionParser;

// ------------------------------------------------------- parse tree nodes

namespace {

/// The parse tree node `t` as the generated context class T, or null. T
/// must be a most-derived class (one labelled alternative of a rule), as
/// every class named here is: one type_info comparison, where dynamic_cast
/// walks up the class tree comparing names. (The generated accessors find
/// a rule's child by its rule index: grammar/revision_rule_context.h.)
template <class T>
T* as(antlr4::tree::ParseTree* t) {
  if (t == nullptr) return nullptr;
  // A class that gained labelled alternatives would be matched by
  // dynamic_cast but not here; the builder's chains end in an internal
  // error (unknown_alternative) rather than drop what they miss.
  assert(typeid(*t) == typeid(T) || dynamic_cast<T*>(t) == nullptr);
  return typeid(*t) == typeid(T) ? static_cast<T*>(t) : nullptr;
}

/// What a chain of `as` tests ends in when no alternative matched a node of
/// an error-free parse: a rule the builder does not know (a grammar change
/// it missed). Reported as an internal error, never a silently lost statement.
[[noreturn]] void unknown_alternative(antlr4::ParserRuleContext* ctx, const char* what) {
  throw std::logic_error(fmt::format("the AST builder does not know this {} (line {})", what,
                                     ctx->getStart() ? ctx->getStart()->getLine() : 0));
}

}  // namespace

// ---------------------------------------------------------------- positions

Positions::Positions(std::string_view text) : text_(text) {
  if (is_ascii(text)) return;
  // ANTLR counts code points; spans need bytes. Continuation bytes
  // (10xxxxxx) do not start a code point.
  bytes_.reserve(text.size() + 1);
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      bytes_.push_back(static_cast<uint32_t>(i));
    }
  }
  bytes_.push_back(static_cast<uint32_t>(text.size()));
}

uint32_t Positions::byte_of(size_t index) const {
  if (bytes_.empty()) return static_cast<uint32_t>(std::min(index, text_.size()));
  if (index >= bytes_.size()) return static_cast<uint32_t>(text_.size());
  return bytes_[index];
}

std::string_view Positions::text(const antlr4::Token* t) const {
  if (t->getType() == antlr4::Token::EOF || t->getStopIndex() < t->getStartIndex() ||
      t->getStopIndex() == static_cast<size_t>(-1)) {
    return {};
  }
  uint32_t b = byte_of(t->getStartIndex());
  uint32_t e = byte_of(t->getStopIndex() + 1);
  return text_.substr(b, e - b);
}

SourceSpan Positions::span(const antlr4::Token* first, const antlr4::Token* last) const {
  SourceSpan s;
  if (first == nullptr) return s;
  if (last == nullptr) last = first;
  s.begin = first->getType() == antlr4::Token::EOF ? static_cast<uint32_t>(text_.size())
                                                   : byte_of(first->getStartIndex());
  s.line = static_cast<uint32_t>(first->getLine());
  s.column = static_cast<uint32_t>(first->getCharPositionInLine()) + 1;
  std::string_view last_text = text(last);
  if (last->getType() == antlr4::Token::EOF || last_text.empty()) {
    s.end = std::max(s.begin, last->getType() == antlr4::Token::EOF
                                  ? static_cast<uint32_t>(text_.size())
                                  : byte_of(last->getStartIndex()));
    s.end_line = static_cast<uint32_t>(last->getLine());
    s.end_column = static_cast<uint32_t>(last->getCharPositionInLine()) + 1;
    if (s.end_line < s.line || (s.end_line == s.line && s.end_column < s.column)) {
      s.end_line = s.line;
      s.end_column = s.column;
    }
    return s;
  }
  s.end = byte_of(last->getStopIndex() + 1);
  // A token may span lines (strings, dollar bodies): count from its start.
  uint32_t line = static_cast<uint32_t>(last->getLine());
  uint32_t column = static_cast<uint32_t>(last->getCharPositionInLine()) + 1;
  for (char c : last_text) {
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column;
    }
  }
  s.end_line = line;
  s.end_column = column;
  return s;
}

SourceSpan Positions::after(const antlr4::Token* t) const {
  SourceSpan s = token_span(t);
  s.begin = s.end;
  s.line = s.end_line;
  s.column = s.end_column;
  return s;
}

std::string canonical_dialect(std::string_view name) {
  std::string n;
  for (char c : name) n += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (n == "postgresql" || n == "postgres" || n == "pg") return "postgresql";
  if (n == "mysql" || n == "mariadb" || n == "sqlite" || n == "oracle") return n;
  if (n == "mssql" || n == "sqlserver") return "mssql";
  return {};
}

namespace {

constexpr const char* kDialectList = "postgresql, mysql, mariadb, sqlite, mssql or oracle";

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

SourceSpan merge(const SourceSpan& a, const SourceSpan& b) {
  SourceSpan s = a;
  s.end = b.end;
  s.end_line = b.end_line;
  s.end_column = b.end_column;
  return s;
}

/// An expression with its depth (a leaf is 0), so that nesting is checked
/// while the tree is built, without walking it again.
struct Built {
  ast::ExprPtr expr;
  int depth = 0;
};

class Builder {
 public:
  Builder(const Positions& pos, const SourceFile& file, DiagnosticSink& sink)
      : pos_(pos), file_(file), sink_(sink) {}

  std::optional<ast::RevisionFile> build(P::File_Context* ctx) {
    ast::RevisionFile out;
    out.path = file_.path;
    for (auto* a : ctx->annotation()) {
      ast::Annotation ann = annotation(a);
      if (ann.kind != ast::AnnotationKind::Allow && ann.kind != ast::AnnotationKind::Transaction &&
          ann_known_) {
        error(ann.span,
              fmt::format("@{} cannot stand before the revision header", annotation_name(ann.kind)),
              "only @allow and @transaction apply to the whole file; put it before a statement");
      }
      out.file_annotations.push_back(std::move(ann));
    }
    out.header = header(ctx->header()->headerInner());
    auto* up = ctx->block();
    out.upgrade = block(up);
    out.upgrade_span = pos_.span(ctx->K_UPGRADE()->getSymbol(), up->getStop());
    if (auto* down = ctx->downgradeClause()) {
      out.downgrade_span = pos_.span(down->getStart(), down->getStop());
      if (down->K_IRREVERSIBLE()) {
        out.downgrade_kind = ast::DowngradeKind::Irreversible;
      } else {
        out.downgrade_kind = ast::DowngradeKind::Written;
        out.downgrade = block(down->block());
      }
    }
    if (errors_ > 0) return std::nullopt;
    return out;
  }

  std::optional<ast::Header> build_head(P::FileHeadContext* ctx) {
    // The annotations are the full parse's to check.
    ast::Header h = header(ctx->header()->headerInner());
    if (errors_ > 0) return std::nullopt;
    return h;
  }

 private:
  const Positions& pos_;
  const SourceFile& file_;
  DiagnosticSink& sink_;
  size_t errors_ = 0;
  bool ann_known_ = true;        // the last annotation had a known name
  bool depth_reported_ = false;  // one nesting error per file is enough

  void error(const SourceSpan& span, std::string message, std::string help = {}) {
    ++errors_;
    sink_.error("syntax", file_.path, span, std::move(message), std::move(help));
  }

  SourceSpan span(antlr4::ParserRuleContext* ctx) const {
    return pos_.span(ctx->getStart(), ctx->getStop());
  }
  SourceSpan span(antlr4::tree::TerminalNode* t) const { return pos_.token_span(t->getSymbol()); }

  // ------------------------------------------------------------ leaves

  /// The value of a '...' string, with '' unescaped.
  std::string string_value(antlr4::Token* t) {
    std::string_view raw = pos_.text(t);
    std::string out;
    if (raw.size() >= 2) raw = raw.substr(1, raw.size() - 2);
    out.reserve(raw.size());
    for (size_t i = 0; i < raw.size(); ++i) {
      out += raw[i];
      if (raw[i] == '\'' && i + 1 < raw.size() && raw[i + 1] == '\'') ++i;
    }
    if (out.find('\0') != std::string::npos) {
      error(pos_.token_span(t), "a string cannot contain a NUL character");
    }
    return out;
  }
  std::string string_value(antlr4::tree::TerminalNode* t) { return string_value(t->getSymbol()); }

  /// The body of a dollar-quoted text, verbatim, without its tags.
  std::string dollar_body(antlr4::Token* t) {
    std::string_view raw = pos_.text(t);
    size_t tag = raw.find('$', 1);
    std::string out;
    if (tag != std::string_view::npos && raw.size() >= 2 * (tag + 1)) {
      out = std::string(raw.substr(tag + 1, raw.size() - 2 * (tag + 1)));
    }
    if (out.find('\0') != std::string::npos) {
      error(pos_.token_span(t), "a $$ body cannot contain a NUL character");
    }
    return out;
  }

  /// A name from its one token: unquoted names fold to lower case, quoted
  /// ones are kept exactly.
  ast::Name name_token(antlr4::Token* t) {
    ast::Name n;
    n.span = pos_.token_span(t);
    std::string_view raw = pos_.text(t);
    if (t->getType() == P::QUOTED_IDENT) {
      n.quoted = true;
      raw = raw.substr(1, raw.size() >= 2 ? raw.size() - 2 : 0);
      for (size_t i = 0; i < raw.size(); ++i) {
        n.text += raw[i];
        if (raw[i] == '"' && i + 1 < raw.size() && raw[i + 1] == '"') ++i;
      }
      if (n.text.empty()) {
        error(n.span, "an identifier cannot be empty", "write a name between the double quotes");
      } else if (n.text.find('\0') != std::string::npos) {
        error(n.span, "an identifier cannot contain a NUL character");
      }
    } else {
      n.text = lower(raw);
    }
    return n;
  }
  ast::Name name(antlr4::ParserRuleContext* ctx) { return name_token(ctx->getStart()); }

  ast::QualifiedName qualified(P::QualifiedNameContext* ctx) {
    ast::QualifiedName q;
    auto parts = ctx->name();
    if (parts.size() == 2) {
      q.schema = name(parts[0]);
      q.name = name(parts[1]);
    } else {
      q.name = name(parts[0]);
    }
    q.span = span(ctx);
    return q;
  }

  std::vector<ast::Name> names(P::NameListContext* ctx) {
    std::vector<ast::Name> out;
    for (auto* n : ctx->name()) out.push_back(name(n));
    return out;
  }

  // ------------------------------------------------------------ header

  void check_revision_id(const ast::RevisionId& id, bool quoted) {
    if (id.text.empty()) {
      error(id.span, "a revision id cannot be empty");
      return;
    }
    for (char c : id.text) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
        error(
            id.span,
            fmt::format("{} is not a revision id: ids are made of letters, digits and underscores",
                        quoted ? "'" + id.text + "'" : "\"" + id.text + "\""));
        return;
      }
    }
    std::string l = lower(id.text);
    if (l == "base" || l == "head" || l == "heads") {
      error(id.span, fmt::format("\"{}\" cannot be a revision id", id.text),
            "base, head and heads name places in the revision graph; choose another id");
    }
  }

  ast::RevisionId revision_id(P::RevisionIdContext* ctx) {
    ast::RevisionId id;
    id.span = span(ctx);
    bool quoted = ctx->STRING() != nullptr;
    id.text = quoted ? string_value(ctx->STRING()) : std::string(pos_.text(ctx->getStart()));
    check_revision_id(id, quoted);
    return id;
  }

  ast::Header header(P::HeaderInnerContext* ctx) {
    ast::Header h;
    h.span = span(ctx);
    h.id = revision_id(ctx->revisionId());
    bool seen[7] = {};
    auto once = [&](int which, antlr4::ParserRuleContext* clause, const char* word,
                    const char* help) {
      if (seen[which]) {
        error(pos_.token_span(clause->getStart()),
              fmt::format("the header has more than one \"{}\" clause", word), help);
        return false;
      }
      seen[which] = true;
      return true;
    };
    for (auto* c : ctx->headerClause()) {
      if (auto* r = as<P::RevisionClauseContext>(c)) {
        seen[0] = true;
        error(pos_.token_span(r->getStart()), "the header has more than one \"revision\" clause",
              "a file holds exactly one revision");
      } else if (auto* rv = as<P::RevisesClauseContext>(c)) {
        if (once(1, c, "revises", "list every parent in one clause: revises a, b")) {
          for (auto* id : rv->revisionId()) h.revises.push_back(revision_id(id));
        }
      } else if (auto* d = as<P::DependsClauseContext>(c)) {
        if (once(2, c, "depends on", "list every dependency in one clause: depends on a, b")) {
          for (auto* id : d->revisionId()) h.depends_on.push_back(revision_id(id));
        }
      } else if (auto* l = as<P::LabelsClauseContext>(c)) {
        if (once(3, c, "labels", "list every label in one clause: labels a, b")) {
          for (auto* label : l->labelName()) {
            if (label->STRING()) {
              ast::Name n;
              n.text = string_value(label->STRING());
              n.quoted = true;
              n.span = span(label);
              h.labels.push_back(std::move(n));
            } else {
              h.labels.push_back(name(label->name()));
            }
          }
        }
      } else if (auto* m = as<P::MessageClauseContext>(c)) {
        if (once(4, c, "message", "")) h.message = string_value(m->STRING());
      } else if (auto* a = as<P::AuthorClauseContext>(c)) {
        if (once(5, c, "author", "")) h.author = string_value(a->STRING());
      } else if (auto* cr = as<P::CreatedClauseContext>(c)) {
        if (once(6, c, "created", "")) {
          h.created = string_value(cr->STRING());
          if (!valid_timestamp(*h.created)) {
            error(span(cr->STRING()), "created must be a UTC time written 'YYYY-MM-DD HH:MM:SS'");
          }
        }
      }
    }
    return h;
  }

  static bool valid_timestamp(std::string_view s) {
    static constexpr std::string_view shape = "dddd-dd-dd dd:dd:dd";
    if (s.size() != shape.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
      bool digit = std::isdigit(static_cast<unsigned char>(s[i])) != 0;
      if (shape[i] == 'd' ? !digit : s[i] != shape[i]) return false;
    }
    return true;
  }

  // ------------------------------------------------------------ annotations

  static const char* annotation_name(ast::AnnotationKind k) {
    switch (k) {
      case ast::AnnotationKind::Allow:
        return "allow";
      case ast::AnnotationKind::Only:
        return "only";
      case ast::AnnotationKind::Except:
        return "except";
      case ast::AnnotationKind::Transaction:
        return "transaction";
    }
    return "allow";
  }

  /// A rule id or dialect name: words joined by '-' with nothing between.
  std::optional<ast::Name> annotation_word(P::AnnotationArgContext* arg) {
    auto words = arg->ruleWord();
    ast::Name n;
    n.span = span(arg);
    for (size_t i = 1; i < words.size(); ++i) {
      // Each '-' must touch the words on both sides: `drop-column`, not `drop - column`.
      auto* prev = words[i - 1]->getStop();
      auto* next = words[i]->getStart();
      if (next->getStartIndex() != prev->getStopIndex() + 2) {
        error(n.span, "a rule id is written without spaces, like drop-column");
        return std::nullopt;
      }
    }
    n.text = lower(pos_.source().substr(n.span.begin, n.span.end - n.span.begin));
    return n;
  }

  static bool kebab(std::string_view s) {
    if (s.empty() || s.front() == '-' || s.back() == '-') return false;
    for (size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c == '-' && s[i - 1] != '-');
      if (!ok) return false;
    }
    return true;
  }

  ast::Annotation annotation(P::AnnotationContext* ctx) {
    ast::Annotation a;
    a.span = span(ctx);
    ast::Name which = name(ctx->name());
    ann_known_ = true;
    if (which.text == "allow") {
      a.kind = ast::AnnotationKind::Allow;
    } else if (which.text == "only") {
      a.kind = ast::AnnotationKind::Only;
    } else if (which.text == "except") {
      a.kind = ast::AnnotationKind::Except;
    } else if (which.text == "transaction") {
      a.kind = ast::AnnotationKind::Transaction;
    } else {
      ann_known_ = false;
      error(which.span, fmt::format("unknown annotation \"@{}\"", which.text),
            "the annotations are @allow, @only, @except and @transaction");
      return a;
    }
    auto args = ctx->annotationArg();
    bool reason_seen = false;
    size_t errors_before = errors_;
    for (size_t i = 0; i < args.size(); ++i) {
      auto* arg = args[i];
      if (arg->STRING()) {
        if (a.kind != ast::AnnotationKind::Allow) {
          error(span(arg), fmt::format("@{} takes no string", annotation_name(a.kind)));
          continue;
        }
        if (reason_seen || i + 1 != args.size()) {
          error(span(arg), "the reason comes last in @allow, after the rule ids",
                "@allow(rule-id, 'why this is safe')");
          continue;
        }
        reason_seen = true;
        a.reason = string_value(arg->STRING());
        continue;
      }
      std::optional<ast::Name> word = annotation_word(arg);
      if (!word) continue;
      switch (a.kind) {
        case ast::AnnotationKind::Allow:
          if (!kebab(word->text)) {
            error(word->span,
                  fmt::format("\"{}\" is not a rule id: rule ids are kebab-case words like "
                              "drop-column",
                              word->text));
            continue;
          }
          break;
        case ast::AnnotationKind::Only:
        case ast::AnnotationKind::Except: {
          std::string d = canonical_dialect(word->text);
          if (d.empty()) {
            error(word->span, fmt::format("unknown dialect \"{}\"", word->text),
                  fmt::format("the dialects are {}", kDialectList));
            continue;
          }
          word->text = d;
          break;
        }
        case ast::AnnotationKind::Transaction:
          if (word->text != "none" || args.size() != 1) {
            error(span(ctx), "@transaction takes one argument: @transaction(none)");
            return a;
          }
          break;
      }
      a.args.push_back(std::move(*word));
    }
    if (a.kind == ast::AnnotationKind::Allow) {
      if (a.args.empty() && errors_ == errors_before) {
        error(a.span, "@allow needs at least one rule id", "@allow(rule-id, 'why this is safe')");
      }
      bool blank = std::all_of(a.reason.begin(), a.reason.end(),
                               [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
      if (!reason_seen) {
        error(a.span, "@allow needs a reason: the reason is mandatory",
              "write why this is safe as the last argument: @allow(rule-id, 'reason')");
      } else if (blank) {
        error(a.span, "@allow needs a reason: the reason is mandatory and cannot be empty",
              "write why this is safe as the last argument: @allow(rule-id, 'reason')");
      }
    } else if ((a.kind == ast::AnnotationKind::Only || a.kind == ast::AnnotationKind::Except) &&
               a.args.empty() && args.empty()) {
      error(a.span, fmt::format("@{} needs at least one dialect", annotation_name(a.kind)));
    }
    return a;
  }

  // ------------------------------------------------------------ statements

  std::vector<ast::Statement> block(P::BlockContext* ctx) {
    std::vector<ast::Statement> out;
    for (auto* s : ctx->statement()) {
      if (auto st = statement(s->statementInner())) out.push_back(std::move(*st));
    }
    return out;
  }

  std::optional<ast::Statement> statement(P::StatementInnerContext* ctx) {
    if (ctx == nullptr || ctx->statementBody() == nullptr) return std::nullopt;
    ast::Statement st;
    auto* body = ctx->statementBody();
    st.span = pos_.span(body->getStart(), ctx->getStop());
    std::optional<ast::StatementNode> node = statement_node(body);
    if (!node) return std::nullopt;
    st.node = std::move(*node);
    bool only = false;
    bool except = false;
    for (auto* a : ctx->annotation()) {
      ast::Annotation ann = annotation(a);
      if (ann.kind == ast::AnnotationKind::Only || ann.kind == ast::AnnotationKind::Except) {
        (ann.kind == ast::AnnotationKind::Only ? only : except) = true;
        if (ann_known_ && !std::holds_alternative<ast::Execute>(st.node)) {
          error(ann.span,
                fmt::format("@{} applies only to execute statements", annotation_name(ann.kind)),
                "the schema must be the same on every dialect; limit raw SQL with "
                "`execute (postgresql: $$...$$)` instead");
        }
        if (only && except) {
          error(ann.span, "a statement takes @only or @except, not both");
        }
      }
      st.annotations.push_back(std::move(ann));
    }
    return st;
  }

  std::optional<ast::StatementNode> statement_node(P::StatementBodyContext* b) {
    if (auto* c = b->createTable()) return create_table(c);
    if (auto* c = b->createIndex()) return create_index(c);
    if (auto* c = b->createEnum()) {
      ast::CreateEnum e;
      e.name = qualified(c->qualifiedName());
      for (auto* s : c->STRING()) e.values.push_back(enum_value(s));
      return e;
    }
    if (auto* c = b->createView()) {
      ast::CreateView v;
      v.name = qualified(c->qualifiedName());
      v.body = dialect_text(c->dialectText());
      return v;
    }
    if (auto* c = b->createSchema()) return ast::CreateSchema{name(c->name())};
    if (auto* c = b->dropTable()) {
      return ast::DropTable{qualified(c->qualifiedName()), c->K_IF() != nullptr,
                            c->K_CASCADE() != nullptr};
    }
    if (auto* c = b->dropIndex()) {
      return ast::DropIndex{qualified(c->qualifiedName()), c->K_CONCURRENTLY() != nullptr,
                            c->K_IF() != nullptr};
    }
    if (auto* c = b->dropEnum()) return ast::DropEnum{qualified(c->qualifiedName())};
    if (auto* c = b->dropView()) return ast::DropView{qualified(c->qualifiedName())};
    if (auto* c = b->dropSchema()) return ast::DropSchema{name(c->name())};
    if (auto* c = b->alterTable()) {
      if (c->K_RENAME()) return ast::RenameTable{qualified(c->qualifiedName()), name(c->name())};
      ast::AlterTable t;
      t.name = qualified(c->qualifiedName());
      for (auto* a : c->alterAction()) {
        if (auto action = alter_action(a)) t.actions.push_back(std::move(*action));
      }
      return t;
    }
    if (auto* c = b->alterIndex()) {
      return ast::RenameIndex{qualified(c->qualifiedName()), name(c->name())};
    }
    if (auto* c = b->alterEnum()) {
      ast::AlterEnumAddValue e;
      e.name = qualified(c->qualifiedName());
      auto strings = c->STRING();
      e.value = enum_value(strings[0]);
      if (strings.size() > 1) {
        (c->K_BEFORE() ? e.before : e.after) = enum_value(strings[1]);
      }
      return e;
    }
    if (auto* c = b->commentOn()) {
      if (auto* t = as<P::CommentOnTableContext>(c)) {
        return ast::CommentOnTable{qualified(t->qualifiedName()), string_value(t->STRING())};
      }
      auto* col = static_cast<P::CommentOnColumnContext*>(c);
      auto parts = col->name();
      ast::CommentOnColumn out;
      size_t n = parts.size();
      if (n == 3) out.table.schema = name(parts[0]);
      out.table.name = name(parts[n - 2]);
      out.table.span = pos_.span(parts[0]->getStart(), parts[n - 2]->getStop());
      out.column = name(parts[n - 1]);
      out.comment = string_value(col->STRING());
      return out;
    }
    if (auto* c = b->insertStmt()) return insert(c);
    if (auto* c = b->executeStmt()) {
      ast::Execute e;
      auto texts = c->dialectText();
      e.body = dialect_text(texts[0]);
      if (texts.size() > 1) e.reverse = dialect_text(texts[1]);
      return e;
    }
    unknown_alternative(b, "statement");
  }

  ast::EnumValue enum_value(antlr4::tree::TerminalNode* s) {
    return ast::EnumValue{string_value(s), span(s)};
  }

  ast::CreateTable create_table(P::CreateTableContext* c) {
    ast::CreateTable t;
    t.name = qualified(c->qualifiedName());
    t.if_not_exists = c->K_IF() != nullptr;
    auto items = c->tableItem();
    t.columns.reserve(items.size());  // a ColumnDef is large: grow once
    for (auto* item : items) {
      if (auto* col = item->columnDef()) {
        t.columns.push_back(column_def(col));
      } else {
        auto* tc = item->tableConstraint();
        if (using_index(tc->constraintBody())) {
          error(span(tc), "using index belongs to alter table ... add constraint NAME",
                "list the columns here: unique (a, b)");
          continue;
        }
        t.constraints.push_back(table_constraint(tc));
      }
    }
    if (c->STRING()) t.comment = string_value(c->STRING());
    return t;
  }

  ast::ColumnDef column_def(P::ColumnDefContext* c) {
    ast::ColumnDef col;
    col.span = span(c);
    col.name = name(c->columnName());
    col.type = type(c->typeSpec());
    for (auto* k : c->columnConstraint()) {
      SourceSpan where = span(k);
      if (as<P::NotNullConstraintContext>(k) || as<P::NullConstraintContext>(k)) {
        bool not_null = as<P::NotNullConstraintContext>(k) != nullptr;
        if (col.not_null && *col.not_null != not_null) {
          error(where,
                fmt::format("column \"{}\" is declared both null and not null", col.name.text));
        }
        col.not_null = not_null;
      } else if (auto* d = as<P::DefaultConstraintContext>(k)) {
        if (col.default_value) {
          error(where, fmt::format("column \"{}\" has more than one default", col.name.text));
        }
        col.default_value = expr(d->expr());
      } else if (as<P::PrimaryKeyConstraintContext>(k)) {
        col.primary_key = true;
      } else if (as<P::UniqueConstraintContext>(k)) {
        col.unique = true;
      } else if (as<P::IdentityConstraintContext>(k)) {
        col.identity = true;
      } else if (auto* r = as<P::ReferencesConstraintContext>(k)) {
        if (col.references) {
          error(where,
                fmt::format("column \"{}\" has more than one references clause", col.name.text));
        }
        col.references = references(r->references());
      } else if (auto* ck = as<P::CheckConstraintContext>(k)) {
        col.checks.push_back(expr(ck->expr()));
      } else if (auto* cm = as<P::CommentConstraintContext>(k)) {
        col.comment = string_value(cm->STRING());
      } else if (auto* co = as<P::CollateConstraintContext>(k)) {
        col.collate = string_value(co->STRING());
      }
    }
    return col;
  }

  ast::References references(P::ReferencesContext* c) {
    ast::References r;
    r.span = span(c);
    r.table = qualified(c->qualifiedName());
    if (c->name()) r.columns.push_back(name(c->name()));
    referential_actions(c->referentialAction(), r);
    return r;
  }

  void referential_actions(const std::vector<P::ReferentialActionContext*>& actions,
                           ast::References& r) {
    for (auto* a : actions) {
      auto* ra = a->refAction();
      ast::RefAction what = ast::RefAction::NoAction;
      if (ra->K_CASCADE()) {
        what = ast::RefAction::Cascade;
      } else if (ra->K_RESTRICT()) {
        what = ast::RefAction::Restrict;
      } else if (ra->K_NULL()) {
        what = ast::RefAction::SetNull;
      } else if (ra->K_DEFAULT()) {
        what = ast::RefAction::SetDefault;
      }
      bool on_delete = a->K_DELETE() != nullptr;
      auto& slot = on_delete ? r.on_delete : r.on_update;
      if (slot) {
        error(span(a), fmt::format("on {} is given twice", on_delete ? "delete" : "update"));
      }
      slot = what;
    }
  }

  static bool using_index(P::ConstraintBodyContext* b) {
    if (auto* pk = as<P::PrimaryKeyBodyContext>(b)) return pk->K_USING() != nullptr;
    if (auto* u = as<P::UniqueBodyContext>(b)) return u->K_USING() != nullptr;
    return false;
  }

  ast::TableConstraint table_constraint(P::TableConstraintContext* c) {
    ast::TableConstraint t;
    t.span = span(c);
    if (c->name()) t.name = name(c->name());
    auto* b = c->constraintBody();
    if (auto* pk = as<P::PrimaryKeyBodyContext>(b)) {
      t.kind = ast::ConstraintKind::PrimaryKey;
      if (pk->nameList()) t.columns = names(pk->nameList());
    } else if (auto* u = as<P::UniqueBodyContext>(b)) {
      t.kind = ast::ConstraintKind::Unique;
      if (u->nameList()) t.columns = names(u->nameList());
    } else if (auto* fk = as<P::ForeignKeyBodyContext>(b)) {
      t.kind = ast::ConstraintKind::ForeignKey;
      auto lists = fk->nameList();
      t.columns = names(lists[0]);
      ast::References r;
      r.span = pos_.span(fk->K_REFERENCES()->getSymbol(), fk->getStop());
      r.table = qualified(fk->qualifiedName());
      r.columns = names(lists[1]);
      referential_actions(fk->referentialAction(), r);
      if (r.columns.size() != t.columns.size()) {
        error(span(b),
              fmt::format("the foreign key has {} column{} but references {}", t.columns.size(),
                          t.columns.size() == 1 ? "" : "s", r.columns.size()),
              "list as many referenced columns as columns");
      }
      t.references = std::move(r);
    } else if (auto* ck = as<P::CheckBodyContext>(b)) {
      t.kind = ast::ConstraintKind::Check;
      t.check = expr(ck->expr());
    }
    return t;
  }

  std::optional<ast::AlterAction> alter_action(P::AlterActionContext* a) {
    SourceSpan s = span(a);
    if (auto* c = as<P::AddColumnActionContext>(a)) {
      return ast::AddColumn{column_def(c->columnDef()), s};
    }
    if (auto* c = as<P::AddConstraintActionContext>(a)) {
      auto* tc = c->tableConstraint();
      auto* body = tc->constraintBody();
      if (using_index(body)) {
        ast::AddConstraintUsingIndex u;
        u.span = s;
        if (!tc->name()) {
          error(s, "add ... using index needs a constraint name",
                "add constraint NAME unique using index INDEX_NAME");
          return std::nullopt;
        }
        if (c->K_VALID()) error(s, "not valid does not apply to a constraint using an index");
        u.name = name(tc->name());
        if (auto* pk = as<P::PrimaryKeyBodyContext>(body)) {
          u.kind = ast::ConstraintKind::PrimaryKey;
          u.index = name(pk->name());
        } else {
          u.kind = ast::ConstraintKind::Unique;
          u.index = name(static_cast<P::UniqueBodyContext*>(body)->name());
        }
        return u;
      }
      return ast::AddConstraint{table_constraint(tc), c->K_VALID() != nullptr, s};
    }
    if (auto* c = as<P::DropColumnActionContext>(a)) {
      return ast::DropColumn{name(c->name()), c->K_CASCADE() != nullptr, s};
    }
    if (auto* c = as<P::DropConstraintActionContext>(a)) {
      return ast::DropConstraint{name(c->name()), s};
    }
    if (auto* c = as<P::RenameColumnActionContext>(a)) {
      return ast::RenameColumn{name(c->name(0)), name(c->name(1)), s};
    }
    if (auto* c = as<P::RenameConstraintActionContext>(a)) {
      return ast::RenameConstraint{name(c->name(0)), name(c->name(1)), s};
    }
    if (auto* c = as<P::ValidateConstraintActionContext>(a)) {
      return ast::ValidateConstraint{name(c->name()), s};
    }
    if (auto* c = as<P::AlterColumnActionOuterContext>(a)) {
      ast::Name col = name(c->name());
      auto* act = c->alterColumnAction();
      if (auto* t = as<P::AlterTypeActionContext>(act)) {
        ast::ExprPtr using_expr = t->expr() ? expr(t->expr()) : nullptr;
        return ast::AlterColumnType{col, type(t->typeSpec()), using_expr, s};
      }
      if (as<P::SetNotNullActionContext>(act)) return ast::SetNotNull{col, s};
      if (as<P::DropNotNullActionContext>(act)) return ast::DropNotNull{col, s};
      if (auto* d = as<P::SetDefaultActionContext>(act)) {
        return ast::SetDefault{col, expr(d->expr()), s};
      }
      if (as<P::DropDefaultActionContext>(act)) return ast::DropDefault{col, s};
      if (auto* cm = as<P::SetCommentActionContext>(act)) {
        return ast::SetColumnComment{col, string_value(cm->STRING()), s};
      }
    }
    unknown_alternative(a, "alter table action");
  }

  ast::CreateIndex create_index(P::CreateIndexContext* c) {
    ast::CreateIndex ix;
    ix.unique = c->K_UNIQUE() != nullptr;
    ix.concurrently = c->K_CONCURRENTLY() != nullptr;
    ix.if_not_exists = c->K_IF() != nullptr;
    // The index's own name stands before `on`, the method after `using`.
    size_t on = c->K_ON()->getSymbol()->getTokenIndex();
    for (auto* n : c->name()) {
      if (n->getStart()->getTokenIndex() < on) {
        ix.name = name(n);
      } else {
        ix.method = name(n);
      }
    }
    ix.table = qualified(c->qualifiedName());
    for (auto* k : c->indexKey()) {
      ast::IndexKey key;
      key.span = span(k);
      if (k->name()) {
        key.column = name(k->name());
      } else {
        key.expr = expr(k->expr());
      }
      key.descending = k->K_DESC() != nullptr;
      ix.keys.push_back(std::move(key));
    }
    if (c->nameList()) ix.include = names(c->nameList());
    if (c->expr()) ix.where = expr(c->expr());
    return ix;
  }

  ast::Insert insert(P::InsertStmtContext* c) {
    ast::Insert ins;
    ins.table = qualified(c->qualifiedName());
    ins.columns = names(c->nameList());
    for (auto* row : c->valuesRow()) {
      std::vector<ast::ExprPtr> values;
      for (auto* e : row->expr()) {
        ast::ExprPtr v = expr(e);
        if (v && !literal(*v)) {
          error(span(e), "insert takes literal values: 'text', numbers, true, false or null");
        }
        values.push_back(std::move(v));
      }
      if (values.size() != ins.columns.size()) {
        error(span(row), fmt::format("this row has {} value{} for {} column{}", values.size(),
                                     values.size() == 1 ? "" : "s", ins.columns.size(),
                                     ins.columns.size() == 1 ? "" : "s"));
      }
      ins.rows.push_back(std::move(values));
    }
    return ins;
  }

  static bool literal(const ast::Expr& e) {
    switch (e.kind) {
      case ast::ExprKind::String:
      case ast::ExprKind::Number:
      case ast::ExprKind::Boolean:
      case ast::ExprKind::Null:
        return true;
      case ast::ExprKind::Unary:
        return e.op != "not" && !e.args.empty() && e.args[0] &&
               e.args[0]->kind == ast::ExprKind::Number;
      default:
        return false;
    }
  }

  ast::DialectText dialect_text(P::DialectTextContext* c) {
    ast::DialectText t;
    t.span = span(c);
    if (c->DOLLAR_BODY()) {
      t.entries.push_back({"", dollar_body(c->DOLLAR_BODY()->getSymbol()), span(c->DOLLAR_BODY())});
      return t;
    }
    for (auto* b : c->dialectBody()) {
      ast::DialectText::Entry e;
      e.span = span(b);
      e.dialect = dialect_name(b->dialectName(), t);
      e.text = dollar_body(b->DOLLAR_BODY()->getSymbol());
      t.entries.push_back(std::move(e));
    }
    return t;
  }

  /// Checks a dialect key of `execute (...)`, `create view ... as (...)` or
  /// `native(...)`, and that `t` has none for it yet.
  std::string dialect_name(P::DialectNameContext* c, const ast::DialectText& t) {
    std::string d = c->K_DEFAULT() ? "default" : canonical_dialect(pos_.text(c->getStart()));
    if (d.empty()) {
      error(span(c), fmt::format("unknown dialect \"{}\"", lower(pos_.text(c->getStart()))),
            fmt::format("the dialects are {}, and default for any other", kDialectList));
      return lower(pos_.text(c->getStart()));
    }
    for (const auto& e : t.entries) {
      if (e.dialect == d) error(span(c), fmt::format("\"{}\" is given twice", d));
    }
    return d;
  }

  // ------------------------------------------------------------ types

  struct TypeInfo {
    std::string_view name;
    ast::TypeKind kind;
  };

  ast::Type type(P::TypeSpecContext* c) {
    ast::Type t;
    t.span = span(c);
    if (auto* n = as<P::NativeTypeContext>(c)) {
      t.kind = ast::TypeKind::Native;
      ast::DialectText& native = t.native.edit();
      native.span = t.span;
      if (n->STRING()) {
        native.entries.push_back({"", string_value(n->STRING()), span(n->STRING())});
      }
      for (auto* e : n->nativeEntry()) {
        ast::DialectText::Entry entry;
        entry.span = span(e);
        entry.dialect = dialect_name(e->dialectName(), native);
        entry.text = string_value(e->STRING());
        native.entries.push_back(std::move(entry));
      }
      return t;
    }
    auto* named = static_cast<P::NamedTypeContext*>(c);
    ast::Name first = name_token(named->typeWord()->getStart());
    std::vector<int> args;
    for (auto* a : named->typeArg()) {
      int v = 0;
      std::string_view digits = pos_.text(a->getStart());
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc() || ptr != digits.data() + digits.size()) {
        error(span(a), fmt::format("{} is too large for a type's size", digits));
        return t;
      }
      args.push_back(v);
    }
    if (named->name() || first.quoted) {
      t.kind = ast::TypeKind::Enum;
      ast::QualifiedName& enum_name = t.enum_name.edit();
      if (named->name()) {
        enum_name.schema = first;
        enum_name.name = name(named->name());
      } else {
        enum_name.name = first;
      }
      enum_name.span = t.span;
      if (!args.empty()) {
        error(t.span, fmt::format("enum type \"{}\" takes no size", t.enum_name->key()));
      }
      spelling(named, t);
      return t;
    }
    static const TypeInfo kTypes[] = {
        {"boolean", ast::TypeKind::Boolean},     {"smallint", ast::TypeKind::Smallint},
        {"integer", ast::TypeKind::Integer},     {"int", ast::TypeKind::Integer},
        {"bigint", ast::TypeKind::Bigint},       {"decimal", ast::TypeKind::Decimal},
        {"numeric", ast::TypeKind::Decimal},     {"real", ast::TypeKind::Real},
        {"double", ast::TypeKind::Double},       {"string", ast::TypeKind::String},
        {"varchar", ast::TypeKind::String},      {"char", ast::TypeKind::Char},
        {"text", ast::TypeKind::Text},           {"binary", ast::TypeKind::Binary},
        {"blob", ast::TypeKind::Binary},         {"bytes", ast::TypeKind::Binary},
        {"date", ast::TypeKind::Date},           {"time", ast::TypeKind::Time},
        {"timestamp", ast::TypeKind::Timestamp}, {"timestamptz", ast::TypeKind::Timestamptz},
        {"uuid", ast::TypeKind::Uuid},           {"json", ast::TypeKind::Json},
    };
    const TypeInfo* info = nullptr;
    for (const auto& ti : kTypes) {
      if (ti.name == first.text) info = &ti;
    }
    if (info == nullptr) {
      // Not a portable type: an enum, which replay checks exists.
      t.kind = ast::TypeKind::Enum;
      ast::QualifiedName& enum_name = t.enum_name.edit();
      enum_name.name = first;
      enum_name.span = t.span;
      if (!args.empty()) {
        error(t.span, fmt::format("enum type \"{}\" takes no size", first.text),
              "a portable type with a size is string(n), char(n) or decimal(p, s)");
      }
      spelling(named, t);
      return t;
    }
    t.kind = info->kind;
    switch (t.kind) {
      case ast::TypeKind::String:
      case ast::TypeKind::Char:
        if (args.size() > 1) {
          error(t.span, fmt::format("{} takes one size: {}(n)", first.text, first.text));
        } else if (args.size() == 1) {
          if (args[0] < 1)
            error(t.span, fmt::format("the size of {} must be at least 1", first.text));
          t.length = args[0];
        } else if (t.kind == ast::TypeKind::Char) {
          error(t.span, "char needs a length: char(n)",
                "for text of any length use string or text");
        }
        break;
      case ast::TypeKind::Decimal:
        if (args.size() > 2) {
          error(t.span, fmt::format("{} takes a precision and a scale: decimal(p, s)", first.text));
          break;
        }
        if (!args.empty()) {
          t.precision = args[0];
          if (args[0] < 1) error(t.span, "the precision of decimal must be at least 1");
        }
        if (args.size() == 2) {
          t.scale = args[1];
          if (args[1] > args[0]) {
            error(t.span, "the scale of decimal cannot be larger than its precision");
          }
        }
        break;
      default:
        if (!args.empty()) error(t.span, fmt::format("type {} takes no size", first.text));
        break;
    }
    spelling(named, t);
    return t;
  }

  /// `native(mysql: '...')` after a portable type or an enum: its spelling
  /// on those dialects (ast::Type::spelled).
  void spelling(P::NamedTypeContext* named, ast::Type& t) {
    if (auto* s = named->typeSpelling()) {
      ast::DialectText& spelled = t.spelled.edit();
      spelled.span = span(s);
      for (auto* e : s->nativeEntry()) {
        ast::DialectText::Entry entry;
        entry.span = span(e);
        entry.dialect = dialect_name(e->dialectName(), spelled);
        entry.text = string_value(e->STRING());
        if (entry.dialect == "default") {
          // The portable spelling is the default; naming it again says nothing.
          error(entry.span, "a type's own spelling names its dialects, not default",
                "write the portable type alone for the other dialects");
        } else if (entry.text.find_first_not_of(" \t\r\n") == std::string::npos) {
          error(entry.span, fmt::format("the spelling for {} is empty", entry.dialect));
        }
        spelled.entries.push_back(std::move(entry));
      }
    }
  }

  // ------------------------------------------------------------ expressions

  ast::ExprPtr expr(P::ExprContext* c) { return or_expr(c->orExpr()).expr; }

  /// Wraps a node, reporting (once per file) a nesting past kMaxNesting.
  Built make(ast::Expr e, int depth) {
    if (depth > kMaxNesting && !depth_reported_) {
      depth_reported_ = true;
      error(e.span, fmt::format("the expression nests too deep (more than {} levels)", kMaxNesting),
            "split it into simpler expressions");
    }
    return Built{std::make_shared<const ast::Expr>(std::move(e)), depth};
  }

  Built binary(Built left, std::string op, Built right) {
    ast::Expr e;
    e.kind = ast::ExprKind::Binary;
    e.op = std::move(op);
    e.span = merge(left.expr->span, right.expr->span);
    int depth = std::max(left.depth, right.depth) + 1;
    e.args = {std::move(left.expr), std::move(right.expr)};
    return make(std::move(e), depth);
  }

  /// Folds `a op b op c ...` to the left without recursion: a long chain
  /// gives a flat parse tree, and this keeps it that way on the stack.
  template <typename Operand, typename Fn>
  Built chain(antlr4::ParserRuleContext* c, Fn operand) {
    Built acc;
    std::string op;
    bool first = true;
    for (auto* child : c->children) {
      if (auto* sub = dynamic_cast<Operand*>(child)) {
        Built next = operand(sub);
        if (first) {
          acc = std::move(next);
          first = false;
        } else {
          acc = binary(std::move(acc), op, std::move(next));
          // Past the limit the file is refused (make() said so): nesting on
          // would build a tree as deep as the chain is long, and destroying
          // it would overflow the stack.
          if (acc.depth > kMaxNesting) break;
        }
      } else if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
        op = lower(pos_.text(t->getSymbol()));
      }
    }
    return acc;
  }

  Built or_expr(P::OrExprContext* c) {
    return chain<P::AndExprContext>(c, [&](P::AndExprContext* a) { return and_expr(a); });
  }
  Built and_expr(P::AndExprContext* c) {
    return chain<P::NotExprContext>(c, [&](P::NotExprContext* n) { return not_expr(n); });
  }
  Built not_expr(P::NotExprContext* c) {
    if (c->K_NOT()) {
      Built inner = not_expr(c->notExpr());
      ast::Expr e;
      e.kind = ast::ExprKind::Unary;
      e.op = "not";
      e.span = span(c);
      int depth = inner.depth + 1;
      e.args = {std::move(inner.expr)};
      return make(std::move(e), depth);
    }
    return predicate(c->predicate());
  }

  Built predicate(P::PredicateContext* c) {
    Built left = concat_expr(c->concatExpr());
    auto* tail = c->predicateTail();
    if (tail == nullptr) return left;
    ast::Expr e;
    e.span = span(c);
    int depth = left.depth;
    auto add = [&](Built b) {
      depth = std::max(depth, b.depth);
      e.args.push_back(std::move(b.expr));
    };
    e.args.push_back(left.expr);
    if (auto* t = as<P::IsNullTailContext>(tail)) {
      e.kind = ast::ExprKind::IsNull;
      e.negated = t->K_NOT() != nullptr;
    } else if (auto* in = as<P::InTailContext>(tail)) {
      e.kind = ast::ExprKind::In;
      e.negated = in->K_NOT() != nullptr;
      for (auto* x : in->expr()) add(or_expr(x->orExpr()));
    } else if (auto* l = as<P::LikeTailContext>(tail)) {
      e.kind = ast::ExprKind::Like;
      e.negated = l->K_NOT() != nullptr;
      add(concat_expr(l->concatExpr()));
    } else if (auto* b = as<P::BetweenTailContext>(tail)) {
      e.kind = ast::ExprKind::Between;
      e.negated = b->K_NOT() != nullptr;
      add(concat_expr(b->concatExpr(0)));
      add(concat_expr(b->concatExpr(1)));
    } else if (auto* cmp = as<P::CompareTailContext>(tail)) {
      e.kind = ast::ExprKind::Binary;
      e.op = std::string(pos_.text(cmp->compareOp()->getStart()));
      add(concat_expr(cmp->concatExpr()));
    }
    return make(std::move(e), depth + 1);
  }

  Built concat_expr(P::ConcatExprContext* c) {
    return chain<P::AddExprContext>(c, [&](P::AddExprContext* a) { return add_expr(a); });
  }
  Built add_expr(P::AddExprContext* c) {
    return chain<P::MulExprContext>(c, [&](P::MulExprContext* m) { return mul_expr(m); });
  }
  Built mul_expr(P::MulExprContext* c) {
    return chain<P::UnaryExprContext>(c, [&](P::UnaryExprContext* u) { return unary_expr(u); });
  }

  Built unary_expr(P::UnaryExprContext* c) {
    if (c->primary()) return primary(c->primary());
    Built inner = unary_expr(c->unaryExpr());
    ast::Expr e;
    e.kind = ast::ExprKind::Unary;
    e.op = c->MINUS() ? "-" : "+";
    e.span = span(c);
    int depth = inner.depth + 1;
    e.args = {std::move(inner.expr)};
    return make(std::move(e), depth);
  }

  Built primary(P::PrimaryContext* c) {
    ast::Expr e;
    e.span = span(c);
    if (auto* s = as<P::StringLiteralContext>(c)) {
      e.kind = ast::ExprKind::String;
      e.text = string_value(s->STRING());
    } else if (as<P::NumberLiteralContext>(c)) {
      e.kind = ast::ExprKind::Number;
      e.text = std::string(pos_.text(c->getStart()));
    } else if (as<P::BooleanLiteralContext>(c)) {
      e.kind = ast::ExprKind::Boolean;
      e.text = lower(pos_.text(c->getStart()));
    } else if (as<P::NullLiteralContext>(c)) {
      e.kind = ast::ExprKind::Null;
    } else if (as<P::KeywordValueContext>(c)) {
      e.kind = ast::ExprKind::Keyword;
      e.text = lower(pos_.text(c->getStart()));
    } else if (auto* cast = as<P::CastExprContext>(c)) {
      e.kind = ast::ExprKind::Cast;
      Built inner = or_expr(cast->expr()->orExpr());
      e.args = {inner.expr};
      e.cast_type = type(cast->typeSpec());
      return make(std::move(e), inner.depth + 1);
    } else if (auto* raw = as<P::RawSqlContext>(c)) {
      e.kind = ast::ExprKind::Raw;
      e.text = dollar_body(raw->DOLLAR_BODY()->getSymbol());
    } else if (auto* call = as<P::CallExprContext>(c)) {
      e.kind = ast::ExprKind::Call;
      e.text = name(call->name()).text;
      int depth = 0;
      for (auto* a : call->expr()) {
        Built arg = or_expr(a->orExpr());
        depth = std::max(depth, arg.depth);
        e.args.push_back(std::move(arg.expr));
      }
      return make(std::move(e), depth + 1);
    } else if (auto* col = as<P::ColumnRefContext>(c)) {
      e.kind = ast::ExprKind::Column;
      for (auto* n : col->name()) e.names.push_back(name(n));
    } else if (auto* paren = as<P::ParenExprContext>(c)) {
      e.kind = ast::ExprKind::Paren;
      Built inner = or_expr(paren->expr()->orExpr());
      e.args = {inner.expr};
      return make(std::move(e), inner.depth + 1);
    }
    return make(std::move(e), 0);
  }
};

}  // namespace

std::optional<ast::RevisionFile> build_ast(P::File_Context* tree, const Positions& positions,
                                           const SourceFile& file, DiagnosticSink& sink) {
  Builder b(positions, file, sink);
  return b.build(tree);
}

std::optional<ast::Header> build_header(P::FileHeadContext* tree, const Positions& positions,
                                        const SourceFile& file, DiagnosticSink& sink) {
  Builder b(positions, file, sink);
  return b.build_head(tree);
}

}  // namespace retort::parse
