// `retort bundle` and `retort verify`, through the real binary, on a copy
// of fixtures/commands/bundle (PostgreSQL, MariaDB and SQLite): the file
// list, determinism, the manifest read by Python's json module, the
// per-revision scripts against the whole-range ones, the atomic write
// (--force, failures leave nothing behind), and every kind of difference
// verify reports.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include "tests/test_files.h"

namespace fs = std::filesystem;

namespace {

using retort::testing::read_file;

using retort::testing::write_file;

using CommandRun = retort::testing::ShellRun;

/// A copy of the fixture project, removed at the end.
class Scratch : public retort::testing::ScratchDir {
 public:
  explicit Scratch(const std::string& name) : ScratchDir("bundle-" + name) {
    fs::path fixture = fs::path(RETORT_SOURCE_DIR) / "fixtures" / "commands" / "bundle";
    fs::copy(fixture / "retort.toml", dir() / "retort.toml");
    fs::copy(fixture / "migrations", dir() / "migrations", fs::copy_options::recursive);
  }
};

/// Every file under `dir` by relative path, with its bytes.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file())
      out[e.path().lexically_relative(dir).generic_string()] = read_file(e.path());
  }
  return out;
}

/// Temporary bundle folders (or files) left in `dir`.
std::vector<std::string> leftovers(const fs::path& dir) {
  return retort::testing::temporary_leftovers(dir);
}

const std::vector<std::string> kIds = {"100000000001", "100000000002", "100000000003"};

/// The text of a script from its first section on: what the sections do,
/// without the header that names the range.
std::string sections(const std::string& script) {
  size_t at = script.find("\n-- Running ");
  return at == std::string::npos ? std::string() : script.substr(at + 1);
}

TEST(Bundle, WritesExactlyTheExpectedFiles) {
  Scratch s("files");
  CommandRun r = s.retort("bundle head -o out");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote out: 3 revisions for postgresql 15, mariadb 10.11, sqlite 3.40"),
            std::string::npos)
      << r.output;
  std::vector<std::string> expected = {"REVIEW.md", "manifest.json"};
  for (std::string d : {"mariadb", "postgresql", "sqlite"}) {
    expected.push_back(d + "/downgrade.sql");
    for (size_t i = 0; i < kIds.size(); ++i) {
      std::string stem = d + "/revisions/000" + std::to_string(i + 1) + "_" + kIds[i];
      expected.push_back(stem + ".down.sql");
      expected.push_back(stem + ".up.sql");
    }
    expected.push_back(d + "/upgrade.sql");
  }
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> actual;
  for (const auto& [path, bytes] : tree(s.dir() / "out")) actual.push_back(path);
  EXPECT_EQ(actual, expected);
  EXPECT_TRUE(leftovers(s.dir()).empty());
}

// A bundle crosses an irreversible revision: it has no `.down.sql`, and
// downgrade.sql undoes what comes after it and says where it stops.
TEST(Bundle, StopsTheDowngradeAtAnIrreversibleRevision) {
  Scratch s("irreversible");
  write_file(s.dir() / "migrations" / "100000000004_purge.rev",
             "revision 100000000004\n  revises 100000000003\n  message 'purge';\n\n"
             "upgrade {\n  execute $$ DELETE FROM accounts WHERE 1 = 0 $$;\n}\n\n"
             "downgrade irreversible;\n");
  write_file(s.dir() / "migrations" / "100000000005_more.rev",
             "revision 100000000005\n  revises 100000000004\n  message 'more';\n\n"
             "upgrade {\n  create table notes (id integer primary key);\n}\n");
  CommandRun r = s.retort("bundle head -o out --dialect postgresql");
  ASSERT_EQ(r.code, 0) << r.output;
  auto files = tree(s.dir() / "out");
  EXPECT_EQ(files.count("postgresql/revisions/0004_100000000004.down.sql"), 0u);
  EXPECT_EQ(files.count("postgresql/revisions/0004_100000000004.up.sql"), 1u);
  EXPECT_EQ(files.count("postgresql/revisions/0005_100000000005.down.sql"), 1u);
  const std::string& down = files["postgresql/downgrade.sql"];
  EXPECT_NE(down.find("Running downgrade 100000000005 -> 100000000004"), std::string::npos) << down;
  EXPECT_EQ(down.find("Running downgrade 100000000004"), std::string::npos) << down;
  EXPECT_NE(down.find("-- Stops here: revision 100000000004 says `downgrade irreversible`"),
            std::string::npos)
      << down;
  EXPECT_EQ(s.retort("verify out").code, 0);

  // The irreversible revision last: downgrade.sql is only the comment.
  fs::remove(s.dir() / "migrations" / "100000000005_more.rev");
  r = s.retort("bundle head -o out2 --dialect postgresql");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(read_file(s.dir() / "out2" / "postgresql" / "downgrade.sql")
                .rfind("-- No downgrade: "
                       "revision "
                       "100000000004",
                       0),
            0u);
}

