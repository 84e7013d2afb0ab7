#pragma once

#include "adapters/address.hpp"
#include "adapters/result.hpp"
#include "adapters/ufix64.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flowsync {

/// The families of JSON-Cadence values flowsync tells apart.
enum class ckind {
  void_value,
  optional,
  boolean,
  string,
  character,
  address,
  integer,
  fixed_point,
  array,
  dictionary,
  composite,
  path,
  type,
  capability,
  other,
};

/// One value in the JSON-Cadence interchange format: script arguments and
/// results, transaction arguments and event payloads.
class cvalue {
 public:
  /// Void.
  cvalue();

  /// Void.
  static cvalue make_void();

  /// An optional: nil when `inner` is empty.
  static cvalue make_optional(std::optional<cvalue> inner);

  /// A Bool.
  static cvalue make_bool(bool value);

  /// A String (UTF-8).
  static cvalue make_string(std::string value);

  /// A Character; the text should hold one grapheme (not checked).
  static cvalue make_character(std::string value);

  /// An Address, encoded as 0x and 16 hex digits.
  static cvalue make_address(const address& value);

  /// Any integer type: "Int", "UInt8", ..., "UInt256", "Word64"; `digits`
  /// is decimal text. Unknown types or malformed digits (including a minus
  /// sign on an unsigned type) make a Void, which `decode` never returns:
  /// pass literals or values validated before.
  static cvalue make_integer(std::string type, std::string digits);

  /// A UInt64.
  static cvalue make_uint64(uint64_t value);

  /// A UFix64, always with 8 decimals.
  static cvalue make_ufix64(ufix64 value);

  /// An Array (variable- or constant-sized: the format does not tell).
  static cvalue make_array(std::vector<cvalue> elements);

  /// A Dictionary; entries keep their order.
  static cvalue make_dictionary(std::vector<std::pair<cvalue, cvalue>> entries);

  /// kind: "Struct", "Resource", "Event", "Contract", "Enum"; `type_id` is
  /// the qualified type such as "flow.AccountCreated".
  static cvalue
  make_composite(std::string kind, std::string type_id,
                 std::vector<std::pair<std::string, cvalue>> fields);

  /// domain: "storage", "private" or "public".
  static cvalue make_path(std::string domain, std::string identifier);

  /// The family of the value.
  ckind kind() const;

  /// The JSON "type" field ("UFix64", "Struct", "Optional", ...).
  const std::string& type_name() const;

  /// True for an optional without a value.
  bool is_nil() const;

  /// The value inside an optional; nullptr if nil or not an optional.
  const cvalue* optional_value() const;

  /// The value of a Bool.
  result<bool> as_bool() const;

  /// String and Character; integers and fixed points as their text.
  result<std::string> as_string() const;

  /// The value of an Address.
  result<address> as_address() const;

  /// Any integer value in [0, 2^64 - 1], whatever its Cadence type.
  result<uint64_t> as_uint64() const;

  /// The exact value of a UFix64.
  result<ufix64> as_ufix64() const;

  /// The elements of an array; empty for other kinds.
  const std::vector<cvalue>& elements() const;

  /// The entries of a dictionary; empty for other kinds.
  const std::vector<std::pair<cvalue, cvalue>>& entries() const;

  /// The qualified type of a composite; empty for other kinds.
  const std::string& type_id() const;

  /// The fields of a composite in their order; empty for other kinds.
  const std::vector<std::pair<std::string, cvalue>>& fields() const;

  /// A field of a composite by name, or nullptr.
  const cvalue* field(std::string_view name) const;

  /// The domain of a path ("storage", ...); empty for other kinds.
  const std::string& path_domain() const;

  /// The identifier of a path; empty for other kinds.
  const std::string& path_identifier() const;

  /// For ckind::type, ckind::capability and ckind::other: the JSON text of
  /// the whole value as received (re-serialized compactly), so it can be
  /// sent back unchanged.
  const std::string& raw_json() const;

  /// Same encoding.
  friend bool operator==(const cvalue& x, const cvalue& y);

  /// See operator==.
  friend bool operator!=(const cvalue& x, const cvalue& y) { return !(x == y); }

  /// Builds values while decoding; defined in cadence_json.cpp.
  struct access;

 private:
  ckind kind_ = ckind::void_value;
  std::string type_name_;
  /// Text of strings, characters, numbers, addresses (16 hex digits), the
  /// type id of composites, the domain of paths or raw JSON.
  std::string text_;
  /// The identifier of a path.
  std::string identifier_;
  bool flag_ = false;
  /// Array elements; for an optional with a value, that value alone.
  std::vector<cvalue> elements_;
  std::vector<std::pair<cvalue, cvalue>> entries_;
  std::vector<std::pair<std::string, cvalue>> fields_;
};

/// The JSON-Cadence text of `value`, compact.
std::string encode_cadence_json(const cvalue& value);

/// Reads one JSON-Cadence value. Tolerant where the spec allows growth:
/// composites keep fields we do not know; value types we do not model
/// become ckind::other with their raw JSON text. Malformed JSON or a known
/// type with a malformed value fails with `ec::parse_error`.
result<cvalue> decode_cadence_json(std::string_view json);

} // namespace flowsync
