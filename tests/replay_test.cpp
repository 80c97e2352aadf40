// Tests of the schema model, the naming convention and replay. ASTs are
// built by hand (small helpers below) so that these tests do not depend on
// the parser.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>

#include "compiler/alembic_reader.h"
#include "compiler/naming.h"
#include "compiler/parser.h"
#include "compiler/replay.h"
#include "compiler/schema_model.h"
#include "tests/time_limit.h"

namespace retort {
namespace {

// ------------------------------------------------------------ AST helpers

SourceSpan at_line(uint32_t line, uint32_t column = 1) {
  SourceSpan s;
  s.line = s.end_line = line;
  s.column = column;
  s.end_column = column + 1;
  return s;
}

ast::Name N(std::string text, SourceSpan span = {}) {
  ast::Name n;
  n.text = std::move(text);
  n.span = span;
  return n;
}

// "users" or "billing.invoices".
ast::QualifiedName Q(std::string_view text, SourceSpan span = {}) {
  ast::QualifiedName q;
  size_t dot = text.find('.');
  if (dot != std::string_view::npos) {
    q.schema = N(std::string(text.substr(0, dot)), span);
    q.name = N(std::string(text.substr(dot + 1)), span);
  } else {
    q.name = N(std::string(text), span);
  }
  q.span = span;
  return q;
}

// "integer", "string(20)", "decimal(10,2)", or an enum name.
ast::Type T(std::string_view text, SourceSpan span = {}) {
  static const std::map<std::string, ast::TypeKind, std::less<>> kinds = {
      {"boolean", ast::TypeKind::Boolean},
      {"smallint", ast::TypeKind::Smallint},
      {"integer", ast::TypeKind::Integer},
      {"bigint", ast::TypeKind::Bigint},
      {"decimal", ast::TypeKind::Decimal},
      {"real", ast::TypeKind::Real},
      {"double", ast::TypeKind::Double},
      {"string", ast::TypeKind::String},
      {"char", ast::TypeKind::Char},
      {"text", ast::TypeKind::Text},
      {"binary", ast::TypeKind::Binary},
      {"date", ast::TypeKind::Date},
      {"time", ast::TypeKind::Time},
      {"timestamp", ast::TypeKind::Timestamp},
      {"timestamptz", ast::TypeKind::Timestamptz},
      {"uuid", ast::TypeKind::Uuid},
      {"json", ast::TypeKind::Json},
  };
  ast::Type t;
  t.span = span;
  std::string_view name = text.substr(0, text.find('('));
  auto it = kinds.find(name);
  if (it == kinds.end()) {
    t.kind = ast::TypeKind::Enum;
    t.enum_name = Q(text, span);
    return t;
  }
  t.kind = it->second;
  if (name.size() < text.size()) {
    std::string args(text.substr(name.size() + 1));
    int a = std::stoi(args);
    size_t comma = args.find(',');
    if (t.kind == ast::TypeKind::Decimal) {
      t.precision = a;
      if (comma != std::string::npos) t.scale = std::stoi(args.substr(comma + 1));
    } else {
      t.length = a;
    }
  }
  return t;
}

// Expressions.
ast::ExprPtr make_expr(ast::ExprKind kind, std::string text = {},
                       std::vector<ast::ExprPtr> args = {}, std::string op = {}) {
  auto e = std::make_shared<ast::Expr>();
  e->kind = kind;
  e->text = std::move(text);
  e->args = std::move(args);
  e->op = std::move(op);
  return e;
}
ast::ExprPtr col(std::string name, SourceSpan span = {}) {
  auto e = std::make_shared<ast::Expr>();
  e->kind = ast::ExprKind::Column;
  e->names.push_back(N(std::move(name), span));
  e->span = span;
  return e;
}
ast::ExprPtr num(std::string v) {
  return make_expr(ast::ExprKind::Number, std::move(v));
}
ast::ExprPtr str(std::string v) {
  return make_expr(ast::ExprKind::String, std::move(v));
}
ast::ExprPtr null_value(SourceSpan span = {}) {
  auto e = std::make_shared<ast::Expr>();
  e->kind = ast::ExprKind::Null;
  e->span = span;
  return e;
}
ast::ExprPtr call(std::string fn, std::vector<ast::ExprPtr> args = {}) {
  return make_expr(ast::ExprKind::Call, std::move(fn), std::move(args));
}
ast::ExprPtr bin(std::string op, ast::ExprPtr a, ast::ExprPtr b) {
  return make_expr(ast::ExprKind::Binary, {}, {std::move(a), std::move(b)}, std::move(op));
}

// A column definition, built fluently: C("id", "bigint").pk().identity().
struct C {
  ast::ColumnDef d;
  C(std::string name, std::string_view type, SourceSpan span = {}) {
    d.name = N(std::move(name), span);
    d.type = T(type);
    d.span = span;
  }
  C& not_null() {
    d.not_null = true;
    return *this;
  }
  C& null() {
    d.not_null = false;
    return *this;
  }
  C& pk() {
    d.primary_key = true;
    return *this;
  }
  C& unique() {
    d.unique = true;
    return *this;
  }
  C& identity() {
    d.identity = true;
    return *this;
  }
  C& def(ast::ExprPtr e) {
    d.default_value = std::move(e);
    return *this;
  }
  C& check(ast::ExprPtr e) {
    d.checks.push_back(std::move(e));
    return *this;
  }
  C& comment(std::string c) {
    d.comment = std::move(c);
    return *this;
  }
  C& refs(std::string_view table, std::vector<std::string> cols = {},
          std::optional<ast::RefAction> on_delete = {}) {
    ast::References r;
    r.table = Q(table);
    for (auto& c : cols) r.columns.push_back(N(c));
    r.on_delete = on_delete;
    d.references = r;
    return *this;
  }
  operator ast::ColumnDef() const { return d; }  // NOLINT: fluent builder
};

std::vector<ast::Name> names(std::vector<std::string> cols) {
  std::vector<ast::Name> out;
  for (auto& c : cols) out.push_back(N(std::move(c)));
  return out;
}

ast::TableConstraint pk(std::vector<std::string> cols, std::optional<std::string> name = {}) {
  ast::TableConstraint c;
  c.kind = ast::ConstraintKind::PrimaryKey;
  c.columns = names(std::move(cols));
  if (name) c.name = N(*name);
  return c;
}
ast::TableConstraint unique(std::vector<std::string> cols, std::optional<std::string> name = {}) {
  ast::TableConstraint c = pk(std::move(cols), std::move(name));
  c.kind = ast::ConstraintKind::Unique;
  return c;
}
ast::TableConstraint fk(std::vector<std::string> cols, std::string_view table,
                        std::vector<std::string> ref_cols, std::optional<std::string> name = {}) {
  ast::TableConstraint c = pk(std::move(cols), std::move(name));
  c.kind = ast::ConstraintKind::ForeignKey;
  ast::References r;
  r.table = Q(table);
  r.columns = names(std::move(ref_cols));
  c.references = r;
  return c;
}
ast::TableConstraint check(ast::ExprPtr e, std::optional<std::string> name = {}) {
  ast::TableConstraint c;
  c.kind = ast::ConstraintKind::Check;
  c.check = std::move(e);
  if (name) c.name = N(*name);
  return c;
}

ast::CreateTable create_table(std::string_view name, std::vector<ast::ColumnDef> columns,
                              std::vector<ast::TableConstraint> constraints = {}) {
  ast::CreateTable s;
  s.name = Q(name);
  s.columns = std::move(columns);
  s.constraints = std::move(constraints);
  return s;
}

ast::AlterTable alter(std::string_view table, std::vector<ast::AlterAction> actions) {
  ast::AlterTable s;
  s.name = Q(table);
  s.actions = std::move(actions);
  return s;
}

ast::IndexKey key(std::string column) {
  ast::IndexKey k;
  k.column = N(std::move(column));
  return k;
}
ast::IndexKey key(ast::ExprPtr e) {
  ast::IndexKey k;
  k.expr = std::move(e);
  return k;
}
ast::CreateIndex create_index(std::optional<std::string> name, std::string_view table,
                              std::vector<ast::IndexKey> keys, bool is_unique = false) {
  ast::CreateIndex s;
  if (name) s.name = N(*name);
  s.table = Q(table);
  s.keys = std::move(keys);
  s.unique = is_unique;
  return s;
}

ast::CreateEnum create_enum(std::string_view name, std::vector<std::string> values) {
  ast::CreateEnum s;
  s.name = Q(name);
  for (auto& v : values) s.values.push_back({std::move(v), {}});
  return s;
}

ast::DialectText body(std::string text) {
  ast::DialectText d;
  d.entries.push_back({"", std::move(text), {}});
  return d;
}

ast::CreateView create_view(std::string_view name, std::string text) {
  return ast::CreateView{Q(name), body(std::move(text))};
}

ast::Insert insert(std::string_view table, std::vector<std::string> cols,
                   std::vector<std::vector<ast::ExprPtr>> rows) {
  ast::Insert s;
  s.table = Q(table);
  s.columns = names(std::move(cols));
  s.rows = std::move(rows);
  return s;
}

ast::Statement stmt(ast::StatementNode node) {
  ast::Statement s;
  s.node = std::move(node);
  s.span = at_line(1);
  return s;
}

// --------------------------------------------------------------- fixture

class Replay : public ::testing::Test {
 protected:
  SchemaModel schema;
  ReplayOptions options;

  // Applies a statement that must succeed.
  void ok(ast::StatementNode node) {
    DiagnosticSink sink;
    bool applied = apply_statement(stmt(std::move(node)), "r.rev", schema, options, sink, "r1");
    std::string messages;
    for (const auto& d : sink.diagnostics()) messages += d.message + " | " + d.help + "\n";
    EXPECT_TRUE(applied) << messages;
    EXPECT_TRUE(sink.empty()) << messages;
  }

  // Applies a statement that must fail with exactly one error, leaving the
  // schema unchanged; returns the error.
  Diagnostic fail(ast::StatementNode node) {
    std::string before = dump(schema);
    DiagnosticSink sink;
    EXPECT_FALSE(apply_statement(stmt(std::move(node)), "r.rev", schema, options, sink, "r1"));
    EXPECT_EQ(dump(schema), before) << "a failed statement changed the schema";
    std::string messages;
    for (const auto& d : sink.diagnostics()) messages += d.message + "\n";
    EXPECT_EQ(sink.error_count(), 1u) << messages;
    if (sink.diagnostics().empty()) return {};
    const Diagnostic& d = sink.diagnostics().front();
    EXPECT_EQ(d.code, "schema");
    EXPECT_EQ(d.file, "r.rev");
    EXPECT_EQ(d.revision, "r1");
    EXPECT_TRUE(d.span.valid());
    return d;
  }
  std::string fail_message(ast::StatementNode node) { return fail(std::move(node)).message; }

