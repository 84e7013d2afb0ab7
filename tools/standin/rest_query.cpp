#include "tools/standin/rest_query.hpp"

#include <algorithm>
#include <cctype>

namespace flowsync::standin {

namespace {

constexpr const char* operator_hint = "\"not\" or operator (eq, gt, ...)";

bool is_reserved(std::string_view key) {
  return key == "select" || key == "order" || key == "limit" || key == "offset"
         || key == "on_conflict" || key == "columns" || key == "apikey";
}

bool is_logic_key(std::string_view key) {
  return key == "or" || key == "and" || key == "not.or" || key == "not.and";
}

bool is_field_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'
         || c == '$';
}

bool is_identifier(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), is_field_char);
}

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// PostgREST reports parse errors the way its parser library does: the
// input in the message, the position and what was expected in the details.
rest_error parse_failure(std::string_view what, std::string_view input,
                         size_t pos, std::string_view expecting) {
  rest_error e;
  e.status = 400;
  e.code = "PGRST100";
  e.message = "\"failed to parse " + std::string{what} + " ("
              + std::string{input} + ")\" (line 1, column "
              + std::to_string(pos + 1) + ")";
  std::string unexpected =
    pos < input.size() ? "unexpected \"" + std::string(1, input[pos]) + "\""
                       : "unexpected end of input";
  e.details = unexpected + " expecting " + std::string{expecting};
  return e;
}

const std::vector<std::string>& known_operators() {
  static const std::vector<std::string> ops{
    "eq", "neq", "gt", "gte", "lt", "lte", "is", "in", "like", "ilike"};
  return ops;
}

// Reads a possibly double-quoted item of an `in` list or a logic value.
// Stops at any character of `stops` outside quotes.
std::string read_value(std::string_view text, size_t& pos,
                       std::string_view stops, bool& ok) {
  ok = true;
  std::string out;
  if (pos < text.size() && text[pos] == '"') {
    ++pos;
    while (pos < text.size() && text[pos] != '"') {
      if (text[pos] == '\\' && pos + 1 < text.size())
        ++pos;
      out.push_back(text[pos++]);
    }
    if (pos >= text.size()) {
      ok = false;
      return out;
    }
    ++pos;
    return out;
  }
  while (pos < text.size() && stops.find(text[pos]) == std::string_view::npos)
    out.push_back(text[pos++]);
  return out;
}

// Parses `[not.]op.value` starting at `pos`; inside a logic tree the value
// ends at ',' or ')'.
std::optional<rest_error> parse_op_expr(std::string_view what,
                                        std::string_view input, size_t& pos,
                                        bool in_logic, rest_filter& out) {
  if (input.substr(pos, 4) == "not.") {
    out.negate = true;
    pos += 4;
  }
  auto dot = input.find('.', pos);
  auto op = dot == std::string_view::npos ? std::string_view{}
                                          : input.substr(pos, dot - pos);
  auto& ops = known_operators();
  if (std::find(ops.begin(), ops.end(), op) == ops.end())
    return parse_failure(what, input, pos, operator_hint);
  out.op = std::string{op};
  pos = dot + 1;

  if (out.op == "is") {
    auto start = pos;
    bool ok = true;
    auto word = read_value(input, pos, in_logic ? ",)" : "", ok);
    auto value = lower(word);
    if (value != "null" && value != "not_null" && value != "true"
        && value != "false" && value != "unknown")
      return parse_failure(what, input, start,
                           "isVal: (null, not_null, true, false, unknown)");
    out.value = value;
    return std::nullopt;
  }

  if (out.op == "in") {
    if (pos >= input.size() || input[pos] != '(')
      return parse_failure(what, input, pos, "\"(\"");
    ++pos;
    while (pos < input.size() && input[pos] != ')') {
      bool ok = true;
      auto item = read_value(input, pos, ",)", ok);
      if (!ok)
        return parse_failure(what, input, pos, "\"\\\"\"");
      out.list.push_back(item);
      if (pos < input.size() && input[pos] == ',')
        ++pos;
    }
    if (pos >= input.size())
      return parse_failure(what, input, pos, "\",\" or \")\"");
    ++pos;
    return std::nullopt;
  }

  bool ok = true;
  out.value = read_value(input, pos, in_logic ? ",)" : "", ok);
  if (!ok)
    return parse_failure(what, input, pos, "\"\\\"\"");
  return std::nullopt;
}

