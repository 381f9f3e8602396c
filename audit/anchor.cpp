#include "audit/anchor.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cerrno>
#include <fstream>
#include <stdexcept>

#include "audit/chain_line.hpp"

namespace gatehouse::audit {

namespace json = boost::json;

namespace {

constexpr std::size_t max_signing_key_bytes = 4096;

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 0xf];
  }
  return out;
}

bool is_hex(std::string_view s, std::size_t length) {
  if (s.size() != length) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

const json::string* string_member(const json::object& o, std::string_view name) {
  const auto* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

}  // namespace

std::variant<std::string, std::string> load_signing_key(const std::string& path) {
  using result = std::variant<std::string, std::string>;
  std::ifstream in(path, std::ios::binary);
  if (!in) return result(std::in_place_index<1>, "cannot read the audit signing key " + path);
  std::string key(max_signing_key_bytes + 1, '\0');
  in.read(key.data(), static_cast<std::streamsize>(key.size()));
  key.resize(static_cast<std::size_t>(in.gcount()));
  if (key.size() < min_signing_key_bytes || key.size() > max_signing_key_bytes)
    return result(std::in_place_index<1>, "the audit signing key " + path +
                                              " must hold 32 to 4096 random bytes (has " +
                                              std::to_string(key.size()) + ")");
  return result(std::in_place_index<0>, std::move(key));
}

std::string signing_key_id(std::string_view key) {
  std::string tagged = "gatehouse audit key id\n";
  tagged += key;
  return sha256_hex(tagged).substr(0, 16);
}

std::string new_chain_id() {
  std::array<unsigned char, 16> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  return hex(raw.data(), raw.size());
}

std::string derived_chain_id(std::string_view first_line_hash) {
  return std::string(first_line_hash.substr(0, 32));
}

std::string head_mac(std::string_view key, std::string_view chain_id, std::uint64_t seq,
                     std::string_view hash) {
  std::string message = "gatehouse audit head v1\n";
  message += chain_id;
  message += '\n' + std::to_string(seq) + '\n';
  message += hash;
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), out.data(),
           &length) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed");
  return hex(out.data(), length);
}

bool head_mac_matches(std::string_view key, std::string_view chain_id, std::uint64_t seq,
                      std::string_view hash, std::string_view stated_mac) {
  auto expected = head_mac(key, chain_id, seq, hash);
  return stated_mac.size() == expected.size() &&
         CRYPTO_memcmp(expected.data(), stated_mac.data(), expected.size()) == 0;
}

signed_head sign_head(std::string_view key, const std::string& chain_id, std::uint64_t seq,
                      const std::string& hash) {
  return {chain_id, seq, hash, signing_key_id(key), head_mac(key, chain_id, seq, hash)};
}

policy::audit_event genesis_event(time_point at, const std::string& chain_id,
                                  const std::string& instance_name, const std::string& key_id) {
  policy::audit_event e{std::string(genesis_event_name), at, {{"chain_id", chain_id}}, {}};
  if (!instance_name.empty()) e.fields["instance"] = instance_name;
  if (!key_id.empty()) e.fields["key_id"] = key_id;
  return e;
}

policy::audit_event checkpoint_event(time_point at, const signed_head& head,
                                     const std::string& reason) {
  return {std::string(checkpoint_event_name),
          at,
          {{"chain_id", head.chain_id},
           {"head_seq", std::to_string(head.seq)},
           {"head_hash", head.hash},
           {"key_id", head.key_id},
           {"mac", head.mac},
           {"reason", reason}},
          {"head_seq"}};
}

namespace {

// chain_id, seq, hash, key_id and mac of a checkpoint or head file object.
std::optional<signed_head> head_from(const json::object& o, std::string_view seq_name,
                                     std::string_view hash_name, std::string& problem) {
  const auto* chain = string_member(o, "chain_id");
  const auto* seq = o.if_contains(seq_name);
  const auto* hash = string_member(o, hash_name);
  const auto* key_id = string_member(o, "key_id");
  const auto* mac = string_member(o, "mac");
  // Boost.JSON reads a non-negative number as int64 unless it needs uint64.
  bool seq_ok = seq != nullptr && (seq->is_uint64() || (seq->is_int64() && seq->get_int64() >= 0));
  if (chain == nullptr || !is_hex(*chain, 32) || !seq_ok || hash == nullptr || !is_hex(*hash, 64) ||
      key_id == nullptr || !is_hex(*key_id, 16) || mac == nullptr || !is_hex(*mac, 64)) {
    problem = "missing or malformed chain_id, " + std::string(seq_name) + ", " +
              std::string(hash_name) + ", key_id or mac";
    return std::nullopt;
  }
  return signed_head{std::string(*chain), seq->to_number<std::uint64_t>(), std::string(*hash),
                     std::string(*key_id), std::string(*mac)};
}

}  // namespace

std::optional<anchor_line> parse_anchor(std::string_view line, std::string& problem) {
  boost::system::error_code ec;
  auto v = json::parse(line, ec);
  const auto* o = ec ? nullptr : v.if_object();
  const auto* event = o != nullptr ? string_member(*o, "event") : nullptr;
  if (event == nullptr) {
    problem = "not an audit record";
    return std::nullopt;
  }
  anchor_line out;
  out.kind = std::string(*event);
  if (out.kind == genesis_event_name) {
    const auto* chain = string_member(*o, "chain_id");
    const auto* key_id = string_member(*o, "key_id");
    if (chain == nullptr || !is_hex(*chain, 32) || (key_id != nullptr && !is_hex(*key_id, 16))) {
      problem = "malformed genesis record (chain_id, key_id)";
      return std::nullopt;
    }
    out.chain_id = std::string(*chain);
    out.key_id = key_id != nullptr ? std::string(*key_id) : "";
    return out;
  }
  if (out.kind != checkpoint_event_name) {
    problem = "not an anchor record";
    return std::nullopt;
  }
  auto head = head_from(*o, "head_seq", "head_hash", problem);
  if (!head) {
    problem = "malformed checkpoint: " + problem;
    return std::nullopt;
  }
  out.chain_id = head->chain_id;
  out.key_id = head->key_id;
  out.head = std::move(*head);
  return out;
}

std::string head_file_path(const std::string& log_path) { return log_path + ".head"; }

std::string head_file_text(const signed_head& head) {
  json::object o{{"chain_id", head.chain_id},
                 {"seq", head.seq},
                 {"hash", head.hash},
                 {"key_id", head.key_id},
                 {"mac", head.mac}};
  return json::serialize(o) + "\n";
}

std::optional<signed_head> read_head_file(const std::string& path, std::string& problem,
                                          bool& missing) {
  missing = false;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    missing = errno == ENOENT;
    problem = "cannot be read";
    return std::nullopt;
  }
  std::string text(4096, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    problem = "is not a signed head (one JSON object)";
    return std::nullopt;
  }
  auto head = head_from(v.as_object(), "seq", "hash", problem);
  if (!head) problem = "is not a signed head: " + problem;
  return head;
}

}  // namespace gatehouse::audit
