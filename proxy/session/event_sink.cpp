#include "proxy/session/event_sink.hpp"

#include <spdlog/spdlog.h>

#include "core/json_text.hpp"

namespace gatehouse::proxy::session {

event_sink log_event_sink() {
  return [](std::string_view event, boost::json::object fields) {
    bool warn = event == "hostkey.mismatch" || event == "auth.failure";
    auto line = json_serialize(fields);
    if (warn)
      spdlog::warn("event {} {}", event, line);
    else
      spdlog::info("event {} {}", event, line);
  };
}

}  // namespace gatehouse::proxy::session
