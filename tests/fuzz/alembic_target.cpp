// Fuzz target: the Alembic reader on one revision script.
#include <fmt/format.h>

#include "compiler/alembic_reader.h"
#include "compiler/ast_dump.h"
#include "compiler/parser.h"
#include "compiler/printer.h"
#include "tests/fuzz/targets.h"

namespace retort::fuzz {

void fuzz_read_alembic_script(std::string_view data) {
  SourceFile file{"alembic/versions/fuzz.py", std::string(data)};
  expect_no_internal_error([&] {
    DiagnosticSink sink;
    auto revision = read_alembic_script(file, sink);
    render_all_diagnostics(sink, {{file.path, file.text}});
    if (!revision) return;
    (void)ast::dump(*revision);
    // What `retort import` writes must parse back (the printer's promise).
    SourceFile printed{"migrations/fuzz.rev", print_revision(*revision)};
    DiagnosticSink reparsed;
    if (!parse_revision(printed, reparsed)) {
      std::string why = reparsed.empty() ? "" : reparsed.diagnostics().front().message;
      throw FuzzFailure(
          fmt::format("the printed revision does not parse back: {}\n{}", why, printed.text));
    }
  });
}

}  // namespace retort::fuzz
