#include "adapters/http.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>

#include <curl/curl.h>

namespace flowsync {

namespace {

void global_init_once() {
  static std::once_flag flag;
  std::call_once(flag, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

bool iequals(std::string_view x, std::string_view y) {
  return x.size() == y.size()
         && std::equal(x.begin(), x.end(), y.begin(), [](char a, char b) {
              return std::tolower(static_cast<unsigned char>(a))
                     == std::tolower(static_cast<unsigned char>(b));
            });
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& headers = *static_cast<http_headers*>(user);
  std::string_view line{data, size * count};
  // A new status line (after a redirect or a 100 Continue) starts over.
  if (line.rfind("HTTP/", 0) == 0) {
    headers.clear();
    return size * count;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos)
    return size * count;
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
      s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
      s.remove_suffix(1);
    return s;
  };
  headers.emplace_back(std::string{trim(line.substr(0, colon))},
                       std::string{trim(line.substr(colon + 1))});
  return size * count;
}

} // namespace

std::string http_response::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name))
      return value;
  return {};
}

struct http_client::impl {
  CURL* handle = nullptr;
};

http_client::http_client() : impl_(std::make_unique<impl>()) {
  global_init_once();
  impl_->handle = curl_easy_init();
}

http_client::~http_client() {
  if (impl_->handle != nullptr)
    curl_easy_cleanup(impl_->handle);
}

result<http_response> http_client::perform(const http_request& request) {
  auto* curl = impl_->handle;
  if (curl == nullptr)
    return make_failure(ec::transport, "libcurl could not create a handle");
  curl_easy_reset(curl);
  http_response response;
  struct curl_slist* header_list = nullptr;
  for (const auto& [key, value] : request.headers)
    header_list = curl_slist_append(header_list, (key + ": " + value).c_str());
  // An empty Expect header stops libcurl from waiting for 100 Continue.
  header_list = curl_slist_append(header_list, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(default_connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
  // gzip only: a page of a thousand users is a megabyte of JSON, and a
  // server offered brotli may spend longer compressing it at its top
  // quality than sending it plain.
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip");
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  auto rc = curl_easy_perform(curl);
  curl_slist_free_all(header_list);
  if (rc == CURLE_OPERATION_TIMEDOUT)
    return make_failure(ec::timeout, std::string{"no answer in time from "}
                                       + request.method + " request");
  if (rc != CURLE_OK) {
    auto f = make_failure(ec::transport, std::string{"HTTP exchange failed: "}
                                           + curl_easy_strerror(rc));
    f.unsent = rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST
               || rc == CURLE_COULDNT_RESOLVE_PROXY;
    return f;
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

failure failure_from_status(const http_response& response,
                            std::string_view what) {
  failure f;
  f.http_status = static_cast<int>(response.status);
  auto status = std::to_string(response.status);
  if (response.status == 429) {
    f.code = ec::rate_limited;
    auto retry = response.header("Retry-After");
    if (!retry.empty())
      f.retry_after = std::strtod(retry.c_str(), nullptr);
  } else if (response.status >= 500) {
    f.code = ec::server_error;
  } else if (response.status == 401 || response.status == 403) {
    f.code = ec::unauthorized;
  } else if (response.status == 404) {
    f.code = ec::not_found;
  } else {
    f.code = ec::request_rejected;
  }
  f.message = std::string{what} + " answered HTTP " + status;
  return f;
}

std::string url_encode(std::string_view text) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0x0f]);
    }
  }
  return out;
}

} // namespace flowsync
