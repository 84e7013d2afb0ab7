#include "adapters/imports.hpp"

#include <optional>

namespace flowsync {

namespace {

bool is_ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9');
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
         || c == '\v';
}

bool is_identifier(std::string_view text) {
  if (text.empty() || !is_ident_start(text[0]))
    return false;
  for (auto c : text)
    if (!is_ident_char(c))
      return false;
  return true;
}

/// A cursor over Cadence source that knows enough of the lexical rules
/// (comments, which nest in Cadence, and string literals) to find import
/// statements and nothing that merely looks like one.
class scanner {
 public:
  explicit scanner(std::string_view source) : src_(source) {
    // nop
  }

  size_t pos() const { return pos_; }

  bool done() const { return pos_ >= src_.size(); }

  char peek() const { return done() ? '\0' : src_[pos_]; }

  bool starts_with(std::string_view text) const {
    return src_.substr(pos_, text.size()) == text;
  }

  /// Skips a comment at the cursor; false if there is none.
  bool skip_comment() {
    if (starts_with("//")) {
      while (!done() && peek() != '\n')
        ++pos_;
      return true;
    }
    if (!starts_with("/*"))
      return false;
    int depth = 0;
    while (!done()) {
      if (starts_with("/*")) {
        ++depth;
        pos_ += 2;
      } else if (starts_with("*/")) {
        pos_ += 2;
        if (--depth == 0)
          return true;
      } else {
        ++pos_;
      }
    }
    return true;
  }

  /// Skips whitespace and comments.
  void skip_blank() {
    while (!done()) {
      if (is_space(peek()))
        ++pos_;
      else if (!skip_comment())
        return;
    }
  }

  /// Skips a string literal at the cursor, escapes included.
  void skip_string() {
    ++pos_;
    while (!done() && peek() != '"' && peek() != '\n') {
      if (peek() == '\\')
        ++pos_;
      ++pos_;
    }
    if (!done() && peek() == '"')
      ++pos_;
  }

  /// Reads a string literal's raw content; nullopt if unterminated.
  std::optional<std::string_view> read_string() {
    auto start = pos_ + 1;
    skip_string();
    if (pos_ <= start || src_[pos_ - 1] != '"')
      return std::nullopt;
    return src_.substr(start, pos_ - 1 - start);
  }

  std::string_view read_identifier() {
    auto start = pos_;
    while (!done() && is_ident_char(peek()))
      ++pos_;
    return src_.substr(start, pos_ - start);
  }

  /// True if the keyword `word` starts at the cursor as a whole token.
  bool at_keyword(std::string_view word) const {
    if (!starts_with(word))
      return false;
    auto before_ok = pos_ == 0 || !is_ident_char(src_[pos_ - 1]);
    auto after = pos_ + word.size();
    auto after_ok = after >= src_.size() || !is_ident_char(src_[after]);
    return before_ok && after_ok;
  }

  void advance(size_t n) { pos_ += n; }

 private:
  std::string_view src_;
  size_t pos_ = 0;
};

failure string_path_import(std::string_view what) {
  return make_failure(ec::invalid_input,
                      "the import of \"" + std::string{what}
                        + "\" names a file path; the chain only accepts "
                          "contract names or addresses");
}

} // namespace

result<std::string> resolve_imports(std::string_view source,
                                    const contract_addresses& contracts) {
  std::string out;
  out.reserve(source.size());
  scanner scan{source};
  size_t copied = 0;

  while (!scan.done()) {
    if (scan.skip_comment())
      continue;
    if (scan.peek() == '"') {
      scan.skip_string();
      continue;
    }
    if (!scan.at_keyword("import")) {
      if (is_ident_char(scan.peek()))
        scan.read_identifier();
      else
        scan.advance(1);
      continue;
    }

    auto statement_start = scan.pos();
    scan.advance(6);
    scan.skip_blank();

    // import "Name": resolve the name to the network's address.
    if (scan.peek() == '"') {
      auto name = scan.read_string();
      if (!name)
        return make_failure(ec::invalid_input,
                            "an import has an unterminated string");
      if (!is_identifier(*name))
        return string_path_import(*name);
      auto found = contracts.find(std::string{*name});
      if (found == contracts.end())
        return make_failure(
          ec::config, "no address is configured for the contract "
                        + std::string{*name} + " imported by the Cadence code");
      out.append(source.substr(copied, statement_start - copied));
      out.append("import ");
      out.append(*name);
      out.append(" from ");
      out.append(found->second.with_prefix());
      copied = scan.pos();
      continue;
    }

    // import A, B from <location>: an address is left alone, a string path
    // is refused, and a bare identifier import (Crypto) needs nothing.
    while (is_ident_start(scan.peek())) {
      scan.read_identifier();
      scan.skip_blank();
      if (scan.peek() != ',')
        break;
      scan.advance(1);
      scan.skip_blank();
    }
    if (!scan.at_keyword("from"))
      continue;
    scan.advance(4);
    scan.skip_blank();
    if (scan.peek() == '"') {
      auto path = scan.read_string();
      return string_path_import(path ? *path : "");
    }
    // An address literal such as 0x0ae53cb6e3f42a79 lexes as a word.
    scan.read_identifier();
  }

  out.append(source.substr(copied));
  return out;
}

} // namespace flowsync