TEST(Bundle, IsByteIdenticalOnASecondRun) {
  Scratch s("determinism");
  ASSERT_EQ(s.retort("bundle head -o one").code, 0);
  ASSERT_EQ(s.retort("bundle head -o two").code, 0);
  EXPECT_EQ(tree(s.dir() / "one"), tree(s.dir() / "two"));
}

TEST(Bundle, ManifestReadsAsJsonAndHoldsEveryField) {
  Scratch s("manifest");
  ASSERT_EQ(s.retort("bundle 100000000001:head -o out").code, 0);
  // Python's json module is the independent reader; hashlib checks the files.
  write_file(s.dir() / "check.py", R"(import hashlib, json, os
m = json.load(open('out/manifest.json'))
print(m['format'], m['tool'], m['range']['from'], m['range']['to'])
print([d['name'] + '@' + d['version'] for d in m['dialects']])
print(m['config']['version_table'], m['config']['emit'], sorted(m['config']['naming']))
print([(r['id'], r['file'], r['message']) for r in m['revisions']])
print(m['lint']['error'] + m['lint']['warning'] + m['lint']['info'] == len(m['lint']['findings']))
disk = sorted(os.path.relpath(os.path.join(d, f), 'out') for d, _, fs in os.walk('out') for f in fs)
print(sorted(m['files']) == [f for f in disk if f != 'manifest.json'])
print(all(hashlib.sha256(open('out/' + f, 'rb').read()).hexdigest() == h for f, h in m['files'].items()))
print(all(hashlib.sha256(open(r['file'], 'rb').read()).hexdigest() == r['sha256'] for r in m['revisions']))
)");
  CommandRun r = s.shell("python3 check.py");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(r.output,
            "1 retort ['100000000001'] ['100000000003']\n"
            "['postgresql@15', 'mariadb@10.11', 'sqlite@3.40']\n"
            "retort_version {'transaction': 'per-revision', 'guard': True, 'lock_timeout': '5s', "
            "'statement_timeout': None} ['check', 'default', 'foreign_key', 'index', "
            "'primary_key', 'unique']\n"
            "[('100000000002', 'migrations/100000000002_status.rev', 'account status, email "
            "lookups'), ('100000000003', 'migrations/100000000003_names.rev', 'no more names; "
            "longer emails')]\n"
            "True\nTrue\nTrue\nTrue\n");
}

