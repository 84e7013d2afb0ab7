#include "tools/standin/rest_api.hpp"

#include "tools/standin/rest_query.hpp"

#include <algorithm>
#include <set>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync::standin {

namespace {

constexpr std::chrono::milliseconds pool_wait{10000};

reply to_reply(const rest_error& e) {
  return postgrest_error(e.status, e.code, e.message, e.details, e.hint);
}

// PostgREST's table from SQLSTATE to HTTP status.
int status_for(const std::string& state, const std::string& message,
               bool authenticated) {
  auto starts = [&](const char* prefix) { return state.rfind(prefix, 0) == 0; };
  if (starts("08"))
    return 503;
  if (starts("09"))
    return 500;
  if (starts("0L") || starts("0P"))
    return 403;
  if (state == "23503" || state == "23505")
    return 409;
  if (state == "25006")
    return 405;
  if (state == "21000")
    return message.size() >= 23
               && message.compare(message.size() - 23, 23,
                                  "requires a WHERE clause")
                    == 0
             ? 400
             : 500;
  if (state == "22023")
    return message.rfind("role", 0) == 0
               && message.find("does not exist") != std::string::npos
             ? 401
             : 400;
  if (starts("25") || starts("2D") || starts("38") || starts("39")
      || starts("3B") || starts("40"))
    return 500;
  if (starts("28"))
    return 403;
  if (state == "53400")
    return 500;
  if (starts("53") || state == "57P01")
    return 503;
  if (starts("54") || starts("55") || starts("57") || starts("58")
      || starts("F0") || starts("HV") || starts("XX"))
    return 500;
  if (state == "P0001")
    return 400;
  if (starts("P0"))
    return 500;
  if (state == "42883" || state == "42P01")
    return 404;
  if (state == "42P17")
    return 500;
  if (state == "42501")
    return authenticated ? 403 : 401;
  return 400;
}

reply pg_failure(const pg_error& e, const std::string& role) {
  if (e.connection_lost)
    return postgrest_error(503, "PGRST001",
                           "Database client error. Retrying the connection.",
                           e.message);
  return postgrest_error(status_for(e.sqlstate, e.message, role != "anon"),
                         e.sqlstate, e.message, e.detail, e.hint);
}

struct preferences {
  std::string representation;
  std::string resolution;
  std::string count;
};

preferences parse_prefer(const std::string& header) {
  preferences out;
  size_t pos = 0;
  while (pos < header.size()) {
    auto comma = header.find(',', pos);
    auto item = header.substr(
      pos, comma == std::string::npos ? std::string::npos : comma - pos);
    auto first = item.find_first_not_of(" \t");
    auto last = item.find_last_not_of(" \t");
    if (first != std::string::npos)
      item = item.substr(first, last - first + 1);
    if (item == "return=representation" || item == "return=minimal"
        || item == "return=headers-only")
      out.representation = item;
    else if (item == "resolution=merge-duplicates"
             || item == "resolution=ignore-duplicates")
      out.resolution = item;
    else if (item == "count=exact" || item == "count=planned"
             || item == "count=estimated")
      out.count = item;
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return out;
}

std::string applied(const preferences& prefs, bool with_resolution) {
  std::vector<std::string> parts;
  if (with_resolution && !prefs.resolution.empty())
    parts.push_back(prefs.resolution);
  if (!prefs.representation.empty())
    parts.push_back(prefs.representation);
  if (!prefs.count.empty())
    parts.push_back(prefs.count);
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i)
    out += (i > 0 ? ", " : "") + parts[i];
  return out;
}

std::string content_range(int64_t lower, int64_t upper,
                          std::optional<int64_t> total) {
  std::string range = (total && *total == 0) || lower > upper
                        ? std::string{"*"}
                        : std::to_string(lower) + "-" + std::to_string(upper);
  return range + "/" + (total ? std::to_string(*total) : std::string{"*"});
}

// Looks the table up in the catalog: what PostgREST's schema cache holds.
std::optional<rest_table> find_table(pg_transaction& tx,
                                     const std::string& name, pg_error& err) {
  static const std::string sql =
    "select a.attname, format_type(a.atttypid, a.atttypmod), "
    "coalesce(a.attnum = any(i.indkey), false) "
    "from pg_class c "
    "join pg_namespace n on n.oid = c.relnamespace "
    "left join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 "
    "and not a.attisdropped "
    "left join pg_index i on i.indrelid = c.oid and i.indisprimary "
    "where n.nspname = 'public' and c.relname = $1 "
    "and c.relkind in ('r', 'v', 'm', 'f', 'p') order by a.attnum";
  auto rows = tx.exec(sql, {name});
  if (!rows.ok()) {
    err = rows.error();
    return std::nullopt;
  }
  if (rows.rows() == 0)
    return std::nullopt;
  rest_table table;
  table.name = name;
  for (int r = 0; r < rows.rows(); ++r) {
    if (rows.is_null(r, 0))
      continue;
    rest_column col;
    col.name = std::string{rows.get(r, 0)};
    col.type = std::string{rows.get(r, 1)};
    col.primary_key = rows.get(r, 2) == "t";
    table.columns.push_back(std::move(col));
  }
  return table;
}

// The keys of a JSON payload: an object, or an array of objects that all
// have the same keys (PostgREST's rule for bulk inserts).
std::optional<rest_error> payload_keys(const rapidjson::Document& doc,
                                       const rest_table& table,
                                       std::vector<std::string>& keys) {
  auto invalid = [](const char* message) {
    rest_error e;
    e.code = "PGRST102";
    e.message = message;
    return e;
  };
  auto keys_of = [](const rapidjson::Value& obj) {
    std::set<std::string> out;
    for (auto& m : obj.GetObject())
      out.emplace(m.name.GetString(), m.name.GetStringLength());
    return out;
  };

  std::set<std::string> first;
  if (doc.IsObject()) {
    first = keys_of(doc);
  } else if (doc.IsArray()) {
    bool seen = false;
    for (auto& item : doc.GetArray()) {
      if (!item.IsObject())
        return invalid("All object keys must match");
      auto these = keys_of(item);
      if (!seen) {
        first = std::move(these);
        seen = true;
      } else if (these != first) {
        return invalid("All object keys must match");
      }
    }
  } else {
    return invalid("Empty or invalid json");
  }

  for (const auto& key : first) {
    if (!table.has(key)) {
      rest_error e;
      e.code = "PGRST204";
      e.message = "Could not find the '" + key + "' column of '" + table.name
                  + "' in the schema cache";
      return e;
    }
  }
  keys.assign(first.begin(), first.end());
  return std::nullopt;
}

std::string column_list(const std::vector<std::string>& keys,
                        const std::string& prefix = {}) {
  std::string out;
  for (size_t i = 0; i < keys.size(); ++i)
    out += (i > 0 ? ", " : "") + prefix + quote_ident(keys[i]);
  return out;
}

// A GET: the rows as one JSON array, at most `max_rows` of them, with
// PostgREST's Content-Range and, on request, the exact count.
reply read_request(pg_transaction& tx, const rest_request& req,
                   const rest_query& query, const preferences& prefs,
                   int64_t max_rows) {
  auto qtable = "\"public\"." + quote_ident(req.table);
  auto alias = quote_ident(req.table);
  reply out;
  out.content_type = "application/json; charset=utf-8";

  pg_params params;
  auto where = where_sql(query, alias, params);
  auto limit = query.limit;
  if (max_rows > 0 && (!limit || *limit > max_rows))
    limit = max_rows;
  auto sql = "select coalesce(json_agg(_pgrst_t), '[]')::text, count(*) "
             "from (select "
             + select_sql(query, alias) + " from " + qtable + " as " + alias
             + where + order_sql(query, alias)
             + (limit ? " limit " + std::to_string(*limit) : std::string{})
             + (query.offset > 0 ? " offset " + std::to_string(query.offset)
                                 : std::string{})
             + ") _pgrst_t";
  auto rows = tx.exec(sql, params);
  if (!rows.ok())
    return pg_failure(rows.error(), req.role);
  int64_t n = std::stoll(std::string{rows.get(0, 1)});

  std::optional<int64_t> total;
  if (prefs.count == "count=exact") {
    pg_params count_params;
    auto count_where = where_sql(query, alias, count_params);
    auto counted =
      tx.exec("select count(*) from " + qtable + " as " + alias + count_where,
              count_params);
    if (!counted.ok())
      return pg_failure(counted.error(), req.role);
    total = std::stoll(std::string{counted.get(0, 0)});
  }
  tx.commit();

  auto lower = query.offset;
  auto upper = lower + n - 1;
  out.headers.emplace_back("Content-Range", content_range(lower, upper, total));
  if (total && lower > *total) {
    auto e = postgrest_error(416, "PGRST103", "Requested range not satisfiable",
                             "An offset of " + std::to_string(lower)
                               + " was requested, but there are only "
                               + std::to_string(*total) + " rows.");
    e.headers.emplace_back("Content-Range", content_range(lower, upper, total));
    return e;
  }
  out.status = total && n < *total ? 206 : 200;
  out.body = std::string{rows.get(0, 0)};
  if (auto a = applied(prefs, false); !a.empty())
    out.headers.emplace_back("Preference-Applied", a);
  if (req.method == "HEAD")
    out.body.clear();
  return out;
}

// A POST, PATCH or DELETE, with the representation when asked for.
reply write_request(pg_transaction& tx, const rest_request& req,
                    const rest_query& query, const preferences& prefs,
                    const rest_table& table) {
  auto qtable = "\"public\"." + quote_ident(req.table);
  auto alias = quote_ident(req.table);
  reply out;
  out.content_type = "application/json; charset=utf-8";

  bool wants_rows = prefs.representation == "return=representation";
  pg_params params;
  std::string statement;
  std::vector<std::string> keys;

  if (req.method == "POST" || req.method == "PATCH") {
    rapidjson::Document doc;
    doc.Parse(req.body.data(), req.body.size());
    if (doc.HasParseError() || (req.method == "PATCH" && !doc.IsObject()))
      return postgrest_error(400, "PGRST102", "Empty or invalid json");
    if (auto err = payload_keys(doc, table, keys))
      return to_reply(*err);
    params.emplace_back(req.body);
  }

  if (req.method == "POST") {
    std::vector<std::string> target = query.on_conflict;
    if (target.empty() && !prefs.resolution.empty())
      for (const auto& col : table.columns)
        if (col.primary_key)
          target.push_back(col.name);
    // A single object is inserted as a one-element array.
    auto first = req.body.find_first_not_of(" \t\r\n");
    auto payload = first != std::string::npos && req.body[first] == '{'
                     ? "json_build_array($1::json)"
                     : "$1::json";
    statement = "insert into " + qtable + " as " + alias + " ("
                + column_list(keys) + ") select " + column_list(keys)
                + " from json_populate_recordset(null::" + qtable + ", "
                + payload + ") _pgrst_body";
    if (keys.empty())
      statement = "insert into " + qtable + " as " + alias
                  + " select * from json_populate_recordset(null::" + qtable
                  + ", " + payload + ") _pgrst_body where false";
    if (!prefs.resolution.empty() && !target.empty()) {
      statement += " on conflict (" + column_list(target) + ")";
      if (prefs.resolution == "resolution=ignore-duplicates" || keys.empty()) {
        statement += " do nothing";
      } else {
        statement += " do update set ";
        for (size_t i = 0; i < keys.size(); ++i)
          statement += (i > 0 ? ", " : "") + quote_ident(keys[i])
                       + " = excluded." + quote_ident(keys[i]);
      }
    }
  } else if (req.method == "PATCH" || req.method == "DELETE") {
    // Supabase runs pg-safeupdate: no filter, no update.
    if (query.where.empty()) {
      auto verb = req.method == "PATCH" ? "UPDATE" : "DELETE";
      return postgrest_error(400, "21000",
                             std::string{verb} + " requires a WHERE clause");
    }
    auto where = where_sql(query, alias, params);
    if (req.method == "PATCH") {
      if (keys.empty()) {
        out.status = wants_rows ? 200 : 204;
        out.body = wants_rows ? "[]" : "";
        out.headers.emplace_back("Content-Range", "*/*");
        return out;
      }
      std::string sets;
      for (size_t i = 0; i < keys.size(); ++i)
        sets += (i > 0 ? ", " : "") + quote_ident(keys[i]) + " = _pgrst_body."
                + quote_ident(keys[i]);
      statement = "update " + qtable + " as " + alias + " set " + sets
                  + " from (select * from json_populate_record(null::" + qtable
                  + ", $1::json)) _pgrst_body" + where;
    } else {
      statement = "delete from " + qtable + " as " + alias + where;
    }
  } else {
    return postgrest_error(405, "PGRST117",
                           "Unsupported HTTP method: " + req.method);
  }

  std::string body;
  int64_t n = 0;
  if (wants_rows) {
    auto sql = "with _pgrst_source as (" + statement + " returning " + alias
               + ".*) select coalesce(json_agg(_pgrst_t), '[]')::text, "
                 "count(*) from (select "
               + select_sql(query, "_pgrst_source") + " from _pgrst_source) "
               + "_pgrst_t";
    auto rows = tx.exec(sql, params);
    if (!rows.ok())
      return pg_failure(rows.error(), req.role);
    body = std::string{rows.get(0, 0)};
    n = std::stoll(std::string{rows.get(0, 1)});
  } else {
    auto rows = tx.exec(statement, params);
    if (!rows.ok())
      return pg_failure(rows.error(), req.role);
    n = rows.affected();
  }
  auto committed = tx.commit();
  if (!committed.ok())
    return pg_failure(committed.error(), req.role);

  std::optional<int64_t> total;
  if (prefs.count == "count=exact")
    total = n;
  if (req.method == "POST") {
    out.status = 201;
    out.headers.emplace_back("Content-Range", content_range(1, 0, total));
  } else if (req.method == "PATCH") {
    out.status = wants_rows ? 200 : 204;
    out.headers.emplace_back("Content-Range", content_range(0, n - 1, total));
  } else {
    out.status = wants_rows ? 200 : 204;
    out.headers.emplace_back("Content-Range", content_range(1, 0, total));
  }
  if (auto a = applied(prefs, req.method == "POST"); !a.empty())
    out.headers.emplace_back("Preference-Applied", a);
  out.body = wants_rows ? body : std::string{};
  return out;
}

} // namespace

