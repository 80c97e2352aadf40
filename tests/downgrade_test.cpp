// Tests of downgrade derivation. The central property: for every statement
// kind, the derived steps replayed on the schema after the upgrade apply
// without error and give back the schema before it. Revisions are written
// as text and parsed, as users write them.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "compiler/ast_dump.h"
#include "compiler/downgrade.h"
#include "compiler/parser.h"
#include "compiler/replay.h"
#include "compiler/schema_model.h"

namespace retort {
namespace {

ast::RevisionFile parse(const std::string& text, const std::string& path = "migrations/r.rev") {
  DiagnosticSink sink;
  auto revision = parse_revision(SourceFile{path, text}, sink);
  EXPECT_TRUE(revision.has_value()) << (sink.empty() ? "" : sink.diagnostics()[0].message) << "\n"
                                    << text;
  return revision ? std::move(*revision) : ast::RevisionFile{};
}

// A revision text around some statements.
std::string revision(std::string_view id, std::string_view statements) {
  return fmt::format("revision {};\nupgrade {{\n{}\n}}\n", id, statements);
}

std::string messages(const DiagnosticSink& sink) {
  std::string out;
  for (const auto& d : sink.diagnostics()) {
    out += fmt::format("{}:{}: {}[{}]: {}", d.file, d.span.line, severity_name(d.severity), d.code,
                       d.message);
    if (!d.help.empty()) out += "\n  help: " + d.help;
    out += "\n";
  }
  return out;
}

SchemaModel schema_of_text(const std::string& statements, const ReplayOptions& options = {}) {
  SchemaModel schema;
  if (statements.empty()) return schema;
  DiagnosticSink sink;
  replay_upgrade(parse(revision("0001", statements)), schema, options, sink);
  EXPECT_TRUE(sink.empty()) << messages(sink);
  return schema;
}

// The derived statements as text, one per step (the AST dump, without positions).
std::string steps_text(const DowngradePlan& plan) {
  ast::RevisionFile file;
  file.downgrade_kind = ast::DowngradeKind::Written;
  for (const auto& s : plan.steps) file.downgrade.push_back(s.statement);
  std::string text = ast::dump(file);
  text = text.substr(text.find("\ndowngrade") + 1);
  text = text.substr(text.find('\n') + 1);
  // Drop the ` @line:column` marks and the statements' indent. (No
  // std::regex: GCC 12 warns inside it when built with sanitizers.)
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    for (size_t at = line.find(" @"); at != std::string::npos; at = line.find(" @", at)) {
      size_t end = at + 2;
      while (end < line.size() &&
             (std::isdigit(static_cast<unsigned char>(line[end])) || line[end] == ':')) {
        ++end;
      }
      if (end > at + 2) {
        line.erase(at, end - at);
      } else {
        at += 2;
      }
    }
    out += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
  }
  return out;
}

std::string notes_text(const DowngradePlan& plan) {
  std::string out;
  for (const auto& s : plan.steps) {
    for (const auto& n : s.notes) out += n + "\n";
  }
  return out;
}

// A dump with the lines inside each table sorted: what is equal when only
// the position of a column, constraint or index differs (no dialect can
// put a column back in its place).
std::string unordered_dump(const SchemaModel& schema) {
  std::istringstream in(dump(schema));
  std::string out, line;
  std::vector<std::string> block;
  auto flush = [&] {
    std::sort(block.begin(), block.end());
    for (const auto& l : block) out += l + "\n";
    block.clear();
  };
  while (std::getline(in, line)) {
    if (line.rfind("  ", 0) == 0) {
      block.push_back(line);
    } else {
      flush();
      out += line + "\n";
    }
  }
  flush();
  return out;
}

// The quoted flags of tables and columns, which dump() leaves out.
std::string quoted_flags(const SchemaModel& schema) {
  std::string out;
  for (const auto& e : schema.tables()) {
    if (e.value->quoted) out += "table " + e.key + "\n";
    for (const auto& c : e.value->columns) {
      if (c.quoted) out += "column " + e.key + "." + c.name + "\n";
    }
  }
  return out;
}

// A dump without the `not valid` of foreign keys: a derived downgrade adds
// back a foreign key to a table that kept its rows `not valid` (rows written
// since the upgrade may break it), the one way it differs from `before`
// there (language.md, "Decisions").
std::string fk_validity_blind(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  const std::string mark = " not valid";
  for (std::string line; std::getline(in, line);) {
    if (line.find(" foreign key ") != std::string::npos && line.size() > mark.size() &&
        line.compare(line.size() - mark.size(), mark.size(), mark) == 0) {
      line.erase(line.size() - mark.size());
    }
    out += line + "\n";
  }
  return out;
}

// The foreign keys (table.name) that `before` holds validated and `after`
// holds `not valid`.
std::vector<std::string> fks_made_not_valid(const SchemaModel& before, const SchemaModel& after) {
  std::vector<std::string> out;
  for (const auto& e : after.tables()) {
    const Table* old = before.find_table(e.key);
    for (const auto& c : e.value->constraints) {
      const Constraint* was = old ? old->find_constraint(c.name) : nullptr;
      if (c.kind == ast::ConstraintKind::ForeignKey && !c.validated && was && was->validated)
        out.push_back(e.key + "." + c.name);
    }
  }
  return out;
}

struct RoundTrip {
  SchemaModel before;
  SchemaModel after;
  SchemaModel downgraded;
  DowngradePlan plan;
  std::string errors;  // from the upgrade, the plan and replaying the plan
};

// Replays `change` on the schema `setup` makes, derives its downgrade and
// replays that on the result.
RoundTrip round_trip(const std::string& setup, const std::string& change,
                     const ReplayOptions& options = {}) {
  RoundTrip r;
  r.before = schema_of_text(setup, options);
  ast::RevisionFile file = parse(revision("0002", change), "migrations/0002_change.rev");
  DiagnosticSink sink;
  r.after = r.before;
  replay_upgrade(file, r.after, options, sink);
  DiagnosticSink plan_sink;
  r.plan = plan_downgrade(file, r.before, options, plan_sink);
  for (const auto& d : plan_sink.diagnostics()) sink.report(d);
  // Lint derives the same plan from the schemas its own replay kept.
  std::vector<SchemaModel> schemas{r.before};
  std::vector<ReplayedStatement> replayed;
  schemas.reserve(file.upgrade.size() + 1);
  for (const auto& statement : file.upgrade) {
    schemas.push_back(schemas.back());
    DiagnosticSink ignored;
    bool applied = apply_statement(statement, file.path, schemas.back(), options, ignored, "0002");
    replayed.push_back({&schemas[schemas.size() - 2], &schemas.back(), applied});
  }
  DiagnosticSink from_replay_sink;
  DowngradePlan from_replay = plan_downgrade_from_replay(file, replayed, options, from_replay_sink);
  EXPECT_EQ(steps_text(from_replay), steps_text(r.plan));
  EXPECT_EQ(notes_text(from_replay), notes_text(r.plan));
  EXPECT_EQ(from_replay.ok, r.plan.ok);
  EXPECT_EQ(messages(from_replay_sink), messages(plan_sink));
  r.downgraded = r.after;
  for (const auto& step : r.plan.steps) {
    apply_statement(step.statement, file.path, r.downgraded, options, sink, "0002");
  }
  r.errors = messages(sink);
  return r;
}

// Every foreign key the downgrade leaves `not valid` has its note.
void expect_unchecked_noted(const RoundTrip& r) {
  std::string notes = notes_text(r.plan);
  for (const auto& fk : fks_made_not_valid(r.before, r.downgraded)) {
    std::string name = fk.substr(fk.rfind('.') + 1);
    std::string table = fk.substr(0, fk.rfind('.'));
    EXPECT_NE(notes.find(fmt::format("Foreign key \"{}\" of table \"{}\" comes back without a "
                                     "check of the rows already there",
                                     name, table)),
              std::string::npos)
        << fk << " has no note:\n"
        << notes;
  }
}

// The property, exactly: the downgrade restores `before`, names included
// (but for the `not valid` of a foreign key added back to rows).
void expect_restores(const std::string& setup, const std::string& change) {
  SCOPED_TRACE(change);
  RoundTrip r = round_trip(setup, change);
  EXPECT_EQ(r.errors, "");
  EXPECT_TRUE(r.plan.ok);
  EXPECT_TRUE(r.plan.derived);
  EXPECT_EQ(fk_validity_blind(dump(r.downgraded)), fk_validity_blind(dump(r.before)))
      << steps_text(r.plan);
  EXPECT_EQ(quoted_flags(r.downgraded), quoted_flags(r.before));
  expect_unchecked_noted(r);
}

// The property up to the order of a table's parts.
void expect_restores_unordered(const std::string& setup, const std::string& change) {
  SCOPED_TRACE(change);
  RoundTrip r = round_trip(setup, change);
  EXPECT_EQ(r.errors, "");
  EXPECT_TRUE(r.plan.ok);
  EXPECT_EQ(fk_validity_blind(unordered_dump(r.downgraded)),
            fk_validity_blind(unordered_dump(r.before)))
      << steps_text(r.plan);
  EXPECT_EQ(quoted_flags(r.downgraded), quoted_flags(r.before));
  expect_unchecked_noted(r);
}

// A schema with most of what the model holds, for the broad tests.
const std::string kShop = R"(
  create schema billing;
  create enum mood ('happy', 'sad');
  create table users (
    id bigint primary key identity,
    email string(200) not null unique,
    name text default 'anon' comment 'display name' collate 'C',
    feeling mood,
    score decimal(10, 2) check (score >= 0),
  ) comment 'people';
  create index ix_users_name_lower on users ((lower(name)) desc) where name is not null;
  create table orders (
    id bigint primary key identity,
    user_id bigint not null references users on delete cascade,
    total decimal(12, 2) not null default 0,
    note string(50),
    constraint ck_orders_total check (total >= 0),
  );
  create index on orders (user_id) include (total);
  create unique index ix_orders_note on orders (note) using btree;
  create table billing.invoices (
    id integer primary key,
    order_id bigint references orders (id),
    amount decimal(10, 2) not null,
  );
  create view order_totals as $$ select user_id, sum(total) from orders group by user_id $$;
  create view big_totals as $$ select * from order_totals where sum > 100 $$;
)";

