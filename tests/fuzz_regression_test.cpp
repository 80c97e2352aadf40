// Replays every input a fuzzer crashed on (fixtures/fuzz/<target>/) and every
// fixture of the matching kind through the fuzz targets' own bodies
// (tests/fuzz/targets.h), so that the ordinary build checks them too.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>

#include "tests/fuzz/targets.h"
#include "tests/test_files.h"

namespace retort::fuzz {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = RETORT_SOURCE_DIR;

// Files under `dir` (recursively) for which `wanted` holds, sorted.
std::vector<fs::path> files_under(const fs::path& dir,
                                  const std::function<bool(const fs::path&)>& wanted) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && wanted(entry.path())) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The crashing inputs kept for `target`, then the fixtures `wanted` picks.
std::vector<fs::path> inputs(const std::string& target,
                             const std::function<bool(const fs::path&)>& wanted) {
  std::vector<fs::path> out =
      files_under(kSource / "fixtures" / "fuzz" / target, [](const fs::path&) { return true; });
  for (const char* root : {"fixtures", "examples"}) {
    for (auto& p : files_under(kSource / root, wanted)) {
      if (p.string().find("/fixtures/fuzz/") == std::string::npos) out.push_back(std::move(p));
    }
  }
  return out;
}

// Feeds each of `paths` (at least `at_least` of them) to `target`.
void replay(const std::vector<fs::path>& paths, void (*target)(std::string_view),
            size_t at_least = 1) {
  EXPECT_GE(paths.size(), at_least);
  for (const auto& path : paths) {
    SCOPED_TRACE(path.string());
    std::string data = testing::read_file(path);
    EXPECT_NO_THROW(target(data));
  }
}

bool is_alembic_script(const fs::path& p) {
  std::string name = p.filename().string();
  return p.extension() == ".py" && name[0] != '_' && p.parent_path().filename() == "versions";
}

TEST(FuzzRegression, ParseRevision) {
  replay(inputs("parse_revision", [](const fs::path& p) { return p.extension() == ".rev"; }),
         fuzz_parse_revision);
}

TEST(FuzzRegression, ReadAlembicScript) {
  replay(inputs("read_alembic_script", is_alembic_script), fuzz_read_alembic_script);
}

TEST(FuzzRegression, ParseConfig) {
  replay(inputs("parse_config", [](const fs::path& p) { return p.filename() == "retort.toml"; }),
         fuzz_parse_config);
}

// Each kept input, then each fixture folder's revision files (or Alembic
// scripts) as one project, as tests/fuzz/gather_corpus makes the seeds.
TEST(FuzzRegression, Pipeline) {
  replay(inputs("pipeline", [](const fs::path&) { return false; }), fuzz_pipeline, 0);
  std::map<fs::path, std::pair<bool, std::vector<std::string>>> projects;
  for (const char* root : {"fixtures", "examples"}) {
    auto wanted = [](const fs::path& p) { return p.extension() == ".rev" || is_alembic_script(p); };
    for (const auto& p : files_under(kSource / root, wanted)) {
      if (p.string().find("/fixtures/fuzz/") != std::string::npos) continue;
      auto& [alembic, texts] = projects[p.parent_path()];
      alembic = p.extension() == ".py";
      texts.push_back(testing::read_file(p));
    }
  }
  EXPECT_GT(projects.size(), 100u);
  for (const auto& [dir, project] : projects) {
    SCOPED_TRACE(dir.string());
    EXPECT_NO_THROW(fuzz_pipeline(pipeline_input(project.second, project.first)));
  }
}

}  // namespace
}  // namespace retort::fuzz