reply rest_api::handle(const rest_request& req) {
  if (!req.profile.empty() && req.profile != "public")
    return postgrest_error(406, "PGRST106", "Invalid schema: " + req.profile,
                           std::nullopt,
                           std::string{"Only the following schemas are "
                                       "exposed: public, graphql_public"});

  rest_query query;
  if (auto err = parse_rest_query(req.params, query))
    return to_reply(*err);
  auto prefs = parse_prefer(req.prefer);
  bool reading = req.method == "GET" || req.method == "HEAD";

  std::string error;
  bool timed_out = false;
  auto conn = pool_.acquire(pool_wait, error, timed_out);
  if (!conn) {
    if (timed_out)
      return postgrest_error(504, "PGRST003",
                             "Timed out acquiring connection from connection "
                             "pool.");
    return postgrest_error(503, "PGRST000", "Database connection error.",
                           error);
  }

  pg_transaction tx{**conn, reading};
  if (!tx.begun().ok())
    return pg_failure(tx.begun().error(), req.role);

  pg_error lookup_error;
  auto table = find_table(tx, req.table, lookup_error);
  if (!table) {
    if (!lookup_error.message.empty())
      return pg_failure(lookup_error, req.role);
    return postgrest_error(404, "PGRST205",
                           "Could not find the table 'public." + req.table
                             + "' in the schema cache");
  }
  if (auto err = check_columns(query, *table))
    return to_reply(*err);

  auto setup = tx.exec("select set_config('role', $1, true), "
                       "set_config('request.jwt.claims', $2, true), "
                       "set_config('request.method', $3, true), "
                       "set_config('request.path', $4, true)",
                       {req.role, req.claims, req.method, "/" + req.table});
  if (!setup.ok())
    return pg_failure(setup.error(), req.role);

  if (reading)
    return read_request(tx, req, query, prefs, max_rows_);
  return write_request(tx, req, query, prefs, *table);
}