  // users(id bigint pk identity, email string(100) not null, name text)
  void users() {
    ok(create_table("users", {C("id", "bigint").pk().identity(),
                              C("email", "string(100)").not_null().unique(), C("name", "text")}));
  }
  // orders(id bigint pk, user_id bigint references users on delete cascade)
  void orders() {
    ok(create_table(
        "orders",
        {C("id", "bigint").pk(),
         C("user_id", "bigint").not_null().refs("users", {"id"}, ast::RefAction::Cascade)}));
  }
};

// ------------------------------------------------------- persistent map

// `map` holds what `reference` holds, in the same order.
void expect_same(const PersistentMap<int>& map, const std::map<std::string, int>& reference) {
  ASSERT_EQ(map.size(), reference.size());
  auto it = reference.begin();
  for (const auto& e : map) {
    ASSERT_EQ(e.key, it->first);
    ASSERT_EQ(e.value, it->second);
    ++it;
  }
}

TEST(PersistentMap, MatchesStdMapAndSharesOnCopy) {
  PersistentMap<int> m;
  std::map<std::string, int> reference;
  std::mt19937 rng(42);
  std::vector<PersistentMap<int>> snapshots;
  std::vector<std::map<std::string, int>> reference_snapshots;
  for (int i = 0; i < 5000; ++i) {
    std::string k = "k" + std::to_string(rng() % 700);
    if (rng() % 3 == 0) {
      EXPECT_EQ(m.erase(k), reference.erase(k) == 1);
    } else {
      m.set(k, i);
      reference[k] = i;
    }
    if (i % 500 == 0) {
      snapshots.push_back(m);
      reference_snapshots.push_back(reference);
    }
  }
  expect_same(m, reference);
  // Every snapshot still holds what it held when taken.
  for (size_t i = 0; i < snapshots.size(); ++i) expect_same(snapshots[i], reference_snapshots[i]);
  for (const auto& [k, v] : reference) EXPECT_EQ(*m.find(k), v);
  EXPECT_EQ(m.find("absent"), nullptr);
  auto lb = m.lower_bound("k5");
  ASSERT_NE(lb, m.end());
  EXPECT_EQ(lb->key, reference.lower_bound("k5")->first);
  EXPECT_EQ(m.lower_bound("z"), m.end());
}

// A node compares keys by their first eight bytes first: keys alike in
// those (or shorter, or holding NUL and high bytes) must still sort as
// std::string does, byte by byte and unsigned.
TEST(PersistentMap, OrdersKeysAsBytesWhateverTheirFirstEight) {
  PersistentMap<int> m;
  std::map<std::string, int> reference;
  std::mt19937 rng(7);
  const std::string alphabet{'\0', 'a', 'b', '\x7f', '\x80', '\xff'};
  auto random_key = [&] {
    // Half the keys share an eight-byte start, so that only their tails differ.
    std::string k = rng() % 2 ? std::string("sharedpr") : std::string();
    size_t length = rng() % 11;
    for (size_t i = 0; i < length; ++i) k += alphabet[rng() % alphabet.size()];
    return k;
  };
  for (int i = 0; i < 6000; ++i) {
    std::string k = random_key();
    if (rng() % 4 == 0) {
      EXPECT_EQ(m.erase(k), reference.erase(k) == 1);
    } else {
      m.set(k, i);
      reference[k] = i;
    }
  }
  expect_same(m, reference);
  for (int i = 0; i < 2000; ++i) {
    std::string k = random_key();
    const int* found = m.find(k);
    auto want = reference.find(k);
    ASSERT_EQ(found != nullptr, want != reference.end());
    if (found) {
      EXPECT_EQ(*found, want->second);
    }
    auto lb = m.lower_bound(k);
    auto want_lb = reference.lower_bound(k);
    ASSERT_EQ(lb == m.end(), want_lb == reference.end());
    if (want_lb != reference.end()) {
      EXPECT_EQ(lb->key, want_lb->first);
    }
  }
}

// Grows the map well past one level of nodes, shrinks it to nothing, and
// grows it again, in an order that is neither sorted nor random, checking
// every entry, lower_bound at and between keys, and an older snapshot.
TEST(PersistentMap, GrowsAndShrinksThroughEveryShape) {
  PersistentMap<std::string> m;
  std::map<std::string, std::string> reference;
  auto check = [&](const PersistentMap<std::string>& a,
                   const std::map<std::string, std::string>& b) {
    ASSERT_EQ(a.size(), b.size());
    ASSERT_EQ(a.empty(), b.empty());
    auto it = b.begin();
    for (const auto& e : a) {
      ASSERT_NE(it, b.end());
      ASSERT_EQ(e.key, it->first);
      ASSERT_EQ(e.value, it->second);
      ++it;
    }
    ASSERT_EQ(it, b.end());
    for (const auto& [k, v] : b) {
      ASSERT_NE(a.find(k), nullptr) << k;
      ASSERT_EQ(*a.find(k), v);
      for (const std::string& probe : {k, k + "!", k.substr(0, k.size() - 1)}) {
        auto got = a.lower_bound(probe);
        auto want = b.lower_bound(probe);
        if (want == b.end()) {
          ASSERT_EQ(got, a.end()) << probe;
        } else {
          ASSERT_NE(got, a.end()) << probe;
          ASSERT_EQ(got->key, want->first) << probe;
        }
      }
    }
  };
  auto key = [](int i) { return "k" + std::to_string((i * 7919) % 3001); };
  for (int round = 0; round < 2; ++round) {
    PersistentMap<std::string> before;
    std::map<std::string, std::string> reference_before;
    for (int i = 0; i < 3001; ++i) {
      m.set(key(i), std::to_string(i + round));
      reference[key(i)] = std::to_string(i + round);
      if (i % 1000 == 0) {
        check(m, reference);
        before = m;
        reference_before = reference;
      }
    }
    check(m, reference);
    for (int i = 0; i < 3001; i += 2) m.set(key(i), "again");  // replace in place
    for (int i = 0; i < 3001; i += 2) reference[key(i)] = "again";
    check(m, reference);
    for (int i = 3000; i >= 0; --i) {
      // Every other erase takes a key the map no longer holds.
      int k = (i * 13) % 3001;
      EXPECT_EQ(m.erase(key(k)), reference.erase(key(k)) == 1);
      EXPECT_FALSE(m.erase("absent"));
      if (i % 500 == 0) check(m, reference);
    }
    for (int i = 0; i < 3001; ++i) {
      m.erase(key(i));
      reference.erase(key(i));
    }
    check(m, reference);
    EXPECT_TRUE(m.empty());
    EXPECT_EQ(m.begin(), m.end());
    check(before, reference_before);  // untouched by everything since
  }
}

// ---------------------------------------------------------------- naming

TEST(Naming, FillsTemplates) {
  NamingConvention n;
  EXPECT_EQ(apply_naming(n.primary_key, "users", {}, ""), "pk_users");
  EXPECT_EQ(apply_naming(n.unique, "users", {"a", "b"}, ""), "uq_users_a_b");
  EXPECT_EQ(apply_naming(n.foreign_key, "orders", {"user_id"}, "users"), "fk_orders_user_id_users");
  EXPECT_EQ(apply_naming(n.index, "t", {"x"}, ""), "ix_t_x");
  EXPECT_EQ(apply_naming(n.default_constraint, "t", {"x", "y"}, ""), "df_t_x");
  EXPECT_EQ(apply_naming("{unknown}_{table}", "t", {}, ""), "{unknown}_t");
}

TEST(Naming, CutsLongNamesWithAStableHash) {
  std::vector<std::string> cols = {"a_very_long_column_name_number_one",
                                   "a_very_long_column_name_number_two"};
  std::string name = apply_naming("ix_{table}_{columns}", "customer_addresses", cols, "");
  EXPECT_EQ(name.size(), 63u);
  EXPECT_EQ(name.substr(0, 40), "ix_customer_addresses_a_very_long_column");
  EXPECT_EQ(name[54], '_');
  EXPECT_EQ(name.substr(55).find_first_not_of("0123456789abcdef"), std::string::npos);
  // Stable: the same input gives the same name; another input another hash.
  EXPECT_EQ(name, apply_naming("ix_{table}_{columns}", "customer_addresses", cols, ""));
  cols[1] += "x";
  std::string other = apply_naming("ix_{table}_{columns}", "customer_addresses", cols, "");
  EXPECT_EQ(other.substr(0, 54), name.substr(0, 54));
  EXPECT_NE(other, name);
  // Short names are left alone; 0 means no limit.
  EXPECT_EQ(apply_naming("ix_{table}", "t", {}, "", 63), "ix_t");
  EXPECT_EQ(apply_naming("ix_{table}_{columns}", "customer_addresses", cols, "", 0).size(), 92u);
}

TEST(Naming, NeverCutsInsideAUtf8Sequence) {
  // "é" is two bytes: a cut at an odd byte count would split one.
  std::string table;
  for (int i = 0; i < 40; ++i) table += "é";
  for (size_t limit = 20; limit <= 63; ++limit) {
    std::string name = apply_naming("ix_{table}", table, {}, "", limit);
    EXPECT_LE(name.size(), limit);
    EXPECT_GE(name.size(), limit - 1);
    EXPECT_EQ(find_invalid_utf8(name), std::string::npos) << name;
  }
  // A three-byte character (€) too.
  std::string euro;
  for (int i = 0; i < 30; ++i) euro += "€";
  std::string name = apply_naming("{table}", euro, {}, "", 63);
  EXPECT_EQ(find_invalid_utf8(name), std::string::npos);
  EXPECT_LE(name.size(), 63u);
}

TEST_F(Replay, GeneratedNamesOfColumnAndTableConstraints) {
  users();
  orders();
  ok(create_table(
      "items",
      {C("id", "bigint"), C("age", "integer").check(bin(">", col("age"), num("0"))),
       C("order_id", "bigint").refs("orders")},
      {pk({"id"}), unique({"age", "order_id"}), check(bin("<", col("age"), col("id")))}));
  ok(create_index({}, "items", {key(call("lower", {col("age")})), key("id")}));
  EXPECT_EQ(dump(schema),
            "table items\n"
            "  column id bigint not null\n"
            "  column age integer\n"
            "  column order_id bigint\n"
            "  constraint ck_items_age check (age > 0)\n"
            "  constraint pk_items primary key (id)\n"
            "  constraint uq_items_age_order_id unique (age, order_id)\n"
            "  constraint ck_items_age_id check (age < id)\n"
            "  constraint fk_items_order_id_orders foreign key (order_id) references orders (id)\n"
            "  index ix_items_age_id ((lower(age)), id)\n"
            "table orders\n"
            "  column id bigint not null\n"
            "  column user_id bigint not null\n"
            "  constraint pk_orders primary key (id)\n"
            "  constraint fk_orders_user_id_users foreign key (user_id) references users (id) on "
            "delete cascade\n"
            "table users\n"
            "  column id bigint not null identity\n"
            "  column email string(100) not null\n"
            "  column name text\n"
            "  constraint pk_users primary key (id)\n"
            "  constraint uq_users_email unique (email)\n");
}

TEST_F(Replay, ClashingGeneratedNamesGetANumber) {
  ok(create_table("t", {C("a", "integer")}));
  ok(create_index({}, "t", {key("a")}));
  ok(create_index({}, "t", {key("a")}));
  ok(create_index({}, "t", {key("a")}));
  // A given name is reserved before names are made up in the same statement.
  ok(alter("t", {ast::AddColumn{C("b", "integer").unique(), {}}}));
  ok(create_table("u", {C("a", "integer").unique(), C("b", "integer")}, {unique({"b"}, "uq_u_a")}));
  EXPECT_EQ(dump(schema),
            "table t\n"
            "  column a integer\n"
            "  column b integer\n"
            "  constraint uq_t_b unique (b)\n"
            "  index ix_t_a (a)\n"
            "  index ix_t_a_2 (a)\n"
            "  index ix_t_a_3 (a)\n"
            "table u\n"
            "  column a integer\n"
            "  column b integer\n"
            "  constraint uq_u_a_2 unique (a)\n"
            "  constraint uq_u_a unique (b)\n");
}

TEST_F(Replay, ClashSuffixOnALongNameStillFits) {
  std::string long_column(70, 'c');
  ok(create_table("t", {C(long_column, "integer")}));
  ok(create_index({}, "t", {key(long_column)}));
  ok(create_index({}, "t", {key(long_column)}));
  const auto& indexes = schema.indexes_on("t");
  ASSERT_EQ(indexes.size(), 2u);
  EXPECT_EQ(indexes[0].name.size(), 63u);
  EXPECT_LE(indexes[1].name.size(), 63u);
  EXPECT_EQ(indexes[1].name.substr(indexes[1].name.size() - 2), "_2");
  EXPECT_NE(indexes[0].name, indexes[1].name);
}

TEST_F(Replay, CustomNamingConvention) {
  options.naming.primary_key = "{table}_pkey";
  options.naming.foreign_key = "{table}_{columns}_fkey";
  users();
  orders();
  EXPECT_NE(schema.find_constraint("users_pkey").constraint, nullptr);
  EXPECT_NE(schema.find_constraint("orders_user_id_fkey").constraint, nullptr);
}

// ---------------------------------------------------------- create table

TEST_F(Replay, CreateTableKeepsEverything) {
  ok(create_enum("mood", {"sad", "ok", "happy"}));
  ast::CreateTable s = create_table(
      "people", {C("id", "integer").identity(), C("mood", "mood").def(str("ok")),
                 C("born", "timestamptz").not_null().def(call("now")).comment("birth")});
  s.columns[0].collate = std::string("C");
  s.comment = "everyone";
  ok(s);
  EXPECT_EQ(dump(schema),
            "enum mood ('sad', 'ok', 'happy')\n"
            "table people\n"
            "  comment 'everyone'\n"
            "  column id integer not null identity collate 'C'\n"
            "  column mood mood default 'ok'\n"
            "  column born timestamptz not null default now() comment 'birth'\n");
  const Table* t = schema.find_table("people");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->primary_key(), nullptr);
  EXPECT_EQ(schema.find_column("people", "born")->comment, "birth");
  ASSERT_EQ(schema.columns_using_enum("mood").size(), 1u);
  EXPECT_EQ(schema.columns_using_enum("mood")[0].column->name, "mood");
}

TEST_F(Replay, CreateTableIfNotExistsSkips) {
  users();
  ast::CreateTable s = create_table("users", {C("other", "integer")});
  s.if_not_exists = true;
  ok(s);
  EXPECT_EQ(schema.find_column("users", "other"), nullptr);
}

TEST_F(Replay, CreateTableErrors) {
  users();
  auto d = fail(create_table("users", {C("id", "integer")}));
  EXPECT_EQ(d.message, "table \"users\" already exists");
  EXPECT_EQ(d.span.line, 1u);  // the statement: the hand-built name has no span

  ast::CreateTable dup = create_table("t", {C("a", "integer"), C("a", "text", at_line(3, 5))});
  d = fail(dup);
  EXPECT_EQ(d.message, "column \"a\" appears twice in table \"t\"");
  EXPECT_EQ(d.span.line, 3u);
  EXPECT_EQ(d.span.column, 5u);

  ast::CreateTable bad_type = create_table("t", {C("a", "integer")});
  bad_type.columns[0].type = T("colour", at_line(4, 9));
  d = fail(bad_type);
  EXPECT_EQ(d.message, "unknown type \"colour\"");
  EXPECT_EQ(d.help,
            "an enum is created with `create enum colour ('a', 'b');` before a column uses it");
  EXPECT_EQ(d.span.line, 4u);

  bad_type.columns[0].type = T("integr");
  d = fail(bad_type);
  EXPECT_EQ(d.message, "unknown type \"integr\"");
  EXPECT_EQ(d.help, "did you mean \"integer\"?");

  EXPECT_EQ(fail_message(create_table("t", {C("a", "string(10)").identity()})),
            "identity needs an integer column, but \"a\" is string(10)");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "integer").identity().def(num("1"))})),
            "identity column \"a\" cannot have a default");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "integer").null().pk()})),
            "primary key column \"a\" is declared null");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "integer").null()}, {pk({"a"})})),
            "primary key column \"a\" is declared null");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "integer").null().identity()})),
            "identity column \"a\" is declared null");
  EXPECT_EQ(
      fail_message(create_table("t", {C("a", "integer").pk(), C("b", "integer")}, {pk({"b"})})),
      "table \"t\" already has a primary key \"pk_t\"");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "integer")}, {unique({"a", "a"})})),
            "column \"a\" appears twice in the unique");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "integer")}, {unique({"b"})})),
            "table \"t\" has no column \"b\"");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "integer").def(col("b"))})),
            "a default cannot read column \"b\"");
  EXPECT_EQ(
      fail_message(create_table("t", {C("a", "integer")}, {check(bin(">", col("b"), num("1")))})),
      "table \"t\" has no column \"b\"");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "integer")}, {unique({"a"}, "uq_users_email")})),
            "constraint \"uq_users_email\" already exists on table \"users\"");
  EXPECT_EQ(fail_message(
                create_table("t", {C("a", "integer")}, {unique({"a"}, "x"), check(col("a"), "x")})),
            "constraint \"x\" appears twice in table \"t\"");
  EXPECT_EQ(fail_message(create_table("billing.t", {C("a", "integer")})),
            "schema \"billing\" does not exist");
  EXPECT_EQ(schema.table_count(), 1u);
}

