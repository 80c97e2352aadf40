// `retort debug parse FILE`: the AST dump the parse golden files compare;
// `retort debug alembic FILE`: the same for an Alembic revision script.
// Hidden from help: a tool for Retort's own tests, not a user command.
#include <fmt/format.h>

#include <functional>

#include "cli/app.h"
#include "compiler/alembic_reader.h"
#include "compiler/ast_dump.h"
#include "compiler/parser.h"

namespace retort::cli {
namespace {

using ReadRevision =
    std::function<std::optional<ast::RevisionFile>(const SourceFile&, DiagnosticSink&)>;

/// `retort debug NAME FILE`: reads FILE with `read` and prints its AST dump.
void add_dump_command(CLI::App* debug, Context& ctx, const char* name, const char* help,
                      const char* file_help, ReadRevision read) {
  auto* cmd = debug->add_subcommand(name, help);
  auto file = std::make_shared<std::string>();
  cmd->add_option("FILE", *file, file_help)->required();
  cmd->callback([&ctx, file, read] {
    SourceFile source{*file, read_text_file(*file, kMaxRevisionFileBytes)};
    DiagnosticSink sink;
    if (auto rev = read(source, sink)) {
      rev->path = source.path;
      ctx.out << ast::dump(*rev);
    }
    ctx.report(sink, SourceTexts{{source.path, source.text}});
  });
}

}  // namespace

void add_debug_commands(CLI::App& app, Context& ctx) {
  auto* debug = app.add_subcommand("debug", "");
  debug->group("");  // hidden
  debug->require_subcommand(1);
  add_dump_command(
      debug, ctx, "parse", "print the AST of one revision file", "a .rev file",
      [](const SourceFile& f, DiagnosticSink& sink) { return parse_revision(f, sink); });
  // The AST the Alembic reader makes of one revision script (the reader's
  // golden files compare it).
  add_dump_command(debug, ctx, "alembic", "print the AST of one Alembic revision script",
                   "an Alembic revision script (.py)", &read_alembic_script);

  // `retort debug schema`: the replayed schema at the heads, as the model
  // holds it (names the convention made, constraints, indexes).
  auto* schema = debug->add_subcommand("schema", "print the schema model after every revision");
  schema->callback([&ctx] {
    Project project;
    if (!ctx.load(project)) return;
    DiagnosticSink sink;
    SchemaModel model = replay_all(project, sink);
    ctx.report(sink, project);
    std::string text = dump(model);
    if (!text.empty() && text.back() != '\n') text += '\n';
    ctx.out << text;
  });
}

}  // namespace retort::cli
