// reserved-word: a table or column named with a word that a target dialect
// reserves must be quoted in every query anyone writes by hand.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/overloaded.h"
#include "compiler/text_util.h"
#include "lint/rule.h"

namespace retort::lint {
namespace {

// Words each dialect refuses as an unquoted table or column name: sorted,
// each followed by a space. Each list is the dialect's own reserved words,
// cut down to those a table or column might plausibly be named (so no
// `localtimestamp`); a keyword that a dialect accepts as a name (MySQL's
// `user`, SQLite's `key`) is not listed for it. Where they come from:
//
// - postgresql: src/include/parser/kwlist.h, entries marked
//   RESERVED_KEYWORD and TYPE_FUNC_NAME_KEYWORD (the latter, such as `left`
//   or `join`, cannot name a table or column either); the same as the docs'
//   appendix "SQL Key Words", column "PostgreSQL", "reserved".
// - mysql (also mariadb): the MySQL 8.0 manual, "Keywords and Reserved
//   Words" (entries marked R), keeping only words that MariaDB's "Reserved
//   Words" page lists too and that were already reserved in MySQL 5.7, so
//   the list holds on every version either targets.
// - sqlite: the keywords of https://sqlite.org/lang_keywords.html that
//   src/parse.y does not let fall back to an identifier (its `%fallback ID`
//   list and the JOIN_KW words may name a table).
// - mssql: Transact-SQL "Reserved Keywords" (the SQL Server list, not the
//   ODBC or future ones).
// - oracle: Oracle Database SQL Language Reference, "Oracle SQL Reserved
//   Words" (V$RESERVED_WORDS with RESERVED = 'Y').
constexpr std::string_view kPostgresql =
    "all analyse analyze and any array as asc asymmetric authorization "
    "binary both case cast check collate collation column concurrently "
    "constraint create cross current_date current_role current_time "
    "current_timestamp current_user default deferrable desc distinct do "
    "else end except false fetch for foreign freeze from full grant group "
    "having ilike in initially inner intersect into is isnull join lateral "
    "leading left like limit localtime natural not notnull null offset on "
    "only or order outer overlaps placing primary references returning "
    "right select session_user similar some symmetric table tablesample "
    "then to trailing true union unique user using variadic verbose when "
    "where window with ";

constexpr std::string_view kMysql =
    "add all alter analyze and as asc before between both by call cascade "
    "case change check collate column condition constraint continue "
    "convert create cross current_date current_time current_timestamp "
    "current_user cursor database databases declare default delayed delete "
    "desc describe distinct div drop each else elseif exists exit explain "
    "false fetch for force foreign from fulltext grant group having if "
    "ignore in index inner insert interval into is iterate join key keys "
    "kill leading leave left like limit lines load lock long loop match "
    "mod natural not null on optimize option or order out outer partition "
    "precision primary procedure purge range read references regexp "
    "release rename repeat replace require restrict return revoke right "
    "rlike schema schemas select separator set show signal spatial sql "
    "table then to trailing trigger true undo union unique unlock update "
    "usage use using values when where while with write xor ";

constexpr std::string_view kSqlite =
    "add all alter and as autoincrement between case check collate commit "
    "constraint create default deferrable delete distinct drop else escape "
    "except exists foreign from group having in index insert intersect "
    "into is isnull limit not notnull null on or order primary references "
    "returning select set table then to transaction union unique update "
    "using values when where ";

constexpr std::string_view kMssql =
    "add all alter and any as asc authorization backup begin between break "
    "browse bulk by cascade case check checkpoint close clustered coalesce "
    "collate column commit compute constraint contains continue convert "
    "create cross current current_date current_time current_timestamp "
    "current_user cursor database deallocate declare default delete deny "
    "desc disk distinct distributed double drop dump else end errlvl "
    "escape except exec execute exists exit external fetch file fillfactor "
    "for foreign freetext from full function goto grant group having "
    "holdlock identity if in index inner insert intersect into is join key "
    "kill left like lineno load merge national nocheck nonclustered not "
    "null nullif of off offsets on open option or order outer over percent "
    "pivot plan precision primary print proc procedure public raiserror "
    "read reconfigure references replication restore restrict return "
    "revert revoke right rollback rowcount rule save schema select "
    "session_user set setuser shutdown some statistics system_user table "
    "tablesample textsize then to top tran transaction trigger truncate "
    "union unique unpivot update use user values varying view waitfor when "
    "where while with ";

constexpr std::string_view kOracle =
    "access add all alter and any as asc audit between by char check "
    "cluster column comment compress connect create current date decimal "
    "default delete desc distinct drop else exclusive exists file float "
    "for from grant group having identified immediate in increment index "
    "initial insert integer intersect into is level like lock long "
    "maxextents minus mode modify noaudit nocompress not nowait null "
    "number of offline on online option or order pctfree prior public raw "
    "rename resource revoke row rowid rownum rows select session set share "
    "size smallint start successful synonym sysdate table then to trigger "
    "uid union unique update user validate values varchar varchar2 view "
    "whenever where with ";

constexpr auto kPostgresqlWords = split_words<kPostgresql>();
constexpr auto kMysqlWords = split_words<kMysql>();
constexpr auto kSqliteWords = split_words<kSqlite>();
constexpr auto kMssqlWords = split_words<kMssql>();
constexpr auto kOracleWords = split_words<kOracle>();
// Searched for every table and column a statement names, on every target.
constexpr WordList kPostgresqlList{kPostgresqlWords};
constexpr WordList kMysqlList{kMysqlWords};
constexpr WordList kSqliteList{kSqliteWords};
constexpr WordList kMssqlList{kMssqlWords};
constexpr WordList kOracleList{kOracleWords};

bool reserved_in(std::string_view dialect, std::string_view word) {
  if (dialect == "postgresql") return kPostgresqlList.contains(word);
  if (dialect == "mysql" || dialect == "mariadb") return kMysqlList.contains(word);
  if (dialect == "sqlite") return kSqliteList.contains(word);
  if (dialect == "mssql") return kMssqlList.contains(word);
  if (dialect == "oracle") return kOracleList.contains(word);
  return false;
}

/// A table or column name a statement defines.
struct NewName {
  std::string table;  ///< for a column: its table's key; empty for a table
  const ast::Name* name = nullptr;
};

std::vector<NewName> new_names(const ast::Statement& statement) {
  std::vector<NewName> out;
  std::visit(Overloaded{
                 [&](const ast::CreateTable& s) {
                   out.push_back({{}, &s.name.name});
                   for (const auto& c : s.columns) out.push_back({s.name.key(), &c.name});
                 },
                 [&](const ast::RenameTable& s) {
                   out.push_back({{}, &s.new_name});
                 },
                 [&](const ast::AlterTable& s) {
                   for (const auto& action : s.actions) {
                     if (const auto* add = std::get_if<ast::AddColumn>(&action)) {
                       out.push_back({s.name.key(), &add->column.name});
                     } else if (const auto* ren = std::get_if<ast::RenameColumn>(&action)) {
                       out.push_back({s.name.key(), &ren->new_name});
                     }
                   }
                 },
                 [](const auto&) {},
             },
             statement.node);
  return out;
}

class ReservedWord final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for (const auto& n : new_names(ctx.statement)) {
      std::string word = lower_ascii(n.name->text);
      std::vector<std::string> dialects;
      for (const auto& t : ctx.revision.targets) {
        if (reserved_in(t.dialect, word) &&
            std::find(dialects.begin(), dialects.end(), t.dialect) == dialects.end()) {
          dialects.push_back(t.dialect);
        }
      }
      if (dialects.empty()) continue;
      std::string what = n.table.empty() ? "table name " + quote_name(n.name->text)
                                         : "column name " + column_label(n.table, n.name->text);
      out.report(&ctx.statement, n.name->span,
                 fmt::format("{} is a reserved word in {}", what, join_and(dialects)));
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "reserved-word",
      Level::warning,
      "all",
      "a table or column name is a reserved word in a target dialect (`user`, `order`, "
      "`group`)",
      "Retort quotes the name in what it emits, but every query written by hand, in the "
      "application, a report or a console, must quote it too, and the error when someone "
      "forgets (`syntax error at or near \"order\"`) does not say why. Which words are "
      "reserved differs by dialect and grows with new versions.",
      "choose another name (users, sort_order, user_group): every hand-written query would "
      "have to quote this one",
      "create table user (\n  id bigint primary key,\n  order integer not null,\n);",
      "create table users (\n  id bigint primary key,\n  sort_order integer not null,\n);",
  };
};

}  // namespace

std::unique_ptr<Rule> make_reserved_word() {
  return std::make_unique<ReservedWord>();
}

}  // namespace retort::lint