TEST_F(Replay, CreateTableReportsEveryProblemOnce) {
  DiagnosticSink sink;
  auto s = stmt(create_table(
      "t", {C("a", "colour"), C("b", "integer").identity().null(), C("a", "integer")}));
  EXPECT_FALSE(apply_statement(s, "r.rev", schema, options, sink));
  ASSERT_EQ(sink.error_count(), 3u);
  EXPECT_EQ(sink.diagnostics()[0].message, "unknown type \"colour\"");
  EXPECT_EQ(sink.diagnostics()[1].message, "identity column \"b\" is declared null");
  EXPECT_EQ(sink.diagnostics()[2].message, "column \"a\" appears twice in table \"t\"");
  EXPECT_EQ(schema.table_count(), 0u);
}

// ----------------------------------------------------------- foreign keys

TEST_F(Replay, ForeignKeys) {
  users();
  // No columns: the primary key; self references; a composite key on a unique.
  ok(create_table("nodes", {C("id", "bigint").pk(), C("parent_id", "bigint").refs("nodes")}));
  ok(create_table("pairs", {C("a", "integer"), C("b", "integer")}, {unique({"b", "a"})}));
  // A reference to the table's own key written after it.
  ok(create_table("tree", {C("parent", "bigint").refs("tree", {"id"}), C("id", "bigint")},
                  {pk({"id"})}));
  ok(create_table("refs", {C("x", "integer"), C("y", "integer"), C("email", "string(20)")},
                  {fk({"x", "y"}, "pairs", {"a", "b"}), fk({"email"}, "users", {"email"})}));
  EXPECT_EQ(schema.find_constraint("fk_nodes_parent_id_nodes").constraint->ref_columns,
            std::vector<std::string>{"id"});
  auto to_users = schema.foreign_keys_to("users");
  ASSERT_EQ(to_users.size(), 1u);
  EXPECT_EQ(to_users[0].table->key, "refs");
  EXPECT_EQ(schema.foreign_keys_to("nodes").size(), 1u);
}

TEST_F(Replay, ForeignKeyErrors) {
  users();
  ok(create_table("nokey", {C("a", "integer")}));
  EXPECT_EQ(fail_message(create_table("t", {C("a", "bigint").refs("user")})),
            "table \"user\" does not exist");
  auto d = fail(create_table("t", {C("a", "bigint").refs("userz")}));
  EXPECT_EQ(d.help, "did you mean \"users\"?");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "bigint").refs("users", {"idd"})})),
            "table \"users\" has no column \"idd\"");
  d = fail(create_table("t", {C("a", "bigint").refs("users", {"name"})}));
  EXPECT_EQ(d.message,
            "no primary key or unique constraint of table \"users\" is over exactly (\"name\")");
  EXPECT_EQ(d.help, "a foreign key must reference a key: add `unique (name)` to \"users\" first");
  d = fail(create_table("t", {C("a", "integer").refs("users")}));
  EXPECT_EQ(d.message, "foreign key column \"a\" is integer but \"users\".\"id\" is bigint");
  EXPECT_EQ(d.help, "make both columns the same type");
  // Lengths of strings may differ.
  ok(create_table("ok", {C("e", "string(30)").refs("users", {"email"})}));
  d = fail(create_table("t", {C("a", "integer").refs("nokey")}));
  EXPECT_EQ(d.message, "table \"nokey\" has no primary key for the reference to use");
  EXPECT_EQ(d.help, "name the referenced columns: `references nokey (column)`");
  EXPECT_EQ(fail_message(create_table("t", {C("a", "bigint"), C("b", "bigint")},
                                      {fk({"a", "b"}, "users", {"id"})})),
            "foreign key has 2 columns but references 1");
}

