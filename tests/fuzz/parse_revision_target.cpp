// Fuzz target: the revision parser and the formatter on one `.rev` file.
#include <fmt/format.h>

#include "compiler/ast_dump.h"
#include "compiler/formatter.h"
#include "compiler/parser.h"
#include "compiler/revision_lexer.h"
#include "tests/fuzz/targets.h"

namespace retort::fuzz {

void fuzz_parse_revision(std::string_view data) {
  SourceFile file{"migrations/fuzz.rev", std::string(data)};
  // The hand-written lexer makes exactly the generated lexer's tokens.
  if (find_invalid_utf8(file.text) == std::string_view::npos &&
      parse::hand_lexer_tokens(file.text) != parse::generated_lexer_tokens(file.text)) {
    throw FuzzFailure("the hand-written lexer's tokens differ from the generated lexer's");
  }
  expect_no_internal_error([&] {
    DiagnosticSink sink;
    std::vector<SourceComment> comments;
    auto revision = parse_revision(file, sink, &comments);
    render_all_diagnostics(sink, {{file.path, file.text}});
    if (!revision) return;
    (void)ast::dump(*revision);
    // `retort fmt` must never refuse a file the parser took: its own
    // round-trip check failing is a printer bug.
    DiagnosticSink format_sink;
    auto formatted = format_revision(file, format_sink);
    if (!formatted) {
      std::string why = format_sink.empty() ? "" : format_sink.diagnostics().front().message;
      throw FuzzFailure(fmt::format("the formatter refused a file that parses: {}", why));
    }
    // Formatting is idempotent: `retort fmt --check` after `retort fmt` is clean.
    DiagnosticSink again_sink;
    auto again = format_revision(SourceFile{file.path, *formatted}, again_sink);
    if (!again || *again != *formatted) {
      throw FuzzFailure("formatting a formatted file changed it again");
    }
  });
}

}  // namespace retort::fuzz
