#pragma once

#include <iosfwd>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace flowsync {

/// Holds a private key, a master key or a token. It cannot be printed,
/// formatted or streamed: getting at the text takes an explicit `reveal()`,
/// which is easy to find in review. The memory is wiped on destruction.
class secret {
 public:
  secret() = default;

  explicit secret(std::string value) : value_(std::move(value)) {
    // nop
  }

  secret(const secret&) = default;

  secret(secret&& other) noexcept : value_(std::move(other.value_)) {
    other.wipe();
  }

  secret& operator=(const secret& other) {
    if (this != &other) {
      wipe();
      value_ = other.value_;
    }
    return *this;
  }

  secret& operator=(secret&& other) noexcept {
    if (this != &other) {
      wipe();
      value_ = std::move(other.value_);
      other.wipe();
    }
    return *this;
  }

  ~secret() { wipe(); }

  /// The secret text. Never pass it to a logger.
  const std::string& reveal() const noexcept { return value_; }

  bool empty() const noexcept { return value_.empty(); }

  friend bool operator==(const secret& x, const secret& y) noexcept {
    return x.value_ == y.value_;
  }

  friend bool operator!=(const secret& x, const secret& y) noexcept {
    return !(x == y);
  }

 private:
  void wipe() noexcept;

  std::string value_;
};

/// Streaming a secret does not compile.
std::ostream& operator<<(std::ostream&, const secret&) = delete;

} // namespace flowsync

/// Formatting a secret does not compile either.
template <>
struct fmt::formatter<flowsync::secret> {
  template <class ParseContext>
  constexpr auto parse(ParseContext& ctx) {
    static_assert(sizeof(ParseContext) == 0, "secrets must not be formatted");
    return ctx.begin();
  }
};
