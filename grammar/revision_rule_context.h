// The base class of every parse-tree context of grammar/Revision.g4 (its
// `contextSuperClass` option). It gives the generated accessors
// (`ctx->name()`, `ctx->K_IF()`, ...) a faster way to find a child.
//
// Why: ANTLR 4's ParserRuleContext finds a child of a rule by
// dynamic_cast-ing every child in turn, and a token by dynamic_cast-ing
// every child to a terminal node; dynamic_cast walks the class tree
// comparing mangled names, and this was a tenth of a cold parse. Here a
// terminal is told by its exact class (the parser makes only
// TerminalNodeImpl and ErrorNodeImpl nodes) and a rule context by its rule
// index, which the generated classes of one rule (its labelled
// alternatives included) share. The result is the same child.
#pragma once

#include <cstddef>
#include <typeinfo>
#include <vector>

#include "antlr4-runtime.h"

namespace retort::grammar {

class RevisionRuleContext : public antlr4::ParserRuleContext {
 public:
  using antlr4::ParserRuleContext::ParserRuleContext;
  RevisionRuleContext() = default;

  // These hide ParserRuleContext's templates of the same names, which the
  // generated accessors call.
  template <class T>
  T* getRuleContext(size_t i) {
    const size_t rule = rule_index<T>();
    size_t seen = 0;
    for (antlr4::tree::ParseTree* c : children) {
      antlr4::ParserRuleContext* r = as_rule(c);
      if (r != nullptr && r->getRuleIndex() == rule && seen++ == i) return static_cast<T*>(r);
    }
    return nullptr;
  }
  template <class T>
  std::vector<T*> getRuleContexts() {
    const size_t rule = rule_index<T>();
    std::vector<T*> out;
    for (antlr4::tree::ParseTree* c : children) {
      antlr4::ParserRuleContext* r = as_rule(c);
      if (r != nullptr && r->getRuleIndex() == rule) out.push_back(static_cast<T*>(r));
    }
    return out;
  }

  antlr4::tree::TerminalNode* getToken(size_t ttype, size_t i) override {
    size_t seen = 0;
    for (antlr4::tree::ParseTree* c : children) {
      antlr4::tree::TerminalNode* t = as_terminal(c);
      if (t != nullptr && t->getSymbol()->getType() == ttype && seen++ == i) return t;
    }
    return nullptr;
  }
  std::vector<antlr4::tree::TerminalNode*> getTokens(size_t ttype) override {
    std::vector<antlr4::tree::TerminalNode*> out;
    for (antlr4::tree::ParseTree* c : children) {
      antlr4::tree::TerminalNode* t = as_terminal(c);
      if (t != nullptr && t->getSymbol()->getType() == ttype) out.push_back(t);
    }
    return out;
  }

 private:
  // The rule of the generated context class T (a rule's base class or an
  // unlabelled rule's class): asked once of a scratch instance.
  template <class T>
  static size_t rule_index() {
    static const size_t rule = T(nullptr, 0).getRuleIndex();
    return rule;
  }
  static bool is_terminal(antlr4::tree::ParseTree* c) {
    const std::type_info& type = typeid(*c);
    return type == typeid(antlr4::tree::TerminalNodeImpl) ||
           type == typeid(antlr4::tree::ErrorNodeImpl);
  }
  static antlr4::tree::TerminalNode* as_terminal(antlr4::tree::ParseTree* c) {
    // TerminalNode derives from ParseTree directly, so the cast is static.
    return is_terminal(c) ? static_cast<antlr4::tree::TerminalNode*>(c) : nullptr;
  }
  static antlr4::ParserRuleContext* as_rule(antlr4::tree::ParseTree* c) {
    // Every other child of this grammar's tree is one of its contexts.
    return is_terminal(c) ? nullptr : static_cast<antlr4::ParserRuleContext*>(c);
  }
};

}  // namespace retort::grammar