// ------------------------------------------------------------ drop table

TEST_F(Replay, DropTable) {
  users();
  orders();
  ok(create_view("big_orders", "select * from orders where id > 100"));
  auto d = fail(ast::DropTable{Q("users"), false, false});
  EXPECT_EQ(d.message,
            "table \"users\" is referenced by foreign key \"fk_orders_user_id_users\" of table "
            "\"orders\"");
  EXPECT_EQ(d.help, "drop that constraint first, or use `drop table users cascade`");
  d = fail(ast::DropTable{Q("orders"), false, false});
  EXPECT_EQ(d.message, "table \"orders\" is read by view \"big_orders\"");
  EXPECT_EQ(d.help, "drop view big_orders first, or use `drop table orders cascade`");
  EXPECT_EQ(fail_message(ast::DropTable{Q("nope"), false, false}), "table \"nope\" does not exist");
  ok(ast::DropTable{Q("nope"), true, false});
  // Cascade drops the other table's foreign key and the views.
  ok(ast::DropTable{Q("users"), false, true});
  EXPECT_EQ(schema.find_table("users"), nullptr);
  EXPECT_TRUE(schema.find_table("orders")->constraints.size() == 1);
  EXPECT_FALSE(schema.name_taken("pk_users"));
  ok(ast::DropTable{Q("orders"), false, true});
  EXPECT_EQ(schema.find_view("big_orders"), nullptr);
  // A table that references itself can be dropped without cascade.
  ok(create_table("nodes", {C("id", "bigint").pk(), C("parent_id", "bigint").refs("nodes")}));
  ok(ast::DropTable{Q("nodes"), false, false});
  EXPECT_EQ(dump(schema), "");
}

// ---------------------------------------------------------- rename table

TEST_F(Replay, RenameTable) {
  users();
  orders();
  ok(create_view("v", "select * from users"));
  ok(ast::RenameTable{Q("users"), N("accounts")});
  EXPECT_EQ(schema.find_table("users"), nullptr);
  const Table* t = schema.find_table("accounts");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "accounts");
  // Names stay, references follow.
  EXPECT_EQ(schema.find_constraint("pk_users").table, t);
  EXPECT_EQ(schema.find_table("orders")->constraints[1].ref_table, "accounts");
  EXPECT_EQ(schema.find_view("v")->tables, std::vector<std::string>{"accounts"});
  EXPECT_TRUE(schema.foreign_keys_to("users").empty());
  ASSERT_EQ(schema.foreign_keys_to("accounts").size(), 1u);
  EXPECT_EQ(schema.foreign_keys_to("accounts")[0].table->key, "orders");
  EXPECT_EQ(fail_message(ast::RenameTable{Q("accounts"), N("orders")}),
            "table \"orders\" already exists");
  EXPECT_EQ(fail_message(ast::RenameTable{Q("accounts"), N("v")}),
            "a view named \"v\" already exists");
  EXPECT_EQ(fail_message(ast::RenameTable{Q("users"), N("x")}), "table \"users\" does not exist");
}

TEST_F(Replay, NamesDifferingInCaseOnDialectsThatIgnoreCase) {
  ok(create_table("users", {C("id", "integer")}));
  ast::CreateTable upper = create_table("Users", {C("id", "integer")});
  upper.name.name.quoted = true;
  ok(upper);  // PostgreSQL tells them apart
  ok(ast::DropTable{Q("Users"), false, false});
  options.dialects = {"postgresql", "mysql"};
  auto d = fail(upper);
  EXPECT_EQ(d.message, "table \"Users\" differs only in case from table \"users\"");
  EXPECT_EQ(d.help, "mysql does not tell them apart: choose another name");
  EXPECT_EQ(fail_message(alter("users", {ast::AddColumn{C("ID", "integer"), {}}})),
            "column \"ID\" differs only in case from column \"id\" of table \"users\"");
  ok(create_table("other", {C("a", "integer")}));
  options.dialects = {"mssql"};
  EXPECT_EQ(fail_message(ast::RenameTable{Q("other"), N("USERS")}),
            "table \"USERS\" differs only in case from table \"users\"");
  ok(ast::RenameTable{Q("users"), N("Users")});  // renaming a table to its own name in other case
  // Now the table is spelled in mixed case and a lower-case name clashes.
  EXPECT_EQ(fail_message(create_table("users", {C("id", "integer")})),
            "table \"users\" differs only in case from table \"Users\"");
  EXPECT_EQ(fail_message(ast::RenameTable{Q("other"), N("USERS")}),
            "table \"USERS\" differs only in case from table \"Users\"");
  ok(ast::RenameTable{Q("Users"), N("users")});  // and back to lower case
  EXPECT_EQ(fail_message(ast::RenameTable{Q("other"), N("Users")}),
            "table \"Users\" differs only in case from table \"users\"");
  ok(ast::DropTable{Q("users"), false, false});
  ok(create_table("Users", {C("id", "integer")}));  // the name is free again
}

// ------------------------------------------------------------ add column

TEST_F(Replay, AddColumn) {
  users();
  orders();
  ok(alter("orders", {ast::AddColumn{C("note", "text").def(str("")).comment("free text"), {}},
                      ast::AddColumn{C("buyer_id", "bigint").refs("users"), {}}}));
  EXPECT_EQ(schema.find_column("orders", "note")->comment, "free text");
  EXPECT_NE(schema.find_constraint("fk_orders_buyer_id_users").constraint, nullptr);
  auto d = fail(alter("orders", {ast::AddColumn{C("note", "text", at_line(7, 3)), {}}}));
  EXPECT_EQ(d.message, "table \"orders\" already has a column \"note\"");
  EXPECT_EQ(d.span.line, 7u);
  EXPECT_EQ(fail_message(alter("orders", {ast::AddColumn{C("k", "bigint").pk(), {}}})),
            "table \"orders\" already has a primary key \"pk_orders\"");
  EXPECT_EQ(fail_message(alter("orders", {ast::AddColumn{C("m", "mood"), {}}})),
            "unknown type \"mood\"");
  EXPECT_EQ(fail_message(alter("nope", {ast::AddColumn{C("m", "text"), {}}})),
            "table \"nope\" does not exist");
}

TEST_F(Replay, AlterTableReportsEachFailingActionAndKeepsNone) {
  users();
  std::string before = dump(schema);
  DiagnosticSink sink;
  auto s = stmt(
      alter("users", {ast::AddColumn{C("a", "text"), {}}, ast::DropColumn{N("nope"), false, {}},
                      ast::SetNotNull{N("a"), {}}, ast::SetNotNull{N("also_nope"), {}}}));
  EXPECT_FALSE(apply_statement(s, "r.rev", schema, options, sink));
  ASSERT_EQ(sink.error_count(), 2u);
  EXPECT_EQ(sink.diagnostics()[0].message, "table \"users\" has no column \"nope\"");
  EXPECT_EQ(sink.diagnostics()[1].message, "table \"users\" has no column \"also_nope\"");
  EXPECT_EQ(dump(schema), before);
}

// ----------------------------------------------------------- drop column

TEST_F(Replay, DropColumnTakesItsIndexesAndConstraints) {
  users();
  ok(create_index({}, "users", {key("name"), key("email")}));
  ok(create_index("ix_expr", "users", {key(call("lower", {col("name")}))}));
  ok(alter("users", {ast::AddConstraint{check(bin("<>", col("name"), str(""))), false, {}}}));
  ok(alter("users", {ast::DropColumn{N("name"), false, {}}}));
  EXPECT_EQ(dump(schema),
            "table users\n"
            "  column id bigint not null identity\n"
            "  column email string(100) not null\n"
            "  constraint pk_users primary key (id)\n"
            "  constraint uq_users_email unique (email)\n");
  EXPECT_FALSE(schema.name_taken("ix_users_name_email"));
  EXPECT_FALSE(schema.name_taken("ck_users_name"));
}

TEST_F(Replay, DropColumnUsedElsewhereNeedsCascade) {
  users();
  orders();
  ok(create_view("emails", "select email from users"));
  ok(create_view("names", "SELECT Name FROM Users"));
  auto d = fail(alter("users", {ast::DropColumn{N("id", at_line(5, 2)), false, {}}}));
  EXPECT_EQ(d.message,
            "column \"id\" is used by foreign key \"fk_orders_user_id_users\" of table \"orders\"");
  EXPECT_EQ(d.help, "drop them first, or use `drop column id cascade`");
  EXPECT_EQ(d.span.line, 5u);
  EXPECT_EQ(fail_message(alter("users", {ast::DropColumn{N("email"), false, {}}})),
            "column \"email\" is used by view \"emails\"");
  EXPECT_EQ(fail_message(alter("users", {ast::DropColumn{N("name"), false, {}}})),
            "column \"name\" is used by view \"names\"");
  EXPECT_EQ(fail_message(alter("users", {ast::DropColumn{N("nope"), false, {}}})),
            "table \"users\" has no column \"nope\"");
  ok(alter("users", {ast::DropColumn{N("id"), true, {}}}));
  EXPECT_EQ(schema.primary_key("users"), nullptr);
  EXPECT_EQ(schema.find_table("orders")->constraints.size(), 1u);
  ok(alter("users", {ast::DropColumn{N("email"), true, {}}}));
  EXPECT_EQ(schema.find_view("emails"), nullptr);
  EXPECT_NE(schema.find_view("names"), nullptr);
}

// ---------------------------------------------------------- rename column

TEST_F(Replay, RenameColumnFollowsEverywhere) {
  users();
  orders();
  ok(create_index("ix_partial", "users", {key("email")}));
  ast::CreateIndex partial = create_index("ix_where", "users", {key(call("lower", {col("id")}))});
  partial.where = bin(">", col("id"), num("0"));
  partial.include = names({"id"});
  ok(partial);
  ok(alter("users", {ast::AddConstraint{check(bin(">", col("id"), num("0"))), false, {}}}));
  ok(alter("users", {ast::RenameColumn{N("id"), N("user_id"), {}}}));
  std::string d = dump(schema);
  EXPECT_NE(d.find("  column user_id bigint not null identity\n"), std::string::npos) << d;
  EXPECT_NE(d.find("constraint pk_users primary key (user_id)"), std::string::npos) << d;
  EXPECT_NE(d.find("constraint ck_users_id check (user_id > 0)"), std::string::npos) << d;
  EXPECT_NE(d.find("index ix_where ((lower(user_id))) include (user_id) where user_id > 0"),
            std::string::npos)
      << d;
  EXPECT_NE(d.find("references users (user_id)"), std::string::npos) << d;
  EXPECT_EQ(fail_message(alter("users", {ast::RenameColumn{N("user_id"), N("email"), {}}})),
            "table \"users\" already has a column \"email\"");
  auto e = fail(alter("users", {ast::RenameColumn{N("emial"), N("x"), {}}}));
  EXPECT_EQ(e.message, "table \"users\" has no column \"emial\"");
  EXPECT_EQ(e.help, "did you mean \"email\"?");
}

