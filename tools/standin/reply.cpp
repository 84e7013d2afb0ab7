#include "tools/standin/reply.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync::standin {

namespace {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_text(json_writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_optional(json_writer& w, const std::optional<std::string>& text) {
  if (text)
    write_text(w, *text);
  else
    w.Null();
}

} // namespace

reply postgrest_error(int status, std::string_view code,
                      std::string_view message,
                      const std::optional<std::string>& details,
                      const std::optional<std::string>& hint) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("code");
  write_text(w, code);
  w.Key("details");
  write_optional(w, details);
  w.Key("hint");
  write_optional(w, hint);
  w.Key("message");
  write_text(w, message);
  w.EndObject();

  reply out;
  out.status = status;
  out.content_type = "application/json; charset=utf-8";
  out.body = buf.GetString();
  out.headers.emplace_back("Proxy-Status",
                           "PostgREST; error=" + std::string{code});
  if (status == 401)
    out.headers.emplace_back("WWW-Authenticate", "Bearer");
  return out;
}

reply gotrue_error(int status, std::string_view error_code,
                   std::string_view message, bool dated_api) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  if (dated_api) {
    w.Key("code");
    write_text(w, error_code);
    w.Key("message");
    write_text(w, message);
  } else {
    w.Key("code");
    w.Int(status);
    w.Key("error_code");
    write_text(w, error_code);
    w.Key("msg");
    write_text(w, message);
  }
  w.EndObject();

  reply out;
  out.status = status;
  out.body = go_html_escape(buf.GetString());
  out.headers.emplace_back("x-sb-error-code", std::string{error_code});
  if (dated_api)
    out.headers.emplace_back("X-Supabase-Api-Version", "2024-01-01");
  return out;
}

reply gateway_error(int status, std::string_view message,
                    std::string_view hint) {
  rapidjson::StringBuffer buf;
  json_writer w{buf};
  w.StartObject();
  w.Key("message");
  write_text(w, message);
  if (!hint.empty()) {
    w.Key("hint");
    write_text(w, hint);
  }
  w.EndObject();

  reply out;
  out.status = status;
  out.content_type = "application/json; charset=utf-8";
  out.body = buf.GetString();
  return out;
}

std::string go_html_escape(std::string json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out.push_back(c);
  }
  return out;
}

} // namespace flowsync::standin
