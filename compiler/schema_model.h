// The schema model: every table, column, constraint, index, enum and view
// the compiler knows at one point of the chain. Replay (replay.h) builds it
// statement by statement; lint rules read the model before and after each
// statement, and downgrade derivation and the renderers read whole
// definitions from it.
//
// Snapshots are cheap: every collection is a persistent (path-copying) map
// whose nodes are shared between copies, and tables are immutable values
// held by shared_ptr. Copying a model is O(1); changing one table copies
// that table and O(log n) map nodes, never the other tables. So keeping the
// schema before and after each of 10,000 revisions costs memory in
// proportion to what changed, not to the size of the schema.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/ast.h"
#include "compiler/text_util.h"

namespace retort {

/// An immutable sorted map from string keys to values, with structural
/// sharing: copies share nodes, and set/erase copy only the path to the
/// key. A treap whose priorities are a hash of the key, so its shape (and
/// cost) is deterministic. Iteration is in key order.
template <class V>
class PersistentMap {
 public:
  struct Entry {
    std::string key;
    V value;
  };

 private:
  struct Node;
  using NodePtr = std::shared_ptr<const Node>;
  using EntryPtr = std::shared_ptr<const Entry>;
  // A node holds its entry by pointer: a change copies the path to its key,
  // and a copied node then costs one allocation and three reference counts
  // instead of copies of a key and a value (a vector of names, say). It
  // holds its key's first eight bytes too, so that a descent compares most
  // keys without reaching into their entries (a cache miss a level).
  struct Node {
    EntryPtr entry;
    uint64_t priority = 0;
    uint64_t prefix = 0;
    NodePtr left, right;
    Node(EntryPtr e, uint64_t p, uint64_t pre, NodePtr l, NodePtr r)
        : entry(std::move(e)), priority(p), prefix(pre), left(std::move(l)), right(std::move(r)) {}
    const std::string& key() const { return entry->key; }
  };
  // A key and its prefix, compared with a node's: the prefixes decide when
  // they differ (see order_prefix), the whole keys otherwise.
  struct Probe {
    std::string_view key;
    uint64_t prefix;
    explicit Probe(std::string_view k) : key(k), prefix(order_prefix(k)) {}
    Probe(std::string_view k, uint64_t p) : key(k), prefix(p) {}
    int compare(const Node& n) const {
      if (prefix != n.prefix) return prefix < n.prefix ? -1 : 1;
      return key.compare(n.key());
    }
  };

 public:
  /// In-order iterator; valid while the map it came from is alive and unchanged.
  class iterator {
   public:
    using value_type = Entry;
    using reference = const Entry&;
    using pointer = const Entry*;
    using difference_type = std::ptrdiff_t;
    using iterator_category = std::forward_iterator_tag;

    iterator() = default;
    reference operator*() const { return *stack_.back()->entry; }
    pointer operator->() const { return stack_.back()->entry.get(); }
    iterator& operator++() {
      const Node* n = stack_.back();
      stack_.pop_back();
      push_left(n->right.get());
      return *this;
    }
    bool operator==(const iterator& o) const {
      return stack_.empty() ? o.stack_.empty()
                            : !o.stack_.empty() && stack_.back() == o.stack_.back();
    }

   private:
    friend class PersistentMap;
    void push_left(const Node* n) {
      for (; n; n = n->left.get()) stack_.push_back(n);
    }
    std::vector<const Node*> stack_;
  };

