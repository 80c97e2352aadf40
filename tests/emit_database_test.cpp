// The end-to-end test of emitted SQL on real servers (quality.md, "Real
// databases"; dialects.md, "Checked how"): for every project (examples/ and
// each fixtures/emit/*/ with a retort.toml) and every dialect it declares
// that has a server here, the real `retort` binary writes the scripts and
// the dialect's own client applies them, with rows seeded before each step:
//
//   1. upgrade base -> head one revision (or one merge) at a time;
//   2. the catalogue equals that of `retort schema` applied to a fresh
//      database (the version table aside: `schema` does not make it);
//   3. the whole upgrade script applied again stops at its first guard and
//      changes neither the catalogue nor the version rows;
//   4. `downgrade head:base` leaves only the version table, empty;
//   5. `upgrade head` again gives the catalogue of step 1;
//   6. for the ranges a project lists, `downgrade FROM:TO` then `upgrade
//      TO:FROM` on a database at FROM gives FROM's catalogue again: the
//      downgrade undid exactly what the upgrade did, down to the objects the
//      server made by itself (MySQL's foreign-key indexes), which a
//      downgrade to base cannot show.
//
// MySQL projects are rendered with `--dialect mariadb` and applied to the
// MariaDB server: MySQL itself is not available here. A dialect whose
// renderer does not exist yet fails its case (never a skip), and so does a
// server that cannot be reached.
//
// Run with the servers' settings in the environment:
//   RETORT_DB_STATE=/tmp/e2e.env ci/databases start && source /tmp/e2e.env &&
//   build/emit_database_test; RETORT_DB_STATE=/tmp/e2e.env ci/databases stop
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/config.h"
#include "compiler/diagnostics.h"
#include "compiler/source.h"
#include "tests/db/harness.h"

namespace fs = std::filesystem;

