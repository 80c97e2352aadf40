// `retort new` and `retort merge`: write a new revision file.
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include "cli/app.h"
#include "compiler/integrity.h"
#include "compiler/parser.h"

namespace fs = std::filesystem;

namespace retort::cli {
namespace {

struct NewOptions {
  std::string message;
  std::string id;
  std::vector<std::string> depends_on;
  std::vector<std::string> labels;
  std::string head;
  std::vector<std::string> merge_parents;
};

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 32 || id == "base" || id == "head" || id == "heads") return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// A fresh 12-hex-digit id, as Alembic makes them.
std::string generate_id(const RevisionGraph& graph) {
  std::random_device device;
  std::mt19937_64 rng((static_cast<uint64_t>(device()) << 32) ^ device());
  while (true) {
    std::string id = fmt::format("{:012x}", rng() & 0xFFFFFFFFFFFFull);
    if (!graph.find(id)) return id;
  }
}

std::string quote(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    out += c;
    if (c == '\'') out += '\'';
  }
  return out + "'";
}

// UTC now, or SOURCE_DATE_EPOCH when set (reproducible output in tests).
std::string created_now() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) t = std::strtoll(epoch, nullptr, 10);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:%Y-%m-%d %H:%M:%S}", tm);
}

// Resolves an expression that must name exactly one revision.
std::string resolve_one(const RevisionGraph& graph, std::string_view expr, std::string_view what) {
  Resolution r = graph.resolve(expr);
  if (!r.ok()) throw RunError(2, r.error);
  if (r.ids.size() != 1) {
    throw RunError(2, fmt::format("{} \"{}\" must name exactly one revision", what, expr));
  }
  return r.ids.front();
}

void write_revision(Context& ctx, const Project& project, const NewOptions& options,
                    const std::vector<std::string>& parents) {
  std::string id = options.id.empty() ? generate_id(project.graph) : options.id;
  if (!valid_id(id)) {
    throw RunError(2, fmt::format("\"{}\" is not a valid revision id: use 1 to 32 letters, digits "
                                  "or _ (not base, head or heads)",
                                  id));
  }
  if (project.graph.find(id)) throw RunError(2, fmt::format("revision \"{}\" already exists", id));
  std::vector<std::string> depends;
  for (const auto& d : options.depends_on)
    depends.push_back(resolve_one(project.graph, d, "--depends-on"));

  std::string text = "revision " + id + "\n";
  auto list = [](const std::vector<std::string>& items) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
    return out;
  };
  if (!parents.empty()) text += "  revises " + list(parents) + "\n";
  if (!depends.empty()) text += "  depends on " + list(depends) + "\n";
  if (!options.labels.empty()) {
    // A label that is not a plain lower-case word is written as a string:
    // no --label can add text to the header (or fold to another label).
    std::vector<std::string> labels;
    for (const auto& l : options.labels) {
      if (std::string problem = branch_label_problem(l); !problem.empty())
        throw RunError(2, problem);
      bool plain = !l.empty() && !std::isdigit(static_cast<unsigned char>(l[0]));
      for (char c : l)
        plain = plain && (std::islower(static_cast<unsigned char>(c)) ||
                          std::isdigit(static_cast<unsigned char>(c)) || c == '_');
      labels.push_back(plain ? l : quote(l));
    }
    text += "  labels " + list(labels) + "\n";
  }
  text += "  message " + quote(options.message) + "\n";
  text += "  created " + quote(created_now()) + ";\n\nupgrade {\n}\n";

  std::string name = project.config.file_template;
  auto replace = [&name](std::string_view key, const std::string& value) {
    for (size_t at; (at = name.find(key)) != std::string::npos;)
      name.replace(at, key.size(), value);
  };
  replace("{id}", id);
  replace("{slug}", slugify(options.message));
  fs::path path = project.root / project.config.migrations / name;
  // What the options made must read back as one revision (a label that is
  // a keyword, a message with a NUL): refused before anything is written.
  DiagnosticSink parsed;
  if (!parse_revision(SourceFile{name, text}, parsed) || parsed.has_errors()) {
    std::string why = parsed.diagnostics().empty() ? "" : ": " + parsed.diagnostics()[0].message;
    throw RunError(2, fmt::format("the options do not make a valid revision{}", why));
  }
  if (fs::exists(path)) {
    throw RunError(
        2, fmt::format("\"{}\" already exists", fs::relative(path, project.root).generic_string()));
  }
  write_file_atomically(path, text);
  try {
    add_to_sum_file(project, id, text);
  } catch (const RunError&) {
    // A revision the integrity file does not list is half a `new`: take it back.
    std::error_code ignored;
    fs::remove(path, ignored);
    throw;
  }
  ctx.out << fs::relative(path, project.root).generic_string() << "\n";
}

