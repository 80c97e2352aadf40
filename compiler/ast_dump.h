// A stable, readable text dump of the AST, for golden tests (`retort debug parse`).
#pragma once

#include <string>

#include "compiler/ast.h"

namespace retort::ast {

struct DumpOptions {
  /// `@line:column` after the nodes a user would look for; off to compare
  /// two ASTs of different texts (the printer's round-trip test).
  bool positions = true;
};

/// One node per line, indented, with the line:column of each statement.
std::string dump(const RevisionFile& file, DumpOptions options = {});

}  // namespace retort::ast