namespace retort::testing {
namespace {

/// A project as the test knows it. The dialects are written out here (from
/// what each retort.toml declares; DeclaredDialectsAreListed checks them)
/// so that a dialect without a renderer shows up as a failing case instead
/// of vanishing from the list.
struct Project {
  std::string name;    // for test names
  std::string folder;  // relative to the source folder
  std::vector<std::string> dialects;
  /// Dialects for which the project is an error fixture: `retort upgrade`
  /// must refuse it (exit 2) with this text, and there is nothing to apply.
  std::map<std::string, std::string> rejected{};
  /// What retort says when it refuses `downgrade head:base` (a revision
  /// says `downgrade irreversible`, or its downgrade cannot be derived), and
  /// the highest revision below the refusal, from which steps 4 and 5 start
  /// on a second database instead ("": nothing below, step 5 starts from an
  /// empty database).
  std::string downgrade_refused{};
  std::string reversible_top{};
  /// Step 6's `FROM:TO` ranges (reversible: FROM at most reversible_top).
  std::vector<std::string> round_trips{};
};

const std::vector<Project>& projects() {
  static const std::vector<Project> list = {
      {.name = "examples",
       .folder = "examples",
       .dialects = {"postgresql", "mysql", "sqlite"},
       // a0d7e8f5b293 adds an enum value, which PostgreSQL cannot take back.
       .downgrade_refused = "revision \"a0d7e8f5b293\" is irreversible",
       .reversible_top = "9c6e7f4a1b82"},
      {.name = "alembic_tutorial",
       .folder = "fixtures/alembic-inplace/tutorial",
       .dialects = {"postgresql", "sqlite"}},
      {.name = "alembic_autogenerate",
       .folder = "fixtures/alembic-projects/autogenerate",
       .dialects = {"postgresql"}},
      {.name = "alembic_batch",
       .folder = "fixtures/alembic-projects/batch",
       .dialects = {"sqlite"}},
      {.name = "alembic_branches",
       .folder = "fixtures/alembic-projects/branches",
       .dialects = {"postgresql", "sqlite", "mysql"}},
      {.name = "alembic_data",
       .folder = "fixtures/alembic-projects/data",
       .dialects = {"postgresql", "sqlite", "mysql"}},
      {.name = "alembic_mysql_alter",
       .folder = "fixtures/alembic-projects/mysql-alter",
       .dialects = {"mysql"}},
      {.name = "alembic_renames",
       .folder = "fixtures/alembic-projects/renames",
       .dialects = {"postgresql"}},
      // Not PostgreSQL (see its retort.toml).
      {.name = "alembic_types",
       .folder = "fixtures/alembic-projects/types",
       .dialects = {"sqlite", "mysql"}},
      {.name = "alembic_sqlite_alter",
       .folder = "fixtures/alembic-projects/sqlite-alter",
       .dialects = {"sqlite"}},
      {.name = "emit_alembic_mysql_names",
       .folder = "fixtures/emit/alembic_mysql_names",
       .dialects = {"postgresql", "mysql", "mariadb"}},
      {.name = "emit_branches", .folder = "fixtures/emit/branches", .dialects = {"postgresql"}},
      {.name = "emit_dialect_errors",
       .folder = "fixtures/emit/dialect_errors",
       .dialects = {"postgresql", "mysql"},
       // Its one revision has no PostgreSQL spelling on purpose.
       .rejected = {{"postgresql",
                     "error[dialect]: native type native(mysql: 'mediumint') "
                     "has no PostgreSQL spelling"}},
       // Its `execute`s have no reverse.
       .downgrade_refused = "cannot derive the downgrade of revision \"200000000001\""},
      {.name = "emit_mysql_errors",
       .folder = "fixtures/emit/mysql_errors",
       .dialects = {"mysql"},
       // Its one revision is what MySQL cannot say, on purpose.
       .rejected = {{"mysql", "error[dialect]: column t.body is LONGTEXT"}}},
      {.name = "emit_mysql_statements",
       .folder = "fixtures/emit/mysql_statements",
       .dialects = {"mysql", "mariadb"},
       // 300000000005 says `downgrade irreversible`.
       .downgrade_refused = "revision \"300000000005\" is irreversible",
       .reversible_top = "300000000004",
       // 300000000002 and 300000000003 each create an index that takes over
       // from the index MariaDB made for a foreign key.
       .round_trips = {"300000000004:300000000001"}},
      // Oracle only: no server here, golden files only.
      {.name = "emit_oracle_errors", .folder = "fixtures/emit/oracle_errors", .dialects = {}},
      {.name = "emit_oracle_statements",
       .folder = "fixtures/emit/oracle_statements",
       .dialects = {}},
      {.name = "emit_type_spellings",
       .folder = "fixtures/emit/type_spellings",
       .dialects = {"postgresql", "mysql", "mariadb", "sqlite"}},
      {.name = "emit_quoted_names",
       .folder = "fixtures/emit/quoted_names",
       .dialects = {"sqlite", "postgresql", "mariadb"}},
      {.name = "emit_sqlite_errors",
       .folder = "fixtures/emit/sqlite_errors",
       .dialects = {"sqlite"},
       // Its one revision is what SQLite cannot say, on purpose.
       .rejected = {{"sqlite",
                     "error[dialect]: SQLite has no schemas: cannot create schema "
                     "billing"}}},
      {.name = "emit_sqlite_rebuild",
       .folder = "fixtures/emit/sqlite_rebuild",
       .dialects = {"sqlite"},
       // 300000000005 drops a referenced table with cascade: its derived
       // downgrade brings it back empty and the foreign key back unchecked.
       .round_trips = {"300000000003:300000000001", "300000000005:300000000004"}},
      {.name = "emit_statements",
       .folder = "fixtures/emit/statements",
       .dialects = {"postgresql"},
       // 000000000004 says `downgrade irreversible`.
       .downgrade_refused = "revision \"000000000004\" is irreversible",
       .reversible_top = "000000000003",
       .round_trips = {"000000000003:000000000001"}},
      {.name = "emit_transactions",
       .folder = "fixtures/emit/transactions",
       .dialects = {"postgresql"}},
  };
  return list;
}

/// The dialects that have a server here; the others have golden files only.
std::optional<std::string> server_dialect(std::string_view declared) {
  if (declared == "postgresql") return "postgresql";
  if (declared == "mysql" || declared == "mariadb") return "mariadb";
  if (declared == "sqlite") return "sqlite";
  return std::nullopt;
}

/// One project on one server. Declared dialects that render the same way
/// (mysql and mariadb both as mariadb) are one case: the scripts are the
/// same bytes, and two cases creating the same server-level names (a
/// MariaDB `create schema` is a database) at once would collide.
struct Case {
  const Project* project;
  std::string dialect;                // what is rendered and applied
  std::vector<std::string> declared;  // the project's names for it
};

std::string case_name(const Case& c) {
  std::string name = c.project->name;
  for (const auto& d : c.declared) name += "_" + d;
  return name;
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << case_name(c);
}

std::vector<Case> cases() {
  std::vector<Case> list;
  for (const auto& p : projects()) {
    for (const auto& d : p.dialects) {
      std::string render = server_dialect(d).value_or(d);
      auto same = std::find_if(list.begin(), list.end(), [&](const Case& c) {
        return c.project == &p && c.dialect == render;
      });
      if (same != list.end()) {
        same->declared.push_back(d);
      } else {
        list.push_back({&p, render, {d}});
      }
    }
  }
  return list;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The lines of `expected` and `actual` that the other lacks, for a failure
/// message that points at the difference in two long catalogues.
std::string line_diff(const std::string& expected, const std::string& actual) {
  auto lines = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  };
  auto a = lines(expected), b = lines(actual);
  std::multiset<std::string> in_a(a.begin(), a.end()), in_b(b.begin(), b.end());
  std::string out;
  for (const auto& l : a) {
    if (!in_b.count(l)) out += "- " + l + "\n";
  }
  for (const auto& l : b) {
    if (!in_a.count(l)) out += "+ " + l + "\n";
  }
  return out;
}

/// A failure message for two catalogues that differ.
std::string catalogue_diff(const Catalogue& expected, const Catalogue& actual) {
  return "diff (- expected, + actual):\n" + line_diff(to_text(expected), to_text(actual)) +
         "expected:\n" + to_text(expected) + "actual:\n" + to_text(actual);
}

Catalogue without_table(Catalogue catalogue, std::string_view name) {
  std::erase_if(catalogue.tables, [&](const Table& t) { return t.name == name; });
  return catalogue;
}

/// A copy of the project in a temporary folder, removed at the end, so that
/// the binary's cache never lands in the source tree.
class Sandbox {
 public:
  explicit Sandbox(const Project& project, std::string_view dialect) {
    path_ = fs::temp_directory_path() / ("retort-e2e-" + std::to_string(::getpid()) + "-" +
                                         project.name + "-" + std::string(dialect));
    fs::remove_all(path_);
    fs::copy(fs::path(RETORT_SOURCE_DIR) / project.folder, path_, fs::copy_options::recursive);
  }
  ~Sandbox() {
    std::error_code ignored;  // a leftover temporary folder is harmless
    fs::remove_all(path_, ignored);
  }
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

/// The revision graph as `retort history` and `retort heads` print it.
struct Graph {
  std::vector<std::string> order;  // oldest first: a topological order
  std::map<std::string, std::vector<std::string>> parents;
  std::vector<std::string> heads;  // sorted

