#pragma once

#include "tools/standin/pg.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowsync::standin {

/// A refusal in PostgREST's terms: HTTP status and the JSON error fields.
struct rest_error {
  int status = 400;
  std::string code;
  std::string message;
  std::optional<std::string> details;
  std::optional<std::string> hint;
};

/// One `column=op.value` condition.
struct rest_filter {
  std::string column;
  /// eq, neq, gt, gte, lt, lte, like, ilike, is, in.
  std::string op;
  bool negate = false;
  std::string value;
  /// The items of `in.(...)`.
  std::vector<std::string> list;
};

/// A condition tree: a leaf, or `and(...)` / `or(...)` of conditions.
struct rest_condition {
  enum class kind { leaf, all_of, any_of };
  kind type = kind::leaf;
  bool negate = false;
  rest_filter leaf;
  std::vector<rest_condition> children;
};

struct rest_order {
  std::string column;
  bool descending = false;
  /// 0: the database's default, 1: nulls first, 2: nulls last.
  int nulls = 0;
};

/// What the query string of a request asks for.
struct rest_query {
  /// Selected columns; empty means `*`.
  std::vector<std::string> select;
  /// Conditions, all of which must hold.
  std::vector<rest_condition> where;
  std::vector<rest_order> order;
  std::optional<int64_t> limit;
  int64_t offset = 0;
  std::vector<std::string> on_conflict;
};

/// Parses the query parameters of a `/rest/v1/<table>` request. Parameters
/// that are not reserved words are filters, as in PostgREST.
std::optional<rest_error>
parse_rest_query(const std::vector<std::pair<std::string, std::string>>& params,
                 rest_query& out);

/// A column of a table as the catalog describes it.
struct rest_column {
  std::string name;
  std::string type;
  bool primary_key = false;
};

/// A table of the exposed schema.
struct rest_table {
  std::string name;
  std::vector<rest_column> columns;

  bool has(std::string_view column) const;
};

/// Checks every column the query names against the table; the error is the
/// one PostgreSQL raises for an unknown column (42703).
std::optional<rest_error> check_columns(const rest_query& query,
                                        const rest_table& table);

/// Quotes an identifier for SQL.
std::string quote_ident(std::string_view name);

/// The select list, each column qualified by `qualifier`.
std::string select_sql(const rest_query& query, const std::string& qualifier);

/// The WHERE clause (with the keyword) or an empty string; values go into
/// `params` and are referenced as $n.
std::string where_sql(const rest_query& query, const std::string& qualifier,
                      pg_params& params);

/// The ORDER BY clause (with the keyword) or an empty string.
std::string order_sql(const rest_query& query, const std::string& qualifier);

} // namespace flowsync::standin
