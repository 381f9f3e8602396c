#include "proxy/session/audit_events.hpp"

#include <chrono>
#include <string>

#include "core/json_text.hpp"

namespace gatehouse::proxy::session {

namespace {
std::string_view text_field(const boost::json::object& fields, std::string_view key) {
  const auto* v = fields.if_contains(key);
  return v != nullptr && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}
}  // namespace

event_sink audit_event_sink(policy::audit_sink& sink, refusal_tally* refusals) {
  return [&sink, refusals](std::string_view name, boost::json::object fields) {
    if (refusals != nullptr && (name == "access.denied" || name == "upstream.failure"))
      refusals->count(text_field(fields, "protocol"), text_field(fields, "reason"));
    policy::audit_event e;
    e.name = std::string(name);
    e.at =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    e.fields.reserve(fields.size());
    for (const auto& kv : fields) {
      const auto& v = kv.value();
      if (v.is_null()) continue;
      std::string& value = e.fields[kv.key()];
      if (v.is_string()) {
        value.assign(v.get_string());
        continue;
      }
      if (v.is_int64() || v.is_uint64())  // as the serializer writes them, cheaper
        value = v.is_int64() ? std::to_string(v.get_int64()) : std::to_string(v.get_uint64());
      else
        value = json_serialize(v);
      e.json_fields.insert(kv.key());
    }
    sink.record(e);
  };
}

}  // namespace gatehouse::proxy::session
