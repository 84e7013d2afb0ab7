#include "adapters/cadence_json.hpp"

#include <algorithm>
#include <array>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync {

namespace {

constexpr int max_depth = 200;

/// One integer type of Cadence and the decimal magnitudes it can hold.
struct integer_type {
  std::string_view name;
  bool is_signed;
  /// The largest value; empty for the unbounded Int and UInt.
  std::string_view max;
  /// The magnitude of the smallest value, for signed bounded types.
  std::string_view min_magnitude;
};

constexpr std::array<integer_type, 20> integer_types{{
  {"Int", true, "", ""},
  {"Int8", true, "127", "128"},
  {"Int16", true, "32767", "32768"},
  {"Int32", true, "2147483647", "2147483648"},
  {"Int64", true, "9223372036854775807", "9223372036854775808"},
  {"Int128", true, "170141183460469231731687303715884105727",
   "170141183460469231731687303715884105728"},
  {"Int256", true,
   "578960446186580977117854925043439539266349923328202820197287920039565648199"
   "67",
   "578960446186580977117854925043439539266349923328202820197287920039565648199"
   "68"},
  {"UInt", false, "", ""},
  {"UInt8", false, "255", ""},
  {"UInt16", false, "65535", ""},
  {"UInt32", false, "4294967295", ""},
  {"UInt64", false, "18446744073709551615", ""},
  {"UInt128", false, "340282366920938463463374607431768211455", ""},
  {"UInt256", false,
   "115792089237316195423570985008687907853269984665640564039457584007913129639"
   "935",
   ""},
  {"Word8", false, "255", ""},
  {"Word16", false, "65535", ""},
  {"Word32", false, "4294967295", ""},
  {"Word64", false, "18446744073709551615", ""},
  {"Word128", false, "340282366920938463463374607431768211455", ""},
  {"Word256", false,
   "115792089237316195423570985008687907853269984665640564039457584007913129639"
   "935",
   ""},
}};

/// The fixed-point types and their number of decimals.
struct fixed_type {
  std::string_view name;
  bool is_signed;
  size_t scale;
};

constexpr std::array<fixed_type, 4> fixed_types{{
  {"Fix64", true, 8},
  {"UFix64", false, 8},
  {"Fix128", true, 24},
  {"UFix128", false, 24},
}};

constexpr std::array<std::string_view, 6> composite_kinds{
  {"Struct", "Resource", "Event", "Contract", "Enum", "Attachment"}};

const integer_type* find_integer_type(std::string_view name) {
  for (const auto& t : integer_types)
    if (t.name == name)
      return &t;
  return nullptr;
}

const fixed_type* find_fixed_type(std::string_view name) {
  for (const auto& t : fixed_types)
    if (t.name == name)
      return &t;
  return nullptr;
}

bool is_composite_kind(std::string_view name) {
  return std::find(composite_kinds.begin(), composite_kinds.end(), name)
         != composite_kinds.end();
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
}

/// Compares two decimal magnitudes without leading zeros.
bool magnitude_at_most(std::string_view digits, std::string_view max) {
  auto first = digits.find_first_not_of('0');
  digits = first == std::string_view::npos ? "0" : digits.substr(first);
  if (digits.size() != max.size())
    return digits.size() < max.size();
  return digits <= max;
}

/// True if `text` is a decimal value of the integer type `t`.
bool valid_integer(const integer_type& t, std::string_view text) {
  auto negative = !text.empty() && text[0] == '-';
  if (negative) {
    if (!t.is_signed)
      return false;
    text.remove_prefix(1);
  }
  if (!all_digits(text))
    return false;
  if (t.max.empty())
    return true;
  return magnitude_at_most(text, negative ? t.min_magnitude : t.max);
}

/// True if `text` is a decimal value of the fixed-point type `t`. UFix64 is
/// checked exactly; the others by shape.
bool valid_fixed_point(const fixed_type& t, std::string_view text) {
  if (t.name == "UFix64")
    return static_cast<bool>(ufix64::parse(text));
  if (t.is_signed && !text.empty() && text[0] == '-')
    text.remove_prefix(1);
  auto dot = text.find('.');
  if (dot == std::string_view::npos)
    return all_digits(text);
  auto fraction = text.substr(dot + 1);
  return all_digits(text.substr(0, dot)) && all_digits(fraction)
         && fraction.size() <= t.scale;
}

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(json_writer& out, std::string_view text) {
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

std::string to_json_text(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  json_writer out{buffer};
  value.Accept(out);
  return {buffer.GetString(), buffer.GetSize()};
}

failure malformed(std::string message) {
  return make_failure(ec::parse_error,
                      "malformed JSON-Cadence: " + std::move(message));
}

std::string_view view(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

} // namespace

// -- construction
// ----------------------------------------------------------------

/// Reaches the private members while building and writing values.
struct cvalue::access {
  static cvalue make(ckind kind, std::string type_name, std::string text = {}) {
    cvalue out;
    out.kind_ = kind;
    out.type_name_ = std::move(type_name);
    out.text_ = std::move(text);
    return out;
  }

  static cvalue raw(ckind kind, std::string type_name, std::string json) {
    return make(kind, std::move(type_name), std::move(json));
  }

  static const std::string& text(const cvalue& x) { return x.text_; }

  static bool flag(const cvalue& x) { return x.flag_; }

  static std::vector<std::pair<std::string, cvalue>>& fields(cvalue& x) {
    return x.fields_;
  }
};

cvalue::cvalue() : type_name_("Void") {
  // nop
}

cvalue cvalue::make_void() {
  return cvalue{};
}

cvalue cvalue::make_optional(std::optional<cvalue> inner) {
  auto out = access::make(ckind::optional, "Optional");
  if (inner)
    out.elements_.push_back(std::move(*inner));
  return out;
}

cvalue cvalue::make_bool(bool value) {
  auto out = access::make(ckind::boolean, "Bool");
  out.flag_ = value;
  return out;
}

cvalue cvalue::make_string(std::string value) {
  return access::make(ckind::string, "String", std::move(value));
}

cvalue cvalue::make_character(std::string value) {
  return access::make(ckind::character, "Character", std::move(value));
}

cvalue cvalue::make_address(const address& value) {
  return access::make(ckind::address, "Address", value.hex());
}

cvalue cvalue::make_integer(std::string type, std::string digits) {
  auto t = find_integer_type(type);
  if (t == nullptr || !valid_integer(*t, digits))
    return cvalue{};
  return access::make(ckind::integer, std::move(type), std::move(digits));
}

cvalue cvalue::make_uint64(uint64_t value) {
  return access::make(ckind::integer, "UInt64", std::to_string(value));
}

cvalue cvalue::make_ufix64(ufix64 value) {
  return access::make(ckind::fixed_point, "UFix64", value.to_string());
}

cvalue cvalue::make_array(std::vector<cvalue> elements) {
  auto out = access::make(ckind::array, "Array");
  out.elements_ = std::move(elements);
  return out;
}

cvalue cvalue::make_dictionary(std::vector<std::pair<cvalue, cvalue>> entries) {
  auto out = access::make(ckind::dictionary, "Dictionary");
  out.entries_ = std::move(entries);
  return out;
}

cvalue
cvalue::make_composite(std::string kind, std::string type_id,
                       std::vector<std::pair<std::string, cvalue>> fields) {
  auto out =
    access::make(ckind::composite, std::move(kind), std::move(type_id));
  out.fields_ = std::move(fields);
  return out;
}

cvalue cvalue::make_path(std::string domain, std::string identifier) {
  auto out = access::make(ckind::path, "Path", std::move(domain));
  out.identifier_ = std::move(identifier);
  return out;
}

// -- inspection
// ------------------------------------------------------------------

ckind cvalue::kind() const {
  return kind_;
}

const std::string& cvalue::type_name() const {
  return type_name_;
}

bool cvalue::is_nil() const {
  return kind_ == ckind::optional && elements_.empty();
}

const cvalue* cvalue::optional_value() const {
  if (kind_ != ckind::optional || elements_.empty())
    return nullptr;
  return &elements_.front();
}

namespace {

failure wrong_kind(const cvalue& x, const char* wanted) {
  return make_failure(ec::parse_error, "expected " + std::string{wanted}
                                         + " but the value is a "
                                         + x.type_name());
}

} // namespace

result<bool> cvalue::as_bool() const {
  if (kind_ != ckind::boolean)
    return wrong_kind(*this, "a Bool");
  return flag_;
}

result<std::string> cvalue::as_string() const {
  switch (kind_) {
  case ckind::string:
  case ckind::character:
  case ckind::integer:
  case ckind::fixed_point:
    return text_;
  default:
    return wrong_kind(*this, "a String");
  }
}

result<address> cvalue::as_address() const {
  if (kind_ != ckind::address)
    return wrong_kind(*this, "an Address");
  return address::parse(text_);
}

result<uint64_t> cvalue::as_uint64() const {
  if (kind_ != ckind::integer)
    return wrong_kind(*this, "an unsigned integer");
  if (!all_digits(text_) || !magnitude_at_most(text_, integer_types[11].max))
    return make_failure(ec::parse_error, "the " + type_name_
                                           + " value does not fit 64 bits "
                                             "unsigned");
  uint64_t out = 0;
  for (auto c : text_)
    out = out * 10 + static_cast<uint64_t>(c - '0');
  return out;
}

result<ufix64> cvalue::as_ufix64() const {
  if (kind_ != ckind::fixed_point || type_name_ != "UFix64")
    return wrong_kind(*this, "a UFix64");
  auto out = ufix64::parse(text_);
  if (!out)
    return make_failure(ec::parse_error, out.error().message);
  return out;
}

const std::vector<cvalue>& cvalue::elements() const {
  static const std::vector<cvalue> none;
  return kind_ == ckind::array ? elements_ : none;
}

const std::vector<std::pair<cvalue, cvalue>>& cvalue::entries() const {
  return entries_;
}

const std::string& cvalue::type_id() const {
  static const std::string none;
  return kind_ == ckind::composite ? text_ : none;
}

const std::vector<std::pair<std::string, cvalue>>& cvalue::fields() const {
  return fields_;
}

const cvalue* cvalue::field(std::string_view name) const {
  for (const auto& [key, value] : fields_)
    if (key == name)
      return &value;
  return nullptr;
}

const std::string& cvalue::path_domain() const {
  static const std::string none;
  return kind_ == ckind::path ? text_ : none;
}

const std::string& cvalue::path_identifier() const {
  return identifier_;
}

const std::string& cvalue::raw_json() const {
  static const std::string none;
  auto is_raw =
    kind_ == ckind::type || kind_ == ckind::capability || kind_ == ckind::other;
  return is_raw ? text_ : none;
}

bool operator==(const cvalue& x, const cvalue& y) {
  return encode_cadence_json(x) == encode_cadence_json(y);
}

// -- encoding
// --------------------------------------------------------------------

namespace {

// Field order follows Cadence's own encoder ("value" before "type"), so a
// value encodes to the same bytes as the Go SDK sends.
void write_value(json_writer& out, const cvalue& x) {
  using access = cvalue::access;
  const auto& text = access::text(x);
  if (x.kind() == ckind::type || x.kind() == ckind::capability
      || x.kind() == ckind::other) {
    out.RawValue(text.data(), text.size(), rapidjson::kObjectType);
    return;
  }
  out.StartObject();
  if (x.kind() != ckind::void_value)
    out.Key("value");
  switch (x.kind()) {
  case ckind::void_value:
    break;
  case ckind::optional:
    if (auto inner = x.optional_value())
      write_value(out, *inner);
    else
      out.Null();
    break;
  case ckind::boolean:
    out.Bool(access::flag(x));
    break;
  case ckind::address:
    write_string(out, "0x" + text);
    break;
  case ckind::string:
  case ckind::character:
  case ckind::integer:
  case ckind::fixed_point:
    write_string(out, text);
    break;
  case ckind::array:
    out.StartArray();
    for (const auto& element : x.elements())
      write_value(out, element);
    out.EndArray();
    break;
  case ckind::dictionary:
    out.StartArray();
    for (const auto& [key, value] : x.entries()) {
      out.StartObject();
      out.Key("key");
      write_value(out, key);
      out.Key("value");
      write_value(out, value);
      out.EndObject();
    }
    out.EndArray();
    break;
  case ckind::composite:
    out.StartObject();
    out.Key("id");
    write_string(out, text);
    out.Key("fields");
    out.StartArray();
    for (const auto& [name, value] : x.fields()) {
      out.StartObject();
      out.Key("value");
      write_value(out, value);
      out.Key("name");
      write_string(out, name);
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
    break;
  case ckind::path:
    out.StartObject();
    out.Key("domain");
    write_string(out, x.path_domain());
    out.Key("identifier");
    write_string(out, x.path_identifier());
    out.EndObject();
    break;
  case ckind::type:
  case ckind::capability:
  case ckind::other:
    break;
  }
  out.Key("type");
  write_string(out, x.type_name());
  out.EndObject();
}

} // namespace

std::string encode_cadence_json(const cvalue& value) {
  rapidjson::StringBuffer buffer;
  json_writer out{buffer};
  write_value(out, value);
  return {buffer.GetString(), buffer.GetSize()};
}

// -- decoding
// --------------------------------------------------------------------

namespace {

using json = rapidjson::Value;

result<cvalue> decode_value(const json& value, int depth);

const json* member(const json& object, const char* name) {
  auto i = object.FindMember(name);
  return i == object.MemberEnd() ? nullptr : &i->value;
}

result<std::string> string_member(const json& object, const char* name,
                                  std::string_view context) {
  auto found = member(object, name);
  if (found == nullptr || !found->IsString())
    return malformed(std::string{context} + " needs a string \"" + name + "\"");
  return std::string{view(*found)};
}

result<cvalue> decode_composite(std::string type_name, const json* value,
                                int depth) {
  if (value == nullptr || !value->IsObject())
    return malformed(type_name + " needs an object value");
  auto id = string_member(*value, "id", type_name);
  if (!id)
    return id.error();
  auto fields = member(*value, "fields");
  if (fields == nullptr || !fields->IsArray())
    return malformed(type_name + " needs a \"fields\" array");

  auto out = cvalue::make_composite(std::move(type_name), std::move(*id), {});
  for (const auto& field : fields->GetArray()) {
    if (!field.IsObject())
      return malformed("a composite field must be an object");
    auto name = string_member(field, "name", "a composite field");
    if (!name)
      return name.error();
    auto inner = member(field, "value");
    if (inner == nullptr)
      return malformed("the field " + *name + " has no value");
    auto decoded = decode_value(*inner, depth + 1);
    if (!decoded)
      return decoded.error();
    cvalue::access::fields(out).emplace_back(std::move(*name),
                                             std::move(*decoded));
  }
  return out;
}

result<cvalue> decode_known(const std::string& type_name, const json* value,
                            int depth) {
  auto needs_string = [&]() -> result<std::string> {
    if (value == nullptr || !value->IsString())
      return malformed(type_name + " needs a string value");
    return std::string{view(*value)};
  };

  if (type_name == "Void")
    return cvalue::make_void();
  if (type_name == "Optional") {
    if (value == nullptr || value->IsNull())
      return cvalue::make_optional(std::nullopt);
    auto inner = decode_value(*value, depth + 1);
    if (!inner)
      return inner.error();
    return cvalue::make_optional(std::move(*inner));
  }
  if (type_name == "Bool") {
    if (value == nullptr || !value->IsBool())
      return malformed("Bool needs true or false");
    return cvalue::make_bool(value->GetBool());
  }
  if (type_name == "String" || type_name == "Character") {
    auto text = needs_string();
    if (!text)
      return text.error();
    return type_name == "String" ? cvalue::make_string(std::move(*text))
                                 : cvalue::make_character(std::move(*text));
  }
  if (type_name == "Address") {
    auto text = needs_string();
    if (!text)
      return text.error();
    auto addr = address::parse(*text);
    if (!addr)
      return malformed("Address: " + addr.error().message);
    return cvalue::make_address(*addr);
  }
  if (auto t = find_integer_type(type_name)) {
    auto text = needs_string();
    if (!text)
      return text.error();
    if (!valid_integer(*t, *text))
      return malformed(type_name + " value out of range or not decimal");
    return cvalue::make_integer(type_name, std::move(*text));
  }
  if (auto t = find_fixed_type(type_name)) {
    auto text = needs_string();
    if (!text)
      return text.error();
    if (!valid_fixed_point(*t, *text))
      return malformed(type_name + " value out of range or not decimal");
    return cvalue::access::make(ckind::fixed_point, type_name,
                                std::move(*text));
  }
  if (type_name == "Array") {
    if (value == nullptr || !value->IsArray())
      return malformed("Array needs an array value");
    std::vector<cvalue> elements;
    elements.reserve(value->Size());
    for (const auto& element : value->GetArray()) {
      auto decoded = decode_value(element, depth + 1);
      if (!decoded)
        return decoded.error();
      elements.push_back(std::move(*decoded));
    }
    return cvalue::make_array(std::move(elements));
  }
  if (type_name == "Dictionary") {
    if (value == nullptr || !value->IsArray())
      return malformed("Dictionary needs an array of entries");
    std::vector<std::pair<cvalue, cvalue>> entries;
    entries.reserve(value->Size());
    for (const auto& entry : value->GetArray()) {
      auto key = entry.IsObject() ? member(entry, "key") : nullptr;
      auto mapped = entry.IsObject() ? member(entry, "value") : nullptr;
      if (key == nullptr || mapped == nullptr)
        return malformed("a Dictionary entry needs a key and a value");
      auto decoded_key = decode_value(*key, depth + 1);
      if (!decoded_key)
        return decoded_key.error();
      auto decoded_value = decode_value(*mapped, depth + 1);
      if (!decoded_value)
        return decoded_value.error();
      entries.emplace_back(std::move(*decoded_key), std::move(*decoded_value));
    }
    return cvalue::make_dictionary(std::move(entries));
  }
  if (is_composite_kind(type_name))
    return decode_composite(type_name, value, depth);
  if (type_name == "Path") {
    if (value == nullptr || !value->IsObject())
      return malformed("Path needs an object value");
    auto domain = string_member(*value, "domain", "Path");
    if (!domain)
      return domain.error();
    auto identifier = string_member(*value, "identifier", "Path");
    if (!identifier)
      return identifier.error();
    return cvalue::make_path(std::move(*domain), std::move(*identifier));
  }
  return malformed("unhandled type " + type_name);
}

result<cvalue> decode_value(const json& value, int depth) {
  if (depth > max_depth)
    return malformed("values nested too deeply");
  if (!value.IsObject())
    return malformed("a value must be a JSON object");
  auto type = member(value, "type");
  if (type == nullptr || !type->IsString())
    return malformed("a value needs a string \"type\"");
  std::string type_name{view(*type)};
  auto inner = member(value, "value");

  // Types and capabilities are kept as received: flowsync only passes them
  // on. Unknown types are kept too, since the format grows with Cadence.
  if (type_name == "Type" || type_name == "Capability") {
    if (inner == nullptr || !inner->IsObject())
      return malformed(type_name + " needs an object value");
    auto kind = type_name == "Type" ? ckind::type : ckind::capability;
    return cvalue::access::raw(kind, type_name, to_json_text(value));
  }
  auto known = type_name == "Void" || type_name == "Optional"
               || type_name == "Bool" || type_name == "String"
               || type_name == "Character" || type_name == "Address"
               || find_integer_type(type_name) != nullptr
               || find_fixed_type(type_name) != nullptr || type_name == "Array"
               || type_name == "Dictionary" || is_composite_kind(type_name)
               || type_name == "Path";
  if (!known)
    return cvalue::access::raw(ckind::other, type_name, to_json_text(value));
  return decode_known(type_name, inner, depth);
}

} // namespace

result<cvalue> decode_cadence_json(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError())
    return malformed(std::string{"not JSON ("}
                     + rapidjson::GetParseError_En(doc.GetParseError()) + ")");
  return decode_value(doc, 0);
}

} // namespace flowsync
