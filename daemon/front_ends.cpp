#include "daemon/front_ends.hpp"

#include <boost/asio/io_context.hpp>

#include "policy/async/gate_service.hpp"
#include "proxy/ssh/audit_bridge.hpp"
#include "proxy/ssh/front_end.hpp"
#include "proxy/ssh/gate_service_gate.hpp"

namespace gatehouse::daemon {

// The SSH front end on the daemon's gate_service; rdp and http join here when they exist.
struct front_ends::impl {
  explicit impl(front_end_context c)
      : context(std::move(c)),
        gate(context.gate),
        ssh(context.io.get_executor(), context.current_config, gate,
            proxy::ssh::audit_event_sink(context.audit), ssh_settings(context)) {}
  static proxy::ssh::front_end_settings ssh_settings(const front_end_context& c) {
    proxy::ssh::front_end_settings s;
    s.sessions_allowed = c.sessions_allowed;
    return s;
  }
  front_end_context context;
  proxy::ssh::gate_service_gate gate;
  proxy::ssh::front_end ssh;
};

front_ends::front_ends(front_end_context context)
    : impl_(std::make_unique<impl>(std::move(context))) {}
front_ends::~front_ends() = default;

bool front_ends::accept(const std::string& listener, int fd, const std::string& peer) {
  if (listener != "ssh") return false;
  impl_->ssh.accept(fd, peer);  // owns the fd from here, also when it turns the peer away
  return true;
}

boost::json::array front_ends::sessions() const { return impl_->ssh.sessions(); }

bool front_ends::kill(const std::string& session_id, const std::string& by) {
  return impl_->ssh.kill(session_id, by);
}

void front_ends::stop_all() { impl_->ssh.stop_all(); }

}  // namespace gatehouse::daemon