// --------------------------------------------------------- written and irreversible

TEST(Downgrade, WrittenBlockIsUsedAsIs) {
  SchemaModel before = schema_of_text("create table t (id integer primary key);");
  auto file = parse(R"(revision 0002;
upgrade { alter table t add column a integer; }
downgrade {
  alter table t drop column a;
  execute $$ select 1 $$;
})");
  DiagnosticSink sink;
  DowngradePlan plan = plan_downgrade(file, before, {}, sink);
  EXPECT_TRUE(sink.empty());
  EXPECT_TRUE(plan.ok);
  EXPECT_FALSE(plan.derived);
  ASSERT_EQ(plan.steps.size(), 2u);
  EXPECT_EQ(plan.steps[0].statement.span.line, 4u);
  EXPECT_FALSE(plan.steps[0].undoes.valid());
  EXPECT_TRUE(plan.steps[0].notes.empty());
  EXPECT_FALSE(plan.steps[0].loses_data);
  EXPECT_EQ(steps_text(plan), "alter table t\n  drop column a\nexecute\n  body ' select 1 '\n");
}

TEST(Downgrade, EmptyWrittenBlockHasNoSteps) {
  auto file = parse("revision 0002;\nupgrade { create table t (a integer); }\ndowngrade { }\n");
  DiagnosticSink sink;
  DowngradePlan plan = plan_downgrade(file, {}, {}, sink);
  EXPECT_TRUE(plan.ok);
  EXPECT_FALSE(plan.derived);
  EXPECT_TRUE(plan.steps.empty());
}

TEST(Downgrade, IrreversibleIsAnError) {
  auto file =
      parse("revision 0002;\nupgrade { create table t (a integer); }\ndowngrade irreversible;\n",
            "migrations/0002_x.rev");
  DiagnosticSink sink;
  DowngradePlan plan = plan_downgrade(file, {}, {}, sink);
  EXPECT_FALSE(plan.ok);
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_EQ(messages(sink),
            "migrations/0002_x.rev:1: error[downgrade]: revision \"0002\" is irreversible "
            "(downgrade irreversible)\n"
            "  help: downgrade to this revision or a later one, or replace `downgrade "
            "irreversible;` with a `downgrade { }` block\n");
  EXPECT_EQ(sink.diagnostics()[0].revision, "0002");
}

