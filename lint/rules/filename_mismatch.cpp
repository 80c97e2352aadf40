// filename-mismatch: a revision file whose name does not start with its
// revision id, so that `ls` order and the id disagree and the file is hard
// to find from an id.
#include <fmt/format.h>

#include <algorithm>

#include "lint/rule.h"

namespace retort::lint {
namespace {

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// The file name, without its folder.
std::string_view file_name(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// True when `name` starts with `id` followed by `_`, `.` or nothing
// (`0001_users.rev` and `0001.rev` for 0001, not `00010_users.rev`).
bool starts_with_id(std::string_view name, std::string_view id) {
  return name.starts_with(id) &&
         (name.size() == id.size() || name[id.size()] == '_' || name[id.size()] == '.');
}

class FilenameMismatch final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_revision(const RevisionContext& ctx, Findings& out) const override {
    const ast::RevisionFile& rev = ctx.revision;
    std::string_view name = file_name(rev.path);
    // Alembic scripts follow Alembic's own file_template: only .rev files are judged.
    if (!name.ends_with(".rev")) return;
    const std::string& id = rev.header.id.text;
    if (starts_with_id(name, id)) return;
    // Keep the slug: replace what looks like an id (letters and digits,
    // with a digit) before the first `_`, else put the id in front.
    std::string_view slug = name;
    if (size_t underscore = name.find('_'); underscore != std::string_view::npos) {
      std::string_view prefix = name.substr(0, underscore);
      bool id_like =
          std::all_of(prefix.begin(), prefix.end(), alnum) &&
          std::any_of(prefix.begin(), prefix.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (id_like) slug = name.substr(underscore + 1);
    }
    out.report(nullptr, rev.header.id.span,
               fmt::format("file name {} does not start with its revision id {}", quote_name(name),
                           quote_name(id)),
               fmt::format("rename the file to {}_{}", id, slug));
  }

 private:
  static constexpr RuleInfo kInfo{
      "filename-mismatch",
      Level::warning,
      "all",
      "a file name does not start with its revision id",
      "Files named by their id sort in a stable order and are found from the id that "
      "`retort history`, the version table and error messages show. A file copied from "
      "another revision and given a new id, but not a new name, is easy to mistake for the "
      "one it was copied from.",
      "rename the file so that it starts with the revision id: ID_slug.rev",
      "-- migrations/0002_add_fees.rev\nrevision 0003 revises 0002 message 'add fees';",
      "-- migrations/0003_add_fees.rev\nrevision 0003 revises 0002 message 'add fees';",
  };
};

}  // namespace

std::unique_ptr<Rule> make_filename_mismatch() {
  return std::make_unique<FilenameMismatch>();
}

}  // namespace retort::lint