void run_new(Context& ctx, const NewOptions& options) {
  Project project;
  if (!ctx.load(project)) return;
  std::vector<std::string> parents;
  if (!options.head.empty()) {
    Resolution r = project.graph.resolve(options.head);
    if (!r.ok()) throw RunError(2, r.error);
    if (r.ids.size() > 1)
      throw RunError(2,
                     fmt::format("--head \"{}\" names several revisions; pick one", options.head));
    parents = r.ids;  // `--head base` starts a new base
  } else {
    auto heads = project.graph.heads();
    if (heads.size() > 1) {
      std::string names;
      for (size_t i = 0; i < heads.size(); ++i) names += (i ? ", " : "") + heads[i];
      throw RunError(2, fmt::format("the project has {} heads ({}): pick the parent with --head "
                                    "ID, or join them first with `retort merge`",
                                    heads.size(), names));
    }
    parents = heads;
  }
  write_revision(ctx, project, options, parents);
}

void run_merge(Context& ctx, const NewOptions& options) {
  Project project;
  if (!ctx.load(project)) return;
  std::vector<std::string> parents;
  for (const auto& expr : options.merge_parents) {
    Resolution r = project.graph.resolve(expr);
    if (!r.ok()) throw RunError(2, r.error);
    for (const auto& id : r.ids) {
      if (std::find(parents.begin(), parents.end(), id) == parents.end()) parents.push_back(id);
    }
  }
  if (parents.size() < 2) throw RunError(2, "a merge needs at least two distinct revisions");
  for (const auto& a : parents) {
    for (const auto& b : parents) {
      if (a != b && project.graph.is_ancestor(a, b)) {
        throw RunError(2, fmt::format("\"{}\" is already an ancestor of \"{}\": there is nothing "
                                      "to merge",
                                      a, b));
      }
    }
  }
  write_revision(ctx, project, options, parents);
}

}  // namespace

std::string slugify(std::string_view message) {
  std::string slug;
  for (char c : message) {
    unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u)) {
      slug += static_cast<char>(std::tolower(u));
    } else if (!slug.empty() && slug.back() != '_') {
      slug += '_';
    }
    if (slug.size() >= 40) break;
  }
  while (!slug.empty() && slug.back() == '_') slug.pop_back();
  return slug.empty() ? "revision" : slug;
}

void add_new_commands(CLI::App& app, Context& ctx) {
  auto options = std::make_shared<NewOptions>();
  auto* cmd = app.add_subcommand("new", "write a new revision file on the current head");
  cmd->add_option("-m,--message", options->message, "what the revision does")->required();
  cmd->add_option("--id", options->id, "the revision id (default: 12 random hex digits)");
  cmd->add_option("--depends-on", options->depends_on, "a revision that must be applied first");
  cmd->add_option("--label", options->labels, "a branch label");
  cmd->add_option("--head", options->head, "the parent when there are several heads (or base)");
  cmd->callback([&ctx, options] { run_new(ctx, *options); });

  auto merge_options = std::make_shared<NewOptions>();
  auto* merge = app.add_subcommand("merge", "write a merge revision joining two or more heads");
  merge->add_option("REVISIONS", merge_options->merge_parents, "the revisions to merge")
      ->required()
      ->expected(1, -1);
  merge->add_option("-m,--message", merge_options->message, "what the merge does")->required();
  merge->add_option("--id", merge_options->id, "the revision id (default: 12 random hex digits)");
  merge->callback([&ctx, merge_options] { run_merge(ctx, *merge_options); });
}

}  // namespace retort::cli
