#include "compiler/project.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <ostream>
#include <system_error>

#include "compiler/alembic_reader.h"
#include "compiler/digest.h"
#include "compiler/parser.h"

namespace fs = std::filesystem;

namespace retort {

SourceTexts Project::texts() const {
  SourceTexts out;
  out.emplace(config_file.path, config_file.text);
  for (const auto& s : sources) out.emplace(s.path, s.text);
  return out;
}

std::string_view Project::source_text(std::string_view path) const {
  auto it = std::lower_bound(sources.begin(), sources.end(), path,
                             [](const SourceFile& s, std::string_view p) { return s.path < p; });
  return it != sources.end() && it->path == path ? std::string_view(it->text) : std::string_view();
}

std::string Project::source_sha256(std::string_view path) const {
  auto it = std::lower_bound(sources.begin(), sources.end(), path,
                             [](const SourceFile& s, std::string_view p) { return s.path < p; });
  if (it == sources.end() || it->path != path) return sha256_hex("");
  size_t index = static_cast<size_t>(it - sources.begin());
  return index < source_hashes.size() ? source_hashes[index] : sha256_hex(it->text);
}

const ast::RevisionFile* Project::revision(std::string_view id) const {
  auto it = revision_index.find(id);
  return it == revision_index.end() ? nullptr : &revisions[it->second];
}

ReplayOptions Project::replay_options() const {
  ReplayOptions options;
  options.naming = config.naming;
  options.dialects = config.dialects;
  // The strictest identifier limit among the targets (dialects.md): a name
  // is made once and is the same on every dialect.
  size_t limit = 0;
  for (const auto& d : config.dialects) {
    size_t l = d == "postgresql"                ? 63
               : d == "mysql" || d == "mariadb" ? 64
               : d == "mssql"                   ? 128
               : d == "oracle"
                   ? (compare_versions(config.version_of("oracle"), "12.2") < 0 ? 30 : 128)
                   : 0;
    if (l != 0 && (limit == 0 || l < limit)) limit = l;
  }
  options.max_name_bytes = limit == 0 ? 63 : limit;
  return options;
}

std::optional<fs::path> find_project_root(const fs::path& start) {
  std::error_code ec;
  fs::path dir = fs::absolute(start, ec);
  if (ec) return std::nullopt;
  dir = dir.lexically_normal();
  while (true) {
    if (fs::is_regular_file(dir / "retort.toml", ec)) return dir;
    fs::path parent = dir.parent_path();
    if (parent == dir || parent.empty()) return std::nullopt;
    dir = parent;
  }
}

std::string read_text_file(const fs::path& path, size_t max_bytes) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec) throw RunError(2, fmt::format("cannot read \"{}\": {}", path.string(), ec.message()));
  if (size > max_bytes) {
    throw RunError(2, fmt::format("\"{}\" is {} bytes, over the limit of {} bytes", path.string(),
                                  size, max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RunError(2, fmt::format("cannot read \"{}\"", path.string()));
  std::string text(size, '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

void write_file_atomically(const fs::path& path, std::string_view text) {
  fs::path tmp = path;
  tmp += fmt::format(".tmp-{}", static_cast<unsigned long>(::getpid()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw RunError(2, fmt::format("cannot write \"{}\"", path.string()));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      std::error_code ignored;
      fs::remove(tmp, ignored);
      throw RunError(2, fmt::format("cannot write \"{}\"", path.string()));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw RunError(2, fmt::format("cannot write \"{}\"", path.string()));
  }
}

Project open_project(const ProjectLocation& where) {
  Project project;
  fs::path config_path;
  if (where.config) {
    config_path = fs::absolute(*where.config).lexically_normal();
    if (!fs::is_regular_file(config_path)) {
      throw RunError(2, fmt::format("no config file \"{}\"", where.config->string()));
    }
  } else {
    auto root = find_project_root(where.start);
    if (!root) {
      throw RunError(2, fmt::format("no retort.toml in \"{}\" or any folder above it; run "
                                    "`retort init` to start a project",
                                    where.start.string()));
    }
    config_path = *root / "retort.toml";
  }
  project.root = config_path.parent_path();
  project.config_file.path = config_path.filename().string();
  project.config_file.text = read_text_file(config_path, 1u << 20);
  DiagnosticSink sink;
  auto config = parse_config(project.config_file, sink);
  if (!config || sink.has_errors()) {
    throw RunError(2, "bad config", sink.diagnostics());
  }
  project.config = std::move(*config);
  project.cache = where.cache;
  return project;
}

void load_revisions(Project& project, DiagnosticSink& sink) {
  // `[project] alembic` reads an Alembic project's scripts in place instead
  // of `.rev` files (Alembic's own __init__.py and the like are not scripts).
  const bool alembic = project.config.alembic.has_value();
  const std::string& where = alembic ? *project.config.alembic : project.config.migrations;
  fs::path folder = project.root / where;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    throw RunError(2, fmt::format("the {} folder \"{}\" does not exist (retort.toml: "
                                  "[project] {})",
                                  alembic ? "Alembic versions" : "migrations", where,
                                  alembic ? "alembic" : "migrations"));
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::string name = entry.path().filename().string();
    bool wanted = alembic ? entry.path().extension() == ".py" && name[0] != '_' && name[0] != '.'
                          : entry.path().extension() == ".rev";
    if (wanted && entry.is_regular_file()) files.push_back(entry.path());
  }
  if (ec) throw RunError(2, fmt::format("cannot list \"{}\": {}", folder.string(), ec.message()));
  std::sort(files.begin(), files.end());

  project.sources.clear();
  project.revisions.clear();
  for (const auto& f : files) {
    SourceFile source;
    source.path = fs::relative(f, project.root).generic_string();
    source.text = read_text_file(f, kMaxRevisionFileBytes);
    project.sources.push_back(std::move(source));
  }

  project.source_hashes.clear();
  for (const auto& source : project.sources)
    project.source_hashes.push_back(sha256_hex(source.text));

  // Alembic scripts are read in place and not cached (docs/cache.md).
  std::optional<ParseCache> cache;
  if (project.cache.enabled && !alembic)
    cache.emplace(parse_cache_pack_path(project.root, project.cache));

  DiagnosticSink parse_sink;
  std::vector<ast::RevisionFile> parsed;
  for (size_t i = 0; i < project.sources.size(); ++i) {
    const SourceFile& source = project.sources[i];
    std::optional<ast::RevisionFile> rev;
    if (cache) rev = cache->lookup(project.source_hashes[i]);
    if (!rev) {
      // Only a parse without any diagnostic is cached, so that a hit never
      // has to reproduce a warning.
      DiagnosticSink file_sink;
      rev = alembic ? read_alembic_script(source, file_sink) : parse_revision(source, file_sink);
      if (cache && rev && file_sink.empty()) cache->record(project.source_hashes[i], *rev);
      parse_sink.absorb(std::move(file_sink));
    }
    if (rev) {
      rev->path = source.path;
      parsed.push_back(std::move(*rev));
    }
  }
  if (cache) {
    cache->save();
    if (project.cache.stats) {
      const auto& stats = cache->stats();
      *project.cache.stats << fmt::format("retort: cache: {} hits, {} misses, pack {}\n",
                                          stats.hits, stats.misses,
                                          stats.pack_written ? "written" : "unchanged");
    }
  }
  bool syntax_failed = parse_sink.has_errors();
  sink.absorb(std::move(parse_sink));
  if (syntax_failed) return;

  std::vector<RevisionNode> nodes;
  nodes.reserve(parsed.size());
  for (const auto& rev : parsed) {
    RevisionNode node;
    node.id = rev.header.id.text;
    node.path = rev.path;
    node.parents = rev.header.revises;
    node.depends_on = rev.header.depends_on;
    node.labels = rev.header.labels;
    node.message = rev.header.message.value_or("");
    node.id_span = rev.header.id.span;
    nodes.push_back(std::move(node));
  }
  project.graph = RevisionGraph::build(std::move(nodes), sink);
  project.revisions = std::move(parsed);
  project.revision_index.clear();
  for (size_t i = 0; i < project.revisions.size(); ++i) {
    project.revision_index.emplace(project.revisions[i].header.id.text, i);
  }
}

SchemaModel replay_all(const Project& project, DiagnosticSink& sink) {
  SchemaModel schema;
  ReplayOptions options = project.replay_options();
  const auto& nodes = project.graph.nodes();
  for (size_t index : project.graph.topological_order()) {
    const ast::RevisionFile* rev = project.revision(nodes[index].id);
    if (rev) replay_upgrade(*rev, schema, options, sink);
  }
  return schema;
}

}  // namespace retort
