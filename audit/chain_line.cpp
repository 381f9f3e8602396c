#include "audit/chain_line.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/evp.h>

#include <array>
#include <map>

namespace gatehouse::audit {

const std::string genesis_hash(64, '0');

namespace {

constexpr std::string_view hash_member = ",\"hash\":\"";
constexpr std::size_t hex_length = 64;

bool reserved(const std::string& key) {
  return key == "ts" || key == "seq" || key == "event" || key == "prev_hash" || key == "hash";
}

// A field value the producer marked as JSON is written unquoted only when it really is JSON,
// so that a line is always one well-formed object.
std::string json_text(const std::string& value) {
  boost::system::error_code ec;
  auto v = boost::json::parse(value, ec);
  if (ec) return boost::json::serialize(boost::json::string(value));
  return boost::json::serialize(v);
}

bool is_hex(std::string_view s) {
  if (s.size() != hex_length) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += digits[digest[i] >> 4];
    out += digits[digest[i] & 0xf];
  }
  return out;
}

formatted_line format_line(const policy::audit_event& event, const chain_position& after) {
  namespace json = boost::json;
  std::string line = "{\"ts\":" + json::serialize(json::string(format_rfc3339(event.at)));
  line += ",\"seq\":" + std::to_string(after.seq + 1);
  line += ",\"event\":" + json::serialize(json::string(event.name));
  std::map<std::string, std::string> members;  // name -> JSON text, sorted by name
  for (const auto& [key, value] : event.fields) {
    members[reserved(key) ? "field_" + key : key] =
        event.json_fields.count(key) != 0 ? json_text(value) : json::serialize(json::string(value));
  }
  for (const auto& [name, value] : members)
    line += "," + json::serialize(json::string(name)) + ":" + value;
  line += ",\"prev_hash\":\"" + after.hash + "\"}";
  auto hash = sha256_hex(line);
  line.pop_back();
  line += std::string(hash_member) + hash + "\"}";
  return {std::move(line), std::move(hash)};
}

std::optional<checked_line> check_line(std::string_view line, std::string& problem) {
  constexpr std::size_t tail = hash_member.size() + hex_length + 2;  // `,"hash":"<hex>"}`
  if (line.size() < tail || !line.ends_with("\"}") ||
      line.substr(line.size() - tail, hash_member.size()) != hash_member) {
    problem = "no hash at the end of the line";
    return std::nullopt;
  }
  auto stated = line.substr(line.size() - tail + hash_member.size(), hex_length);
  std::string hashed(line.substr(0, line.size() - tail));
  hashed += '}';
  if (!is_hex(stated) || sha256_hex(hashed) != stated) {
    problem = "hash does not match the line's content (edited)";
    return std::nullopt;
  }
  boost::system::error_code ec;
  auto v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) {
    problem = "not a JSON object";
    return std::nullopt;
  }
  const auto& o = v.as_object();
  const auto* seq = o.if_contains("seq");
  const auto* prev = o.if_contains("prev_hash");
  const auto* event = o.if_contains("event");
  if (seq == nullptr || (!seq->is_uint64() && !seq->is_int64()) || prev == nullptr ||
      !prev->is_string() || !is_hex(prev->as_string()) || o.if_contains("ts") == nullptr ||
      event == nullptr) {
    problem = "missing or malformed ts, seq, event or prev_hash";
    return std::nullopt;
  }
  checked_line out;
  out.seq = seq->to_number<std::uint64_t>();
  out.prev_hash = std::string(prev->as_string());
  out.hash = std::string(stated);
  if (event->is_string()) out.event = std::string(event->get_string());
  return out;
}

}  // namespace gatehouse::audit
