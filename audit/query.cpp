#include "audit/query.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <array>
#include <deque>
#include <fstream>

namespace gatehouse::audit {

namespace json = boost::json;

namespace {

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return {};
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
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

}  // namespace

std::string csv_field(std::string_view value) {
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::optional<query> query_from_parameters(
    const std::vector<std::pair<std::string, std::string>>& p, std::string& error) {
  query q;
  for (const auto& [key, value] : p) {
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

std::vector<json::object> find_events(const std::vector<std::string>& files, const query& q,
                                      std::string& error) {
  std::deque<json::object> found;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      error = "cannot read " + file;
      return {};
    }
    std::string line;
    while (std::getline(in, line)) {
      boost::system::error_code ec;
      auto v = json::parse(line, ec);
      if (ec || !v.is_object() || !matches(q, v.as_object())) continue;
      found.push_back(std::move(v.as_object()));
      if (q.limit != 0 && found.size() > q.limit) found.pop_front();
    }
  }
  return {std::make_move_iterator(found.begin()), std::make_move_iterator(found.end())};
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
      out[i] = details.empty() ? "" : json::serialize(details);
    else if (c == "person")
      out[i] = person_of(event);
    else if (c == "request")
      out[i] = text_of(event, "request").empty() ? text_of(event, "request_id")
                                                 : text_of(event, "request");
    else
      out[i] = text_of(event, c);
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
