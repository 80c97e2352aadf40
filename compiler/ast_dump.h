// A stable, readable text dump of the AST, for golden tests (`retort debug parse`).
#pragma once

#include <string>

#include "compiler/ast.h"

namespace retort::ast {

/// One node per line, indented, with the line:column of each statement.
std::string dump(const RevisionFile& file);

}  // namespace retort::ast
