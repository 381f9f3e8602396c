#include "proxy/ssh/audit_bridge.hpp"

#include <boost/json/serialize.hpp>

#include <chrono>

namespace gatehouse::proxy::ssh {

event_sink audit_event_sink(policy::audit_sink& sink) {
  return [&sink](std::string_view name, boost::json::object fields) {
    policy::audit_event e;
    e.name = std::string(name);
    e.at =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    for (const auto& kv : fields) {
      const auto& v = kv.value();
      if (v.is_null()) continue;
      e.fields[std::string(kv.key())] =
          v.is_string() ? std::string(v.as_string()) : boost::json::serialize(v);
    }
    sink.record(e);
  };
}

}  // namespace gatehouse::proxy::ssh