TEST(Bundle, PerRevisionScriptsHoldTheSameSectionsAsTheWholeRange) {
  Scratch s("sections");
  ASSERT_EQ(s.retort("bundle head -o out").code, 0);
  for (std::string d : {"postgresql", "mariadb", "sqlite"}) {
    fs::path dir = s.dir() / "out" / d;
    std::string up, down;
    for (size_t i = 0; i < kIds.size(); ++i) {
      std::string stem = "000" + std::to_string(i + 1) + "_" + kIds[i];
      std::string one_up = read_file(dir / "revisions" / (stem + ".up.sql"));
      EXPECT_NE(one_up.find("-- Generated by Retort "), std::string::npos);
      up += sections(one_up);
      down = sections(read_file(dir / "revisions" / (stem + ".down.sql"))) + down;
    }
    EXPECT_EQ(up, sections(read_file(dir / "upgrade.sql"))) << d;
    EXPECT_EQ(down, sections(read_file(dir / "downgrade.sql"))) << d;
  }
  // The first script creates the version table; the others do not.
  std::string first = read_file(s.dir() / "out/postgresql/revisions/0001_100000000001.up.sql");
  std::string second = read_file(s.dir() / "out/postgresql/revisions/0002_100000000002.up.sql");
  EXPECT_NE(first.find("CREATE TABLE IF NOT EXISTS retort_version"), std::string::npos);
  EXPECT_EQ(second.find("CREATE TABLE IF NOT EXISTS retort_version"), std::string::npos);
}

TEST(Bundle, ReplacingNeedsForce) {
  Scratch s("force");
  ASSERT_EQ(s.retort("bundle head -o out").code, 0);
  write_file(s.dir() / "out" / "mine.txt", "kept until --force\n");
  CommandRun again = s.retort("bundle head -o out");
  EXPECT_EQ(again.code, 2);
  EXPECT_NE(again.output.find("out exists; use --force to replace it"), std::string::npos)
      << again.output;
  EXPECT_TRUE(fs::exists(s.dir() / "out" / "mine.txt"));
  CommandRun forced = s.retort("bundle head -o out/ --force");
  EXPECT_EQ(forced.code, 0) << forced.output;
  EXPECT_FALSE(fs::exists(s.dir() / "out" / "mine.txt"));
  EXPECT_TRUE(fs::exists(s.dir() / "out" / "manifest.json"));
  EXPECT_TRUE(leftovers(s.dir()).empty());
}

TEST(Bundle, AFailureWritesNothingAndTouchesNothing) {
  Scratch s("failure");
  ASSERT_EQ(s.retort("bundle head -o out").code, 0);
  auto before = tree(s.dir() / "out");
  // PostgreSQL cannot say a MySQL-only type: error[dialect].
  write_file(s.dir() / "migrations" / "100000000004_bad.rev",
             "revision 100000000004\n  revises 100000000003\n  message 'mysql only';\n\n"
             "upgrade {\n  alter table accounts add column v native(mysql: 'mediumint');\n}\n");
  CommandRun fresh = s.retort("bundle head -o fresh");
  EXPECT_EQ(fresh.code, 2);
  EXPECT_NE(fresh.output.find("error[dialect]"), std::string::npos) << fresh.output;
  EXPECT_FALSE(fs::exists(s.dir() / "fresh"));
  CommandRun replace = s.retort("bundle head -o out --force");
  EXPECT_EQ(replace.code, 2);
  EXPECT_EQ(tree(s.dir() / "out"), before);
  EXPECT_TRUE(leftovers(s.dir()).empty());
  // So is an unknown dialect.
  CommandRun unknown = s.retort("bundle 100000000003 -o nosuch --dialect nosuch");
  EXPECT_EQ(unknown.code, 2);
  EXPECT_NE(unknown.output.find("unknown dialect \"nosuch\""), std::string::npos) << unknown.output;
  EXPECT_FALSE(fs::exists(s.dir() / "nosuch"));
}

