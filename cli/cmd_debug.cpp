// `retort debug parse FILE`: the AST dump the parse golden files compare;
// `retort debug alembic FILE`: the same for an Alembic revision script.
// Hidden from help: a tool for Retort's own tests, not a user command.
#include <fmt/format.h>

#include "cli/app.h"
#include "compiler/alembic_reader.h"
#include "compiler/ast_dump.h"
#include "compiler/parser.h"

namespace retort::cli {

void add_debug_commands(CLI::App& app, Context& ctx) {
  auto* debug = app.add_subcommand("debug", "");
  debug->group("");  // hidden
  debug->require_subcommand(1);
  auto* parse = debug->add_subcommand("parse", "print the AST of one revision file");
  auto file = std::make_shared<std::string>();
  parse->add_option("FILE", *file, "a .rev file")->required();
  parse->callback([&ctx, file] {
    SourceFile source;
    source.path = *file;
    source.text = read_text_file(*file, kMaxRevisionFileBytes);
    DiagnosticSink sink;
    auto rev = parse_revision(source, sink);
    if (rev) {
      rev->path = source.path;
      ctx.out << ast::dump(*rev);
    }
    SourceTexts texts;
    texts.emplace(source.path, source.text);
    ctx.report(sink, texts);
  });

  // `retort debug alembic FILE`: the AST the Alembic reader makes of one
  // revision script (the reader's golden files compare it).
  auto* alembic = debug->add_subcommand("alembic", "print the AST of one Alembic revision script");
  auto script = std::make_shared<std::string>();
  alembic->add_option("FILE", *script, "an Alembic revision script (.py)")->required();
  alembic->callback([&ctx, script] {
    SourceFile source;
    source.path = *script;
    source.text = read_text_file(*script, kMaxRevisionFileBytes);
    DiagnosticSink sink;
    auto rev = read_alembic_script(source, sink);
    if (rev) ctx.out << ast::dump(*rev);
    SourceTexts texts;
    texts.emplace(source.path, source.text);
    ctx.report(sink, texts);
  });

  // `retort debug schema`: the replayed schema at the heads, as the model
  // holds it (names the convention made, constraints, indexes).
  auto* schema = debug->add_subcommand("schema", "print the schema model after every revision");
  schema->callback([&ctx] {
    Project project;
    if (!ctx.load(project)) return;
    DiagnosticSink sink;
    SchemaModel model = replay_all(project, sink);
    ctx.report(sink, project.texts());
    std::string text = dump(model);
    if (!text.empty() && text.back() != '\n') text += '\n';
    ctx.out << text;
  });
}

}  // namespace retort::cli
