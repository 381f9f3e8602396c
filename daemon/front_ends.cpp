#include "daemon/front_ends.hpp"

#include <boost/asio/io_context.hpp>
#include <spdlog/spdlog.h>

#include <vector>

#include "apps/app_front_end.hpp"
#include "core/time.hpp"
#include "policy/async/gate_service.hpp"
#include "policy/store_reachability.hpp"
#include "proxy/rdp/front_end.hpp"
#include "proxy/rdp/rdp_file_for.hpp"
#include "proxy/session/audit_events.hpp"
#include "proxy/session/refusal_tally.hpp"
#include "proxy/session/registry.hpp"
#include "proxy/session/service_gate.hpp"
#include "proxy/ssh/front_end.hpp"
#include "proxy/ssh/own_commands.hpp"
#include "terminal/terminal_front_end.hpp"
#include "websftp/sftp_front_end.hpp"

namespace gatehouse::daemon {

namespace {

proxy::ssh::rdp_file_maker rdp_files(policy::gate_service& service) {
  return
      [&service](const std::string& person, const std::string& server, std::chrono::seconds valid) {
        auto file = proxy::rdp::rdp_file_for(service, person, server, valid);
        return proxy::ssh::rdp_file_text{file.text, file.error};
      };
}

}  // namespace

// The front ends over the daemon's gate_service; the HTTP front end (apps) is fed by the
// web service's listener.
struct front_ends::impl {
  explicit impl(front_end_context c)
      : context(std::move(c)),
        gate(context.gate),
        own(context.operations, rdp_files(context.gate)) {
    auto events = proxy::session::audit_event_sink(context.audit, &refusals);
    list.push_back(std::make_unique<proxy::ssh::front_end>(
        context.io.get_executor(), context.current_config,
        proxy::ssh::front_end::parts{gate, own, sessions, events, context.sessions_allowed,
                                     context.current_ca}));
    list.push_back(std::make_unique<proxy::rdp::front_end>(
        context.io.get_executor(), context.current_config,
        proxy::rdp::front_end::parts{gate, sessions, events, context.sessions_allowed}));
    apps = std::make_unique<apps::app_front_end>(
        context.io.get_executor(), context.current_config,
        apps::app_front_end::parts{gate, sessions, events, context.sessions_allowed, clk});
    terminal = std::make_unique<terminal::terminal_front_end>(
        context.io.get_executor(), context.current_config,
        terminal::terminal_front_end::parts{gate, sessions, events, context.sessions_allowed,
                                            context.current_ca});
    sftp = std::make_unique<websftp::sftp_front_end>(
        context.io.get_executor(), context.current_config,
        websftp::sftp_front_end::parts{gate, sessions, events, context.sessions_allowed,
                                       context.current_ca});
  }
  front_end_context context;
  proxy::session::refusal_tally refusals;  // outlives the front ends' event sinks
  proxy::session::service_gate gate;
  proxy::ssh::service_own_commands own;
  proxy::session::registry sessions;  // outlives the front ends (declared before the list)
  std::vector<std::unique_ptr<proxy::session::front_end>> list;
  system_clock clk;
  std::unique_ptr<apps::app_front_end> apps;               // fed by the web service, not a listener
  std::unique_ptr<terminal::terminal_front_end> terminal;  // the same
  std::unique_ptr<websftp::sftp_front_end> sftp;           // the same
};

front_ends::front_ends(front_end_context context)
    : impl_(std::make_unique<impl>(std::move(context))) {}
front_ends::~front_ends() = default;

bool front_ends::accept(const std::string& listener, int fd, const std::string& peer) {
  for (auto& f : impl_->list) {
    if (f->listener() != listener) continue;
    f->accept(fd, peer);  // the front end owns the fd from here, also when it turns it away
    return true;
  }
  return false;
}

boost::json::array front_ends::sessions() const { return impl_->sessions.list(); }

bool front_ends::kill(const std::string& session_id, const std::string& by) {
  return impl_->sessions.kill(session_id, by);
}

void front_ends::stop_all() { impl_->sessions.shut_all(); }

void front_ends::store_lost(config::store_loss on_loss) {
  const auto live = impl_->sessions.size() - impl_->sessions.held();
  if (on_loss == config::store_loss::keep) {
    spdlog::warn("store lost: {} live sessions go on (on_store_loss: keep), {} held wait", live,
                 impl_->sessions.held());
    return;
  }
  const std::string text = "Session ended: " + std::string(policy::store_unreachable_text) +
                           " (on_store_loss: terminate)";
  auto ended = impl_->sessions.shut_live({text, "store unreachable (on_store_loss: terminate)"});
  spdlog::warn("store lost: ended {} live sessions (on_store_loss: terminate), {} held wait",
               ended, impl_->sessions.held());
}

std::size_t front_ends::held() const { return impl_->sessions.held(); }

apps::app_front_end& front_ends::http_apps() { return *impl_->apps; }
terminal::terminal_front_end& front_ends::web_terminal() { return *impl_->terminal; }
websftp::sftp_front_end& front_ends::web_sftp() { return *impl_->sftp; }

std::string front_ends::refusal_metrics(const std::string& instance) const {
  return impl_->refusals.prometheus(instance);
}

void front_ends::count_refusal(const std::string& protocol, const std::string& reason) {
  impl_->refusals.count(protocol, reason);
}

}  // namespace gatehouse::daemon