TEST(Downgrade, EveryIrreversibleStatementIsReported) {
  SchemaModel before = schema_of_text(R"(
    create enum mood ('happy');
    create table t (id integer primary key identity, name text);
    create table k (name text);
  )");
  auto file = parse(R"(revision 0002;
upgrade {
  execute $$ update t set name = 'x' $$;
  alter enum mood add value 'sad';
  insert into t (name) values ('a');
  insert into k (name) values ('a');
  execute $$ select 1 $$ reverse $$ select 2 $$;
  execute (postgresql: $$ select 3 $$);
}
)",
                    "migrations/0002_x.rev");
  DiagnosticSink sink;
  DowngradePlan plan = plan_downgrade(file, before, {}, sink);
  EXPECT_FALSE(plan.ok);
  EXPECT_TRUE(plan.steps.empty());
  EXPECT_EQ(
      messages(sink),
      "migrations/0002_x.rev:3: error[downgrade]: cannot derive the downgrade of revision "
      "\"0002\": execute at line 3 has no reverse\n"
      "  help: add `reverse $$ ... $$` to the execute, or write a `downgrade { }` block\n"
      "migrations/0002_x.rev:4: error[downgrade]: cannot derive the downgrade of revision "
      "\"0002\": adding value 'sad' to enum \"mood\" at line 4 has no inverse (PostgreSQL cannot "
      "remove a value from an enum)\n"
      "  help: write a `downgrade { }` block that undoes the revision, or declare it `downgrade "
      "irreversible;`\n"
      "migrations/0002_x.rev:5: error[downgrade]: cannot derive the downgrade of revision "
      "\"0002\": insert into \"t\" at line 5 has no inverse: primary key column \"id\" is not "
      "among the inserted columns\n"
      "  help: insert id too, or write a `downgrade { }` block that deletes the rows\n"
      "migrations/0002_x.rev:6: error[downgrade]: cannot derive the downgrade of revision "
      "\"0002\": insert into \"k\" at line 6 has no inverse: the table has no primary key to "
      "delete the rows by\n"
      "  help: give the table a primary key, or write a `downgrade { }` block that deletes the "
      "rows\n"
      "migrations/0002_x.rev:8: error[downgrade]: cannot derive the downgrade of revision "
      "\"0002\": execute at line 8 has no reverse\n"
      "  help: add `reverse $$ ... $$` to the execute, or write a `downgrade { }` block\n");
  for (const auto& d : sink.diagnostics()) EXPECT_EQ(d.revision, "0002");
}

TEST(Downgrade, AnUpgradeThatDoesNotReplayIsReportedOnce) {
  auto file = parse(revision("0002",
                             "create table t (a integer);\nalter table nope add column b "
                             "integer;\ncreate table u (a integer);"));
  DiagnosticSink sink;
  DowngradePlan plan = plan_downgrade(file, {}, {}, sink);
  EXPECT_FALSE(plan.ok);
  ASSERT_EQ(sink.diagnostics().size(), 1u);
  EXPECT_EQ(sink.diagnostics()[0].message,
            "cannot derive the downgrade of revision \"0002\": its alter table at line 4 does not "
            "replay");
}

// ------------------------------------------------------------ tables

TEST(Downgrade, CreateTableIsDropped) {
  RoundTrip r = round_trip(kShop, "create table fees (id bigint primary key, a text);");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan), "drop table fees\n");
  ASSERT_EQ(r.plan.steps.size(), 1u);
  EXPECT_TRUE(r.plan.steps[0].loses_data);
  EXPECT_EQ(r.plan.steps[0].undoes.line, 3u);
  EXPECT_EQ(notes_text(r.plan), "Dropping table \"fees\" deletes its rows.\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
}

TEST(Downgrade, CreateTableIfNotExistsThatDidNothingHasNoStep) {
  RoundTrip r = round_trip(kShop, "create table if not exists users (a text);");
  EXPECT_EQ(r.errors, "");
  EXPECT_TRUE(r.plan.ok);
  EXPECT_TRUE(r.plan.steps.empty());
}

TEST(Downgrade, DropTableComesBackWithItsWholeDefinition) {
  RoundTrip r = round_trip(kShop, "drop table users cascade;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(fk_validity_blind(dump(r.downgraded)), fk_validity_blind(dump(r.before)));
  // The rows of orders stayed: the foreign key to the new, empty users
  // comes back unchecked.
  EXPECT_EQ(fks_made_not_valid(r.before, r.downgraded),
            std::vector<std::string>{"orders.fk_orders_user_id_users"});
  EXPECT_EQ(steps_text(r.plan),
            "create table users\n"
            "  column id bigint\n"
            "    not null\n"
            "    identity\n"
            "  column email string(200)\n"
            "    not null\n"
            "  column name text\n"
            "    default 'anon'\n"
            "    comment 'display name'\n"
            "    collate 'C'\n"
            "  column feeling mood\n"
            "  column score decimal(10, 2)\n"
            "  constraint pk_users primary key (id)\n"
            "  constraint uq_users_email unique (email)\n"
            "  constraint ck_users_score check (score >= 0)\n"
            "  comment 'people'\n"
            "create index ix_users_name_lower on users\n"
            "  key (lower(name)) desc\n"
            "  where name is not null\n"
            "alter table orders\n"
            "  add constraint fk_orders_user_id_users foreign key (user_id) references users (id) "
            "on delete cascade not valid\n");
  EXPECT_EQ(
      notes_text(r.plan),
      "Table \"users\" comes back empty: its rows are not restored.\n"
      "Foreign key \"fk_orders_user_id_users\" of table \"orders\" comes back without a check "
      "of the rows already there: rows written since the upgrade may break it.\n");
  EXPECT_FALSE(r.plan.steps[0].loses_data);
}

TEST(Downgrade, DropTableCascadeBringsBackForeignKeysAndViews) {
  RoundTrip r = round_trip(kShop, "drop table orders cascade;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(fk_validity_blind(dump(r.downgraded)), fk_validity_blind(dump(r.before)));
  EXPECT_EQ(fks_made_not_valid(r.before, r.downgraded),
            std::vector<std::string>{"billing.invoices.fk_invoices_order_id_orders"});
  std::string text = steps_text(r.plan);
  size_t fk =
      text.find("alter table billing.invoices\n  add constraint fk_invoices_order_id_orders");
  size_t reader = text.find("create view order_totals");
  size_t reader_of_reader = text.find("create view big_totals");
  EXPECT_NE(fk, std::string::npos) << text;
  EXPECT_LT(text.find("create table orders"), fk);
  EXPECT_LT(fk, reader);
  EXPECT_LT(reader, reader_of_reader);
  EXPECT_NE(reader_of_reader, std::string::npos) << text;
}

TEST(Downgrade, DropTableKeepsTheOrderOfConstraints) {
  // A key added after a foreign key, and a `not valid` check, cannot be
  // written inside `create table` in their place: they are added after.
  expect_restores(R"(
    create table a (id integer primary key);
    create table b (id integer primary key, a_id integer references a, code text, n integer);
    alter table b add constraint uq_b_code unique (code);
    alter table b add constraint ck_b_n check (n > 0) not valid;
    alter table b add constraint fk_b_self foreign key (n) references b (id);
    create index ix_b_a on b (a_id);
    create index ix_b_code on b (code desc, n);
  )",
                  "drop table b;");
}

TEST(Downgrade, DropTableWithSelfReferenceAndQuotedNames) {
  expect_restores(R"(
    create schema "Sales";
    create table "Sales"."Region" (
      "Id" integer primary key,
      "Parent" integer references "Sales"."Region" ("Id"),
      constraint "Region_Name" check ("Parent" <> "Id"),
    );
    create index "IX_Parent" on "Sales"."Region" ("Parent");
  )",
                  R"(drop table "Sales"."Region";)");
}