namespace {

/// A function of schema public as the catalog describes it.
struct function_info {
  std::vector<std::string> arg_names;
  std::vector<std::string> arg_types;
  bool returns_set = false;
};

std::optional<function_info>
find_function(pg_transaction& tx, const std::string& name, pg_error& error) {
  auto rows = tx.exec(
    "select coalesce(array_to_string(p.proargnames, ','), ''), "
    "(select coalesce(string_agg(format_type(t, null), ',' order by o), '') "
    "   from unnest(p.proargtypes) with ordinality as a(t, o)), "
    "p.proretset "
    "from pg_proc p join pg_namespace n on n.oid = p.pronamespace "
    "where n.nspname = 'public' and p.proname = $1",
    {name});
  if (!rows.ok()) {
    error = rows.error();
    return std::nullopt;
  }
  if (rows.rows() != 1)
    return std::nullopt;
  auto split = [](std::string_view text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (!text.empty() && start <= text.size()) {
      auto comma = text.find(',', start);
      if (comma == std::string_view::npos)
        comma = text.size();
      out.emplace_back(text.substr(start, comma - start));
      start = comma + 1;
    }
    return out;
  };
  function_info info;
  info.arg_names = split(rows.get(0, 0));
  info.arg_types = split(rows.get(0, 1));
  info.returns_set = rows.get(0, 2) == "t";
  return info;
}

/// The text PostgreSQL should cast to the argument's type: JSON stays
/// JSON for json and jsonb arguments; strings lose their quotes.
std::string argument_text(const rapidjson::Value& value,
                          const std::string& type) {
  if (value.IsString() && type != "json" && type != "jsonb")
    return value.GetString();
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> out{buf};
  value.Accept(out);
  return {buf.GetString(), buf.GetSize()};
}

} // namespace

