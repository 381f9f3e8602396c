#include "audit/chain_line.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <vector>

#include "core/json_text.hpp"

namespace gatehouse::audit {

const std::string genesis_hash(64, '0');

namespace {

constexpr std::string_view hash_member = ",\"hash\":\"";
constexpr std::size_t hex_length = 64;

bool reserved(const std::string& key) {
  return key == "ts" || key == "seq" || key == "event" || key == "prev_hash" || key == "hash";
}

// 0, or an optional minus and up to 18 digits without a leading zero: an int64 that JSON
// writes back exactly as it is.
bool is_plain_integer(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty() || s.size() > 18 || (s.front() == '0' && s.size() > 1)) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A field value the producer marked as JSON is written unquoted only when it really is JSON,
// so that a line is always one well-formed object.
std::string json_text(const std::string& value) {
  bool raw_bytes = false;
  std::error_code ec;
  auto v = json_parse_text(value, raw_bytes, ec);
  if (ec) return json_quote(value);
  return json_serialize(v);
}

bool is_hex(std::string_view s) {
  if (s.size() != hex_length) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

formatted_line format_line(const policy::audit_event& event, const chain_position& after) {
  // The members sorted by their written name; a reserved key is written as field_KEY, and when
  // that meets a key of the same name the one later in the event's order is kept.
  struct member {
    const std::string* key;
    const std::string* value;
    bool renamed;
    std::string name() const { return renamed ? "field_" + *key : *key; }
  };
  std::vector<member> members;
  members.reserve(event.fields.size());
  bool any_renamed = false;
  for (const auto& [key, value] : event.fields) {
    members.push_back({&key, &value, reserved(key)});
    any_renamed = any_renamed || members.back().renamed;
  }
  if (any_renamed) {
    std::stable_sort(members.begin(), members.end(),
                     [](const member& a, const member& b) { return a.name() < b.name(); });
    std::vector<member> kept;
    for (std::size_t i = 0; i < members.size(); ++i)
      if (i + 1 == members.size() || members[i + 1].name() != members[i].name())
        kept.push_back(members[i]);
    members = std::move(kept);
  }
  std::string line;
  line.reserve(512);  // an event's line is a few hundred bytes
  line += "{\"ts\":";
  append_json_quoted(line, format_rfc3339(event.at));
  line += ",\"seq\":";
  line += std::to_string(after.seq + 1);
  line += ",\"event\":";
  append_json_quoted(line, event.name);
  for (const auto& m : members) {
    line += ',';
    append_json_quoted(line, m.renamed ? m.name() : *m.key);
    line += ':';
    if (event.json_fields.count(*m.key) == 0)
      append_json_quoted(line, *m.value);
    else if (is_plain_integer(*m.value))
      line += *m.value;  // what a parse and a serialize would give back
    else
      line += json_text(*m.value);
  }
  line += ",\"prev_hash\":\"";
  line += after.hash;
  line += "\"}";
  auto hash = sha256_hex(line);
  line.pop_back();
  line += hash_member;
  line += hash;
  line += "\"}";
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
  std::error_code ec;
  bool raw_bytes = false;
  auto v = json_parse_text(line, raw_bytes, ec);
  if (ec || !v.is_object()) {
    problem = "not a JSON object";
    return std::nullopt;
  }
  const auto& o = v.as_object();
  const auto* seq = o.if_contains("seq");
  const auto* prev = o.if_contains("prev_hash");
  // A negative seq is malformed (to_number<uint64_t> would throw on it).
  bool seq_ok = seq != nullptr && (seq->is_uint64() || (seq->is_int64() && seq->get_int64() >= 0));
  const auto* event = o.if_contains("event");
  if (!seq_ok || prev == nullptr || !prev->is_string() || !is_hex(prev->as_string()) ||
      o.if_contains("ts") == nullptr || event == nullptr) {
    problem = "missing or malformed ts, seq, event or prev_hash";
    return std::nullopt;
  }
  checked_line out;
  out.raw_bytes = raw_bytes;
  out.seq = seq->to_number<std::uint64_t>();
  out.prev_hash = std::string(prev->as_string());
  out.hash = std::string(stated);
  if (event->is_string()) out.event = std::string(event->get_string());
  return out;
}

}  // namespace gatehouse::audit