TEST(Downgrade, DropTableIfExistsThatDidNothingHasNoStep) {
  RoundTrip r = round_trip(kShop, "drop table if exists nope;");
  EXPECT_EQ(r.errors, "");
  EXPECT_TRUE(r.plan.steps.empty());
}

TEST(Downgrade, RenameTableGoesBack) {
  RoundTrip r = round_trip(kShop, R"(alter table users rename to "People";)");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan), "alter table \"People\" rename to users\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  expect_restores(R"(create table "Old" (a integer);)", R"(alter table "Old" rename to newer;)");
  expect_restores(kShop, "alter table billing.invoices rename to bills;");
}

// ------------------------------------------------------------ columns

TEST(Downgrade, AddColumnIsDropped) {
  RoundTrip r =
      round_trip(kShop,
                 "alter table orders add column code string(10) not null default 'x' unique check "
                 "(code <> '') references orders (note);");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan), "alter table orders\n  drop column code\n");
  EXPECT_TRUE(r.plan.steps[0].loses_data);
  EXPECT_EQ(notes_text(r.plan), "Dropping column \"orders.code\" deletes its values.\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
}

TEST(Downgrade, DropColumnComesBackWithWhatUsedIt) {
  // The last column, so that even the positions come back.
  RoundTrip r = round_trip(kShop, "alter table users drop column score;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  EXPECT_EQ(steps_text(r.plan),
            "alter table users\n"
            "  add column score decimal(10, 2)\n"
            "  add constraint ck_users_score check (score >= 0)\n");
  EXPECT_EQ(notes_text(r.plan),
            "Column \"users.score\" comes back without its values: they are not restored.\n");
  EXPECT_FALSE(r.plan.steps[0].loses_data);
}

TEST(Downgrade, DropColumnCascadeBringsBackForeignKeysAndViews) {
  RoundTrip r = round_trip(kShop, "alter table orders drop column id cascade;");
  EXPECT_EQ(r.errors, "");
  // `id` was first: it comes back last. It is numbered anew, so the
  // invoices' order_id may point nowhere: their foreign key is not checked.
  EXPECT_EQ(fk_validity_blind(unordered_dump(r.downgraded)),
            fk_validity_blind(unordered_dump(r.before)));
  EXPECT_EQ(steps_text(r.plan),
            "alter table orders\n"
            "  add column id bigint\n"
            "    not null\n"
            "    identity\n"
            "  add constraint pk_orders primary key (id)\n"
            "alter table billing.invoices\n"
            "  add constraint fk_invoices_order_id_orders foreign key (order_id) references "
            "orders (id) not valid\n");
}

TEST(Downgrade, DropColumnCascadeBringsBackViewsInOrder) {
  RoundTrip r = round_trip(kShop, "alter table orders drop column total cascade;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(unordered_dump(r.downgraded), unordered_dump(r.before));
  EXPECT_EQ(steps_text(r.plan),
            "alter table orders\n"
            "  add column total decimal(12, 2)\n"
            "    not null\n"
            "    default 0\n"
            "  add constraint ck_orders_total check (total >= 0)\n"
            "create index ix_orders_user_id on orders\n"
            "  key user_id\n"
            "  include (total)\n"
            "create view order_totals\n"
            "  body ' select user_id, sum(total) from orders group by user_id '\n"
            "create view big_totals\n"
            "  body ' select * from order_totals where sum > 100 '\n");
}

TEST(Downgrade, NotNullColumnWithoutDefaultComesBackNullable) {
  RoundTrip r = round_trip(kShop, "alter table billing.invoices drop column amount;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan),
            "alter table billing.invoices\n  add column amount decimal(10, 2)\n");
  EXPECT_EQ(notes_text(r.plan),
            "Column \"billing.invoices.amount\" comes back nullable: it was not null without a "
            "default, which a table that holds rows cannot take.\n"
            "Column \"billing.invoices.amount\" comes back without its values: they are not "
            "restored.\n");
  std::string expected = dump(r.before);
  std::string from = "column amount decimal(10, 2) not null";
  expected.replace(expected.find(from), from.size(), "column amount decimal(10, 2)");
  EXPECT_EQ(dump(r.downgraded), expected);
}

TEST(Downgrade, PrimaryKeyOnAColumnThatComesBackNullableIsNotRestored) {
  RoundTrip r = round_trip(R"(
    create table a (code text not null, n integer, constraint pk_a primary key (code));
    create table b (a_code text references a);
  )",
                           "alter table a drop column code cascade;");
  EXPECT_EQ(r.errors, "");
  EXPECT_TRUE(r.plan.ok);
  EXPECT_EQ(steps_text(r.plan), "alter table a\n  add column code text\n");
  EXPECT_EQ(notes_text(r.plan),
            "Column \"a.code\" comes back nullable: it was not null without a default, which a "
            "table that holds rows cannot take.\n"
            "Column \"a.code\" comes back without its values: they are not restored.\n"
            "Primary key \"pk_a\" of table \"a\" is not restored: its column \"code\" comes back "
            "nullable.\n"
            "Foreign key \"fk_b_a_code_a\" of table \"b\" is not restored: the primary key of "
            "\"a\" it references is not restored.\n");
}

TEST(Downgrade, UniqueColumnWithADefaultComesBackEmptyAndGetsItsDefaultLast) {
  // Every row would take 'new': the unique key would fail on two rows.
  RoundTrip r = round_trip(
      "create table t (id integer primary key, status string(10) not null default 'new' unique, "
      "note text);\n"
      "create unique index ix_t_status_note on t (status, note);",
      "alter table t drop column status;");
  EXPECT_EQ(r.errors, "");
  EXPECT_TRUE(r.plan.ok);
  EXPECT_EQ(steps_text(r.plan),
            "alter table t\n"
            "  add column status string(10)\n"
            "  add constraint uq_t_status unique (status)\n"
            "create unique index ix_t_status_note on t\n"
            "  key status\n"
            "  key note\n"
            "alter table t\n"
            "  alter column status set default 'new'\n");
  // The default comes last, after every key over the column.
  EXPECT_EQ(notes_text(r.plan),
            "Column \"t.status\" comes back nullable, with NULL in every row, and its default "
            "'new' is set again only after unique keys \"uq_t_status\" and \"ix_t_status_note\": "
            "the same default in every row would break them. Set it not null once every row "
            "holds a distinct value.\n"
            "Column \"t.status\" comes back without its values: they are not restored.\n");
  std::string expected = unordered_dump(r.before);
  std::string from = "column status string(10) not null default 'new'";
  expected.replace(expected.find(from), from.size(), "column status string(10) default 'new'");
  EXPECT_EQ(unordered_dump(r.downgraded), expected);
}