  /// Whether `ancestor` is `id` or lies below it.
  bool reaches(const std::string& id, const std::string& ancestor) const {
    if (id == ancestor) return true;
    auto it = parents.find(id);
    if (it == parents.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](const std::string& p) { return reaches(p, ancestor); });
  }
};

/// Parses `history` lines: `PARENTS -> ID [(head)] [(label)]..., message`
/// where PARENTS is `<base>`, an id, or `(a, b)`.
Graph parse_graph(const std::string& history, const std::string& heads) {
  Graph graph;
  std::istringstream lines(history);
  for (std::string line; std::getline(lines, line);) {
    auto arrow = line.find(" -> ");
    if (arrow == std::string::npos) continue;
    std::string left = line.substr(0, arrow);
    std::string rest = line.substr(arrow + 4);
    std::string id = rest.substr(0, rest.find_first_of(" ,"));
    std::vector<std::string> parents;
    if (left != "<base>") {
      std::erase(left, '(');
      std::erase(left, ')');
      std::istringstream parts(left);
      for (std::string p; std::getline(parts, p, ',');) {
        p.erase(0, p.find_first_not_of(' '));
        parents.push_back(p);
      }
    }
    graph.parents[id] = parents;
    graph.order.insert(graph.order.begin(), id);
  }
  std::istringstream head_lines(heads);
  for (std::string line; std::getline(head_lines, line);) {
    if (!line.empty()) graph.heads.push_back(line.substr(0, line.find(' ')));
  }
  std::sort(graph.heads.begin(), graph.heads.end());
  return graph;
}

/// The ranges that take a database from base to `target` in topological
/// order, one revision at a time where the graph allows: `R`, then `P:R`
/// while the previous target P lies below R; at a revision off that line
/// (the other side of a branch), the range runs to the first later revision
/// above P (a merge), and when there is none, to `final_target`.
std::vector<std::string> upgrade_steps(const Graph& graph, const std::string& top,
                                       const std::string& final_target) {
  std::vector<std::string> order;
  for (const auto& id : graph.order) {
    if (top.empty() || graph.reaches(top, id)) order.push_back(id);
  }
  std::vector<std::string> steps;
  std::set<std::string> covered;
  std::string last;
  for (size_t i = 0; i < order.size(); ++i) {
    const std::string& id = order[i];
    if (covered.count(id)) continue;
    std::string target;
    if (last.empty()) {
      target = id;
      steps.push_back(id);
    } else if (graph.reaches(id, last)) {
      target = id;
      steps.push_back(last + ":" + id);
    } else {
      for (size_t j = i + 1; j < order.size() && target.empty(); ++j) {
        if (graph.reaches(order[j], last)) target = order[j];
      }
      if (target.empty()) {
        steps.push_back(last + ":" + final_target);
        break;
      }
      steps.push_back(last + ":" + target);
    }
    for (const auto& other : order) {
      if (graph.reaches(target, other)) covered.insert(other);
    }
    last = target;
  }
  return steps;
}

class EmitDatabaseTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    sandbox_ = std::make_unique<Sandbox>(*c.project, c.dialect);
    render_ = c.dialect;
    SourceFile file{.path = "retort.toml", .text = read_text(sandbox_->path() / "retort.toml")};
    DiagnosticSink sink;
    auto config = parse_config(file, sink);
    ASSERT_TRUE(config) << "retort.toml of " << c.project->folder << " does not parse";
    version_table_ = config->version_table;
  }

