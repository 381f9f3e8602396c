#include "audit/query.hpp"


#include <algorithm>
#include <array>
#include <fstream>

#include "core/json_text.hpp"
#include "core/untrusted_text.hpp"

namespace gatehouse::audit {

namespace json = boost::json;

namespace {

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) return std::string(v->as_string());
  return json_serialize(*v);
}

bool field_is(const json::object& o, std::string_view key, const std::string& want) {
  const auto* v = o.if_contains(key);
  return v != nullptr && !v->is_null() && text_of(o, key) == want;
}

// The person an event is about: person (front ends), requester (requests), else the actor.
std::string person_of(const json::object& o) {
  if (auto p = text_of(o, "person"); !p.empty()) return p;
  if (auto p = text_of(o, "requester"); !p.empty()) return p;
  return text_of(o, "actor");
}

// One line as JSON, its strings as bytes (core/json_text.hpp); null when it is not JSON.
json::value read_event(std::string_view line) {
  std::error_code ec;
  return json_parse_text(line, ec);
}

}  // namespace

std::string csv_field(std::string_view value) {
  // A spreadsheet runs a cell that starts like a formula (OWASP "CSV injection"): a person's
  // justification or an SFTP path must not. The audit log itself keeps the exact text.
  bool formula = !value.empty() && std::string_view("=+-@\t\r").find(value[0]) != value.npos;
  std::string guard = formula ? "'" : "";
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return guard + std::string(value);
  std::string out = "\"" + guard;
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::optional<query> query_from_parameters(
    const std::vector<std::pair<std::string, std::string>>& p, std::string& error) {
  query q;
  for (const auto& [key, raw] : p) {
    const auto& value = raw;
    if (key == "person")
      q.person = value;
    else if (key == "server")
      q.server = value;
    else if (key == "event")
      q.event = value;
    else if (key == "request")
      q.request = value;
    else if (key == "session")
      q.session = value;
    else if (key == "emergency")
      q.emergency_only = value != "0" && value != "false";
    else if (key == "since" || key == "until") {
      auto t = parse_rfc3339(value);
      if (!t) {
        error = key + ": not an RFC 3339 time: " + value;
        return std::nullopt;
      }
      (key == "since" ? q.since : q.until) = *t;
    } else if (key == "limit") {
      try {
        q.limit = std::stoul(value);
      } catch (...) {
        error = "limit: not a number: " + value;
        return std::nullopt;
      }
    } else {
      error = "unknown filter: " + key;
      return std::nullopt;
    }
  }
  return q;
}

bool matches(const query& q, const json::object& e) {
  if (q.person) {
    bool any = field_is(e, "person", *q.person) || field_is(e, "requester", *q.person) ||
               field_is(e, "actor", *q.person);
    if (!any) return false;
  }
  if (q.server && !field_is(e, "server", *q.server)) return false;
  if (q.event) {
    auto name = text_of(e, "event");
    const auto& want = *q.event;
    if (want.ends_with('*') ? !name.starts_with(want.substr(0, want.size() - 1)) : name != want)
      return false;
  }
  if (q.request && !field_is(e, "request", *q.request) && !field_is(e, "request_id", *q.request))
    return false;
  if (q.session && !field_is(e, "session", *q.session)) return false;
  if (q.emergency_only && text_of(e, "event") != "access.emergency" &&
      text_of(e, "emergency") != "true")
    return false;
  if (q.since || q.until) {
    auto t = parse_rfc3339(text_of(e, "ts"));
    if (!t) return false;
    if (q.since && *t < *q.since) return false;
    if (q.until && *t >= *q.until) return false;
  }
  return true;
}

namespace {
// Reads chunks this large from the end of a file.
constexpr std::streamoff backwards_chunk = 1 << 20;

// Calls `line` for every line of `file`, the last first, until it returns false. Lines are
// what std::getline would give (a last line without '\n' included). False when unreadable.
bool each_line_backwards(const std::string& file,
                         const std::function<bool(std::string_view)>& line) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return false;
  std::streamoff pos = in.tellg();
  std::string carry;  // the start of a line that began in an earlier chunk
  while (pos > 0) {
    auto n = std::min(backwards_chunk, pos);
    pos -= n;
    std::string data(static_cast<std::size_t>(n), '\0');
    in.seekg(pos);
    if (!in.read(data.data(), n)) return false;
    data += carry;
    // Line starts (just after each '\n') found forward, with memchr, then visited backwards.
    std::vector<std::size_t> starts;
    for (auto nl = data.find('\n'); nl != std::string::npos; nl = data.find('\n', nl + 1))
      starts.push_back(nl + 1);
    std::size_t end = data.size();
    for (auto start = starts.rbegin(); start != starts.rend(); ++start) {
      if (*start < end && !line(std::string_view(data).substr(*start, end - *start))) return true;
      end = *start - 1;
    }
    carry = data.substr(0, end);
  }
  if (!carry.empty()) line(carry);
  return true;
}
}  // namespace

std::vector<json::object> find_events(const std::vector<std::string>& files, const query& q,
                                      std::string& error) {
  if (q.limit != 0) {
    // The newest matches: read from the end, so the work is bounded by what is shown.
    std::vector<json::object> found;
    for (auto file = files.rbegin(); file != files.rend() && found.size() < q.limit; ++file) {
      bool readable = each_line_backwards(*file, [&](std::string_view line) {
        auto v = read_event(line);
        if (v.is_object() && matches(q, v.as_object())) found.push_back(std::move(v.as_object()));
        return found.size() < q.limit;
      });
      if (!readable) {
        error = "cannot read " + *file;
        return {};
      }
    }
    std::reverse(found.begin(), found.end());
    return found;
  }
  std::vector<json::object> found;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      error = "cannot read " + file;
      return {};
    }
    std::string line;
    while (std::getline(in, line)) {
      auto v = read_event(line);
      if (v.is_object() && matches(q, v.as_object())) found.push_back(std::move(v.as_object()));
    }
  }
  return found;
}

std::string csv_header() {
  std::string out;
  for (auto c : columns) out += (out.empty() ? "" : ",") + std::string(c);
  return out + "\r\n";
}

std::array<std::string, columns.size()> column_values(const json::object& event) {
  json::object details;
  for (const auto& kv : event) {
    bool own_column = false;
    for (auto c : columns) own_column |= kv.key() == c;
    if (!own_column && kv.key() != "prev_hash" && kv.key() != "hash" && kv.key() != "requester" &&
        kv.key() != "request_id")
      details[kv.key()] = kv.value();
  }
  std::array<std::string, columns.size()> out;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    auto c = columns[i];
    if (c == "details")
      out[i] = details.empty() ? "" : json_serialize(details);
    else if (c == "person")
      out[i] = person_of(event);
    else if (c == "request")
      out[i] = text_of(event, "request").empty() ? text_of(event, "request_id")
                                                 : text_of(event, "request");
    else
      out[i] = text_of(event, c);
    // What a person reads: bytes that are not UTF-8 as \xHH, control characters visible.
    out[i] = visible_text(out[i]);
  }
  return out;
}

std::string csv_row(const json::object& event) {
  auto values = column_values(event);
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + csv_field(values[i]);
  return out + "\r\n";
}

}  // namespace gatehouse::audit