std::optional<rest_error> parse_logic_items(std::string_view input, size_t& pos,
                                            rest_condition& out);

// One item of a logic tree: a nested and/or, or `column.op.value`.
std::optional<rest_error> parse_logic_item(std::string_view input, size_t& pos,
                                           rest_condition& out) {
  auto rest = input.substr(pos);
  bool negate = false;
  if (rest.substr(0, 4) == "not.") {
    auto after = rest.substr(4);
    if (after.substr(0, 4) == "and(" || after.substr(0, 3) == "or(") {
      negate = true;
      pos += 4;
      rest = input.substr(pos);
    }
  }
  if (rest.substr(0, 4) == "and(" || rest.substr(0, 3) == "or(") {
    out.type = rest[0] == 'a' ? rest_condition::kind::all_of
                              : rest_condition::kind::any_of;
    out.negate = negate;
    pos += out.type == rest_condition::kind::all_of ? 3 : 2;
    return parse_logic_items(input, pos, out);
  }

  auto start = pos;
  while (pos < input.size() && is_field_char(input[pos]))
    ++pos;
  if (pos == start || pos >= input.size() || input[pos] != '.')
    return parse_failure("logic tree", input, pos, "field name or delimiter");
  out.type = rest_condition::kind::leaf;
  out.leaf.column = std::string{input.substr(start, pos - start)};
  ++pos;
  return parse_op_expr("logic tree", input, pos, true, out.leaf);
}

// `(item,item,...)` starting at the opening parenthesis.
std::optional<rest_error> parse_logic_items(std::string_view input, size_t& pos,
                                            rest_condition& out) {
  if (pos >= input.size() || input[pos] != '(')
    return parse_failure("logic tree", input, pos, "\"(\"");
  ++pos;
  for (;;) {
    rest_condition child;
    if (auto err = parse_logic_item(input, pos, child))
      return err;
    out.children.push_back(std::move(child));
    if (pos < input.size() && input[pos] == ',') {
      ++pos;
      continue;
    }
    if (pos < input.size() && input[pos] == ')') {
      ++pos;
      return std::nullopt;
    }
    return parse_failure("logic tree", input, pos, "\",\" or \")\"");
  }
}

std::optional<rest_error> parse_select(std::string_view input,
                                       rest_query& out) {
  size_t pos = 0;
  while (pos <= input.size()) {
    auto comma = input.find(',', pos);
    auto item =
      input.substr(pos, comma == std::string_view::npos ? std::string_view::npos
                                                        : comma - pos);
    auto first = item.find_first_not_of(' ');
    auto last = item.find_last_not_of(' ');
    item = first == std::string_view::npos
             ? std::string_view{}
             : item.substr(first, last - first + 1);
    if (item != "*" && !is_identifier(item)) {
      size_t bad = pos + (first == std::string_view::npos ? 0 : first);
      while (bad < input.size() && is_field_char(input[bad]))
        ++bad;
      return parse_failure("select parameter", input, bad,
                           "letter, digit, \"*\" or \",\"");
    }
    if (item == "*")
      out.select.clear();
    else
      out.select.emplace_back(item);
    if (comma == std::string_view::npos)
      break;
    pos = comma + 1;
  }
  return std::nullopt;
}