reply rest_api::call(const rest_request& req) {
  rapidjson::Document body;
  body.Parse(req.body.empty() ? "{}" : req.body.c_str());
  if (body.HasParseError() || !body.IsObject())
    return postgrest_error(400, "PGRST102", "Empty or invalid json");
  std::vector<std::string> given;
  for (const auto& member : body.GetObject())
    given.emplace_back(member.name.GetString());
  std::sort(given.begin(), given.end());

  std::string error;
  bool timed_out = false;
  auto conn = pool_.acquire(pool_wait, error, timed_out);
  if (!conn)
    return postgrest_error(timed_out ? 504 : 503,
                           timed_out ? "PGRST003" : "PGRST000",
                           "Database connection error.", error);
  pg_transaction tx{**conn, false};
  if (!tx.begun().ok())
    return pg_failure(tx.begun().error(), req.role);

  pg_error lookup_error;
  auto fn = find_function(tx, req.table, lookup_error);
  auto expected = fn ? fn->arg_names : std::vector<std::string>{};
  std::sort(expected.begin(), expected.end());
  if (!fn || expected != given) {
    if (!lookup_error.message.empty())
      return pg_failure(lookup_error, req.role);
    std::string names;
    for (const auto& g : given)
      names += (names.empty() ? "" : ", ") + g;
    return postgrest_error(404, "PGRST202",
                           "Could not find the function public." + req.table
                             + "(" + names + ") in the schema cache",
                           std::string{"Searched for the function public."}
                             + req.table + " with parameters " + names
                             + " or with a single unnamed json/jsonb "
                               "parameter, but no matches were found in the "
                               "schema cache.");
  }

  auto setup = tx.exec("select set_config('role', $1, true), "
                       "set_config('request.jwt.claims', $2, true), "
                       "set_config('request.method', 'POST', true), "
                       "set_config('request.path', $3, true)",
                       {req.role, req.claims, "/rpc/" + req.table});
  if (!setup.ok())
    return pg_failure(setup.error(), req.role);

  // Named arguments, each cast to the type the function declares. The
  // function name and types come from the catalog, never from the request.
  std::string call = "public.\"" + req.table + "\"(";
  pg_params params;
  for (size_t i = 0; i < fn->arg_names.size(); ++i) {
    const auto& name = fn->arg_names[i];
    params.emplace_back(argument_text(body[name.c_str()], fn->arg_types[i]));
    call += (i > 0 ? ", " : "") + std::string{"\""} + name + "\" => $"
            + std::to_string(i + 1) + "::" + fn->arg_types[i];
  }
  call += ")";
  auto sql =
    fn->returns_set
      ? "select coalesce(json_agg(x), '[]'::json)::text from " + call + " as x"
      : "select to_json(" + call + ")::text";
  auto rows = tx.exec(sql, params);
  if (!rows.ok())
    return pg_failure(rows.error(), req.role);
  auto committed = tx.commit();
  if (!committed.ok())
    return pg_failure(committed.error(), req.role);
  reply out;
  out.body = std::string{rows.get(0, 0)};
  return out;
}

} // namespace flowsync::standin
