// Tests of the revision graph: validation, order, queries and revision
// expressions. Nodes are built by hand, as the loader would hand them over.
#include "compiler/revision_graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "tests/time_limit.h"

namespace retort {
namespace {

using Ids = std::vector<std::string>;

SourceSpan at(uint32_t line, uint32_t column, size_t length) {
  SourceSpan s;
  s.line = s.end_line = line;
  s.column = column;
  s.end_column = column + static_cast<uint32_t>(length);
  return s;
}

// One revision: `revises` on line 2, `depends on` on line 3, `labels` on
// line 4, each reference at its own column so that spans can be told apart.
RevisionNode rev(std::string id, Ids parents = {}, Ids depends_on = {}, Ids labels = {}) {
  RevisionNode node;
  node.path = "migrations/" + id + ".rev";
  node.id_span = at(1, 10, id.size());
  uint32_t column = 11;
  for (auto& p : parents) {
    node.parents.push_back({p, at(2, column, p.size())});
    column += 10;
  }
  column = 14;
  for (auto& d : depends_on) {
    node.depends_on.push_back({d, at(3, column, d.size())});
    column += 10;
  }
  column = 10;
  for (auto& l : labels) {
    node.labels.push_back({l, false, at(4, column, l.size())});
    column += 10;
  }
  node.id = std::move(id);
  return node;
}

struct Built {
  RevisionGraph graph;
  DiagnosticSink sink;
};

Built build(std::vector<RevisionNode> nodes) {
  Built b;
  b.graph = RevisionGraph::build(std::move(nodes), b.sink);
  return b;
}

Ids messages(const DiagnosticSink& sink) {
  Ids out;
  for (const auto& d : sink.diagnostics()) out.push_back(d.message);
  return out;
}

Ids order_ids(const RevisionGraph& g) {
  Ids out;
  for (size_t k : g.topological_order()) out.push_back(g.nodes()[k].id);
  return out;
}

Ids ok(const RevisionGraph& g, std::string_view expr) {
  Resolution r = g.resolve(expr);
  EXPECT_TRUE(r.ok()) << expr << ": " << r.error;
  return r.ids;
}

std::string err(const RevisionGraph& g, std::string_view expr) {
  Resolution r = g.resolve(expr);
  EXPECT_FALSE(r.ok()) << expr << " resolved";
  EXPECT_TRUE(r.ids.empty()) << expr;
  return r.error;
}

// The single diagnostic of `b`, checked to be an error[graph].
const Diagnostic& only(const Built& b) {
  static const Diagnostic none;
  EXPECT_EQ(b.sink.diagnostics().size(), 1u) << testing::PrintToString(messages(b.sink));
  if (b.sink.empty()) return none;
  const Diagnostic& d = b.sink.diagnostics().front();
  EXPECT_EQ(d.severity, Severity::error);
  EXPECT_EQ(d.code, "graph");
  return d;
}

// Every requirement precedes its dependant in topological_order().
void expect_topological(const RevisionGraph& g) {
  ASSERT_EQ(g.topological_order().size(), g.size());
  for (size_t k = 0; k < g.size(); ++k) {
    EXPECT_EQ(g.topological_order()[g.topological_position(k)], k);
    for (size_t r : g.requirement_indexes(k)) {
      EXPECT_LT(g.topological_position(r), g.topological_position(k));
    }
  }
}

// ---------------------------------------------------------------- shape

TEST(RevisionGraph, EmptyProject) {
  auto b = build({});
  EXPECT_TRUE(b.sink.empty());
  EXPECT_EQ(b.graph.size(), 0u);
  EXPECT_TRUE(b.graph.heads().empty());
  EXPECT_TRUE(b.graph.bases().empty());
  EXPECT_EQ(ok(b.graph, "base"), Ids{});
  EXPECT_EQ(ok(b.graph, "head"), Ids{});
  EXPECT_EQ(ok(b.graph, "heads"), Ids{});
  EXPECT_EQ(err(b.graph, "head-1"), "\"head-1\" goes back past base");
  EXPECT_EQ(err(b.graph, "base+1"), "\"base+1\" goes past the head: there are no revisions");
  EXPECT_EQ(err(b.graph, "abcd"), "revision \"abcd\" does not exist");
}

TEST(RevisionGraph, LinearChain) {
  auto b = build({rev("a1"), rev("b2", {"a1"}), rev("c3", {"b2"})});
  const auto& g = b.graph;
  EXPECT_TRUE(b.sink.empty());
  EXPECT_EQ(order_ids(g), (Ids{"a1", "b2", "c3"}));
  EXPECT_EQ(g.heads(), Ids{"c3"});
  EXPECT_EQ(g.bases(), Ids{"a1"});
  EXPECT_TRUE(g.branch_points().empty());
  EXPECT_EQ(g.children("a1"), Ids{"b2"});
  EXPECT_EQ(g.children("c3"), Ids{});
  EXPECT_EQ(g.children("nope"), Ids{});
  EXPECT_EQ(g.parents("c3"), Ids{"b2"});
  EXPECT_EQ(g.ancestors_inclusive("c3"), (Ids{"a1", "b2", "c3"}));
  EXPECT_EQ(g.ancestors_inclusive("a1"), Ids{"a1"});
  EXPECT_EQ(g.ancestors_inclusive("nope"), Ids{});
  EXPECT_TRUE(g.is_ancestor("a1", "c3"));
  EXPECT_TRUE(g.is_ancestor("c3", "c3"));
  EXPECT_FALSE(g.is_ancestor("c3", "a1"));
  EXPECT_FALSE(g.is_ancestor("nope", "a1"));
  EXPECT_FALSE(g.is_ancestor("a1", "nope"));
  ASSERT_NE(g.find("b2"), nullptr);
  EXPECT_EQ(g.find("b2")->path, "migrations/b2.rev");
  EXPECT_EQ(g.find("b"), nullptr);
  EXPECT_EQ(g.index_of("c3"), 2u);
  EXPECT_EQ(g.index_of("zz"), std::nullopt);
  expect_topological(g);
}

TEST(RevisionGraph, OrderFollowsParentsNotNodeOrder) {
  // The loader sorts by path, which need not follow the chain.
  auto b = build({rev("c3", {"b2"}), rev("b2", {"a1"}), rev("a1")});
  EXPECT_TRUE(b.sink.empty());
  EXPECT_EQ(b.graph.topological_order(), (std::vector<size_t>{2, 1, 0}));
  EXPECT_EQ(order_ids(b.graph), (Ids{"a1", "b2", "c3"}));
  expect_topological(b.graph);
}

TEST(RevisionGraph, BranchesAndMerge) {
  // a -> (c, b) -> m; c comes before b in node order, so it sorts first.
  auto b = build(
      {rev("aaaa"), rev("cccc", {"aaaa"}), rev("bbbb", {"aaaa"}), rev("mmmm", {"bbbb", "cccc"})});
  const auto& g = b.graph;
  EXPECT_TRUE(b.sink.empty());
  EXPECT_EQ(order_ids(g), (Ids{"aaaa", "cccc", "bbbb", "mmmm"}));
  EXPECT_EQ(g.heads(), Ids{"mmmm"});
  EXPECT_EQ(g.bases(), Ids{"aaaa"});
  EXPECT_EQ(g.branch_points(), Ids{"aaaa"});
  EXPECT_EQ(g.children("aaaa"), (Ids{"cccc", "bbbb"}));
  EXPECT_EQ(g.parents("mmmm"), (Ids{"bbbb", "cccc"}));
  EXPECT_EQ(g.ancestors_inclusive("mmmm"), (Ids{"aaaa", "cccc", "bbbb", "mmmm"}));
  EXPECT_TRUE(g.is_ancestor("cccc", "mmmm"));
  EXPECT_FALSE(g.is_ancestor("cccc", "bbbb"));
  expect_topological(g);
}

TEST(RevisionGraph, SeveralHeadsAndBasesAreLegal) {
  auto b = build({rev("a1"), rev("b1", {"a1"}), rev("b2", {"a1"}), rev("z1")});
  EXPECT_TRUE(b.sink.empty());
  EXPECT_EQ(b.graph.heads(), (Ids{"b1", "b2", "z1"}));
  EXPECT_EQ(b.graph.bases(), (Ids{"a1", "z1"}));
}

TEST(RevisionGraph, DependsOnOrdersWithoutBeingAParent) {
  // x needs y, which comes later in node order and sits on another branch.
  auto b = build({rev("aaaa"), rev("xxxx", {"aaaa"}, {"yyyy"}), rev("yyyy", {"aaaa"})});
  const auto& g = b.graph;
  EXPECT_TRUE(b.sink.empty());
  EXPECT_EQ(order_ids(g), (Ids{"aaaa", "yyyy", "xxxx"}));
  // A revision that is only depended on is still a head (as in Alembic).
  EXPECT_EQ(g.heads(), (Ids{"yyyy", "xxxx"}));
  EXPECT_EQ(g.children("yyyy"), Ids{});
  EXPECT_EQ(g.parents("xxxx"), Ids{"aaaa"});
  EXPECT_EQ(g.ancestors_inclusive("xxxx"), (Ids{"aaaa", "yyyy", "xxxx"}));
  EXPECT_TRUE(g.is_ancestor("yyyy", "xxxx"));
  EXPECT_FALSE(g.is_ancestor("xxxx", "yyyy"));
  EXPECT_EQ(g.requirement_indexes(1), (std::vector<size_t>{0, 2}));
  EXPECT_EQ(g.parent_indexes(1), (std::vector<size_t>{0}));
  expect_topological(g);
}

TEST(RevisionGraph, RepeatedReferencesCountOnce) {
  auto b = build({rev("aaaa"), rev("mmmm", {"aaaa", "aaaa"}, {"aaaa"})});
  EXPECT_TRUE(b.sink.empty());
  EXPECT_EQ(b.graph.parents("mmmm"), Ids{"aaaa"});
  EXPECT_EQ(b.graph.requirement_indexes(1), (std::vector<size_t>{0}));
  EXPECT_EQ(b.graph.children("aaaa"), Ids{"mmmm"});
}

// ---------------------------------------------------------------- errors

TEST(RevisionGraphErrors, DuplicateIdNamesBothFiles) {
  auto one = rev("abcd");
  one.path = "migrations/one.rev";
  auto two = rev("abcd");
  two.path = "migrations/two.rev";
  auto b = build({one, rev("efgh", {"abcd"}), two});
  const Diagnostic& d = only(b);
  EXPECT_EQ(d.message,
            "revision id \"abcd\" is defined in both \"migrations/one.rev\" and "
            "\"migrations/two.rev\"");
  EXPECT_EQ(d.help, "ids must be unique in a project; give one of the two revisions a new id");
  EXPECT_EQ(d.file, "migrations/two.rev");
  EXPECT_EQ(d.span.line, 1u);
  EXPECT_EQ(d.revision, "abcd");
  // The first definition stays, with what revises it.
  ASSERT_EQ(b.graph.size(), 2u);
  EXPECT_EQ(b.graph.find("abcd")->path, "migrations/one.rev");
  EXPECT_EQ(b.graph.children("abcd"), Ids{"efgh"});
}

TEST(RevisionGraphErrors, MissingParent) {
  auto b = build({rev("aaaa"), rev("bbbb", {"aaaa", "zzzz"}), rev("cccc", {"bbbb"})});
  const Diagnostic& d = only(b);
  EXPECT_EQ(d.message, "revision \"bbbb\" revises \"zzzz\", which does not exist");
  EXPECT_EQ(d.help, "check the id for a typo, or restore the revision that defines \"zzzz\"");
  EXPECT_EQ(d.file, "migrations/bbbb.rev");
  EXPECT_EQ(d.span.line, 2u);  // at the reference, not at the id
  EXPECT_EQ(d.span.column, 21u);
  // bbbb is left out, and cccc with it, without a second message.
  EXPECT_EQ(order_ids(b.graph), Ids{"aaaa"});
  EXPECT_EQ(b.graph.heads(), Ids{"aaaa"});
  EXPECT_EQ(b.graph.children("aaaa"), Ids{});
}

TEST(RevisionGraphErrors, MissingParentSuggestsTheFullId) {
  auto b = build({rev("3f2a9c1b7d4e"), rev("bbbb", {"3f2a"})});
  EXPECT_EQ(only(b).message, "revision \"bbbb\" revises \"3f2a\", which does not exist");
  EXPECT_EQ(only(b).help, "write the full id: did you mean \"3f2a9c1b7d4e\"?");
}

TEST(RevisionGraphErrors, RevisesAReservedWord) {
  auto b = build({rev("bbbb", {"base"})});
  EXPECT_EQ(only(b).message, "revision \"bbbb\" revises \"base\", which does not exist");
  EXPECT_EQ(only(b).help, "a base revision has no \"revises\"; remove it");
  auto h = build({rev("aaaa"), rev("bbbb", {"head"})});
  EXPECT_EQ(only(h).help, "name the revision by its id");
}

TEST(RevisionGraphErrors, UnknownDependency) {
  auto b = build({rev("aaaa"), rev("bbbb", {"aaaa"}, {"zzzz"})});
  const Diagnostic& d = only(b);
  EXPECT_EQ(d.message, "revision \"bbbb\" depends on \"zzzz\", which does not exist");
  EXPECT_EQ(d.span.line, 3u);
  EXPECT_EQ(b.graph.size(), 1u);
}

TEST(RevisionGraphErrors, SelfLoop) {
  auto b = build({rev("aaaa", {"aaaa"})});
  EXPECT_EQ(only(b).message, "revision \"aaaa\" revises itself");
  EXPECT_EQ(only(b).help, "remove \"aaaa\" from its own \"revises\" list");
  EXPECT_EQ(only(b).span.line, 2u);
  EXPECT_EQ(b.graph.size(), 0u);
  auto d = build({rev("aaaa", {}, {"aaaa"})});
  EXPECT_EQ(only(d).message, "revision \"aaaa\" depends on itself");
}

TEST(RevisionGraphErrors, CycleReportedOnceWithItsPath) {
  // a -> c -> b -> a, with d needing the cycle and x apart from it.
  auto b = build({rev("aaaa", {"cccc"}), rev("bbbb", {"aaaa"}), rev("cccc", {"bbbb"}),
                  rev("dddd", {"aaaa"}), rev("xxxx")});
  const Diagnostic& d = only(b);
  EXPECT_EQ(d.message, "revision \"aaaa\" is part of a cycle: aaaa -> cccc -> bbbb -> aaaa");
  EXPECT_EQ(d.help,
            "each revision in the cycle revises or depends on the next one; remove one of these "
            "links");
  EXPECT_EQ(d.file, "migrations/aaaa.rev");
  EXPECT_EQ(d.span.line, 2u);
  EXPECT_EQ(order_ids(b.graph), Ids{"xxxx"});
}

TEST(RevisionGraphErrors, CycleThroughDependsOn) {
  auto b = build({rev("aaaa"), rev("bbbb", {"aaaa"}, {"cccc"}), rev("cccc", {"bbbb"})});
  const Diagnostic& d = only(b);
  EXPECT_EQ(d.message, "revision \"bbbb\" is part of a cycle: bbbb -> cccc -> bbbb");
  EXPECT_EQ(d.span.line, 3u);  // the `depends on cccc` reference
  EXPECT_EQ(order_ids(b.graph), Ids{"aaaa"});
}

TEST(RevisionGraphErrors, OneReportPerCycleGroup) {
  // Two cycles sharing pppp form one knot: one message. qqqq/rrrr is another.
  auto b = build({rev("pppp", {"ssss", "tttt"}), rev("qqqq", {"rrrr"}), rev("rrrr", {"qqqq"}),
                  rev("ssss", {"pppp"}), rev("tttt", {"pppp"})});
  EXPECT_EQ(messages(b.sink), (Ids{"revision \"pppp\" is part of a cycle: pppp -> ssss -> pppp",
                                   "revision \"qqqq\" is part of a cycle: qqqq -> rrrr -> qqqq"}));
  EXPECT_EQ(b.graph.size(), 0u);
}

TEST(RevisionGraphErrors, IdTooLong) {
  const std::string id32(32, 'a');
  const std::string id33(33, 'b');
  auto b = build({rev(id32), rev(id33)});
  const Diagnostic& d = only(b);
  EXPECT_EQ(d.message, "revision id \"" + id33 + "\" is 33 characters long; the limit is 32");
  EXPECT_EQ(d.help, "shorten the id, and every \"revises\" and \"depends on\" that names it");
  EXPECT_EQ(b.graph.size(), 1u);
  EXPECT_NE(b.graph.find(id32), nullptr);
}

TEST(RevisionGraphErrors, IdCharacters) {
  auto b = build({rev("ab-cd"), rev("ab cd"), rev(std::string("ab\x01")), rev("")});
  EXPECT_EQ(messages(b.sink),
            (Ids{"revision id \"ab-cd\" may only contain letters, digits and \"_\"",
                 "revision id \"ab cd\" may only contain letters, digits and \"_\"",
                 "revision id \"ab\\x01\" may only contain letters, digits and \"_\"",
                 "a revision id may not be empty"}));
  EXPECT_EQ(b.sink.diagnostics()[0].help,
            "ids are words of letters, digits and \"_\", at most 32 characters");
  EXPECT_EQ(b.graph.size(), 0u);
}

TEST(RevisionGraphErrors, ReservedIds) {
  auto b = build({rev("base"), rev("head"), rev("heads"), rev("HEAD")});
  EXPECT_EQ(messages(b.sink), (Ids{"\"base\" cannot be a revision id: it is a reserved word",
                                   "\"head\" cannot be a revision id: it is a reserved word",
                                   "\"heads\" cannot be a revision id: it is a reserved word"}));
  EXPECT_EQ(b.sink.diagnostics()[0].help,
            "\"base\", \"head\" and \"heads\" name places in the graph; choose another id");
  // Ids are case-sensitive: only the exact words are reserved.
  EXPECT_EQ(order_ids(b.graph), Ids{"HEAD"});
}

TEST(RevisionGraphErrors, ChildOfARejectedIdIsNotReportedAgain) {
  const std::string long_id(40, 'f');
  auto b = build({rev(long_id), rev("bbbb", {long_id})});
  EXPECT_EQ(b.sink.diagnostics().size(), 1u);
  EXPECT_EQ(b.graph.size(), 0u);
}

TEST(RevisionGraphErrors, EveryProblemOfANodeIsReported) {
  auto b = build({rev("aaaa", {"xxxx", "yyyy"}, {"zzzz"})});
  EXPECT_EQ(messages(b.sink), (Ids{"revision \"aaaa\" revises \"xxxx\", which does not exist",
                                   "revision \"aaaa\" revises \"yyyy\", which does not exist",
                                   "revision \"aaaa\" depends on \"zzzz\", which does not exist"}));
}

// The index by id is sorted by the ids' first eight bytes, then by their
// text; and skipped when the nodes come sorted. Ids alike in their first
// eight bytes, shorter ones, and nodes in and out of id order must all be
// found, and nothing else.
TEST(RevisionGraph, FindsEveryIdWhateverItsFirstEightBytesAndOrder) {
  const Ids ids{"sharedpr_b", "zz01", "sharedpr_a", "sharedp", "a1", "sharedpr", "sharedpr_a2"};
  for (bool sorted : {false, true}) {
    Ids in_files = ids;
    if (sorted) std::sort(in_files.begin(), in_files.end());
    std::vector<RevisionNode> nodes;
    for (const auto& id : in_files) nodes.push_back(rev(id));
    auto b = build(std::move(nodes));
    const auto& g = b.graph;
    ASSERT_EQ(g.size(), ids.size());
    for (size_t k = 0; k < in_files.size(); ++k) {
      EXPECT_EQ(g.index_of(in_files[k]), k) << in_files[k];
    }
    for (const char* absent : {"sharedpr_", "sharedpr_c", "shared", "a", "zz", "zz011"}) {
      EXPECT_EQ(g.index_of(absent), std::nullopt) << absent;
    }
  }
}

TEST(RevisionGraphErrors, IndexesStayConsistentAfterExclusions) {
  auto b = build({rev(std::string(40, 'x')), rev("aaaa"), rev("bbbb", {"nope"}),
                  rev("cccc", {"aaaa"}), rev("dddd", {"bbbb"}), rev("eeee", {"cccc"}, {"aaaa"})});
  const auto& g = b.graph;
  EXPECT_EQ(b.sink.error_count(), 2u);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g.nodes()[0].id, "aaaa");
  EXPECT_EQ(g.nodes()[1].id, "cccc");
  EXPECT_EQ(g.nodes()[2].id, "eeee");
  EXPECT_EQ(g.index_of("eeee"), 2u);
  EXPECT_EQ(g.topological_order(), (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(g.child_indexes(0), (std::vector<size_t>{1}));
  EXPECT_EQ(g.parent_indexes(2), (std::vector<size_t>{1}));
  EXPECT_EQ(g.requirement_indexes(2), (std::vector<size_t>{1, 0}));
  EXPECT_EQ(g.heads(), Ids{"eeee"});
  EXPECT_EQ(ok(g, "head-2"), Ids{"aaaa"});
  expect_topological(g);
}

TEST(RevisionGraphErrors, DuplicateBranchLabel) {
  auto b = build({rev("aaaa", {}, {}, {"feature"}), rev("bbbb", {"aaaa"}, {}, {"feature"})});
  const Diagnostic& d = only(b);
  EXPECT_EQ(d.message, "branch label \"feature\" is used by both \"aaaa\" and \"bbbb\"");
  EXPECT_EQ(d.help, "a label names one branch; rename one of them");
  EXPECT_EQ(d.file, "migrations/bbbb.rev");
  EXPECT_EQ(d.span.line, 4u);
  // Both revisions stay; the label keeps its first owner.
  EXPECT_EQ(b.graph.size(), 2u);
  EXPECT_EQ(b.graph.find_label("feature")->id, "aaaa");
}

TEST(RevisionGraphErrors, BadBranchLabels) {
  auto b = build({rev("aaaa", {}, {}, {"head", "a@b", "bbbb", "ok", "ok"}), rev("bbbb")});
  EXPECT_EQ(messages(b.sink),
            (Ids{"\"head\" cannot be a branch label: it is a reserved word",
                 "branch label \"a@b\" may not contain \"@\", \":\" or white space",
                 "branch label \"bbbb\" of revision \"aaaa\" is also a revision id"}));
  EXPECT_EQ(b.sink.diagnostics()[2].help,
            "rename the label, so that \"bbbb@head\" names one thing");
  EXPECT_EQ(b.graph.size(), 2u);
  EXPECT_EQ(b.graph.find_label("ok")->id, "aaaa");
  EXPECT_EQ(b.graph.find_label("head"), nullptr);
}

// ---------------------------------------------------------------- expressions

class Expressions : public testing::Test {
 protected:
  // base1 -> 3f2a9c1b7d4e -> ab12cd34ef56 (labels "main")
  //                     \-> ab12ffff0000 -> feat0002 (labels "feature")
  //                                    \-> feat0003
  // zzzz99 (a second base, head)
  void SetUp() override {
    auto b = build({rev("base1"), rev("3f2a9c1b7d4e", {"base1"}),
                    rev("ab12cd34ef56", {"3f2a9c1b7d4e"}, {}, {"main"}),
                    rev("ab12ffff0000", {"3f2a9c1b7d4e"}, {}, {"feature"}),
                    rev("feat0002", {"ab12ffff0000"}), rev("feat0003", {"ab12ffff0000"}),
                    rev("zzzz99")});
    ASSERT_TRUE(b.sink.empty()) << testing::PrintToString(messages(b.sink));
    g = std::move(b.graph);
  }
  RevisionGraph g;
};

TEST_F(Expressions, IdsAndPrefixes) {
  EXPECT_EQ(ok(g, "3f2a9c1b7d4e"), Ids{"3f2a9c1b7d4e"});
  EXPECT_EQ(ok(g, "3f2a"), Ids{"3f2a9c1b7d4e"});
  EXPECT_EQ(ok(g, "ab12c"), Ids{"ab12cd34ef56"});
  EXPECT_EQ(err(g, "ab12"),
            "revision \"ab12\" is ambiguous: it matches \"ab12cd34ef56\", \"ab12ffff0000\"");
  EXPECT_EQ(err(g, "3f2"),
            "revision \"3f2\" does not exist; a prefix must have at least 4 characters");
  EXPECT_EQ(err(g, "3f2b"), "revision \"3f2b\" does not exist");
  EXPECT_EQ(err(g, "qq"), "revision \"qq\" does not exist");
  EXPECT_EQ(err(g, ""), "the revision expression is empty");
}

TEST(RevisionGraphExpressions, ExactIdWinsOverLongerIds) {
  auto b = build({rev("0001"), rev("00011", {"0001"}), rev("1", {"00011"})});
  EXPECT_EQ(ok(b.graph, "0001"), Ids{"0001"});
  EXPECT_EQ(ok(b.graph, "1"), Ids{"1"});  // `0001` is not `1`
  EXPECT_EQ(ok(b.graph, "00011"), Ids{"00011"});
}

TEST(RevisionGraphExpressions, LongAmbiguityListsAreCut) {
  std::vector<RevisionNode> nodes;
  for (int i = 0; i < 15; ++i) nodes.push_back(rev("abcd" + std::to_string(10 + i)));
  auto b = build(std::move(nodes));
  EXPECT_EQ(err(b.graph, "abcd"),
            "revision \"abcd\" is ambiguous: it matches \"abcd10\", \"abcd11\", \"abcd12\", "
            "\"abcd13\", \"abcd14\", \"abcd15\", \"abcd16\", \"abcd17\", \"abcd18\", \"abcd19\", "
            "and 5 more");
}

TEST_F(Expressions, BaseHeadHeads) {
  EXPECT_EQ(ok(g, "base"), Ids{});
  EXPECT_EQ(ok(g, "heads"), (Ids{"ab12cd34ef56", "feat0002", "feat0003", "zzzz99"}));
  EXPECT_EQ(err(g, "head"),
            "\"head\" is ambiguous: there are 4 heads, \"ab12cd34ef56\", \"feat0002\", "
            "\"feat0003\", \"zzzz99\"; use \"heads\", one of these ids or LABEL@head");
  auto single = build({rev("aaaa"), rev("bbbb", {"aaaa"})});
  EXPECT_EQ(ok(single.graph, "head"), Ids{"bbbb"});
}

TEST_F(Expressions, LabelAtHead) {
  EXPECT_EQ(ok(g, "main@head"), Ids{"ab12cd34ef56"});
  EXPECT_EQ(err(g, "feature@head"),
            "branch \"feature\" has 2 heads, \"feat0002\", \"feat0003\"; name one of them");
  EXPECT_EQ(err(g, "nope@head"),
            "unknown branch label \"nope\"; the labels are \"feature\", "
            "\"main\"");
  EXPECT_EQ(err(g, "@head"), "unknown branch label \"\"; the labels are \"feature\", \"main\"");
  EXPECT_EQ(err(g, "main@tail"),
            "\"main@tail\" is not a revision expression: only \"head\" may follow \"@\"");
  EXPECT_EQ(err(g, "main"),
            "\"main\" is a branch label, not a revision; use \"main@head\" for its head");
  EXPECT_EQ(ok(g, "main@head-2"), Ids{"base1"});
  auto unlabelled = build({rev("aaaa")});
  EXPECT_EQ(err(unlabelled.graph, "x@head"), "unknown branch label \"x\"");
}

TEST_F(Expressions, IdAtHead) {
  EXPECT_EQ(ok(g, "feat0002@head"), Ids{"feat0002"});
  EXPECT_EQ(ok(g, "zzzz@head"), Ids{"zzzz99"});
  EXPECT_EQ(ok(g, "ab12cd34ef56@head"), Ids{"ab12cd34ef56"});
  EXPECT_EQ(err(g, "3f2a@head"),
            "revision \"3f2a\" has 3 heads, \"ab12cd34ef56\", \"feat0002\", \"feat0003\"; name "
            "one of them");
  EXPECT_EQ(err(g, "ab12@head"),
            "revision \"ab12\" is ambiguous: it matches \"ab12cd34ef56\", \"ab12ffff0000\"");
}

TEST_F(Expressions, StepsForward) {
  EXPECT_EQ(ok(g, "base1+1"), Ids{"3f2a9c1b7d4e"});
  EXPECT_EQ(err(g, "ab12f+1"),
            "\"ab12f+1\" is ambiguous: \"ab12ffff0000\" has 2 children, \"feat0002\", "
            "\"feat0003\"; name one of them");
  EXPECT_EQ(ok(g, "base1+0"), Ids{"base1"});
  EXPECT_EQ(ok(g, "ab12cd34ef56+0"), Ids{"ab12cd34ef56"});
  EXPECT_EQ(err(g, "base1+2"),
            "\"base1+2\" is ambiguous: \"3f2a9c1b7d4e\" has 2 children, \"ab12cd34ef56\", "
            "\"ab12ffff0000\"; name one of them");
  EXPECT_EQ(err(g, "ab12cd34ef56+1"), "\"ab12cd34ef56+1\" goes past the head \"ab12cd34ef56\"");
  EXPECT_EQ(err(g, "main@head+1"), "\"main@head+1\" goes past the head \"ab12cd34ef56\"");
  auto chain = build({rev("aaaa"), rev("bbbb", {"aaaa"}), rev("cccc", {"bbbb"})});
  EXPECT_EQ(ok(chain.graph, "aaaa+2"), Ids{"cccc"});
  EXPECT_EQ(ok(chain.graph, "base+1"), Ids{"aaaa"});
  EXPECT_EQ(ok(chain.graph, "base+3"), Ids{"cccc"});
  EXPECT_EQ(err(chain.graph, "aaaa+3"),
            "\"aaaa+3\" goes past the head \"cccc\", reached after "
            "2 steps");
  EXPECT_EQ(err(chain.graph, "bbbb+2"),
            "\"bbbb+2\" goes past the head \"cccc\", reached after "
            "1 step");
  EXPECT_EQ(err(chain.graph, "aaaa+99999999999999999999999"),
            "\"aaaa+99999999999999999999999\" goes past the head \"cccc\", reached after 2 "
            "steps");
  EXPECT_EQ(err(chain.graph, "head+1"), "\"head+1\" goes past the head \"cccc\"");
}

TEST_F(Expressions, StepsFromBase) {
  EXPECT_EQ(err(g, "base+1"),
            "\"base+1\" is ambiguous: there are 2 bases, \"base1\", \"zzzz99\"; name one of "
            "them");
  EXPECT_EQ(err(g, "base-1"), "\"base-1\" goes back past base");
  EXPECT_EQ(ok(g, "base+0"), Ids{});
}

TEST_F(Expressions, StepsBack) {
  EXPECT_EQ(ok(g, "ab12cd34ef56-1"), Ids{"3f2a9c1b7d4e"});
  EXPECT_EQ(ok(g, "ab12cd34ef56-2"), Ids{"base1"});
  EXPECT_EQ(ok(g, "feat0002-2"), Ids{"3f2a9c1b7d4e"});
  EXPECT_EQ(err(g, "ab12cd34ef56-3"),
            "\"ab12cd34ef56-3\" goes back past the base \"base1\", reached after 2 steps");
  EXPECT_EQ(err(g, "base1-1"), "\"base1-1\" goes back past the base \"base1\"");
  EXPECT_EQ(err(g, "head-1"), err(g, "head"));
  EXPECT_EQ(err(g, "heads-1"),
            "\"heads-1\" cannot step from \"heads\": it names every head; use \"head\", "
            "LABEL@head or an id");
  auto merge = build({rev("aaaa"), rev("bbbb", {"aaaa"}), rev("cccc", {"aaaa"}),
                      rev("mmmm", {"bbbb", "cccc"}), rev("nnnn", {"mmmm"})});
  EXPECT_EQ(ok(merge.graph, "head-1"), Ids{"mmmm"});
  EXPECT_EQ(err(merge.graph, "head-2"),
            "\"head-2\" is ambiguous: \"mmmm\" is a merge of \"bbbb\", \"cccc\"; name one of "
            "them");
  EXPECT_EQ(ok(merge.graph, "bbbb-1"), Ids{"aaaa"});
  EXPECT_EQ(err(merge.graph, "aaaa+1"),
            "\"aaaa+1\" is ambiguous: \"aaaa\" has 2 children, \"bbbb\", \"cccc\"; name one of "
            "them");
  EXPECT_EQ(ok(merge.graph, "bbbb+2"), Ids{"nnnn"});
}

TEST_F(Expressions, RelativeAndMalformed) {
  EXPECT_EQ(err(g, "-1"), "\"-1\" is relative: it needs a starting revision, as in \"head-1\"");
  EXPECT_EQ(err(g, "+2"), "\"+2\" is relative: it needs a starting revision, as in \"base+2\"");
  const std::string forms =
      " is not a revision expression: expected an id, a prefix of at least 4 characters, "
      "\"base\", \"head\", \"heads\", LABEL@head, ID+N or ID-N";
  EXPECT_EQ(err(g, "a b"), "\"a b\"" + forms);
  EXPECT_EQ(err(g, "base1-"), "\"base1-\"" + forms);
  EXPECT_EQ(err(g, "base1+x"), "\"base1+x\"" + forms);
  EXPECT_EQ(err(g, "base1--1"), "\"base1-\"" + forms);
  EXPECT_EQ(err(g, "head\n"), "\"head\\x0a\"" + forms);
}

// ---------------------------------------------------------------- scale

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string numbered(size_t i) {
  std::string digits = std::to_string(i);
  return "r" + std::string(8 - digits.size(), '0') + digits;
}

// A chain of `n` revisions, listed head first so that node order fights
// the topological order.
std::vector<RevisionNode> chain(size_t n) {
  std::vector<RevisionNode> nodes;
  nodes.reserve(n);
  for (size_t i = n; i-- > 0;) {
    nodes.push_back(i == 0 ? rev(numbered(0)) : rev(numbered(i), {numbered(i - 1)}));
  }
  return nodes;
}

TEST(RevisionGraphScale, LongChain) {
  const size_t n = 10000;
  const auto start = Clock::now();
  auto b = build(chain(n));
  const auto& g = b.graph;
  EXPECT_TRUE(b.sink.empty());
  ASSERT_EQ(g.size(), n);
  EXPECT_EQ(g.heads(), Ids{numbered(n - 1)});
  EXPECT_EQ(g.bases(), Ids{numbered(0)});
  EXPECT_EQ(ok(g, "head"), Ids{numbered(n - 1)});
  EXPECT_EQ(ok(g, "head-9999"), Ids{numbered(0)});
  EXPECT_EQ(ok(g, "base+10000"), Ids{numbered(n - 1)});
  EXPECT_EQ(ok(g, numbered(0) + "+9999"), Ids{numbered(n - 1)});
  EXPECT_EQ(g.ancestors_inclusive(numbered(n - 1)).size(), n);
  EXPECT_TRUE(g.is_ancestor(numbered(0), numbered(n - 1)));
  EXPECT_FALSE(g.is_ancestor(numbered(n - 1), numbered(0)));
  // Every id by a unique prefix: lookups must not scan the graph.
  for (size_t i = 0; i < n; ++i) {
    const std::string id = numbered(i);
    ASSERT_EQ(g.resolve(id).ids, Ids{id});
  }
  expect_topological(g);
  EXPECT_LT(seconds_since(start), retort::test::time_limit(5.0));
}

TEST(RevisionGraphScale, WideGraph) {
  // One base, 10,000 branches from it, and one merge of them all.
  const size_t n = 10000;
  std::vector<RevisionNode> nodes{rev("root")};
  Ids branches;
  for (size_t i = 0; i < n; ++i) {
    branches.push_back(numbered(i));
    nodes.push_back(rev(numbered(i), {"root"}));
  }
  nodes.push_back(rev("merge", branches));
  const auto start = Clock::now();
  auto b = build(nodes);
  EXPECT_TRUE(b.sink.empty());
  const auto& g = b.graph;
  EXPECT_EQ(g.heads(), Ids{"merge"});
  EXPECT_EQ(g.branch_points(), Ids{"root"});
  EXPECT_EQ(g.children("root").size(), n);
  EXPECT_EQ(g.parents("merge").size(), n);
  EXPECT_EQ(ok(g, "head"), Ids{"merge"});
  EXPECT_EQ(g.ancestors_inclusive("merge").size(), n + 2);
  EXPECT_EQ(err(g, "r0000"),
            "revision \"r0000\" is ambiguous: it matches \"r00000000\", \"r00000001\", "
            "\"r00000002\", \"r00000003\", \"r00000004\", \"r00000005\", \"r00000006\", "
            "\"r00000007\", \"r00000008\", \"r00000009\", and 9990 more");
  expect_topological(g);

  // Without the merge: 10,000 heads, all named by `head`'s error.
  nodes.pop_back();
  auto heads = build(std::move(nodes));
  EXPECT_EQ(heads.graph.heads().size(), n);
  EXPECT_EQ(ok(heads.graph, "heads").size(), n);
  EXPECT_NE(err(heads.graph, "head").find("there are 10000 heads"), std::string::npos);
  EXPECT_LT(seconds_since(start), retort::test::time_limit(5.0));
}

TEST(RevisionGraphScale, HugeChainIsNotQuadratic) {
  // At 200,000 revisions a quadratic step would take minutes.
  const size_t n = 200000;
  const auto start = Clock::now();
  auto b = build(chain(n));
  EXPECT_EQ(b.graph.size(), n);
  EXPECT_EQ(ok(b.graph, "head-199999"), Ids{numbered(0)});
  EXPECT_TRUE(b.graph.is_ancestor(numbered(0), numbered(n - 1)));
  EXPECT_LT(seconds_since(start), retort::test::time_limit(10.0));
}

TEST(RevisionGraphScale, LongCycleIsFoundWithoutRecursion) {
  const size_t n = 10000;
  auto nodes = chain(n);
  nodes.back().parents.push_back({numbered(n - 1), {}});  // the base now revises the head
  auto b = build(std::move(nodes));
  ASSERT_EQ(b.sink.diagnostics().size(), 1u);
  const std::string& message = b.sink.diagnostics()[0].message;
  EXPECT_EQ(
      message.rfind("revision \"r00009999\" is part of a cycle: r00009999 -> r00009998 -> ", 0),
      0u);
  EXPECT_TRUE(message.ends_with("r00000000 -> r00009999"));
  EXPECT_EQ(b.graph.size(), 0u);
}

// ---------------------------------------------------------------- determinism

// A tangled but acyclic graph from a fixed pseudo-random sequence, with a
// few errors mixed in.
std::vector<RevisionNode> tangle() {
  std::vector<RevisionNode> nodes;
  uint64_t state = 12345;
  auto next = [&](uint64_t bound) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (state >> 33) % bound;
  };
  for (size_t i = 0; i < 2000; ++i) {
    Ids parents, deps;
    if (i > 0) {
      for (uint64_t k = next(3); k-- > 0;) parents.push_back(numbered(next(i)));
      if (next(4) == 0) deps.push_back(numbered(next(i)));
    }
    if (next(200) == 0) parents.push_back("missing");
    nodes.push_back(rev(numbered(i), parents, deps));
  }
  // Scramble node order deterministically, as a loader sorting paths might.
  for (size_t i = nodes.size(); i > 1; --i) std::swap(nodes[i - 1], nodes[next(i)]);
  nodes.push_back(rev(numbered(5)));  // a duplicate
  return nodes;
}

TEST(RevisionGraphDeterminism, SameInputSameResult) {
  auto first = build(tangle());
  auto second = build(tangle());
  EXPECT_FALSE(first.sink.empty());
  EXPECT_EQ(messages(first.sink), messages(second.sink));
  EXPECT_EQ(order_ids(first.graph), order_ids(second.graph));
  EXPECT_EQ(first.graph.heads(), second.graph.heads());
  EXPECT_EQ(first.graph.bases(), second.graph.bases());
  EXPECT_EQ(first.graph.branch_points(), second.graph.branch_points());
  EXPECT_EQ(first.graph.resolve("heads").ids, second.graph.resolve("heads").ids);
  EXPECT_EQ(first.graph.resolve("head").error, second.graph.resolve("head").error);
  expect_topological(first.graph);
}

TEST(RevisionGraphDeterminism, TiesFollowNodeOrder) {
  // Independent revisions come out in node order, whatever their ids.
  auto b = build({rev("zzzz"), rev("aaaa"), rev("mmmm", {"zzzz"}), rev("bbbb", {"aaaa"})});
  EXPECT_EQ(order_ids(b.graph), (Ids{"zzzz", "aaaa", "mmmm", "bbbb"}));
}

}  // namespace
}  // namespace retort
