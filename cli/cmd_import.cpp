// `retort import alembic DIR [-o OUT] [--force]`: converts an Alembic
// project's revision scripts into `.rev` files, once (docs/alembic.md,
// "Importing"). All or nothing: a script with an error writes no file.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

#include "cli/app.h"
#include "compiler/downgrade.h"
#include "compiler/parser.h"
#include "compiler/printer.h"

namespace fs = std::filesystem;

namespace retort::cli {
namespace {

struct ImportOptions {
  std::string scripts;  ///< DIR: the Alembic versions folder
  std::string output;   ///< -o OUT
  bool force = false;
};

/// One `.rev` file the import writes.
struct ImportedFile {
  fs::path path;       ///< absolute
  std::string script;  ///< the `.py` it comes from, as diagnostics name it
  std::string text;
};

// The settings the scripts are read and replayed with: the current project's
// (its dialects set the name limit), else the defaults. Constraint names
// are printed exactly as the AST has them: the reader names an unnamed
// constraint as PostgreSQL does, and `.rev` text cannot say that MySQL or
// MariaDB name it otherwise. This is the one place to adapt should the
// import pick a name per target dialect.
Config settings_for_reading(const std::optional<Project>& current, const std::string& scripts) {
  Config config = current ? current->config : Config{};
  config.alembic = scripts;
  return config;
}

// `<id>_<rest of the script's stem>.rev`, as Alembic's default file template
// names scripts; `<id>_<slug of the message>.rev` for any other template.
std::string rev_file_name(const ast::RevisionFile& revision) {
  const std::string& id = revision.header.id.text;
  std::string stem = fs::path(revision.path).stem().string();
  std::string prefix = id + "_";
  if (stem.size() > prefix.size() && stem.compare(0, prefix.size(), prefix) == 0) {
    return stem + ".rev";
  }
  return prefix + slugify(revision.header.message.value_or("")) + ".rev";
}

bool same_statements(const std::vector<ast::Statement>& written,
                     const std::vector<DowngradeStep>& derived) {
  if (written.size() != derived.size()) return false;
  // The printed text is the AST without its spans: equal texts parse to
  // equal ASTs (printer_test), and are what the `.rev` file would hold.
  for (size_t i = 0; i < written.size(); ++i) {
    if (print_statement(written[i]) != print_statement(derived[i].statement)) return false;
  }
  return true;
}

// The revision as its `.rev` file holds it: the written downgrade is dropped
// when Retort derives the same statements from the upgrade and `before`.
ast::RevisionFile as_imported(const ast::RevisionFile& revision, const SchemaModel& before,
                              const ReplayOptions& options, DiagnosticSink& sink) {
  ast::RevisionFile out = revision;
  if (revision.downgrade_kind != ast::DowngradeKind::Written) return out;
  ast::RevisionFile derived_only = revision;
  derived_only.downgrade_kind = ast::DowngradeKind::Derived;
  derived_only.downgrade.clear();
  DiagnosticSink ignored;  // an upgrade without an inverse keeps the written downgrade
  DowngradePlan derived = plan_downgrade(derived_only, before, options, ignored);
  if (derived.ok && same_statements(revision.downgrade, derived.steps)) {
    out.downgrade_kind = ast::DowngradeKind::Derived;
    out.downgrade.clear();
    return out;
  }
  if (revision.downgrade.empty() && !revision.upgrade.empty()) {
    Diagnostic note;
    note.severity = Severity::info;
    note.code = "alembic";
    note.file = revision.path;
    note.span = revision.downgrade_span;
    note.revision = revision.header.id.text;
    note.message =
        "downgrade() does nothing while upgrade() does something: imported as an empty "
        "`downgrade {}`, which is what Alembic runs";
    note.help = "delete the block to let Retort derive the downgrade, or write its statements";
    sink.report(std::move(note));
  }
  return out;
}

// Keeps the SQLAlchemy spellings (ast::Type::spelled) of the dialects the
// project targets: the others would only be noise in the `.rev` files.
// A `mysql` spelling also serves `mariadb`, as in every dialect-keyed text.
void keep_spellings_for(ast::Type& type, const std::vector<std::string>& dialects) {
  auto targeted = [&](const std::string& d) {
    return std::any_of(dialects.begin(), dialects.end(), [&](const std::string& t) {
      return t == d || (d == "mysql" && t == "mariadb");
    });
  };
  if (!type.spelled.has_value()) return;
  auto& entries = type.spelled.edit().entries;
  entries.erase(std::remove_if(entries.begin(), entries.end(),
                               [&](const auto& e) { return !targeted(e.dialect); }),
                entries.end());
}

void keep_spellings_for(std::vector<ast::Statement>& statements,
                        const std::vector<std::string>& dialects) {
  for (auto& statement : statements) {
    if (auto* create = std::get_if<ast::CreateTable>(&statement.node)) {
      for (auto& column : create->columns) keep_spellings_for(column.type, dialects);
    } else if (auto* alter = std::get_if<ast::AlterTable>(&statement.node)) {
      for (auto& action : alter->actions) {
        if (auto* add = std::get_if<ast::AddColumn>(&action)) {
          keep_spellings_for(add->column.type, dialects);
        } else if (auto* change = std::get_if<ast::AlterColumnType>(&action)) {
          keep_spellings_for(change->type, dialects);
        }
      }
    }
  }
}

// Reads every script of `project` (its config's `alembic` folder) and makes
// each revision's `.rev` text, replaying the chain in topological order for
// the schema before each revision. Problems go to `sink`.
std::vector<ImportedFile> convert(const Project& project, const fs::path& output,
                                  DiagnosticSink& sink) {
  std::vector<ImportedFile> files;
  SchemaModel schema;
  ReplayOptions options = project.replay_options();
  const auto& nodes = project.graph.nodes();
  for (size_t index : project.graph.topological_order()) {
    const ast::RevisionFile* revision = project.revision(nodes[index].id);
    if (!revision) continue;
    ast::RevisionFile imported = as_imported(*revision, schema, options, sink);
    keep_spellings_for(imported.upgrade, project.config.dialects);
    keep_spellings_for(imported.downgrade, project.config.dialects);
    replay_upgrade(*revision, schema, options, sink);
    ImportedFile file;
    file.path = output / rev_file_name(*revision);
    file.script = revision->path;
    file.text = print_revision(imported);
    // The printer's promise, checked: a file the parser refuses is a bug
    // here, not something to write.
    DiagnosticSink reparsed;
    if (!parse_revision(SourceFile{file.path.filename().string(), file.text}, reparsed)) {
      throw RunError(3, fmt::format("internal error: the revision imported from \"{}\" does not "
                                    "parse back; please report this bug",
                                    revision->path));
    }
    files.push_back(std::move(file));
  }
  std::sort(files.begin(), files.end(),
            [](const ImportedFile& a, const ImportedFile& b) { return a.path < b.path; });
  return files;
}

std::string shown(const fs::path& path, const fs::path& base) {
  std::error_code ec;
  fs::path rel = fs::relative(path, base, ec);
  return (ec || rel.empty() ? path : rel).generic_string();
}

// Refuses, before anything is written, to replace a file that differs.
void check_overwrites(const std::vector<ImportedFile>& files, const fs::path& base, bool force) {
  if (force) return;
  for (const auto& file : files) {
    std::error_code ec;
    if (!fs::exists(file.path, ec)) continue;
    if (fs::is_regular_file(file.path, ec) &&
        read_text_file(file.path, kMaxRevisionFileBytes) == file.text) {
      continue;
    }
    throw RunError(2, fmt::format("\"{}\" exists and differs from the import of \"{}\"; nothing "
                                  "was written: use --force to overwrite it",
                                  shown(file.path, base), file.script));
  }
}

// Writes every file, each atomically. When one cannot be written, what the
// run wrote before it is taken back (new files removed, replaced ones
// restored), so that a failed import leaves OUT as it was.
void write_all_or_nothing(const std::vector<ImportedFile>& files) {
  std::vector<std::pair<fs::path, std::optional<std::string>>> written;  // path, bytes before
  try {
    for (const auto& file : files) {
      std::optional<std::string> before;
      std::error_code ec;
      if (fs::is_regular_file(file.path, ec))
        before = read_text_file(file.path, kMaxRevisionFileBytes);
      write_file_atomically(file.path, file.text);
      written.emplace_back(file.path, std::move(before));
    }
  } catch (const RunError&) {
    for (auto it = written.rbegin(); it != written.rend(); ++it) {
      std::error_code ignored;
      if (!it->second) {
        fs::remove(it->first, ignored);
        continue;
      }
      // Best effort: the error that stopped the run is the one to report.
      try {
        write_file_atomically(it->first, *it->second);
      } catch (const RunError&) {
      }
    }
    throw;
  }
}

void run_import(Context& ctx, const ImportOptions& options) {
  ProjectLocation where = ctx.location();
  std::error_code ec;
  fs::path base = fs::absolute(where.start, ec).lexically_normal();
  if (ec) throw RunError(2, fmt::format("cannot resolve \"{}\"", where.start.string()));

  std::optional<Project> current;
  if (where.config || find_project_root(base)) current = open_project(where);

  fs::path scripts_folder = (base / options.scripts).lexically_normal();
  if (!fs::is_directory(scripts_folder, ec)) {
    throw RunError(
        2, fmt::format("\"{}\" is not a folder of Alembic revision scripts", options.scripts));
  }
  fs::path output = !options.output.empty() ? base / options.output
                    : current               ? current->root / current->config.migrations
                                            : base / "migrations";
  output = output.lexically_normal();

  Project scripts;
  scripts.root = base;
  scripts.config = settings_for_reading(current, options.scripts);
  DiagnosticSink sink;
  load_revisions(scripts, sink);
  if (!sink.has_errors() && scripts.revisions.empty()) {
    throw RunError(2, fmt::format("no Alembic revision scripts (*.py) in \"{}\"", options.scripts));
  }
  std::vector<ImportedFile> files;
  if (!sink.has_errors()) files = convert(scripts, output, sink);
  ctx.report(sink, scripts.texts());
  if (sink.has_errors()) {
    ctx.err << "retort: nothing was written\n";
    return;
  }

  check_overwrites(files, base, options.force);
  fs::create_directories(output, ec);
  if (ec) {
    throw RunError(2, fmt::format("cannot create \"{}\": {}", shown(output, base), ec.message()));
  }
  write_all_or_nothing(files);
  ctx.out << fmt::format("{} revision{} written to {}\n", files.size(),
                         files.size() == 1 ? "" : "s", shown(output, base));
  if (!current || current->config.version_table != "alembic_version") {
    ctx.out << "hint: to take over a database Alembic manages, set "
               "`version_table = \"alembic_version\"` in retort.toml\n";
  }
}

}  // namespace

void add_import_commands(CLI::App& app, Context& ctx) {
  auto* import = app.add_subcommand("import", "convert another tool's migrations into .rev files");
  import->require_subcommand(1);
  auto options = std::make_shared<ImportOptions>();
  auto* alembic = import->add_subcommand(
      "alembic", "convert Alembic revision scripts into .rev files, one per script");
  alembic->add_option("DIR", options->scripts, "the Alembic versions folder")->required();
  alembic
      ->add_option("-o", options->output,
                   "write the .rev files to OUT (default: retort.toml's migrations folder, "
                   "else migrations)")
      ->type_name("OUT");
  alembic->add_flag("--force", options->force, "overwrite .rev files that differ");
  alembic->callback([&ctx, options] { run_import(ctx, *options); });
}

}  // namespace retort::cli