std::optional<rest_error> parse_order(std::string_view input, rest_query& out) {
  size_t pos = 0;
  for (;;) {
    rest_order term;
    auto start = pos;
    while (pos < input.size() && is_field_char(input[pos]))
      ++pos;
    if (pos == start)
      return parse_failure("order", input, pos, "field name");
    term.column = std::string{input.substr(start, pos - start)};
    for (int part = 0; part < 2 && pos < input.size() && input[pos] == '.';
         ++part) {
      auto word_start = pos + 1;
      auto word_end = word_start;
      while (word_end < input.size() && input[word_end] != '.'
             && input[word_end] != ',')
        ++word_end;
      auto word = input.substr(word_start, word_end - word_start);
      if (part == 0 && (word == "asc" || word == "desc")) {
        term.descending = word == "desc";
      } else if (word == "nullsfirst" || word == "nullslast") {
        term.nulls = word == "nullsfirst" ? 1 : 2;
        part = 1;
      } else {
        return parse_failure("order", input, word_start,
                             part == 0 ? "\"asc\", \"desc\", \"nullsfirst\" "
                                         "or \"nullslast\""
                                       : "\"nullsfirst\" or \"nullslast\"");
      }
      pos = word_end;
    }
    out.order.push_back(std::move(term));
    if (pos >= input.size())
      return std::nullopt;
    if (input[pos] != ',')
      return parse_failure("order", input, pos,
                           "delimiter (.), \",\" or end of input");
    ++pos;
  }
}