TEST(Downgrade, NullableUniqueColumnWithADefaultComesBackAsItWas) {
  // Nullable already: the schema comes back exactly, only the rows hold
  // NULL instead of the default.
  expect_restores("create table t (id integer primary key, code string(5) default 'x' unique);",
                  "alter table t drop column code;");
  RoundTrip r =
      round_trip("create table t (id integer primary key, code string(5) default 'x' unique);",
                 "alter table t drop column code;");
  EXPECT_EQ(steps_text(r.plan),
            "alter table t\n"
            "  add column code string(5)\n"
            "  add constraint uq_t_code unique (code)\n"
            "  alter column code set default 'x'\n");
  EXPECT_EQ(notes_text(r.plan),
            "Column \"t.code\" comes back with NULL in every row, and its default 'x' is set "
            "again only after unique key \"uq_t_code\": the same default in every row would "
            "break it.\n"
            "Column \"t.code\" comes back without its values: they are not restored.\n");
}

TEST(Downgrade, UniqueColumnsWhoseDefaultDiffersPerRowComeBackWithIt) {
  // gen_uuid() gives each row its own value; an identity numbers them; a
  // null default is no default; a column in no unique key can share one.
  for (const char* column :
       {"u uuid not null default gen_uuid() unique", "u bigint not null identity unique",
        "u integer default null unique", "u integer not null default 0"}) {
    SCOPED_TRACE(column);
    expect_restores(fmt::format("create table t (id integer primary key, {});", column),
                    "alter table t drop column u;");
  }
}

TEST(Downgrade, PrimaryKeyOverAColumnWithADefaultIsNotRestored) {
  RoundTrip r = round_trip(
      "create table t (code string(5) not null default 'x' primary key, n "
      "integer);",
      "alter table t drop column code;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan),
            "alter table t\n"
            "  add column code string(5)\n"
            "  alter column code set default 'x'\n");
  EXPECT_NE(notes_text(r.plan).find("Primary key \"pk_t\" of table \"t\" is not restored: its "
                                    "column \"code\" comes back nullable."),
            std::string::npos)
      << notes_text(r.plan);
}

TEST(Downgrade, ForeignKeyOverAColumnThatComesBackNullIsChecked) {
  // The column comes back NULL in every row: its foreign key cannot fail.
  expect_restores(
      "create table p (id integer primary key);\n"
      "create table c (id integer primary key, p_id integer references p (id));",
      "alter table c drop column p_id;");
  // With a default, every row points at p 0, which may not exist.
  RoundTrip r = round_trip(
      "create table p (id integer primary key);\n"
      "create table c (id integer primary key, p_id integer not null default 0 references p "
      "(id));",
      "alter table c drop column p_id;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(fks_made_not_valid(r.before, r.downgraded), std::vector<std::string>{"c.fk_c_p_id_p"});
  expect_unchecked_noted(r);
}

TEST(Downgrade, RenameColumnGoesBackWithQuotes) {
  RoundTrip r = round_trip(R"(create table t ("UserId" integer unique, b integer);
                              create index on t ("UserId", b);)",
                           R"(alter table t rename column "UserId" to user_id;)");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan), "alter table t\n  rename column user_id to \"UserId\"\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  EXPECT_EQ(quoted_flags(r.downgraded), "column t.UserId\n");
}

TEST(Downgrade, TypeChangeGoesBackWithACast) {
  RoundTrip r = round_trip(kShop, "alter table orders alter column note type text;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan),
            "alter table orders\n"
            "  alter column note type string(50) using cast(note as string(50))\n");
  EXPECT_TRUE(r.plan.steps[0].loses_data);
  EXPECT_EQ(notes_text(r.plan),
            "Column \"orders.note\" goes back from text to string(50): values that do not fit "
            "are cut or make the downgrade fail.\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  // Back to a wider type: nothing to fear.
  r = round_trip(kShop, "alter table billing.invoices alter column id type smallint;");
  EXPECT_EQ(r.errors, "");
  EXPECT_FALSE(r.plan.steps[0].loses_data);
  EXPECT_EQ(notes_text(r.plan), "");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
}

TEST(Downgrade, WhichTypeChangesMayLoseData) {
  struct Case {
    const char* from;
    const char* to;
    bool loses;  // going back from `to` to `from`
  };
  const Case cases[] = {
      {"integer", "bigint", true},
      {"bigint", "integer", false},
      {"string(10)", "string(20)", true},
      {"string(20)", "string(10)", false},
      {"string(10)", "text", true},
      {"text", "string(10)", false},
      {"decimal(10, 2)", "decimal(12, 4)", true},
      {"decimal(12, 4)", "decimal(10, 2)", false},
      {"real", "double", true},
      {"double", "real", false},
      {"date", "timestamp", true},
      {"timestamptz", "timestamp", false},
      {"text", "mood", false},
      {"mood", "text", true},
      {"integer", "text", true},
      {"char(3)", "string(3)", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.from) + " -> " + c.to);
    RoundTrip r = round_trip(fmt::format("create enum mood ('a'); create table t (c {});", c.from),
                             fmt::format("alter table t alter column c type {};", c.to));
    EXPECT_EQ(r.errors, "");
    ASSERT_EQ(r.plan.steps.size(), 1u);
    EXPECT_EQ(r.plan.steps[0].loses_data, c.loses);
    EXPECT_EQ(dump(r.downgraded), dump(r.before));
  }
}