TEST(Bundle, LintErrorsAreRecordedAndExitOne) {
  Scratch s("lint");
  // A PostgreSQL index built without `concurrently` is an error-level finding.
  write_file(s.dir() / "migrations" / "100000000004_index.rev",
             "revision 100000000004\n  revises 100000000003\n  message 'status lookups';\n\n"
             "upgrade {\n  create index ix_accounts_status on accounts (status);\n}\n");
  CommandRun r = s.retort("bundle head -o out");
  EXPECT_EQ(r.code, 1) << r.output;
  EXPECT_NE(r.output.find("error[index-not-concurrent]"), std::string::npos) << r.output;
  std::string manifest = read_file(s.dir() / "out" / "manifest.json");
  EXPECT_NE(manifest.find("\"error\": 1,"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"rule\": \"index-not-concurrent\", \"level\": \"error\""),
            std::string::npos)
      << manifest;
  std::string review = read_file(s.dir() / "out" / "REVIEW.md");
  EXPECT_NE(review.find("- error[index-not-concurrent] `migrations/100000000004_index.rev:6`"),
            std::string::npos)
      << review;
  EXPECT_NE(review.find("| PostgreSQL 15 | SHARE (reads go on, writes wait)"), std::string::npos)
      << review;
  // The bundle is complete all the same, and verifies.
  EXPECT_EQ(s.retort("verify out").code, 0);
}

TEST(Bundle, ReviewSaysWhatEachStatementDoesOnEachDialect) {
  Scratch s("review");
  write_file(s.dir() / "migrations" / "100000000004_owners.rev",
             "revision 100000000004\n  revises 100000000003\n  message 'owners';\n\n"
             "upgrade {\n"
             "  create table owners (id bigint primary key);\n"
             "  alter table accounts add column owner_id bigint;\n"
             "  alter table accounts add constraint fk_accounts_owner foreign key (owner_id)\n"
             "    references owners (id) not valid;\n"
             "  alter table accounts validate constraint fk_accounts_owner;\n"
             "  alter table accounts alter column owner_id set not null;\n"
             "}\n");
  CommandRun r = s.retort("bundle 100000000003:head -o out --dialect pg,mysql@5.7,mariadb,sqlite");
  ASSERT_LE(r.code, 1) << r.output;
  std::string review = read_file(s.dir() / "out" / "REVIEW.md");
  auto row = [&](int statement, std::string_view dialect) {
    size_t at = review.find("### Statement " + std::to_string(statement) + ":");
    if (at == std::string::npos) return std::string();
    size_t line = review.find("\n| " + std::string(dialect), at);
    return line == std::string::npos ? std::string()
                                     : review.substr(line + 1, review.find('\n', line + 1) - line);
  };
  // ADD COLUMN: metadata only on PostgreSQL; MySQL 5.7 has no INSTANT yet.
  EXPECT_NE(row(2, "PostgreSQL").find("ACCESS EXCLUSIVE"), std::string::npos) << review;
  EXPECT_NE(row(2, "MySQL 5.7").find("rebuilds the table in place"), std::string::npos) << review;
  EXPECT_NE(row(2, "MariaDB").find("INSTANT"), std::string::npos) << review;
  // ADD FOREIGN KEY ... NOT VALID: SHARE ROW EXCLUSIVE, no scan; MySQL copies.
  EXPECT_NE(row(3, "PostgreSQL").find("SHARE ROW EXCLUSIVE"), std::string::npos) << review;
  EXPECT_NE(row(3, "PostgreSQL").find("no scan: NOT VALID"), std::string::npos) << review;
  EXPECT_NE(row(3, "MySQL 5.7").find("ALGORITHM=COPY"), std::string::npos) << review;
  EXPECT_NE(row(3, "SQLite").find("copies the table into a new one"), std::string::npos) << review;
  // VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE, a scan that lets writes go on.
  EXPECT_NE(row(4, "PostgreSQL").find("SHARE UPDATE EXCLUSIVE"), std::string::npos) << review;
  // SET NOT NULL scans.
  EXPECT_NE(row(5, "PostgreSQL").find("scans the whole table"), std::string::npos) << review;
  // MySQL commits DDL per statement.
  EXPECT_NE(row(5, "MySQL 5.7").find("DDL commits per statement"), std::string::npos) << review;
  EXPECT_EQ(s.retort("verify out").code, 0);
}