// ------------------------------------------------------------ column type

TEST_F(Replay, AlterColumnType) {
  users();
  ast::AlterColumnType change{N("name"), T("string(200)"), nullptr, {}};
  ok(alter("users", {change}));
  EXPECT_EQ(ast::type_to_string(schema.find_column("users", "name")->type), "string(200)");
  ok(alter("users", {change}));  // the same type: nothing to do
  change.using_expr = col("name");
  EXPECT_EQ(fail_message(alter("users", {change})),
            "column \"name\" is already string(200): `using` needs a type change");
  change.type = T("text");
  ok(alter("users", {change}));
  change.using_expr = col("nope");
  EXPECT_EQ(fail_message(
                alter("users", {ast::AlterColumnType{N("name"), T("integer"), col("nope"), {}}})),
            "table \"users\" has no column \"nope\"");
  EXPECT_EQ(fail_message(alter("users", {ast::AlterColumnType{N("id"), T("uuid"), nullptr, {}}})),
            "identity needs an integer column, but \"id\" would be uuid");
  EXPECT_EQ(
      fail_message(alter("users", {ast::AlterColumnType{N("name"), T("colour"), nullptr, {}}})),
      "unknown type \"colour\"");
  ok(alter("users", {ast::AlterColumnType{N("id"), T("integer"), nullptr, {}}}));
}

// ----------------------------------------------------- nullability, defaults

TEST_F(Replay, NullabilityDefaultsAndComments) {
  users();
  ok(alter("users", {ast::SetNotNull{N("name"), {}}}));
  EXPECT_FALSE(schema.find_column("users", "name")->nullable);
  ok(alter("users", {ast::SetNotNull{N("name"), {}}}));  // idempotent
  ok(alter("users", {ast::DropNotNull{N("name"), {}}}));
  EXPECT_TRUE(schema.find_column("users", "name")->nullable);
  EXPECT_EQ(fail_message(alter("users", {ast::DropNotNull{N("id"), {}}})),
            "column \"id\" is in primary key \"pk_users\" and cannot be null");
  ok(create_table("counter", {C("n", "integer").identity()}));
  EXPECT_EQ(fail_message(alter("counter", {ast::DropNotNull{N("n"), {}}})),
            "column \"n\" is an identity column and cannot be null");
  EXPECT_EQ(fail_message(alter("counter", {ast::SetDefault{N("n"), num("1"), {}}})),
            "identity column \"n\" cannot have a default");

  ok(alter("users", {ast::SetDefault{N("name"), str("anon"), {}}}));
  EXPECT_EQ(ast::expr_to_string(*schema.find_column("users", "name")->default_value), "'anon'");
  EXPECT_EQ(fail_message(alter("users", {ast::SetDefault{N("name"), col("email"), {}}})),
            "a default cannot read column \"email\"");
  ok(alter("users", {ast::DropDefault{N("name"), {}}}));
  EXPECT_EQ(schema.find_column("users", "name")->default_value, nullptr);
  ok(alter("users", {ast::DropDefault{N("name"), {}}}));

  ok(alter("users", {ast::SetColumnComment{N("name"), "shown name", {}}}));
  EXPECT_EQ(schema.find_column("users", "name")->comment, "shown name");
  ok(alter("users", {ast::SetColumnComment{N("name"), "", {}}}));
  EXPECT_EQ(schema.find_column("users", "name")->comment, std::nullopt);
  EXPECT_EQ(fail_message(alter("users", {ast::SetColumnComment{N("nme"), "x", {}}})),
            "table \"users\" has no column \"nme\"");
  EXPECT_EQ(fail_message(alter("users", {ast::SetNotNull{N("x"), {}}})),
            "table \"users\" has no column \"x\"");
}

// ------------------------------------------------------------ constraints

TEST_F(Replay, AddValidateDropRenameConstraint) {
  users();
  ok(create_table("posts", {C("id", "bigint"), C("author_id", "bigint"), C("n", "integer")}));
  ast::AddConstraint add_fk{fk({"author_id"}, "users", {}), true, {}};
  ok(alter("posts", {add_fk, ast::AddConstraint{check(bin(">", col("n"), num("0"))), true, {}}}));
  EXPECT_EQ(dump(schema).find("fk_posts_author_id_users foreign key (author_id) references users "
                              "(id) not valid") != std::string::npos,
            true);
  ok(alter("posts", {ast::ValidateConstraint{N("fk_posts_author_id_users"), {}}}));
  EXPECT_TRUE(schema.find_constraint("fk_posts_author_id_users").constraint->validated);
  auto d = fail(alter("posts", {ast::ValidateConstraint{N("fk_posts_author_id_users"), {}}}));
  EXPECT_EQ(
      d.message,
      "constraint \"fk_posts_author_id_users\" was not added `not valid`: there is nothing to "
      "validate");
  EXPECT_EQ(
      fail_message(alter("users", {ast::ValidateConstraint{N("pk_users"), {}}})),
      "constraint \"pk_users\" is a primary key: only foreign key and check constraints can be "
      "validated");
  EXPECT_EQ(fail_message(alter("posts", {ast::ValidateConstraint{N("nope"), {}}})),
            "table \"posts\" has no constraint \"nope\"");
  EXPECT_EQ(fail_message(alter("posts", {ast::AddConstraint{unique({"n"}), true, {}}})),
            "a unique constraint cannot be added `not valid`");

  // Primary key over existing columns: they must be not null already.
  d = fail(alter("posts", {ast::AddConstraint{pk({"id"}), false, {}}}));
  EXPECT_EQ(d.message, "primary key column \"id\" is nullable");
  EXPECT_EQ(d.help, "set not null first: `alter table posts alter column id set not null`");
  ok(alter("posts", {ast::SetNotNull{N("id"), {}}, ast::AddConstraint{pk({"id"}), false, {}}}));
  EXPECT_EQ(schema.primary_key("posts")->name, "pk_posts");

  ok(alter("posts", {ast::RenameConstraint{N("pk_posts"), N("posts_pkey"), {}}}));
  EXPECT_FALSE(schema.name_taken("pk_posts"));
  EXPECT_EQ(schema.find_constraint("posts_pkey").table->key, "posts");
  EXPECT_EQ(
      fail_message(alter("posts", {ast::RenameConstraint{N("posts_pkey"), N("pk_users"), {}}})),
      "constraint \"pk_users\" already exists on table \"users\"");

  d = fail(alter("users", {ast::DropConstraint{N("pk_users"), {}}}));
  EXPECT_EQ(
      d.message,
      "constraint \"pk_users\" is needed by foreign key \"fk_posts_author_id_users\" of table "
      "\"posts\"");
  EXPECT_EQ(d.help, "drop that foreign key first");
  ok(alter("posts", {ast::DropConstraint{N("fk_posts_author_id_users"), {}}}));
  ok(alter("users", {ast::DropConstraint{N("pk_users"), {}}}));
  EXPECT_EQ(schema.primary_key("users"), nullptr);
  ok(create_index("ix_n", "posts", {key("n")}));
  d = fail(alter("posts", {ast::DropConstraint{N("ix_n"), {}}}));
  EXPECT_EQ(d.message, "table \"posts\" has no constraint \"ix_n\"");
  EXPECT_EQ(d.help, "\"ix_n\" is an index: drop it with `drop index ix_n`");
}

TEST_F(Replay, AddConstraintUsingIndex) {
  ok(create_table("t", {C("a", "integer").not_null(), C("b", "integer"), C("c", "integer")}));
  ok(create_table("other", {C("a", "integer")}));
  ok(create_index("ix_t_a", "t", {key("a")}, true));
  ok(create_index("ix_t_b", "t", {key("b")}, true));
  ok(create_index("ix_plain", "t", {key("c")}));
  ast::CreateIndex partial = create_index("ix_partial", "t", {key("c")}, true);
  partial.where = bin(">", col("c"), num("0"));
  ok(partial);
  ok(create_index("ix_other", "other", {key("a")}, true));
  using U = ast::AddConstraintUsingIndex;
  EXPECT_EQ(fail_message(alter("t", {U{N("k"), ast::ConstraintKind::Unique, N("ix_none"), {}}})),
            "index \"ix_none\" does not exist");
  EXPECT_EQ(fail_message(alter("t", {U{N("k"), ast::ConstraintKind::Unique, N("ix_other"), {}}})),
            "index \"ix_other\" is on table \"other\", not \"t\"");
  auto d = fail(alter("t", {U{N("k"), ast::ConstraintKind::Unique, N("ix_plain"), {}}}));
  EXPECT_EQ(d.message, "index \"ix_plain\" is not unique");
  EXPECT_EQ(d.help, "create it with `create unique index`");
  EXPECT_EQ(fail_message(alter("t", {U{N("k"), ast::ConstraintKind::Unique, N("ix_partial"), {}}})),
            "index \"ix_partial\" is partial (it has `where`) and cannot back a constraint");
  EXPECT_EQ(
      fail_message(alter("t", {U{N("pk"), ast::ConstraintKind::PrimaryKey, N("ix_t_b"), {}}})),
      "primary key column \"b\" is nullable");
  EXPECT_EQ(
      fail_message(alter("t", {U{N("ix_other"), ast::ConstraintKind::Unique, N("ix_t_b"), {}}})),
      "index \"ix_other\" already exists on table \"other\"");
  ok(alter("t", {U{N("pk_t"), ast::ConstraintKind::PrimaryKey, N("ix_t_a"), {}},
                 U{N("ix_t_b"), ast::ConstraintKind::Unique, N("ix_t_b"), {}}}));
  const Table* t = schema.find_table("t");
  EXPECT_EQ(t->find_index("ix_t_a"), nullptr);
  EXPECT_EQ(t->find_index("ix_t_b"), nullptr);
  EXPECT_EQ(t->primary_key()->columns, std::vector<std::string>{"a"});
  EXPECT_EQ(t->find_constraint("ix_t_b")->kind, ast::ConstraintKind::Unique);
  EXPECT_TRUE(schema.find_constraint("ix_t_b"));
  EXPECT_FALSE(schema.find_index("ix_t_b"));
}

