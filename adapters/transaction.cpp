#include "adapters/transaction.hpp"

#include "adapters/rlp.hpp"

#include <algorithm>
#include <limits>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace flowsync {

namespace {

constexpr size_t domain_tag_size = 32;

constexpr size_t block_id_size = 32;

/// Flow prefixes every signed transaction message with this tag, padded
/// with zeros to 32 bytes, so a transaction signature can never be replayed
/// as a signature over some other kind of message.
bytes transaction_domain_tag() {
  static constexpr std::string_view tag = "FLOW-V0.0-transaction";
  bytes out(tag.begin(), tag.end());
  out.resize(domain_tag_size, 0);
  return out;
}

bytes with_domain_tag(const bytes& encoded) {
  auto out = transaction_domain_tag();
  out.insert(out.end(), encoded.begin(), encoded.end());
  return out;
}

bytes rlp_address(const address& addr) {
  return rlp_string(addr.raw().data(), addr.raw().size());
}

/// Proposer, payer, then authorizers, each address once at its first
/// appearance. A signature names its signer by the position in this list.
std::vector<address> signer_list(const transaction& tx) {
  std::vector<address> out;
  auto add = [&out](const address& addr) {
    if (std::find(out.begin(), out.end(), addr) == out.end())
      out.push_back(addr);
  };
  if (!tx.proposer.addr.is_zero())
    add(tx.proposer.addr);
  if (!tx.payer.is_zero())
    add(tx.payer);
  for (const auto& addr : tx.authorizers)
    add(addr);
  return out;
}

/// The position of `addr` among the signers. Like Flow's SDK, an address
/// that is not a signer gets -1, which encodes as the largest integer.
uint64_t signer_index(const std::vector<address>& signers,
                      const address& addr) {
  auto i = std::find(signers.begin(), signers.end(), addr);
  if (i == signers.end())
    return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(i - signers.begin());
}

bytes rlp_signatures(const std::vector<address>& signers,
                     const std::vector<transaction_signature>& signatures) {
  std::vector<bytes> items;
  items.reserve(signatures.size());
  for (const auto& sig : signatures)
    items.push_back(
      rlp_list({rlp_uint(signer_index(signers, sig.addr)),
                rlp_uint(sig.key_index), rlp_string(sig.signature)}));
  return rlp_list(items);
}

/// Adds `sig` and restores Flow's order: by signer index, then key index. A
/// new signature by the same key replaces the old one.
void insert_signature(const std::vector<address>& signers,
                      std::vector<transaction_signature>& list,
                      transaction_signature sig) {
  list.erase(std::remove_if(list.begin(), list.end(),
                            [&sig](const transaction_signature& x) {
                              return x.addr == sig.addr
                                     && x.key_index == sig.key_index;
                            }),
             list.end());
  list.push_back(std::move(sig));
  std::stable_sort(
    list.begin(), list.end(),
    [&signers](const transaction_signature& x, const transaction_signature& y) {
      auto xi = signer_index(signers, x.addr);
      auto yi = signer_index(signers, y.addr);
      return xi != yi ? xi < yi : x.key_index < y.key_index;
    });
}

bool has_signature(const std::vector<transaction_signature>& list,
                   const address& addr, uint32_t key_index) {
  return std::any_of(list.begin(), list.end(),
                     [&](const transaction_signature& x) {
                       return x.addr == addr && x.key_index == key_index;
                     });
}

/// The REST API drops empty arguments before hashing, so a transaction
/// with one would get an id other than ours: refuse to sign it.
result<void> check_arguments(const transaction& tx) {
  for (const auto& arg : tx.arguments)
    if (arg.empty())
      return make_failure(ec::invalid_input,
                          "a transaction argument is empty; each must be a "
                          "JSON-Cadence value");
  return {};
}

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(json_writer& out, const std::string& text) {
  out.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}

void write_signatures(json_writer& out, const char* name,
                      const std::vector<transaction_signature>& signatures) {
  out.Key(name);
  out.StartArray();
  for (const auto& sig : signatures) {
    out.StartObject();
    out.Key("address");
    write_string(out, sig.addr.hex());
    out.Key("key_index");
    write_string(out, std::to_string(sig.key_index));
    out.Key("signature");
    write_string(out, to_base64(sig.signature));
    out.EndObject();
  }
  out.EndArray();
}

} // namespace