  iterator begin() const {
    iterator it;
    it.push_left(root_.get());
    return it;
  }
  iterator end() const { return iterator(); }
  /// The first entry whose key is not less than `key`.
  iterator lower_bound(std::string_view key) const {
    iterator it;
    const Probe probe(key);
    for (const Node* n = root_.get(); n;) {
      if (probe.compare(*n) > 0) {
        n = n->right.get();
      } else {
        it.stack_.push_back(n);
        n = n->left.get();
      }
    }
    return it;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  /// The value of `key`, or null.
  const V* find(std::string_view key) const { return find(Probe(key)); }
  bool contains(std::string_view key) const { return find(key) != nullptr; }

  /// Inserts or replaces.
  void set(std::string key, V value) {
    const Probe probe(key);
    if (find(probe)) {
      root_ = replace(root_, probe, std::move(value));
    } else {
      uint64_t p = priority_of(key);
      root_ = insert(root_, std::move(key), probe.prefix, std::move(value), p);
      ++size_;
    }
  }
  /// Removes `key`; false when it was absent.
  bool erase(std::string_view key) {
    const Probe probe(key);
    if (!find(probe)) return false;
    root_ = remove(root_, probe);
    --size_;
    return true;
  }

 private:
  const V* find(const Probe& probe) const {
    for (const Node* n = root_.get(); n;) {
      int order = probe.compare(*n);  // one comparison per level
      if (order < 0) {
        n = n->left.get();
      } else if (order > 0) {
        n = n->right.get();
      } else {
        return &n->entry->value;
      }
    }
    return nullptr;
  }
  static uint64_t priority_of(std::string_view key) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a, then a final mix
    for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
  }
  static NodePtr with(const Node& n, NodePtr l, NodePtr r) {
    return std::make_shared<const Node>(n.entry, n.priority, n.prefix, std::move(l), std::move(r));
  }
  static NodePtr replace(const NodePtr& t, const Probe& probe, V value) {
    int order = probe.compare(*t);
    if (order < 0) return with(*t, replace(t->left, probe, std::move(value)), t->right);
    if (order > 0) return with(*t, t->left, replace(t->right, probe, std::move(value)));
    return std::make_shared<const Node>(
        std::make_shared<const Entry>(Entry{t->key(), std::move(value)}), t->priority, t->prefix,
        t->left, t->right);
  }
  // Splits `t` (which does not hold the probe's key) into keys below and above it.
  static std::pair<NodePtr, NodePtr> split(const NodePtr& t, const Probe& probe) {
    if (!t) return {};
    if (probe.compare(*t) > 0) {
      auto [l, r] = split(t->right, probe);
      return {with(*t, t->left, std::move(l)), std::move(r)};
    }
    auto [l, r] = split(t->left, probe);
    return {std::move(l), with(*t, std::move(r), t->right)};
  }
  static NodePtr merge(const NodePtr& a, const NodePtr& b) {
    if (!a) return b;
    if (!b) return a;
    if (a->priority > b->priority) return with(*a, a->left, merge(a->right, b));
    return with(*b, merge(a, b->left), b->right);
  }
  static NodePtr insert(const NodePtr& t, std::string key, uint64_t pre, V value, uint64_t p) {
    if (!t || p > t->priority) {
      auto [l, r] = split(t, Probe(key, pre));
      return std::make_shared<const Node>(
          std::make_shared<const Entry>(Entry{std::move(key), std::move(value)}), p, pre,
          std::move(l), std::move(r));
    }
    if (Probe(key, pre).compare(*t) < 0)
      return with(*t, insert(t->left, std::move(key), pre, std::move(value), p), t->right);
    return with(*t, t->left, insert(t->right, std::move(key), pre, std::move(value), p));
  }
  static NodePtr remove(const NodePtr& t, const Probe& probe) {
    int order = probe.compare(*t);
    if (order < 0) return with(*t, remove(t->left, probe), t->right);
    if (order > 0) return with(*t, t->left, remove(t->right, probe));
    return merge(t->left, t->right);
  }

  NodePtr root_;
  size_t size_ = 0;
};

/// "schema.name", or "name" in the default schema: the key of every object.
std::string qualify(std::string_view schema, std::string_view name);
/// The schema part of a key ("" for the default schema).
std::string_view schema_of(std::string_view key);
/// The name part of a key.
std::string_view name_of(std::string_view key);

/// One column of a table.
struct Column {
  std::string name;
  bool quoted = false;  ///< written in double quotes (Oracle keeps such names as written)
  ast::Type type;
  bool nullable = true;
  ast::ExprPtr default_value;  ///< null: no default
  bool identity = false;
  std::optional<std::string> comment;
  std::optional<std::string> collate;
};

/// A named table constraint. Column-level constraints are lifted to this form.
struct Constraint {
  std::string name;  ///< given, or made by the naming convention
  ast::ConstraintKind kind = ast::ConstraintKind::Check;
  std::vector<std::string> columns;      ///< pk, unique, fk: the table's columns
  std::string ref_table;                 ///< fk: key of the referenced table
  std::vector<std::string> ref_columns;  ///< fk: always filled (the pk when not written)
  ast::RefAction on_delete = ast::RefAction::NoAction;
  ast::RefAction on_update = ast::RefAction::NoAction;
  ast::ExprPtr check;     ///< check
  bool validated = true;  ///< false: added `not valid` and not validated since
  /// Read unnamed from an Alembic script: each server gave it its own name
  /// (language.md, "Naming"). `name` is PostgreSQL's; `dialect_names` holds
  /// the names predicted for "mysql" and "mariadb". SQLite keeps no
  /// constraint names; SQL Server and Oracle name it by rules that are not
  /// fixed, so their renderers must look it up in the catalogue at run time.
  bool server_named = false;
  std::map<std::string, std::string> dialect_names;
  /// Foreign key, by dialect: the name of the index MySQL/MariaDB made for
  /// it where it is not the constraint's (RENAME TABLE renames
  /// `{old}_ibfk_{N}` but not its index).
  std::map<std::string, std::string> index_names;

