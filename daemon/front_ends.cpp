#include "daemon/front_ends.hpp"

#include <boost/asio/io_context.hpp>

#include "policy/async/gate_service.hpp"
#include "proxy/rdp/front_end.hpp"
#include "proxy/ssh/audit_bridge.hpp"
#include "proxy/ssh/front_end.hpp"
#include "proxy/ssh/gate_service_gate.hpp"

namespace gatehouse::daemon {

// The SSH and RDP front ends on the daemon's gate_service; http joins here when it exists.
struct front_ends::impl {
  explicit impl(front_end_context c)
      : context(std::move(c)),
        gate(context.gate),
        ssh(context.io.get_executor(), context.current_config, gate,
            proxy::ssh::audit_event_sink(context.audit), ssh_settings(context)),
        rdp(context.io.get_executor(), context.current_config, context.gate,
            proxy::ssh::audit_event_sink(context.audit), rdp_settings(context)) {}
  static proxy::ssh::front_end_settings ssh_settings(const front_end_context& c) {
    proxy::ssh::front_end_settings s;
    s.sessions_allowed = c.sessions_allowed;
    return s;
  }
  static proxy::rdp::front_end_settings rdp_settings(const front_end_context& c) {
    proxy::rdp::front_end_settings s;
    s.sessions_allowed = c.sessions_allowed;
    return s;
  }
  front_end_context context;
  proxy::ssh::gate_service_gate gate;
  proxy::ssh::front_end ssh;
  proxy::rdp::front_end rdp;
};

front_ends::front_ends(front_end_context context)
    : impl_(std::make_unique<impl>(std::move(context))) {}
front_ends::~front_ends() = default;

bool front_ends::accept(const std::string& listener, int fd, const std::string& peer) {
  // Each front end owns the fd from here, also when it turns the peer away.
  if (listener == "ssh") {
    impl_->ssh.accept(fd, peer);
    return true;
  }
  if (listener == "rdp") {
    impl_->rdp.accept(fd, peer);
    return true;
  }
  return false;
}

boost::json::array front_ends::sessions() const {
  auto all = impl_->ssh.sessions();
  for (auto& s : impl_->rdp.sessions()) all.push_back(std::move(s));
  return all;
}

bool front_ends::kill(const std::string& session_id, const std::string& by) {
  return impl_->ssh.kill(session_id, by) || impl_->rdp.kill(session_id, by);
}

void front_ends::stop_all() {
  impl_->ssh.stop_all();
  impl_->rdp.stop_all();
}

}  // namespace gatehouse::daemon