  void TearDown() override { sandbox_.reset(); }

  /// `retort -C SANDBOX ARGS... [--dialect D]`: the SQL commands get the
  /// case's dialect, the graph commands take none.
  RunResult retort(std::vector<std::string> args, bool with_dialect = true) {
    std::vector<std::string> argv = {RETORT_BINARY, "-C", sandbox_->path().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    if (with_dialect) {
      argv.push_back("--dialect");
      argv.push_back(render_);
    }
    return run_program(argv, {"NO_COLOR=1"});
  }

  /// The SQL of one retort command, which must succeed.
  void generate(const std::vector<std::string>& args, std::string& sql) {
    RunResult r = retort(args);
    std::string command = "retort";
    for (const auto& a : args) command += " " + a;
    ASSERT_EQ(r.exit_code, 0) << command << " --dialect " << render_ << " failed:\n" << r.err;
    sql = r.out;
  }

  /// Applies `sql` (what `what` names), which must succeed.
  void apply_ok(const std::string& database, const std::string& sql, const std::string& what) {
    RunResult r = server_->apply(database, sql);
    ASSERT_EQ(r.exit_code, 0) << what << " failed on " << server_->dialect() << " (exit "
                              << r.exit_code << "); the client said:\n"
                              << r.err;
  }

  /// Seeds rows in every table but the version table; a table it cannot
  /// fill is reported (the seeding is a heuristic, not the thing tested),
  /// never dropped without a word.
  void seed(const std::string& database, const std::string& before) {
    auto outcomes =
        seed_rows(*server_, database, server_->catalogue(database), round_++, 2, version_table_);
    for (const auto& o : outcomes) {
      if (!o.skipped_because.empty()) {
        std::cout << "[   NOTE   ] " << case_name(GetParam()) << ": no rows seeded in " << o.table
                  << " before " << before << ": " << o.skipped_because << "\n";
      }
    }
  }

  /// Step 1 up to `top` ("" for the heads): seed, generate the range,
  /// apply it, for each range in turn.
  void upgrade_stepwise(const std::string& database, const std::string& top) {
    for (const auto& range : upgrade_steps(graph_, top, target_)) {
      SCOPED_TRACE("upgrade " + range);
      seed(database, "upgrade " + range);
      std::string sql;
      ASSERT_NO_FATAL_FAILURE(generate({"upgrade", range}, sql));
      ASSERT_NO_FATAL_FAILURE(apply_ok(database, sql, "upgrade " + range));
    }
  }

  std::vector<Row> version_rows(const std::string& database) {
    return server_->query(database,
                          "SELECT version_num FROM " + version_table_ + " ORDER BY version_num");
  }

  std::vector<Row> head_rows() const {
    std::vector<Row> rows;
    for (const auto& h : graph_.heads) rows.push_back({h});
    return rows;
  }

  /// Step 4's check: nothing left but the empty version table.
  void expect_base(const std::string& database) {
    Catalogue left = server_->catalogue(database);
    std::vector<std::string> names;
    for (const auto& t : left.tables) names.push_back(t.name);
    EXPECT_EQ(names, std::vector<std::string>{version_table_}) << to_text(left);
    EXPECT_TRUE(left.enums.empty()) << to_text(left);
    EXPECT_TRUE(left.views.empty()) << to_text(left);
    EXPECT_EQ(version_rows(database), std::vector<Row>{});
  }

  /// The databases on a MariaDB server (elsewhere none: PostgreSQL schemas
  /// and SQLite files belong to one database).
  std::set<std::string> server_databases() {
    std::set<std::string> names;
    if (render_ != "mariadb") return names;
    for (const auto& r :
         server_->query("", "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA")) {
      names.insert(r.at(0));
    }
    return names;
  }

  /// The server-level databases that the project's `create schema`s make
  /// on MariaDB: the names of the CREATE DATABASE lines of its whole
  /// upgrade script.
  std::set<std::string> own_schemas() {
    std::set<std::string> names;
    if (render_ != "mariadb") return names;
    std::string sql;
    EXPECT_NO_FATAL_FAILURE(generate({"upgrade", target_}, sql));
    std::istringstream lines(sql);
    for (std::string line; std::getline(lines, line);) {
      constexpr std::string_view kCreate = "CREATE DATABASE ";
      if (!line.starts_with(kCreate)) continue;
      std::string name = line.substr(kCreate.size());
      if (name.starts_with("IF NOT EXISTS ")) name.erase(0, 14);
      std::erase_if(name, [](char ch) { return ch == '`' || ch == ';'; });
      names.insert(name);
    }
    return names;
  }

  /// Drops the server-level databases that this project's `create schema`
  /// made on MariaDB since `before`, so that the next database of this case
  /// can make them again. Nothing else is touched: not other tests'
  /// temporary databases (retort_t_*), nor the schemas of another case that
  /// runs at the same time (ctest -j).
  void drop_schemas_made_since(const std::set<std::string>& before) {
    if (render_ != "mariadb") return;
    if (!own_schemas_) own_schemas_ = own_schemas();
    for (const auto& name : server_databases()) {
      if (!before.count(name) && own_schemas_->count(name)) {
        RunResult r = server_->apply("", "DROP DATABASE IF EXISTS `" + name + "`;");
        ASSERT_EQ(r.exit_code, 0) << r.err;
      }
    }
  }

  std::unique_ptr<Sandbox> sandbox_;
  std::string render_;
  std::optional<std::set<std::string>> own_schemas_;  // own_schemas(), once
  std::string version_table_;
  std::unique_ptr<Server> server_;
  Graph graph_;
  std::string target_;  // "head", or "heads" when there are several
  int round_ = 0;
};

TEST_P(EmitDatabaseTest, UpgradeDowngradeUpgrade) {
  const Case& c = GetParam();
  auto started = std::chrono::steady_clock::now();

  if (auto reason = c.project->rejected.find(c.declared.front());
      reason != c.project->rejected.end()) {
    // An error fixture: the test is that retort refuses to write SQL.
    RunResult r = retort({"upgrade", "head"});
    EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
    EXPECT_NE(r.err.find(reason->second), std::string::npos) << r.err;
    EXPECT_EQ(r.out, "");
    return;
  }
  try {
    server_ = Server::connect(render_);
  } catch (const HarnessError& e) {
    FAIL() << e.what();
  }
  RunResult history = retort({"history"}, false);
  RunResult heads = retort({"heads"}, false);
  ASSERT_EQ(history.exit_code, 0) << history.err;
  ASSERT_EQ(heads.exit_code, 0) << heads.err;
  graph_ = parse_graph(history.out, heads.out);
  ASSERT_FALSE(graph_.heads.empty()) << heads.out;
  target_ = graph_.heads.size() > 1 ? "heads" : "head";

  // The catalogue that step 2 compares with is made first: on MariaDB a
  // `create schema` is a server-level database, which two live databases of
  // one case cannot both create.
  const std::set<std::string> databases_before = server_databases();
  Catalogue expected_schema;
  {
    SCOPED_TRACE("step 2 (first half): apply `retort schema` to a fresh database");
    std::vector<std::string> args = {"schema"};
    if (target_ == "heads") args.push_back("heads");
    std::string schema_sql;
    ASSERT_NO_FATAL_FAILURE(generate(args, schema_sql));
    TemporaryDatabase fresh(*server_);
    ASSERT_NO_FATAL_FAILURE(apply_ok(fresh.name(), schema_sql, "retort schema"));
    expected_schema = without_table(server_->catalogue(fresh.name()), version_table_);
  }
  ASSERT_NO_FATAL_FAILURE(drop_schemas_made_since(databases_before));

  // Step 1: upgrade base -> head, a step at a time, on tables with rows.
  TemporaryDatabase upgraded(*server_);
  {
    SCOPED_TRACE("step 1: upgrade base -> " + target_ + " step by step");
    ASSERT_NO_FATAL_FAILURE(upgrade_stepwise(upgraded.name(), ""));
  }
  const Catalogue at_head = server_->catalogue(upgraded.name());
  const std::vector<Row> versions_at_head = version_rows(upgraded.name());
  EXPECT_EQ(versions_at_head, head_rows()) << "step 1: the version rows after the upgrade";

  // Step 2: the same schema as `retort schema` makes.
  {
    SCOPED_TRACE("step 2: catalogue after upgrade equals `retort schema`");
    Catalogue actual = without_table(at_head, version_table_);
    EXPECT_TRUE(expected_schema == actual) << catalogue_diff(expected_schema, actual);
  }

  // Step 3: the whole script again stops at its first guard.
  std::string full_upgrade;
  {
    SCOPED_TRACE("step 3: the upgrade script applied twice stops at its first guard");
    ASSERT_NO_FATAL_FAILURE(generate({"upgrade", target_}, full_upgrade));
    RunResult again = server_->apply(upgraded.name(), full_upgrade);
    EXPECT_NE(again.exit_code, 0) << "applied a second time without error:\n" << again.out;
    EXPECT_NE(again.err.find("retort"), std::string::npos)
        << "not stopped by a guard; the client said:\n"
        << again.err;
    Catalogue after = server_->catalogue(upgraded.name());
    EXPECT_TRUE(after == at_head) << catalogue_diff(at_head, after);
    EXPECT_EQ(version_rows(upgraded.name()), versions_at_head);
  }

  // Step 4: downgrade to base, with rows in the tables.
  std::optional<TemporaryDatabase> second;
  std::string downgraded = upgraded.name();
  {
    SCOPED_TRACE("step 4: downgrade " + target_ + ":base");
    std::string from = target_;
    if (!c.project->downgrade_refused.empty()) {
      // The refusal is part of what is tested; the rest runs from the
      // revision below on a database that was only ever upgraded to it.
      RunResult refused = retort({"downgrade", target_ + ":base"});
      EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
      EXPECT_NE(refused.err.find(c.project->downgrade_refused), std::string::npos) << refused.err;
      EXPECT_EQ(refused.out, "");
      // The head database may hold server-level names the next one makes.
      ASSERT_NO_FATAL_FAILURE(drop_schemas_made_since(databases_before));
      second.emplace(*server_);
      downgraded = second->name();
      from = c.project->reversible_top;
    }
    SCOPED_TRACE("downgrade from " + from);
    if (!from.empty()) {
      if (from != target_) {
        ASSERT_NO_FATAL_FAILURE(upgrade_stepwise(downgraded, from));
      }
      seed(downgraded, "downgrade " + from + ":base");
      std::string sql;
      ASSERT_NO_FATAL_FAILURE(generate({"downgrade", from + ":base"}, sql));
      ASSERT_NO_FATAL_FAILURE(apply_ok(downgraded, sql, "downgrade " + from + ":base"));
      expect_base(downgraded);
    }
    // With nothing reversible below the refusal, step 5 starts from the
    // empty database: still the whole script once, on a new database.
  }

  // Step 5: upgrade again, in one script.
  {
    SCOPED_TRACE("step 5: upgrade " + target_ + " again after the downgrade");
    ASSERT_NO_FATAL_FAILURE(apply_ok(downgraded, full_upgrade, "upgrade " + target_));
    Catalogue again = server_->catalogue(downgraded);
    EXPECT_TRUE(again == at_head) << catalogue_diff(at_head, again);
    EXPECT_EQ(version_rows(downgraded), versions_at_head);
  }

  // Step 6: partial downgrades undo their revisions exactly.
  for (const auto& range : c.project->round_trips) {
    SCOPED_TRACE("step 6: downgrade " + range + " and upgrade again");
    auto colon = range.find(':');
    ASSERT_NE(colon, std::string::npos) << range;
    const std::string from = range.substr(0, colon);
    const std::string to = range.substr(colon + 1);
    ASSERT_NO_FATAL_FAILURE(drop_schemas_made_since(databases_before));
    // Whatever happens below, the server-level names this database makes
    // (a MariaDB `create schema`) go with it, for the next case.
    struct Cleanup {
      std::function<void()> run;
      ~Cleanup() { run(); }
    } cleanup{[&] { drop_schemas_made_since(databases_before); }};
    TemporaryDatabase trip(*server_);
    ASSERT_NO_FATAL_FAILURE(upgrade_stepwise(trip.name(), from));
    const Catalogue at_from = server_->catalogue(trip.name());
    seed(trip.name(), "downgrade " + range);
    std::string down, up;
    ASSERT_NO_FATAL_FAILURE(generate({"downgrade", range}, down));
    ASSERT_NO_FATAL_FAILURE(apply_ok(trip.name(), down, "downgrade " + range));
    seed(trip.name(), "upgrade " + to + ":" + from);
    ASSERT_NO_FATAL_FAILURE(generate({"upgrade", to + ":" + from}, up));
    ASSERT_NO_FATAL_FAILURE(apply_ok(trip.name(), up, "upgrade " + to + ":" + from));
    Catalogue again = server_->catalogue(trip.name());
    EXPECT_TRUE(again == at_from) << catalogue_diff(at_from, again);
  }

  std::cout << "[   TIME   ] " << case_name(c) << ": "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - started)
                   .count()
            << " ms\n";
}