// ---------------------------------------------------------------- indexes

TEST_F(Replay, Indexes) {
  users();
  ast::CreateIndex full =
      create_index("ix_full", "users", {key("email"), key(call("lower", {col("name")}))}, true);
  full.keys[0].descending = true;
  full.include = names({"id"});
  full.where = bin(">", col("id"), num("10"));
  full.method = N("btree");
  full.concurrently = true;
  ok(full);
  EXPECT_NE(dump(schema).find("  index ix_full unique (email desc, (lower(name))) include (id) "
                              "where id > 10 using btree\n"),
            std::string::npos);
  IndexRef ref = schema.find_index("ix_full");
  ASSERT_TRUE(ref);
  EXPECT_EQ(ref.table->key, "users");
  EXPECT_EQ(ref.index->columns_read(), (std::vector<std::string>{"email", "name", "id"}));

  auto d = fail(create_index("ix_full", "users", {key("email")}));
  EXPECT_EQ(d.message, "index \"ix_full\" already exists on table \"users\"");
  EXPECT_EQ(d.help, "indexes and constraints share one namespace per schema: choose another name");
  EXPECT_EQ(fail_message(create_index("pk_users", "users", {key("email")})),
            "constraint \"pk_users\" already exists on table \"users\"");
  ast::CreateIndex again = create_index("ix_full", "users", {key("email")});
  again.if_not_exists = true;
  ok(again);
  EXPECT_EQ(fail_message(create_index({}, "users", {key("emial")})),
            "table \"users\" has no column \"emial\"");
  EXPECT_EQ(fail_message(create_index({}, "users", {key(call("lower", {col("nam")}))})),
            "table \"users\" has no column \"nam\"");
  EXPECT_EQ(fail_message(create_index({}, "nope", {key("a")})), "table \"nope\" does not exist");

  ok(ast::RenameIndex{Q("ix_full"), N("ix_renamed")});
  EXPECT_FALSE(schema.find_index("ix_full"));
  EXPECT_TRUE(schema.find_index("ix_renamed"));
  EXPECT_EQ(fail_message(ast::RenameIndex{Q("ix_renamed"), N("uq_users_email")}),
            "constraint \"uq_users_email\" already exists on table \"users\"");
  EXPECT_EQ(fail_message(ast::RenameIndex{Q("ix_nope"), N("x")}),
            "index \"ix_nope\" does not exist");

  d = fail(ast::DropIndex{Q("ix_renamd"), false, false});
  EXPECT_EQ(d.message, "index \"ix_renamd\" does not exist");
  EXPECT_EQ(d.help, "did you mean \"ix_renamed\"?");
  d = fail(ast::DropIndex{Q("pk_users"), false, false});
  EXPECT_EQ(d.message, "\"pk_users\" is a constraint of table \"users\", not an index");
  EXPECT_EQ(d.help, "drop it with `alter table users drop constraint pk_users`");
  ok(ast::DropIndex{Q("ix_nope"), false, true});
  ok(ast::DropIndex{Q("ix_renamed"), true, false});
  EXPECT_TRUE(schema.indexes_on("users").empty());
}

TEST_F(Replay, KeyCoverage) {
  ok(create_table("t", {C("a", "integer").not_null(), C("b", "integer"), C("c", "integer")},
                  {pk({"a", "b"})}));
  const Table* t = schema.find_table("t");
  EXPECT_TRUE(t->has_index_leading_with({"a"}));
  EXPECT_TRUE(t->has_index_leading_with({"b", "a"}));
  EXPECT_FALSE(t->has_index_leading_with({"b"}));
  EXPECT_TRUE(t->has_unique_over({"b", "a"}));
  EXPECT_FALSE(t->has_unique_over({"a"}));
  ast::CreateIndex partial = create_index("ix_c", "t", {key("c")}, true);
  partial.where = bin(">", col("c"), num("0"));
  ok(partial);
  EXPECT_FALSE(schema.find_table("t")->has_index_leading_with({"c"}));
  EXPECT_FALSE(schema.find_table("t")->has_unique_over({"c"}));
  ok(create_index("ix_c2", "t", {key("c"), key("a")}, true));
  EXPECT_TRUE(schema.find_table("t")->has_index_leading_with({"c"}));
  EXPECT_TRUE(schema.find_table("t")->has_unique_over({"a", "c"}));
  EXPECT_EQ(schema.find_table("t")->objects_using_column("c"),
            (std::vector<std::string>{"ix_c", "ix_c2"}));
}

// ------------------------------------------------------------------ enums

TEST_F(Replay, Enums) {
  ok(create_enum("mood", {"sad", "happy"}));
  ok(ast::AlterEnumAddValue{Q("mood"), {"ok", {}}, ast::EnumValue{"happy", {}}, {}});
  ok(ast::AlterEnumAddValue{Q("mood"), {"meh", {}}, {}, ast::EnumValue{"sad", {}}});
  ok(ast::AlterEnumAddValue{Q("mood"), {"great", {}}, {}, {}});
  EXPECT_EQ(schema.find_enum("mood")->values,
            (std::vector<std::string>{"sad", "meh", "ok", "happy", "great"}));
  EXPECT_EQ(fail_message(create_enum("mood", {"x"})), "enum \"mood\" already exists");
  ast::CreateEnum dup = create_enum("e", {"a", "b"});
  dup.values.push_back({"a", at_line(9, 4)});
  auto d = fail(dup);
  EXPECT_EQ(d.message, "enum \"e\" has the value 'a' twice");
  EXPECT_EQ(d.span.line, 9u);
  EXPECT_EQ(fail_message(ast::AlterEnumAddValue{Q("mood"), {"ok", {}}, {}, {}}),
            "enum \"mood\" already has the value 'ok'");
  d = fail(ast::AlterEnumAddValue{Q("mood"), {"x", {}}, ast::EnumValue{"hapy", {}}, {}});
  EXPECT_EQ(d.message, "enum \"mood\" has no value 'hapy'");
  EXPECT_EQ(d.help, "did you mean \"happy\"?");
  d = fail(ast::AlterEnumAddValue{Q("mood"), {"x", {}}, {}, ast::EnumValue{"zzzzz", {}}});
  EXPECT_EQ(d.help, "its values are 'sad', 'meh', 'ok', 'happy' and 'great'");
  EXPECT_EQ(fail_message(ast::AlterEnumAddValue{Q("mod"), {"x", {}}, {}, {}}),
            "enum \"mod\" does not exist");

  ok(create_table("people", {C("m", "mood")}));
  ok(create_table("pets", {C("m", "mood"), C("n", "mood")}));
  d = fail(ast::DropEnum{Q("mood")});
  EXPECT_EQ(d.message,
            "enum \"mood\" is used by columns \"people\".\"m\", \"pets\".\"m\" and \"pets\".\"n\"");
  EXPECT_EQ(d.help, "change the type of those columns or drop them first");
  ok(ast::DropTable{Q("people"), false, false});
  ok(ast::DropTable{Q("pets"), false, false});
  ok(ast::DropEnum{Q("mood")});
  EXPECT_EQ(schema.find_enum("mood"), nullptr);
  EXPECT_EQ(fail_message(ast::DropEnum{Q("mood")}), "enum \"mood\" does not exist");
}

// ------------------------------------------------------------------ views

TEST_F(Replay, Views) {
  users();
  orders();
  ok(create_view("v", "SELECT u.id FROM users u JOIN \"orders\" o ON o.user_id = u.id -- usersx"));
  EXPECT_EQ(schema.find_view("v")->tables, (std::vector<std::string>{"orders", "users"}));
  ok(create_view("w", "select * from v"));
  EXPECT_EQ(schema.find_view("w")->views, std::vector<std::string>{"v"});
  EXPECT_EQ(schema.views_reading("users").size(), 1u);
  EXPECT_EQ(fail_message(create_view("v", "select 1")), "view \"v\" already exists");
  EXPECT_EQ(fail_message(create_view("users", "select 1")),
            "a table named \"users\" already exists");
  EXPECT_EQ(fail_message(create_table("v", {C("a", "integer")})),
            "a view named \"v\" already exists");
  auto d = fail(ast::DropView{Q("v")});
  EXPECT_EQ(d.message, "view \"v\" is read by view \"w\"");
  EXPECT_EQ(d.help, "drop view w first");
  EXPECT_EQ(fail_message(ast::DropView{Q("nope")}), "view \"nope\" does not exist");
  ok(ast::DropView{Q("w")});
  ok(ast::DropView{Q("v")});
  EXPECT_TRUE(schema.views().empty());
}

TEST_F(Replay, ViewsInSchemasAndDialectBodies) {
  ok(ast::CreateSchema{N("billing")});
  ok(create_table("billing.invoices", {C("id", "integer")}));
  ast::DialectText text;
  text.entries.push_back({"postgresql", "select * from billing.invoices", {}});
  text.entries.push_back({"default", "select 1", {}});
  ok(ast::CreateView{Q("billing.v"), text});
  EXPECT_EQ(schema.find_view("billing.v")->tables, std::vector<std::string>{"billing.invoices"});
}

// ---------------------------------------------------------------- schemas

TEST_F(Replay, Schemas) {
  ok(ast::CreateSchema{N("billing")});
  EXPECT_EQ(fail_message(ast::CreateSchema{N("billing")}), "schema \"billing\" already exists");
  ok(create_table("billing.invoices", {C("id", "bigint").pk()}));
  ok(create_enum("billing.state", {"open"}));
  ok(create_index({}, "billing.invoices", {key("id")}));
  // Names live in their table's schema.
  EXPECT_TRUE(schema.find_index("billing.ix_invoices_id"));
  EXPECT_FALSE(schema.find_index("ix_invoices_id"));
  EXPECT_TRUE(schema.find_constraint("billing.pk_invoices"));
  ok(create_table("invoices", {C("id", "bigint").pk()}));  // the default schema has its own names
  EXPECT_TRUE(schema.find_constraint("pk_invoices"));
  ok(create_table("billing.lines", {C("invoice_id", "bigint").refs("billing.invoices")}));
  EXPECT_EQ(schema.find_table("billing.lines")->constraints[0].name,
            "fk_lines_invoice_id_invoices");
  ok(ast::DropIndex{Q("billing.ix_invoices_id"), false, false});
  auto d = fail(ast::DropSchema{N("billing")});
  EXPECT_EQ(d.message,
            "schema \"billing\" is not empty: it holds \"billing.invoices\", \"billing.lines\" and "
            "\"billing.state\"");
  EXPECT_EQ(d.help, "drop its tables, views and enums first");
  d = fail(create_table("sales.x", {C("a", "integer")}));
  EXPECT_EQ(d.message, "schema \"sales\" does not exist");
  EXPECT_EQ(d.help, "create it first: `create schema sales;`");
  EXPECT_EQ(fail_message(ast::DropSchema{N("sales")}), "schema \"sales\" does not exist");
  ok(ast::DropTable{Q("billing.lines"), false, false});
  ok(ast::DropTable{Q("billing.invoices"), false, false});
  ok(ast::DropEnum{Q("billing.state")});
  ok(ast::DropSchema{N("billing")});
  EXPECT_TRUE(schema.schemas().empty());
}