std::optional<int64_t> read_integer(std::string_view text) {
  if (text.empty())
    return std::nullopt;
  bool negative = text[0] == '-';
  auto digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits.size() > 18
      || !std::all_of(digits.begin(), digits.end(),
                      [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  int64_t value = std::stoll(std::string{digits});
  return negative ? -value : value;
}

std::string array_literal(const std::vector<std::string>& items) {
  std::string out = "{";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0)
      out.push_back(',');
    out.push_back('"');
    for (char c : items[i]) {
      if (c == '"' || c == '\\')
        out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string condition_sql(const rest_condition& cond,
                          const std::string& qualifier, pg_params& params) {
  std::string sql;
  if (cond.type != rest_condition::kind::leaf) {
    auto glue = cond.type == rest_condition::kind::all_of ? " and " : " or ";
    sql = "(";
    for (size_t i = 0; i < cond.children.size(); ++i) {
      if (i > 0)
        sql += glue;
      sql += condition_sql(cond.children[i], qualifier, params);
    }
    sql += ")";
    return cond.negate ? "not " + sql : sql;
  }

  const auto& f = cond.leaf;
  auto column = qualifier + "." + quote_ident(f.column);
  auto next = [&] { return "$" + std::to_string(params.size()); };
  if (f.op == "is") {
    auto what = f.value == "not_null" ? std::string{"not null"} : f.value;
    sql = column + " is " + what;
  } else if (f.op == "in") {
    params.emplace_back(array_literal(f.list));
    sql = column + " = any(" + next() + ")";
  } else if (f.op == "like" || f.op == "ilike") {
    auto pattern = f.value;
    std::replace(pattern.begin(), pattern.end(), '*', '%');
    params.emplace_back(pattern);
    sql = column + " " + f.op + " " + next();
  } else {
    static const std::pair<const char*, const char*> symbols[] = {
      {"eq", "="},   {"neq", "<>"}, {"gt", ">"},
      {"gte", ">="}, {"lt", "<"},   {"lte", "<="},
    };
    std::string symbol = "=";
    for (const auto& [name, sym] : symbols)
      if (f.op == name)
        symbol = sym;
    params.emplace_back(f.value);
    sql = column + " " + symbol + " " + next();
  }
  return f.negate ? "not (" + sql + ")" : sql;
}

void collect_columns(const rest_condition& cond,
                     std::vector<std::string>& out) {
  if (cond.type == rest_condition::kind::leaf)
    out.push_back(cond.leaf.column);
  for (const auto& child : cond.children)
    collect_columns(child, out);
}

} // namespace

bool rest_table::has(std::string_view column) const {
  return std::any_of(columns.begin(), columns.end(),
                     [&](const rest_column& c) { return c.name == column; });
}

std::string quote_ident(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"')
      out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::optional<rest_error>
parse_rest_query(const std::vector<std::pair<std::string, std::string>>& params,
                 rest_query& out) {
  for (const auto& [key, value] : params) {
    if (key == "select") {
      if (value.empty())
        continue;
      if (auto err = parse_select(value, out))
        return err;
    } else if (key == "order") {
      if (value.empty())
        continue;
      if (auto err = parse_order(value, out))
        return err;
    } else if (key == "limit") {
      // PostgREST ignores a limit it cannot read, but refuses a negative one.
      if (auto n = read_integer(value)) {
        if (*n < 0) {
          rest_error e;
          e.status = 416;
          e.code = "PGRST103";
          e.message = "Requested range not satisfiable";
          e.details = "Limit should be greater than or equal to zero.";
          return e;
        }
        out.limit = *n;
      }
    } else if (key == "offset") {
      if (auto n = read_integer(value); n && *n > 0)
        out.offset = *n;
    } else if (key == "on_conflict") {
      size_t pos = 0;
      while (pos <= value.size()) {
        auto comma = value.find(',', pos);
        auto item = value.substr(
          pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (!is_identifier(item))
          return parse_failure("on_conflict parameter", value, pos,
                               "field name");
        out.on_conflict.push_back(item);
        if (comma == std::string::npos)
          break;
        pos = comma + 1;
      }
    } else if (is_reserved(key)) {
      continue;
    } else if (is_logic_key(key)) {
      rest_condition cond;
      auto op = key.rfind("not.", 0) == 0 ? key.substr(4) : key;
      cond.type = op == "and" ? rest_condition::kind::all_of
                              : rest_condition::kind::any_of;
      cond.negate = key.rfind("not.", 0) == 0;
      size_t pos = 0;
      if (auto err = parse_logic_items(value, pos, cond)) {
        err->message = "\"failed to parse logic tree (" + value + ")\""
                       + err->message.substr(err->message.find("\" (") + 1);
        return err;
      }
      if (pos != value.size())
        return parse_failure("logic tree", value, pos, "end of input");
      out.where.push_back(std::move(cond));
    } else {
      if (!is_identifier(key))
        return parse_failure("tree path", key, 0, "field name");
      rest_condition cond;
      cond.leaf.column = key;
      size_t pos = 0;
      if (auto err = parse_op_expr("filter", value, pos, false, cond.leaf))
        return err;
      out.where.push_back(std::move(cond));
    }
  }
  return std::nullopt;
}

std::optional<rest_error> check_columns(const rest_query& query,
                                        const rest_table& table) {
  std::vector<std::string> named = query.select;
  for (const auto& cond : query.where)
    collect_columns(cond, named);
  for (const auto& term : query.order)
    named.push_back(term.column);
  named.insert(named.end(), query.on_conflict.begin(), query.on_conflict.end());
  for (const auto& column : named) {
    if (!table.has(column)) {
      rest_error e;
      e.status = 400;
      e.code = "42703";
      e.message = "column " + table.name + "." + column + " does not exist";
      return e;
    }
  }
  return std::nullopt;
}

std::string select_sql(const rest_query& query, const std::string& qualifier) {
  if (query.select.empty())
    return qualifier + ".*";
  std::string out;
  for (size_t i = 0; i < query.select.size(); ++i) {
    if (i > 0)
      out += ", ";
    out += qualifier + "." + quote_ident(query.select[i]);
  }
  return out;
}

std::string where_sql(const rest_query& query, const std::string& qualifier,
                      pg_params& params) {
  if (query.where.empty())
    return {};
  std::string out = " where ";
  for (size_t i = 0; i < query.where.size(); ++i) {
    if (i > 0)
      out += " and ";
    out += condition_sql(query.where[i], qualifier, params);
  }
  return out;
}

std::string order_sql(const rest_query& query, const std::string& qualifier) {
  if (query.order.empty())
    return {};
  std::string out = " order by ";
  for (size_t i = 0; i < query.order.size(); ++i) {
    const auto& term = query.order[i];
    if (i > 0)
      out += ", ";
    out += qualifier + "." + quote_ident(term.column);
    out += term.descending ? " desc" : " asc";
    if (term.nulls == 1)
      out += " nulls first";
    else if (term.nulls == 2)
      out += " nulls last";
  }
  return out;
}

} // namespace flowsync::standin