INSTANTIATE_TEST_SUITE_P(Projects, EmitDatabaseTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& param_info) {
                           return case_name(param_info.param);
                         });

/// The folders the test must cover: examples/ and every fixtures/emit/*/
/// fixtures/alembic-inplace/*/ and fixtures/alembic-projects/*/ holding a
/// retort.toml.
std::vector<std::string> project_folders() {
  std::vector<std::string> folders = {"examples"};
  for (std::string group : {"emit", "alembic-inplace", "alembic-projects"}) {
    fs::path root = fs::path(RETORT_SOURCE_DIR) / "fixtures" / group;
    for (const auto& entry : fs::directory_iterator(root)) {
      if (fs::exists(entry.path() / "retort.toml")) {
        folders.push_back("fixtures/" + group + "/" + entry.path().filename().string());
      }
    }
  }
  std::sort(folders.begin(), folders.end());
  return folders;
}

// A new fixture project, or a dialect added to a retort.toml, must show up
// here as a case rather than go untested.
TEST(EmitDatabaseCases, EveryProjectIsListed) {
  std::vector<std::string> listed;
  for (const auto& p : projects()) listed.push_back(p.folder);
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, project_folders());
}

TEST(EmitDatabaseCases, DeclaredDialectsAreListed) {
  for (const auto& p : projects()) {
    SCOPED_TRACE(p.folder);
    fs::path toml = fs::path(RETORT_SOURCE_DIR) / p.folder / "retort.toml";
    SourceFile file{.path = toml.string(), .text = read_text(toml)};
    DiagnosticSink sink;
    auto config = parse_config(file, sink);
    ASSERT_TRUE(config) << "does not parse";
    std::vector<std::string> declared =
        config->dialects.empty() ? std::vector<std::string>{config->dialect} : config->dialects;
    std::vector<std::string> with_server;
    for (const auto& d : declared) {
      if (server_dialect(d)) with_server.push_back(d);
    }
    EXPECT_EQ(p.dialects, with_server);
  }
}

TEST(EmitDatabaseCases, StepsFollowTheGraph) {
  // The shape of fixtures/emit/branches: a merge, and a second base that
  // depends on one side of it.
  Graph graph = parse_graph(
      "eeee -> ffff (head), f: on e\n"
      "<base> -> eeee (other), e: a second base\n"
      "(bbbb, cccc) -> dddd (head) (mergepoint), d: merge\n"
      "aaaa -> cccc, c: the other branch\n"
      "aaaa -> bbbb, b: one branch\n"
      "<base> -> aaaa (branchpoint), a: base\n",
      "dddd (head) (mergepoint)\nffff (head)\n");
  EXPECT_EQ(graph.heads, (std::vector<std::string>{"dddd", "ffff"}));
  EXPECT_EQ(graph.parents["dddd"], (std::vector<std::string>{"bbbb", "cccc"}));
  EXPECT_EQ(upgrade_steps(graph, "", "heads"),
            (std::vector<std::string>{"aaaa", "aaaa:bbbb", "bbbb:dddd", "dddd:heads"}));
  EXPECT_EQ(upgrade_steps(graph, "bbbb", "heads"), (std::vector<std::string>{"aaaa", "aaaa:bbbb"}));
}

}  // namespace
}  // namespace retort::testing
