// identifier-too-long: PostgreSQL cuts every identifier to 63 bytes
// (NAMEDATALEN - 1) with only a notice, so a long name the user wrote is
// not the name the database has, and two long names can become one.
#include <fmt/format.h>

#include "compiler/overloaded.h"
#include "lint/rule.h"

namespace retort::lint {
namespace {

constexpr size_t kPostgresLimit = 63;

/// A name a statement defines, as the user wrote it.
struct DefinedName {
  std::string kind;   ///< "table", "column", "unique constraint", ...
  std::string owner;  ///< the table it belongs to, or empty
  const ast::Name* name = nullptr;
};

// Every name `statement` gives to a new object or by a rename. Names that
// only refer to existing objects are judged where those were made; names
// Retort makes up are shortened by the compiler.
std::vector<DefinedName> defined_names(const ast::Statement& statement) {
  std::vector<DefinedName> out;
  auto constraint = [&](const std::string& table, const ast::TableConstraint& c) {
    if (c.name) {
      out.push_back({std::string(constraint_noun(c.kind)), table, &*c.name});
    }
  };
  std::visit(
      Overloaded{
          [&](const ast::CreateTable& s) {
            std::string table = s.name.key();
            out.push_back({"table", {}, &s.name.name});
            for (const auto& c : s.columns) out.push_back({"column", table, &c.name});
            for (const auto& c : s.constraints) constraint(table, c);
          },
          [&](const ast::RenameTable& s) {
            out.push_back({"table", {}, &s.new_name});
          },
          [&](const ast::AlterTable& s) {
            std::string table = s.name.key();
            for (const auto& action : s.actions) {
              std::visit(
                  Overloaded{
                      [&](const ast::AddColumn& a) {
                        out.push_back({"column", table, &a.column.name});
                      },
                      [&](const ast::RenameColumn& a) {
                        out.push_back({"column", table, &a.new_name});
                      },
                      [&](const ast::AddConstraint& a) { constraint(table, a.constraint); },
                      [&](const ast::AddConstraintUsingIndex& a) {
                        out.push_back({std::string(constraint_noun(a.kind)), table, &a.name});
                      },
                      [&](const ast::RenameConstraint& a) {
                        out.push_back({"constraint", table, &a.new_name});
                      },
                      [](const auto&) {},
                  },
                  action);
            }
          },
          [&](const ast::CreateIndex& s) {
            if (s.name) {
              out.push_back({"index", s.table.key(), &*s.name});
            }
          },
          [&](const ast::RenameIndex& s) {
            out.push_back({"index", {}, &s.new_name});
          },
          [&](const ast::CreateEnum& s) {
            out.push_back({"enum", {}, &s.name.name});
          },
          [&](const ast::CreateView& s) {
            out.push_back({"view", {}, &s.name.name});
          },
          [&](const ast::CreateSchema& s) {
            out.push_back({"schema", {}, &s.name});
          },
          [](const auto&) {},
      },
      statement.node);
  return out;
}

class IdentifierTooLong final : public Rule {
 public:
  const RuleInfo& info() const override { return kInfo; }

  void check_statement(const StatementContext& ctx, Findings& out) const override {
    for (const auto& d : defined_names(ctx.statement)) {
      size_t bytes = d.name->text.size();
      if (bytes <= kPostgresLimit) continue;
      std::string owner = d.owner.empty() ? "" : " of table " + quote_name(d.owner);
      out.report(&ctx.statement, d.name->span,
                 fmt::format("{} name {}{} is {} bytes: postgresql cuts it to {}", d.kind,
                             quote_name(d.name->text), owner, bytes, kPostgresLimit));
    }
  }

 private:
  static constexpr RuleInfo kInfo{
      "identifier-too-long",
      Level::error,
      "postgresql",
      "a name the user wrote is longer than 63 bytes, which PostgreSQL silently cuts (on the "
      "dialects that refuse long names it is `error[dialect]`; names Retort makes up are "
      "shortened)",
      "PostgreSQL truncates identifiers longer than 63 bytes (not characters: an accented "
      "letter takes two) and only says so in a notice. The table or column then has a "
      "different name than the code uses, and two long names that share their first 63 "
      "bytes become the same name, so the second statement fails or hits the wrong object.",
      "shorten the name to 63 bytes or fewer (bytes, not characters)",
      "create table customer_subscription_billing_period_adjustments (\n"
      "  id bigint primary key,\n"
      "  adjustment_reason_code_as_reported_by_the_external_billing_provider text,\n"
      ");",
      "create table customer_subscription_billing_period_adjustments (\n"
      "  id bigint primary key,\n"
      "  provider_reason_code text,\n"
      ");",
  };
};

}  // namespace

std::unique_ptr<Rule> make_identifier_too_long() {
  return std::make_unique<IdentifierTooLong>();
}

}  // namespace retort::lint
