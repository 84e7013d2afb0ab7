#pragma once

#include "adapters/address.hpp"
#include "adapters/bytes.hpp"
#include "adapters/crypto.hpp"
#include "adapters/result.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace flowsync {

/// The key whose sequence number a transaction consumes.
struct proposal_key {
  /// The proposing account.
  address addr;
  /// The key's index on that account.
  uint32_t key_index = 0;
  /// Must equal the key's current sequence number on chain.
  uint64_t sequence_number = 0;
};

/// One signature on a transaction.
struct transaction_signature {
  /// The signing account.
  address addr;
  /// The key's index on that account.
  uint32_t key_index = 0;
  /// r||s, 64 bytes.
  bytes signature;
};

/// A Flow transaction: its fields, its canonical encodings, its signatures
/// and its id. The id is computed locally, so it is known before sending.
class transaction {
 public:
  /// Cadence source, imports already resolved.
  std::string script;

  /// Each argument an encoded JSON-Cadence value, hashed byte for byte.
  /// Never empty: the REST API silently drops empty arguments, and the id
  /// the node computes would then differ from ours.
  std::vector<std::string> arguments;

  /// The id of a recent block: 32 bytes.
  bytes reference_block_id;

  /// The computation limit.
  uint64_t gas_limit = 9999;

  /// The key whose sequence number this transaction consumes.
  proposal_key proposer;

  /// The account paying the fees; it signs the envelope.
  address payer;

  /// The accounts the transaction's `prepare` receives, in order.
  std::vector<address> authorizers;

  /// Signatures over the payload, in the order Flow expects.
  std::vector<transaction_signature> payload_signatures;

  /// Signatures over the envelope, in the order Flow expects.
  std::vector<transaction_signature> envelope_signatures;

  /// RLP of [script, arguments, reference block id, gas limit, proposer
  /// address, key index, sequence number, payer, authorizers].
  bytes payload_rlp() const;

  /// RLP of [payload, payload signatures].
  bytes envelope_rlp() const;

  /// What payload signers sign: the transaction domain tag
  /// ("FLOW-V0.0-transaction" zero-padded to 32 bytes) + `payload_rlp()`.
  bytes payload_message() const;

  /// What the payer signs: the domain tag + `envelope_rlp()`.
  bytes envelope_message() const;

  /// Signs the payload as `signer` (the proposer or an authorizer; the
  /// payer too when it proposes with another key). Keeps the signatures in
  /// Flow's order (signer index, then key index). Fails with
  /// `ec::invalid_input` when `signer` is neither proposer nor authorizer,
  /// when this key already signed the envelope, when the envelope is
  /// already signed or an argument is empty; with `ec::crypto` when the key
  /// cannot sign.
  result<void> sign_payload(const address& signer, uint32_t key_index,
                            const private_key& key, hash_algo hash);

  /// Signs the envelope as the payer. Sign every payload first: the
  /// envelope covers the payload signatures. Fails with `ec::invalid_input`
  /// when `signer` is not the payer, when this key already signed the
  /// payload (Flow refuses a key that signs twice) or an argument is empty.
  result<void> sign_envelope(const address& signer, uint32_t key_index,
                             const private_key& key, hash_algo hash);

  /// SHA3-256 of the full encoding (payload, payload signatures, envelope
  /// signatures): the id the network will give this transaction.
  bytes id() const;

  /// `id()` as 64 lower-case hex digits.
  std::string id_hex() const;

  /// The JSON body for POST {rest}/v1/transactions: script and arguments in
  /// base64, ids and addresses in hex, integers as decimal strings,
  /// signatures in base64.
  std::string to_rest_json() const;
};

} // namespace flowsync