TEST(Verify, ACleanBundleMatches) {
  Scratch s("clean");
  ASSERT_EQ(s.retort("bundle head -o out").code, 0);
  CommandRun r = s.retort("verify out");
  EXPECT_EQ(r.code, 0) << r.output;
  EXPECT_NE(r.output.find("out matches its sources"), std::string::npos) << r.output;
  // The recorded config wins over today's retort.toml.
  std::string toml = read_file(s.dir() / "retort.toml");
  toml.replace(toml.find("\"5s\""), 4, "\"9s\"");
  write_file(s.dir() / "retort.toml", toml);
  EXPECT_EQ(s.retort("verify out").code, 0);
  // And --dialect choices are recorded too.
  ASSERT_EQ(s.retort("bundle head -o pg14 --dialect pg@14").code, 0);
  CommandRun pg = s.retort("verify pg14");
  EXPECT_EQ(pg.code, 0) << pg.output;
}

TEST(Verify, ReportsATamperedScript) {
  Scratch s("tampered");
  ASSERT_EQ(s.retort("bundle head -o out").code, 0);
  fs::path script = s.dir() / "out" / "postgresql" / "upgrade.sql";
  write_file(script, read_file(script) + "DROP TABLE accounts;\n");
  CommandRun r = s.retort("verify out");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.output, "modified: postgresql/upgrade.sql\n");
}

TEST(Verify, ReportsMissingAndExtraFiles) {
  Scratch s("missing");
  ASSERT_EQ(s.retort("bundle head -o out").code, 0);
  fs::remove(s.dir() / "out" / "mariadb" / "downgrade.sql");
  write_file(s.dir() / "out" / "notes.txt", "approved\n");
  CommandRun r = s.retort("verify out");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.output, "missing: mariadb/downgrade.sql\nextra: notes.txt\n");
}

TEST(Verify, ReportsAnEditedRevision) {
  Scratch s("edited");
  ASSERT_EQ(s.retort("bundle head -o out").code, 0);
  fs::path rev = s.dir() / "migrations" / "100000000002_status.rev";
  write_file(rev, read_file(rev) + "-- edited after approval\n");
  CommandRun r = s.retort("verify out");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.output.find("revision changed: 100000000002 (migrations/100000000002_status.rev)\n"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("modified: postgresql/upgrade.sql\n"), std::string::npos) << r.output;
}

TEST(Verify, ReportsAnotherToolVersionOnItsOwnLine) {
  Scratch s("version");
  ASSERT_EQ(s.retort("bundle head -o out").code, 0);
  fs::path manifest = s.dir() / "out" / "manifest.json";
  std::string text = read_file(manifest);
  size_t at = text.find("\"tool_version\": \"");
  ASSERT_NE(at, std::string::npos);
  at += 17;
  std::string version = text.substr(at, text.find('"', at) - at);
  text.replace(at, version.size(), "0.0.1");
  write_file(manifest, text);
  CommandRun r = s.retort("verify out");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(
      r.output.substr(0, r.output.find('\n') + 1),
      "tool version: the bundle was written by retort 0.0.1, this is retort " + version + "\n")
      << r.output;
}

TEST(Verify, ABadManifestIsAnInputError) {
  Scratch s("bad");
  ASSERT_EQ(s.retort("bundle head -o out").code, 0);
  write_file(s.dir() / "out" / "manifest.json", "{\"format\": 1,\n \"tool_version\": }\n");
  CommandRun r = s.retort("verify out");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.output.find("manifest.json: not valid JSON: line 2: expected a JSON value"),
            std::string::npos)
      << r.output;
  fs::remove(s.dir() / "out" / "manifest.json");
  CommandRun none = s.retort("verify out");
  EXPECT_EQ(none.code, 2);
  EXPECT_NE(none.output.find("out has no manifest.json"), std::string::npos) << none.output;
}

}  // namespace