  /// The name the constraint has on `dialect` (a canonical dialect name).
  const std::string& name_on(std::string_view dialect) const;
  /// True when `n` is its name on some dialect.
  bool named(std::string_view n) const;
};

/// One key of an index: a column or an expression.
struct IndexKeyDef {
  std::string column;  ///< empty when `expr` is set
  ast::ExprPtr expr;
  bool descending = false;
};

/// An index (a unique or primary key constraint is a Constraint, not an Index).
struct Index {
  std::string name;   ///< the name within its schema (the table's schema)
  std::string table;  ///< key of its table
  std::vector<IndexKeyDef> keys;
  bool unique = false;
  ast::ExprPtr where;                ///< partial index predicate
  std::vector<std::string> include;  ///< include (...) columns
  std::optional<std::string> method;

  /// Every column the index reads: keys, key expressions, include and where.
  std::vector<std::string> columns_read() const;
  /// True when every key is a plain column (no expression).
  bool plain_columns() const;
};

/// A table: an immutable value once in the model (edit a copy, then put it back).
struct Table {
  std::string key;     ///< "name" or "schema.name"
  std::string schema;  ///< "" for the default schema
  std::string name;
  bool quoted = false;
  std::vector<Column> columns;          ///< in table order
  std::vector<Constraint> constraints;  ///< in the order they were added
  std::vector<Index> indexes;           ///< in the order they were created
  std::optional<std::string> comment;

  const Column* find_column(std::string_view column) const;
  Column* find_column(std::string_view column);
  /// Index of the column in `columns`, or -1.
  int column_position(std::string_view column) const;
  /// A constraint by its name, or else by the name a server gave it on
  /// some dialect (a server-named constraint: `fees_ibfk_1`, `PRIMARY`).
  const Constraint* find_constraint(std::string_view constraint) const;
  const Index* find_index(std::string_view index) const;
  const Constraint* primary_key() const;
  /// True when a primary key, unique constraint or unique index (plain
  /// columns, no `where`) is over exactly this set of columns: what a
  /// foreign key may reference.
  bool has_unique_over(const std::vector<std::string>& columns) const;
  /// True when an index, primary key or unique constraint has `columns`
  /// (in any order) as its leading keys: what makes a foreign key's
  /// lookups fast.
  bool has_index_leading_with(const std::vector<std::string>& columns) const;
  /// Names of the constraints and indexes of this table that use `column`
  /// (as a key, in a check or expression, in `where` or `include`).
  std::vector<std::string> objects_using_column(std::string_view column) const;
};

/// An enum type and its values in order.
struct Enum {
  std::string key;
  std::string schema;
  std::string name;
  std::vector<std::string> values;
  bool has_value(std::string_view v) const;
};

/// A view: an opaque body and what it reads, by a conservative scan of the
/// body's words against the names known when it was created.
struct View {
  std::string key;
  std::string schema;
  std::string name;
  ast::DialectText body;
  std::vector<std::string> tables;               ///< keys of tables it reads, sorted
  std::vector<std::string> views;                ///< keys of views it reads, sorted
  bool reads_word(std::string_view word) const;  ///< `word` appears as a word in a body
};

/// What a constraint or index name is taken by (they share one namespace per
/// schema, as in PostgreSQL where pk and unique constraints are indexes).
struct NameOwner {
  std::string table;  ///< key of the table holding it
  bool is_index = false;
};

/// A column of some table.
struct ColumnRef {
  const Table* table = nullptr;
  const Column* column = nullptr;
};
/// A constraint with its table.
struct ConstraintRef {
  const Table* table = nullptr;
  const Constraint* constraint = nullptr;
  explicit operator bool() const { return constraint != nullptr; }
};
/// An index with its table.
struct IndexRef {
  const Table* table = nullptr;
  const Index* index = nullptr;
  explicit operator bool() const { return index != nullptr; }
};

/// The whole schema at one point. A value type: copy it to snapshot.
class SchemaModel {
 public:
  using TableMap = PersistentMap<std::shared_ptr<const Table>>;
  using EnumMap = PersistentMap<std::shared_ptr<const Enum>>;
  using ViewMap = PersistentMap<std::shared_ptr<const View>>;