// --------------------------------------------------------------- comments

TEST_F(Replay, Comments) {
  users();
  ok(ast::CommentOnTable{Q("users"), "people who log in"});
  EXPECT_EQ(schema.find_table("users")->comment, "people who log in");
  ok(ast::CommentOnColumn{Q("users"), N("email"), "login"});
  EXPECT_EQ(schema.find_column("users", "email")->comment, "login");
  ok(ast::CommentOnTable{Q("users"), ""});
  EXPECT_EQ(schema.find_table("users")->comment, std::nullopt);
  EXPECT_EQ(fail_message(ast::CommentOnTable{Q("user"), "x"}), "table \"user\" does not exist");
  EXPECT_EQ(fail_message(ast::CommentOnColumn{Q("users"), N("mail"), "x"}),
            "table \"users\" has no column \"mail\"");
}

// ----------------------------------------------------------------- insert

TEST_F(Replay, Insert) {
  ok(create_enum("mood", {"sad", "happy"}));
  ok(create_table("t", {C("id", "integer").identity(), C("code", "string(10)").not_null(),
                        C("n", "integer").not_null().def(num("0")), C("m", "mood")}));
  std::string before = dump(schema);
  ok(insert("t", {"code", "m"}, {{str("a"), str("sad")}, {str("b"), null_value()}}));
  EXPECT_EQ(dump(schema), before);  // rows are not modelled
  EXPECT_EQ(fail_message(insert("x", {"a"}, {{num("1")}})), "table \"x\" does not exist");
  EXPECT_EQ(fail_message(insert("t", {"code", "cdoe"}, {{str("a"), str("b")}})),
            "table \"t\" has no column \"cdoe\"");
  EXPECT_EQ(fail_message(insert("t", {"code", "code"}, {{str("a"), str("b")}})),
            "column \"code\" appears twice in the insert");
  EXPECT_EQ(fail_message(insert("t", {"code", "n"}, {{str("a"), num("1")}, {str("b")}})),
            "row 2 has 1 value but 2 columns are named");
  auto d = fail(insert("t", {"code"}, {{str("a")}, {null_value(at_line(4, 12))}}));
  EXPECT_EQ(d.message, "column \"code\" is not null, but row 2 gives it null");
  EXPECT_EQ(d.span.line, 4u);
  d = fail(insert("t", {"n"}, {{num("1")}}));
  EXPECT_EQ(
      d.message,
      "column \"code\" of table \"t\" is not null and has no default, but the insert does not "
      "set it");
  EXPECT_EQ(d.help, "add code to the column list");
  d = fail(insert("t", {"code", "m"}, {{str("a"), str("hapy")}}));
  EXPECT_EQ(d.message, "enum \"mood\" has no value 'hapy'");
  EXPECT_EQ(d.help, "did you mean \"happy\"?");
}

// ---------------------------------------------------------------- execute

TEST_F(Replay, ExecuteChangesNothing) {
  users();
  std::string before = dump(schema);
  ok(ast::Execute{body("DROP TABLE users"), std::nullopt});
  EXPECT_EQ(dump(schema), before);
}

// ------------------------------------------------------- replay a revision

TEST_F(Replay, ReplayUpgradeReportsEveryFailingStatementAndGoesOn) {
  ast::RevisionFile rev;
  rev.path = "migrations/0001_init.rev";
  rev.header.id.text = "0001";
  rev.upgrade.push_back(stmt(create_table("a", {C("id", "integer")})));
  rev.upgrade.push_back(stmt(create_table("a", {C("id", "integer")})));
  rev.upgrade.push_back(stmt(create_index({}, "b", {key("x")})));
  rev.upgrade.push_back(stmt(create_index({}, "a", {key("id")})));
  DiagnosticSink sink;
  EXPECT_FALSE(replay_upgrade(rev, schema, options, sink));
  ASSERT_EQ(sink.error_count(), 2u);
  EXPECT_EQ(sink.diagnostics()[0].message, "table \"a\" already exists");
  EXPECT_EQ(sink.diagnostics()[0].file, "migrations/0001_init.rev");
  EXPECT_EQ(sink.diagnostics()[0].revision, "0001");
  EXPECT_EQ(sink.diagnostics()[1].message, "table \"b\" does not exist");
  EXPECT_TRUE(schema.find_index("ix_a_id"));
}

// -------------------------------------------------------------- snapshots

TEST_F(Replay, SnapshotsShareStructure) {
  users();
  orders();
  SchemaModel before = schema;
  ok(alter("orders", {ast::AddColumn{C("note", "text"), {}}}));
  // The copy is untouched; the table that did not change is shared.
  EXPECT_EQ(before.find_column("orders", "note"), nullptr);
  EXPECT_NE(schema.find_column("orders", "note"), nullptr);
  EXPECT_EQ(before.find_table("users"), schema.find_table("users"));
  EXPECT_NE(before.find_table("orders"), schema.find_table("orders"));
  // Shared expressions are not copied either.
  ok(alter("users", {ast::SetDefault{N("name"), str("x"), {}}}));
  SchemaModel copy = schema;
  EXPECT_EQ(copy.find_column("users", "name")->default_value.get(),
            schema.find_column("users", "name")->default_value.get());
}

TEST(SchemaSnapshots, CopyingAThousandTablesIsCheap) {
  SchemaModel schema;
  ReplayOptions options;
  DiagnosticSink sink;
  for (int i = 0; i < 1000; ++i) {
    ast::CreateTable t = create_table("t" + std::to_string(i),
                                      {C("id", "bigint").pk(), C("a", "text"), C("b", "integer")});
    ASSERT_TRUE(apply_statement(stmt(t), "r.rev", schema, options, sink));
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<SchemaModel> copies;
  copies.reserve(10000);
  for (int i = 0; i < 10000; ++i) copies.push_back(schema);
  auto elapsed = std::chrono::steady_clock::now() - start;
  // A deep copy would be 10,000 x 1,000 tables; sharing makes each copy a few pointers.
  EXPECT_LT(std::chrono::duration<double>(elapsed).count(), retort::test::time_limit(0.2));
  EXPECT_EQ(copies.back().find_table("t500"), schema.find_table("t500"));
}

TEST(SchemaSnapshots, ReplayingTenThousandStatementsIsFast) {
  SchemaModel schema;
  ReplayOptions options;
  DiagnosticSink sink;
  std::vector<ast::Statement> statements;
  for (int i = 0; i < 1000; ++i) {
    std::string t = "table_" + std::to_string(i);
    statements.push_back(stmt(create_table(t, {C("id", "bigint").pk(), C("a", "text")})));
    for (int c = 0; c < 5; ++c) {
      statements.push_back(
          stmt(alter(t, {ast::AddColumn{C("c" + std::to_string(c), "integer"), {}}})));
    }
    statements.push_back(stmt(create_index({}, t, {key("c0")})));
    if (i > 0) {
      ast::AlterTable a = alter(
          t, {ast::AddColumn{C("parent_id", "bigint").refs("table_" + std::to_string(i - 1)), {}}});
      statements.push_back(stmt(a));
    } else {
      statements.push_back(stmt(ast::CommentOnTable{Q(t), "first"}));
    }
    statements.push_back(stmt(alter(t, {ast::SetNotNull{N("c1"), {}}})));
    statements.push_back(stmt(alter(t, {ast::RenameColumn{N("c2"), N("renamed"), {}}})));
  }
  ASSERT_EQ(statements.size(), 10000u);
  auto start = std::chrono::steady_clock::now();
  // Keep every snapshot, as lint does with the schema before each statement.
  std::vector<SchemaModel> snapshots;
  snapshots.reserve(statements.size());
  for (const auto& s : statements) {
    snapshots.push_back(schema);
    ASSERT_TRUE(apply_statement(s, "r.rev", schema, options, sink));
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(sink.empty());
  EXPECT_EQ(schema.table_count(), 1000u);
  EXPECT_EQ(snapshots[1].table_count(), 1u);
  EXPECT_LT(std::chrono::duration<double>(elapsed).count(), retort::test::time_limit(2.0));
}

// ---------------------------------------------------- from parsed revisions

// Parses `text` as a revision file and replays its upgrade onto `schema`.
DiagnosticSink replay_text(const std::string& text, SchemaModel& schema,
                           const ReplayOptions& options = {}) {
  DiagnosticSink sink;
  SourceFile file{"migrations/r.rev", text};
  auto revision = parse_revision(file, sink);
  EXPECT_TRUE(revision.has_value()) << (sink.empty() ? "" : sink.diagnostics()[0].message);
  if (revision) replay_upgrade(*revision, schema, options, sink);
  return sink;
}

TEST(ReplayParsed, TheLanguageExample) {
  SchemaModel schema;
  auto sink = replay_text(R"(revision a1b2c3d4e5f6;
upgrade {
  create table students (id bigint primary key identity, name text not null);
})",
                          schema);
  ASSERT_TRUE(sink.empty());
  sink = replay_text(R"(revision 3f2a9c1b7d4e
  revises a1b2c3d4e5f6
  message 'add fees table';

upgrade {
  create table fees (
    id         bigint primary key identity,
    student_id bigint not null references students (id) on delete cascade,
    amount     decimal(10, 2) not null,
    status     string(20) not null default 'pending',
    due_date   timestamp not null,
    created_at timestamptz not null default now(),
  );
  create index ix_fees_student_id on fees (student_id);
  create index ix_fees_status on fees (status);
})",
                     schema);
  for (const auto& d : sink.diagnostics()) ADD_FAILURE() << d.message;
  EXPECT_EQ(dump(schema),
            "table fees\n"
            "  column id bigint not null identity\n"
            "  column student_id bigint not null\n"
            "  column amount decimal(10, 2) not null\n"
            "  column status string(20) not null default 'pending'\n"
            "  column due_date timestamp not null\n"
            "  column created_at timestamptz not null default now()\n"
            "  constraint pk_fees primary key (id)\n"
            "  constraint fk_fees_student_id_students foreign key (student_id) references students "
            "(id) on delete cascade\n"
            "  index ix_fees_student_id (student_id)\n"
            "  index ix_fees_status (status)\n"
            "table students\n"
            "  column id bigint not null identity\n"
            "  column name text not null\n"
            "  constraint pk_students primary key (id)\n");
}