bytes transaction::payload_rlp() const {
  std::vector<bytes> args;
  args.reserve(arguments.size());
  for (const auto& arg : arguments)
    args.push_back(rlp_string(arg));

  std::vector<bytes> auths;
  auths.reserve(authorizers.size());
  for (const auto& addr : authorizers)
    auths.push_back(rlp_address(addr));

  // Flow's block id is a fixed 32-byte array: an unset one is all zeros.
  auto block_id =
    reference_block_id.empty() ? bytes(block_id_size, 0) : reference_block_id;

  return rlp_list({rlp_string(script), rlp_list(args), rlp_string(block_id),
                   rlp_uint(gas_limit), rlp_address(proposer.addr),
                   rlp_uint(proposer.key_index),
                   rlp_uint(proposer.sequence_number), rlp_address(payer),
                   rlp_list(auths)});
}

bytes transaction::envelope_rlp() const {
  return rlp_list(
    {payload_rlp(), rlp_signatures(signer_list(*this), payload_signatures)});
}

bytes transaction::payload_message() const {
  return with_domain_tag(payload_rlp());
}

bytes transaction::envelope_message() const {
  return with_domain_tag(envelope_rlp());
}

result<void> transaction::sign_payload(const address& signer,
                                       uint32_t key_index,
                                       const private_key& key, hash_algo hash) {
  auto is_authorizer = std::find(authorizers.begin(), authorizers.end(), signer)
                       != authorizers.end();
  if (signer != proposer.addr && !is_authorizer)
    return make_failure(ec::invalid_input,
                        "only the proposer and the authorizers sign the "
                        "payload; "
                          + signer.with_prefix() + " is neither");
  // Flow refuses a transaction in which one key signs twice, and the
  // envelope signatures cover the payload signatures.
  if (has_signature(envelope_signatures, signer, key_index))
    return make_failure(ec::invalid_input,
                        "this key already signed the envelope; a key signs "
                        "once per transaction");
  if (!envelope_signatures.empty())
    return make_failure(ec::invalid_input,
                        "the envelope is already signed: sign every payload "
                        "before the envelope");

  if (auto checked = check_arguments(*this); !checked)
    return checked;

  auto sig = key.sign(payload_message(), hash);
  if (!sig)
    return sig.error();
  insert_signature(signer_list(*this), payload_signatures,
                   {signer, key_index, std::move(*sig)});
  return {};
}

result<void> transaction::sign_envelope(const address& signer,
                                        uint32_t key_index,
                                        const private_key& key,
                                        hash_algo hash) {
  if (payer.is_zero() || signer != payer)
    return make_failure(ec::invalid_input, "only the payer signs the envelope; "
                                             + signer.with_prefix()
                                             + " is not the payer");
  if (has_signature(payload_signatures, signer, key_index))
    return make_failure(ec::invalid_input,
                        "this key already signed the payload; a key signs "
                        "once per transaction");

  if (auto checked = check_arguments(*this); !checked)
    return checked;

  auto sig = key.sign(envelope_message(), hash);
  if (!sig)
    return sig.error();
  insert_signature(signer_list(*this), envelope_signatures,
                   {signer, key_index, std::move(*sig)});
  return {};
}

bytes transaction::id() const {
  auto signers = signer_list(*this);
  return sha3_256(
    rlp_list({payload_rlp(), rlp_signatures(signers, payload_signatures),
              rlp_signatures(signers, envelope_signatures)}));
}

std::string transaction::id_hex() const {
  return to_hex(id());
}

std::string transaction::to_rest_json() const {
  rapidjson::StringBuffer buffer;
  json_writer out{buffer};
  out.StartObject();

  out.Key("script");
  write_string(out, to_base64(to_bytes(script)));
  out.Key("arguments");
  out.StartArray();
  for (const auto& arg : arguments)
    write_string(out, to_base64(to_bytes(arg)));
  out.EndArray();
  out.Key("reference_block_id");
  write_string(out, to_hex(reference_block_id));
  out.Key("gas_limit");
  write_string(out, std::to_string(gas_limit));
  out.Key("payer");
  write_string(out, payer.hex());

  out.Key("proposal_key");
  out.StartObject();
  out.Key("address");
  write_string(out, proposer.addr.hex());
  out.Key("key_index");
  write_string(out, std::to_string(proposer.key_index));
  out.Key("sequence_number");
  write_string(out, std::to_string(proposer.sequence_number));
  out.EndObject();

  out.Key("authorizers");
  out.StartArray();
  for (const auto& addr : authorizers)
    write_string(out, addr.hex());
  out.EndArray();

  write_signatures(out, "payload_signatures", payload_signatures);
  write_signatures(out, "envelope_signatures", envelope_signatures);
  out.EndObject();
  return buffer.GetString();
}

} // namespace flowsync