TEST(Downgrade, NullabilityDefaultsAndComments) {
  RoundTrip r = round_trip(kShop, "alter table orders alter column note set not null;");
  EXPECT_EQ(steps_text(r.plan), "alter table orders\n  alter column note drop not null\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "alter table orders alter column total drop not null;");
  EXPECT_EQ(steps_text(r.plan), "alter table orders\n  alter column total set not null\n");
  EXPECT_EQ(notes_text(r.plan),
            "Setting column \"orders.total\" back to not null fails if nulls were written since "
            "the upgrade.\n");
  EXPECT_FALSE(r.plan.steps[0].loses_data);
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "alter table orders alter column note set default 'n/a';");
  EXPECT_EQ(steps_text(r.plan), "alter table orders\n  alter column note drop default\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "alter table orders alter column total set default 1;");
  EXPECT_EQ(steps_text(r.plan), "alter table orders\n  alter column total set default 0\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "alter table orders alter column total drop default;");
  EXPECT_EQ(steps_text(r.plan), "alter table orders\n  alter column total set default 0\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "alter table users alter column name comment 'full name';");
  EXPECT_EQ(steps_text(r.plan), "alter table users\n  alter column name comment 'display name'\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "alter table orders alter column note comment 'free text';");
  EXPECT_EQ(steps_text(r.plan), "alter table orders\n  alter column note comment ''\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  EXPECT_EQ(r.errors, "");
}

TEST(Downgrade, NoOpActionsHaveNoSteps) {
  for (const char* change : {
           "alter table orders alter column total set not null;",
           "alter table orders alter column note drop not null;",
           "alter table orders alter column note drop default;",
           "alter table orders alter column note type string(50);",
           "alter table orders rename column note to note;",
           "alter index ix_orders_note rename to ix_orders_note;",
       }) {
    SCOPED_TRACE(change);
    RoundTrip r = round_trip(kShop, change);
    EXPECT_EQ(r.errors, "");
    EXPECT_TRUE(r.plan.ok);
    EXPECT_TRUE(r.plan.steps.empty()) << steps_text(r.plan);
  }
}

// ------------------------------------------------------------ constraints

TEST(Downgrade, AddedConstraintsAreDroppedByTheirModelNames) {
  RoundTrip r = round_trip(kShop, R"(alter table orders
    add unique (note, total),
    add check (total < 1000000) not valid,
    add foreign key (user_id) references users (id),
    add constraint "Named" check (note <> '');)");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan),
            "alter table orders\n"
            "  drop constraint \"Named\"\n"
            "  drop constraint fk_orders_user_id_users_2\n"
            "  drop constraint ck_orders_total_2\n"
            "  drop constraint uq_orders_note_total\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
}

TEST(Downgrade, GeneratedNamesFollowTheConventionOfTheProject) {
  ReplayOptions options;
  options.naming.unique = "{table}_{columns}_key";
  RoundTrip r = round_trip("create table t (a integer, b integer);",
                           "alter table t add unique (a, b);", options);
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan), "alter table t\n  drop constraint t_a_b_key\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
}

TEST(Downgrade, ConstraintUsingIndexGivesTheIndexBack) {
  RoundTrip r = round_trip(kShop +
                               "create unique index concurrently ix_orders_uid_id on orders "
                               "(user_id, id desc);",
                           "alter table orders add constraint uq_orders_uid_id unique using index "
                           "ix_orders_uid_id;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan),
            "alter table orders\n"
            "  drop constraint uq_orders_uid_id\n"
            "create unique index ix_orders_uid_id on orders\n"
            "  key user_id\n"
            "  key id desc\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  expect_restores("create table t (id integer not null); create unique index t_id_idx on t (id);",
                  "alter table t add constraint t_pkey primary key using index t_id_idx;");
  // The index already had the constraint's name.
  expect_restores("create table t (id integer not null); create unique index pk_t on t (id);",
                  "alter table t add constraint pk_t primary key using index pk_t;");
}

TEST(Downgrade, ValidateConstraintIsNotUndone) {
  RoundTrip r = round_trip(
      "create table t (a integer); alter table t add constraint ck_a check "
      "(a > 0) not valid;",
      "alter table t validate constraint ck_a;");
  EXPECT_EQ(r.errors, "");
  EXPECT_TRUE(r.plan.ok);
  EXPECT_TRUE(r.plan.steps.empty());
  // Only the `not valid` mark differs.
  std::string expected = dump(r.before);
  expected.replace(expected.find(" not valid"), 10, "");
  EXPECT_EQ(dump(r.downgraded), expected);
}

TEST(Downgrade, DroppedConstraintsComeBackWhole) {
  expect_restores_unordered(kShop, "alter table orders drop constraint ck_orders_total;");
  expect_restores(kShop,
                  "alter table billing.invoices drop constraint fk_invoices_order_id_orders;");
  expect_restores(
      "create table t (a integer not null, b integer); alter table t add constraint "
      "ck check (b > a) not valid; alter table t add constraint pk_t primary key (a);",
      "alter table t drop constraint pk_t;");
  expect_restores(
      "create table t (a integer, b integer); alter table t add constraint "
      "ck check (b > a) not valid;",
      "alter table t drop constraint ck;");
  expect_restores(
      "create table p (a integer, b integer, unique (a, b)); create table c (x "
      "integer, y integer, constraint \"Fk\" foreign key (x, y) references p (a, b) "
      "on delete set null on update cascade);",
      R"(alter table c drop constraint "Fk";)");
  RoundTrip r = round_trip(kShop, "alter table orders drop constraint fk_orders_user_id_users;");
  EXPECT_EQ(steps_text(r.plan),
            "alter table orders\n"
            "  add constraint fk_orders_user_id_users foreign key (user_id) references users (id) "
            "on delete cascade not valid\n");
  EXPECT_EQ(
      notes_text(r.plan),
      "Foreign key \"fk_orders_user_id_users\" of table \"orders\" comes back without a check "
      "of the rows already there: rows written since the upgrade may break it.\n");
  EXPECT_EQ(fk_validity_blind(unordered_dump(r.downgraded)),
            fk_validity_blind(unordered_dump(r.before)));
}

TEST(Downgrade, RenameConstraintGoesBack) {
  RoundTrip r =
      round_trip(kShop, R"(alter table orders rename constraint ck_orders_total to "Ck";)");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan),
            "alter table orders\n  rename constraint \"Ck\" to ck_orders_total\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
}

// ------------------------------------------------------------ indexes

TEST(Downgrade, CreateIndexIsDroppedByItsModelName) {
  RoundTrip r = round_trip(kShop, "create index concurrently on orders (note, total);");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan), "drop index concurrently ix_orders_note_total\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "create index on billing.invoices (amount);");
  EXPECT_EQ(steps_text(r.plan), "drop index billing.ix_invoices_amount\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  // A name clash made the convention add `_2`: the inverse uses it.
  r = round_trip(kShop, "create index on orders (user_id);");
  EXPECT_EQ(steps_text(r.plan), "drop index ix_orders_user_id_2\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "create index if not exists ix_orders_note on orders (total);");
  EXPECT_TRUE(r.plan.steps.empty());
}

TEST(Downgrade, DroppedIndexComesBackWhole) {
  RoundTrip r = round_trip(kShop, "drop index concurrently ix_orders_note;");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan),
            "create unique index concurrently ix_orders_note on orders\n"
            "  key note\n"
            "  using btree\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  expect_restores(kShop, "drop index ix_users_name_lower;");
  expect_restores_unordered(kShop, "drop index ix_orders_user_id;");
  expect_restores(R"(create schema s; create table s.t (a integer, "B" text);
                     create index "Ix" on s.t (a, "B") include ("B") where a > 0 using gin;)",
                  R"(drop index s."Ix";)");
  r = round_trip(kShop, "drop index if exists nope;");
  EXPECT_TRUE(r.plan.steps.empty());
}

TEST(Downgrade, RenameIndexGoesBack) {
  RoundTrip r = round_trip(kShop, R"(alter index ix_orders_note rename to "IxNote";)");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan), "alter index \"IxNote\" rename to ix_orders_note\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  // An index that backs a constraint: the constraint is renamed too, and back.
  expect_restores(kShop, "alter index pk_orders rename to orders_pkey;");
  expect_restores("create schema s; create table s.t (a integer); create index ix on s.t (a);",
                  "alter index s.ix rename to iy;");
}

// ------------------------------------------------ enums, views, schemas

TEST(Downgrade, EnumsViewsAndSchemas) {
  RoundTrip r = round_trip(kShop, R"(create enum "Color" ('red', 'green');)");
  EXPECT_EQ(steps_text(r.plan), "drop enum \"Color\"\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip("create enum color ('red', 'it''s');", "drop enum color;");
  EXPECT_EQ(steps_text(r.plan), "create enum color\n  value 'red'\n  value 'it''s'\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "create view v as (postgresql: $$ select 1 $$, default: $$ select 2 $$);");
  EXPECT_EQ(steps_text(r.plan), "drop view v\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "drop view big_totals;");
  EXPECT_EQ(steps_text(r.plan),
            "create view big_totals\n  body ' select * from order_totals where sum > 100 '\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip(kShop, "create schema archive;");
  EXPECT_EQ(steps_text(r.plan), "drop schema archive\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));

  r = round_trip("create schema \"Archive\";", "drop schema \"Archive\";");
  EXPECT_EQ(steps_text(r.plan), "create schema \"Archive\"\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  EXPECT_EQ(r.errors, "");
}

TEST(Downgrade, CommentsGoBack) {
  RoundTrip r = round_trip(kShop, "comment on table users is 'humans';");
  EXPECT_EQ(steps_text(r.plan), "comment on table users is 'people'\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  r = round_trip(kShop, "comment on table orders is 'orders';");
  EXPECT_EQ(steps_text(r.plan), "comment on table orders is ''\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  r = round_trip(kShop, "comment on column users.name is '';");
  EXPECT_EQ(steps_text(r.plan), "comment on column users.name is 'display name'\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  r = round_trip(kShop, "comment on column billing.invoices.amount is 'euros';");
  EXPECT_EQ(steps_text(r.plan), "comment on column billing.invoices.amount is ''\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
  EXPECT_EQ(r.errors, "");
}

// ------------------------------------------------------------ rows and raw SQL

TEST(Downgrade, InsertIsUndoneByPrimaryKey) {
  RoundTrip r = round_trip(
      "create table roles (tenant integer, code text, label text, primary key (code, tenant));",
      "insert into roles (label, tenant, code) values ('Admin', 1, 'admin'), ('User', -2, "
      "'it''s');");
  EXPECT_EQ(r.errors, "");
  ASSERT_EQ(r.plan.steps.size(), 1u);
  const auto& del = std::get<ast::DeleteRows>(r.plan.steps[0].statement.node);
  EXPECT_EQ(del.table.key(), "roles");
  ASSERT_EQ(del.key_columns.size(), 2u);
  EXPECT_EQ(del.key_columns[0].text, "code");
  EXPECT_EQ(del.key_columns[1].text, "tenant");
  ASSERT_EQ(del.keys.size(), 2u);
  EXPECT_EQ(ast::expr_to_string(*del.keys[0][0]), "'admin'");
  EXPECT_EQ(ast::expr_to_string(*del.keys[0][1]), "1");
  EXPECT_EQ(ast::expr_to_string(*del.keys[1][0]), "'it''s'");
  EXPECT_EQ(ast::expr_to_string(*del.keys[1][1]), "-2");
  EXPECT_TRUE(r.plan.steps[0].loses_data);
  EXPECT_EQ(notes_text(r.plan),
            "Deletes the 2 rows the upgrade inserted into \"roles\", by primary key, with any "
            "changes made to them since.\n");
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
}

TEST(Downgrade, ExecuteRunsItsReverseWhereItRan) {
  RoundTrip r = round_trip("", R"(@allow(some-rule, 'why') @only(postgresql)
execute $$ create extension x $$ reverse (postgresql: $$ drop extension x $$);)");
  EXPECT_EQ(r.errors, "");
  ASSERT_EQ(r.plan.steps.size(), 1u);
  const auto& step = r.plan.steps[0];
  const auto& x = std::get<ast::Execute>(step.statement.node);
  EXPECT_FALSE(x.reverse);
  ASSERT_EQ(x.body.entries.size(), 1u);
  EXPECT_EQ(x.body.entries[0].dialect, "postgresql");
  EXPECT_EQ(x.body.entries[0].text, " drop extension x ");
  ASSERT_EQ(step.statement.annotations.size(), 1u);
  EXPECT_EQ(step.statement.annotations[0].kind, ast::AnnotationKind::Only);
  EXPECT_EQ(step.statement.annotations[0].args[0].text, "postgresql");
  EXPECT_FALSE(step.loses_data);
}

// ------------------------------------------------------------ whole revisions

TEST(Downgrade, StepsUndoStatementsInReverseOrder) {
  RoundTrip r = round_trip(kShop, R"(create table fees (id bigint primary key, amount integer);
  insert into fees (id, amount) values (1, 10);
  alter table fees add column due date, alter column amount type bigint, drop column id;
  create index on fees (due);
  alter table orders rename column note to memo;)");
  EXPECT_EQ(r.errors, "");
  EXPECT_EQ(steps_text(r.plan),
            "alter table orders\n"
            "  rename column memo to note\n"
            "alter table fees\n"
            "  add column id bigint\n"
            "  alter column amount type integer using cast(amount as integer)\n"
            "  drop column due\n"
            "drop table fees\n");
  // No `drop index ix_fees_due` and no delete of the inserted row: the
  // table is dropped later and takes its indexes and rows with it (MySQL
  // refuses to drop an index a foreign key needs; deleting rows fails while
  // other rows still refer to them).
  ASSERT_EQ(r.plan.steps.size(), 3u);
  EXPECT_EQ(r.plan.steps[0].undoes.line, 7u);
  EXPECT_EQ(r.plan.steps[1].undoes.line, 5u);
  EXPECT_TRUE(r.plan.steps[1].loses_data);
  EXPECT_EQ(r.plan.steps[2].undoes.line, 3u);
  EXPECT_EQ(dump(r.downgraded), dump(r.before));
}

// The replay takes a view to read every word of its body; a column added
// under such a word cannot be dropped without `cascade`. The derivation
// replays its own steps and reports that rather than emit a failing script.
TEST(Downgrade, AnInverseThatWouldNotApplyIsReported) {
  RoundTrip r =
      round_trip("create table t (a integer); create view v as $$ select a, status from t $$;",
                 "alter table t add column status text;");
  EXPECT_FALSE(r.plan.ok);
  EXPECT_TRUE(r.plan.steps.empty());
  EXPECT_EQ(r.errors,
            "migrations/0002_change.rev:3: error[downgrade]: cannot derive the downgrade of "
            "revision \"0002\": the inverse of alter table at line 3 would fail (column "
            "\"status\" is used by view \"v\")\n"
            "  help: write a `downgrade { }` block for this revision\n");
}

// statement_applies (used for the last inverse step) must say exactly what
// applying the statement to a copy says: the same outcome and the same
// diagnostics, for every statement kind it checks without applying (the
// drops, a column's rename or type change) and for those it applies.
TEST(StatementApplies, SaysWhatApplyingToACopySays) {
  const char* kSchema = R"(
    create table a (id integer primary key identity, code text, Label text);
    create table b (id integer primary key, a_id integer references a (id), note text);
    create index ix_b_note on b (note);
    create table c (x integer);
    create view v as $$ select code from a $$;
    create view w as $$ select x from c $$;)";
  const char* kStatements[] = {
      "drop table a;",
      "drop table a cascade;",
      "drop table b;",
      "drop table c;",
      "drop table c cascade;",
      "drop table missing;",
      "drop table if exists missing;",
      "drop table v;",
      "drop table bb;",
      "drop index ix_b_note;",
      "drop index ix_b_notes;",
      "drop index if exists ix_b_notes;",
      "drop index b_pkey;",
      "alter table a drop column code;",
      "alter table a drop column code cascade;",
      "alter table a drop column id;",
      "alter table a drop column id cascade;",
      "alter table a drop column label;",
      "alter table missing drop column code;",
      "alter table b drop column note;",
      "alter table b rename column note to remark;",
      "alter table b rename column note to id;",
      "alter table b rename column note to note;",
      "alter table b rename column nope to remark;",
      "alter table a rename column code to label;",
      "alter table b alter column note type string(50);",
      "alter table b alter column note type text;",
      "alter table b alter column note type text using note;",
      "alter table b alter column note type string(50) using cast(nope as string(50));",
      "alter table b alter column note type nosuchtype;",
      "alter table b alter column nope type text;",
      "alter table a alter column id type text;",
      "alter table a alter column id type bigint;",
      // Applied to a copy: more than one action, or another kind.
      "alter table b drop column note, drop column a_id;",
      "alter table b add column extra text;",
      "create index ix_b_a on b (a_id);",
      "drop view v;",
  };
  size_t fail = 0, pass = 0;
  for (const char* dialect : {"postgresql", "mysql"}) {
    ReplayOptions options;
    options.dialects = {dialect};
    const SchemaModel schema = schema_of_text(kSchema, options);
    for (const char* text : kStatements) {
      SCOPED_TRACE(fmt::format("{} on {}", text, dialect));
      ast::RevisionFile file = parse(revision("0002", text));
      ASSERT_EQ(file.upgrade.size(), 1u);
      const ast::Statement& statement = file.upgrade.front();
      SchemaModel copy = schema;
      DiagnosticSink applied, checked;
      bool applies = apply_statement(statement, file.path, copy, options, applied, "0002");
      ++(applies ? pass : fail);
      EXPECT_EQ(statement_applies(statement, file.path, schema, options, checked, "0002"), applies);
      EXPECT_EQ(messages(checked), messages(applied));
      ASSERT_EQ(checked.diagnostics().size(), applied.diagnostics().size());
      for (size_t i = 0; i < applied.diagnostics().size(); ++i) {
        const Diagnostic& a = applied.diagnostics()[i];
        const Diagnostic& c = checked.diagnostics()[i];
        EXPECT_EQ(c.span.begin, a.span.begin);
        EXPECT_EQ(c.span.end, a.span.end);
        EXPECT_EQ(c.span.column, a.span.column);
        EXPECT_EQ(c.revision, a.revision);
      }
    }
  }
  // Both outcomes, each of the checks above, are exercised.
  EXPECT_EQ(fail, 36u);
  EXPECT_EQ(pass, 38u);
}

TEST(Downgrade, IsDeterministic) {
  auto plan_text = [] {
    RoundTrip r = round_trip(kShop, "drop table users cascade; drop table orders cascade;");
    return steps_text(r.plan) + notes_text(r.plan) + dump(r.downgraded);
  };
  std::string first = plan_text();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(plan_text(), first);
}

// The property over many statements, each on the shop schema.
TEST(Downgrade, EveryStatementKindRestoresTheSchema) {
  const char* exact[] = {
      "create table t (a integer);",
      "create table billing.t (id integer primary key, o bigint references orders on delete "
      "set null, m mood not null default 'sad');",
      "create table \"T\" (\"A\" integer, \"b c\" text);",
      "drop table billing.invoices;",
      "drop table big_totals_src cascade;",
      "drop view big_totals; drop view order_totals; drop table orders cascade;",
      "drop table orders cascade;",
      "create table x (a integer); drop table x;",
      "alter table orders add column c integer, add constraint uq_c unique (c), add constraint "
      "ck_c check (c > 0) not valid;",
      "alter table orders add column c integer; alter table orders rename column c to d; "
      "alter table orders rename to o2; create index on o2 (d);",
      "alter table users rename to people;",
      "alter table orders add column a integer not null default 1, add column b text;",
      "alter table users add column \"Nick\" text collate 'C' comment 'x';",
      "alter table users drop column score;",
      "alter table orders drop column note;",
      "alter table users rename column email to \"E-mail\";",
      "alter table orders alter column total type double;",
      "alter table users alter column feeling type text;",
      "alter table users alter column feeling set not null, alter column feeling set default "
      "'happy';",
      "alter table orders add constraint uq_x unique (user_id, note);",
      "alter table orders add constraint ck check (note <> '') not valid;",
      "alter table billing.invoices drop constraint fk_invoices_order_id_orders;",
      "alter table orders rename constraint pk_orders to orders_pkey;",
      "create unique index concurrently ux on users (email, name) where score > 0;",
      "drop index ix_orders_note;",
      "alter index ix_orders_note rename to ix_note;",
      "create enum e ('a'); alter table orders add column e e;",
      "create view v as $$ select * from users $$;",
      "drop view big_totals;",
      "create schema s; create table s.t (a integer); create index on s.t (a);",
      "drop schema billing;",
      "comment on table users is 'x'; comment on column users.email is 'y';",
      "insert into users (id, email) values (1, 'a@b.c');",
      "execute $$ select 1 $$ reverse $$ select 2 $$;",
      "alter table orders alter column note type text, rename column note to memo, alter column "
      "memo set default 'm';",
  };
  for (const char* change : exact) {
    std::string setup = kShop;
    // Objects some changes need.
    if (std::string_view(change).find("big_totals_src") != std::string_view::npos) {
      setup +=
          "create table big_totals_src (id integer primary key); create table r (x integer "
          "references big_totals_src); create view w as $$ select * from big_totals_src $$;";
    }
    if (std::string_view(change).find("drop schema billing") != std::string_view::npos) {
      setup += "drop table billing.invoices;";
    }
    expect_restores(setup, change);
  }
  const char* unordered[] = {
      "alter table users drop column feeling; drop enum mood;",
      "alter table users drop column name;",
      "alter table billing.invoices drop column order_id;",
      "alter table orders drop column total cascade;",
      "alter table orders drop constraint ck_orders_total, drop column id cascade;",
      "drop table users cascade;",
      "alter table orders drop constraint fk_orders_user_id_users;",
      "drop index ix_orders_user_id;",
  };
  for (const char* change : unordered) expect_restores_unordered(kShop, change);
}

}  // namespace
}  // namespace retort