TEST(ReplayParsed, ErrorsPointAtTheOffendingName) {
  SchemaModel schema;
  auto sink = replay_text(R"(revision r1;
upgrade {
  create table users (id bigint primary key, email text);
  alter table users drop column emial;
  create table t (m mood);
  create index on users (nme);
  alter table userz add column x text;
})",
                          schema);
  ASSERT_EQ(sink.error_count(), 4u);
  const auto& d = sink.diagnostics();
  EXPECT_EQ(d[0].message, "table \"users\" has no column \"emial\"");
  EXPECT_EQ(d[0].help, "did you mean \"email\"?");
  EXPECT_EQ(d[0].file, "migrations/r.rev");
  EXPECT_EQ(d[0].revision, "r1");
  EXPECT_EQ(d[0].span.line, 4u);
  EXPECT_EQ(d[0].span.column, 33u);
  EXPECT_EQ(d[1].message, "unknown type \"mood\"");
  EXPECT_EQ(d[1].span.line, 5u);
  EXPECT_EQ(d[1].span.column, 21u);
  EXPECT_EQ(d[2].message, "table \"users\" has no column \"nme\"");
  EXPECT_EQ(d[2].span.line, 6u);
  EXPECT_EQ(d[2].span.column, 26u);
  EXPECT_EQ(d[3].message, "table \"userz\" does not exist");
  EXPECT_EQ(d[3].help, "did you mean \"users\"?");
  EXPECT_EQ(d[3].span.line, 7u);
  EXPECT_EQ(d[3].span.column, 15u);
  // The statements that failed changed nothing; the first one stands.
  EXPECT_EQ(schema.table_count(), 1u);
  EXPECT_FALSE(schema.find_index("ix_users_nme"));
}

// ------------------------------------------- names servers give (Alembic)

// Replays an Alembic script's upgrade() (the body of the function, one op
// per line) onto `schema`; every dialect's names are predicted.
DiagnosticSink replay_alembic(std::string_view revision, std::string_view upgrade,
                              SchemaModel& schema) {
  std::string text = fmt::format(
      "\"\"\"r\n\nRevision ID: {0}\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
      "revision = '{0}'\ndown_revision = None\n\n\ndef upgrade():\n{1}\n\n\ndef downgrade():\n"
      "    pass\n",
      revision, upgrade);
  DiagnosticSink sink;
  SourceFile file{"alembic/versions/" + std::string(revision) + ".py", text};
  auto read = read_alembic_script(file, sink);
  EXPECT_TRUE(read.has_value()) << (sink.empty() ? "" : sink.diagnostics()[0].message);
  ReplayOptions options;
  options.dialects = {"postgresql", "mysql", "mariadb"};
  if (read) replay_upgrade(*read, schema, options, sink);
  for (const auto& d : sink.diagnostics()) ADD_FAILURE() << d.message;
  return sink;
}

// "canonical mariadb=... mysql=..." of a constraint found by any name.
std::string server_names(const SchemaModel& schema, std::string_view table,
                         std::string_view constraint) {
  const Table* t = schema.find_table(table);
  const Constraint* c = t ? t->find_constraint(constraint) : nullptr;
  if (!c) return "(none)";
  return fmt::format("{} mariadb={} mysql={}", c->name, c->name_on("mariadb"), c->name_on("mysql"));
}

TEST(ServerNames, PostgresqlNumbersAClashWithEarlierRevisions) {
  SchemaModel schema;
  replay_alembic("r1", R"(    op.create_table('users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(50), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('email'))
    op.create_index('users_email_key1', 'users', ['id']))",
                 schema);
  EXPECT_EQ(server_names(schema, "users", "users_email_key"),
            "users_email_key mariadb=email mysql=email");
  // Another unnamed unique on the same column, in a later script: PostgreSQL
  // looks at the whole namespace (users_email_key is a constraint,
  // users_email_key1 an index), so it is users_email_key2.
  replay_alembic("r2", "    op.create_unique_constraint(None, 'users', ['email'])", schema);
  EXPECT_EQ(server_names(schema, "users", "users_email_key2"),
            "users_email_key2 mariadb=email_2 mysql=email_2");
  // Dropped and added again: the freed name is the first free one again.
  replay_alembic("r3", R"(    op.drop_constraint('users_email_key', 'users', type_='unique')
    op.create_unique_constraint(None, 'users', ['email']))",
                 schema);
  EXPECT_EQ(server_names(schema, "users", "users_email_key"),
            "users_email_key mariadb=email mysql=email");
  // A table's name is a relation name too: a key may not take it.
  replay_alembic("r4", R"(    op.create_table('t_pkey', sa.Column('id', sa.Integer()))
    op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True)))",
                 schema);
  EXPECT_EQ(server_names(schema, "t", "PRIMARY"), "t_pkey1 mariadb=PRIMARY mysql=PRIMARY");
}

TEST(ServerNames, MysqlNamesKeysAfterTheirFirstColumn) {
  SchemaModel schema;
  replay_alembic("r1", R"(    op.create_table('users',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('username', sa.String(20), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('username'),
        sa.UniqueConstraint('username', 'id'))
    op.create_index('username_3', 'users', ['id']))",
                 schema);
  EXPECT_EQ(server_names(schema, "users", "PRIMARY"), "users_pkey mariadb=PRIMARY mysql=PRIMARY");
  EXPECT_EQ(server_names(schema, "users", "username"),
            "users_username_key mariadb=username mysql=username");
  EXPECT_EQ(server_names(schema, "users", "username_2"),
            "users_username_id_key mariadb=username_2 mysql=username_2");
  // username_3 is an index's: the next key skips it.
  replay_alembic("r2", "    op.create_unique_constraint(None, 'users', ['username'])", schema);
  EXPECT_EQ(server_names(schema, "users", "username_4"),
            "users_username_key1 mariadb=username_4 mysql=username_4");
  // Dropped by the name MySQL gave it.
  replay_alembic("r3", "    op.drop_constraint('username', 'users', type_='unique')", schema);
  EXPECT_EQ(server_names(schema, "users", "users_username_key"), "(none)");
}

TEST(ServerNames, InnodbNumbersForeignKeysFromTheHighest) {
  SchemaModel schema;
  replay_alembic("r1",
                 R"(    op.create_table('students', sa.Column('id', sa.Integer(), primary_key=True))
    op.create_table('fees',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('student_id', sa.Integer(), sa.ForeignKey('students.id')),
        sa.Column('payer_id', sa.Integer(), sa.ForeignKey('students.id'))))",
                 schema);
  EXPECT_EQ(server_names(schema, "fees", "fees_ibfk_1"),
            "fees_student_id_fkey mariadb=fees_ibfk_1 mysql=fees_ibfk_1");
  EXPECT_EQ(server_names(schema, "fees", "fees_ibfk_2"),
            "fees_payer_id_fkey mariadb=fees_ibfk_2 mysql=fees_ibfk_2");
  // After a drop the next is one more than the highest left, not the gap.
  replay_alembic("r2", R"(    op.drop_constraint('fees_ibfk_1', 'fees', type_='foreignkey')
    op.create_foreign_key(None, 'fees', 'students', ['student_id'], ['id']))",
                 schema);
  EXPECT_EQ(server_names(schema, "fees", "fees_ibfk_3"),
            "fees_student_id_fkey mariadb=fees_ibfk_3 mysql=fees_ibfk_3");
  // RENAME TABLE renames {old}_ibfk_N to {new}_ibfk_N.
  replay_alembic("r3", R"(    op.rename_table('fees', 'charges')
    op.create_foreign_key(None, 'charges', 'students', ['payer_id'], ['id']))",
                 schema);
  EXPECT_EQ(server_names(schema, "charges", "charges_ibfk_2"),
            "fees_payer_id_fkey mariadb=charges_ibfk_2 mysql=charges_ibfk_2");
  EXPECT_EQ(server_names(schema, "charges", "charges_ibfk_4"),
            "charges_payer_id_fkey mariadb=charges_ibfk_4 mysql=charges_ibfk_4");
  EXPECT_EQ(server_names(schema, "charges", "fees_ibfk_3"), "(none)");
}

TEST(ServerNames, ChecksAreNumberedPerTable) {
  SchemaModel schema;
  replay_alembic("r1", R"(    op.create_table('items',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('qty', sa.Integer(), sa.CheckConstraint('qty > 0')),
        sa.Column('price', sa.Integer()),
        sa.CheckConstraint('price > 0'),
        sa.CheckConstraint('price < qty')))",
                 schema);
  // MariaDB names a check written in a column after the column; MySQL 8
  // numbers them all.
  EXPECT_EQ(server_names(schema, "items", "items_qty_check"),
            "items_qty_check mariadb=qty mysql=items_chk_1");
  EXPECT_EQ(server_names(schema, "items", "items_price_check"),
            "items_price_check mariadb=CONSTRAINT_1 mysql=items_chk_2");
  EXPECT_EQ(server_names(schema, "items", "items_check"),
            "items_check mariadb=CONSTRAINT_2 mysql=items_chk_3");
  // MariaDB takes the smallest free number, MySQL one more than the highest.
  replay_alembic("r2", R"(    op.drop_constraint('CONSTRAINT_1', 'items', type_='check')
    op.create_check_constraint(None, 'items', 'price > 1'))",
                 schema);
  EXPECT_EQ(server_names(schema, "items", "CONSTRAINT_1"),
            "items_price_check mariadb=CONSTRAINT_1 mysql=items_chk_4");
}

TEST(ServerNames, RenamedConstraintsHaveOneName) {
  SchemaModel schema;
  replay_alembic("r1", R"(    op.create_table('users',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('username', sa.String(20), unique=True)))",
                 schema);
  ast::Statement rename;
  ast::AlterTable alter;
  alter.name = Q("users");
  alter.actions.push_back(ast::RenameConstraint{N("username"), N("uq_users_username"), {}});
  rename.node = alter;
  DiagnosticSink sink;
  ReplayOptions options;
  ASSERT_TRUE(apply_statement(rename, "r.rev", schema, options, sink));
  EXPECT_EQ(server_names(schema, "users", "uq_users_username"),
            "uq_users_username mariadb=uq_users_username mysql=uq_users_username");
}

}  // namespace
}  // namespace retort