  // ---------------------------------------------------------------- schemas
  /// The default schema ("") always exists.
  bool has_schema(std::string_view schema) const;
  void add_schema(const std::string& schema);
  void remove_schema(std::string_view schema);
  /// Named schemas, sorted (the default schema is not listed).
  std::vector<std::string> schemas() const;
  /// Keys of the tables, views and enums in `schema`, sorted by kind then key.
  std::vector<std::string> objects_in_schema(std::string_view schema) const;

  // ----------------------------------------------------------------- tables
  const Table* find_table(std::string_view key) const;
  /// A table whose key equals `key` ignoring ASCII case, other than the
  /// table `except`, or null.
  const Table* find_table_ignoring_case(std::string_view key, std::string_view except = {}) const;
  /// Inserts or replaces the table of `table.key`; keeps the name registry
  /// of its constraints and indexes in step.
  void put_table(Table table);
  void remove_table(std::string_view key);
  /// Every table, sorted by key.
  const TableMap& tables() const { return tables_; }
  size_t table_count() const { return tables_.size(); }
  const Column* find_column(std::string_view table, std::string_view column) const;
  const Constraint* primary_key(std::string_view table) const;
  /// The indexes of a table (empty when there is no such table).
  const std::vector<Index>& indexes_on(std::string_view table) const;
  /// Foreign keys of any table (the table itself included) that reference `table`.
  std::vector<ConstraintRef> foreign_keys_to(std::string_view table) const;

  // ---------------------------------------------- constraint and index names
  /// Who holds the constraint or index name `qualified` ("schema.name").
  const NameOwner* name_owner(std::string_view qualified) const;
  bool name_taken(std::string_view qualified) const { return name_owner(qualified) != nullptr; }
  /// An index by its qualified name.
  IndexRef find_index(std::string_view qualified) const;
  /// A constraint by its qualified name.
  ConstraintRef find_constraint(std::string_view qualified) const;

  // ------------------------------------------------------------------ enums
  const Enum* find_enum(std::string_view key) const;
  void put_enum(Enum e);
  void remove_enum(std::string_view key);
  const EnumMap& enums() const { return enums_; }
  /// Every column whose type is the enum `key`, in table then column order.
  std::vector<ColumnRef> columns_using_enum(std::string_view key) const;

  // ------------------------------------------------------------------ views
  const View* find_view(std::string_view key) const;
  void put_view(View v);
  void remove_view(std::string_view key);
  const ViewMap& views() const { return views_; }
  /// Views that read the table `key`, sorted by key.
  std::vector<const View*> views_reading(std::string_view table) const;
  /// Views that read the view `key`, sorted by key.
  std::vector<const View*> views_reading_view(std::string_view view) const;
  /// The tables and views whose names appear as words in `body` (any
  /// dialect's text): a conservative guess at what a view reads.
  std::pair<std::vector<std::string>, std::vector<std::string>> names_read_by(
      const ast::DialectText& body) const;

 private:
  void unregister_names(const Table& t);
  void register_names(const Table& t);
  void update_referrers(const Table* old_table, const Table* new_table);

  PersistentMap<bool> schemas_;
  TableMap tables_;
  // lower-cased key -> the keys spelled otherwise than in lower case (several
  // when no target ignores case); a key in lower case is found in tables_.
  // Most projects name every table in lower case: this map stays empty.
  PersistentMap<std::vector<std::string>> mixed_case_tables_;
  PersistentMap<NameOwner> names_;  // qualified constraint/index name -> owner
  // referenced table key -> keys of the tables with a foreign key to it, sorted
  PersistentMap<std::vector<std::string>> referrers_;
  EnumMap enums_;
  ViewMap views_;
};

/// A stable, readable text of the whole model, one object per line, for
/// tests and `retort debug`.
std::string dump(const SchemaModel& schema);

}  // namespace retort
