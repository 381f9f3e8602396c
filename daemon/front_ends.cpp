#include "daemon/front_ends.hpp"

#include <pthread.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "apps/app_front_end.hpp"
#include "core/time.hpp"
#include "policy/async/gate_service.hpp"
#include "policy/store_reachability.hpp"
#include "proxy/rdp/front_end.hpp"
#include "proxy/rdp/rdp_file_for.hpp"
#include "proxy/session/audit_events.hpp"
#include "proxy/session/lane_gate.hpp"
#include "proxy/session/refusal_tally.hpp"
#include "proxy/session/registry.hpp"
#include "proxy/session/service_gate.hpp"
#include "proxy/ssh/front_end.hpp"
#include "proxy/ssh/service_own_commands.hpp"
#include "terminal/terminal_front_end.hpp"
#include "websftp/sftp_front_end.hpp"

namespace gatehouse::daemon {

namespace asio = boost::asio;

namespace {

proxy::ssh::rdp_file_maker rdp_files(policy::gate_service& service) {
  return
      [&service](const std::string& person, const std::string& server, std::chrono::seconds valid) {
        auto file = proxy::rdp::rdp_file_for(service, person, server, valid);
        return proxy::ssh::rdp_file_text{file.text, file.error};
      };
}

// The own commands of the connections on a further io thread: run on the control thread
// (operations and gate_service live there), answered on the connection's.
class lane_own_commands final : public proxy::ssh::own_commands {
 public:
  lane_own_commands(proxy::ssh::service_own_commands& inner, asio::any_io_executor control,
                    asio::any_io_executor lane)
      : inner_(inner), control_(std::move(control)), lane_(std::move(lane)) {}

  void own_view_async(const std::string& person, std::function<void(std::string)> done) override {
    asio::post(control_, [this, person, done = std::move(done)]() mutable {
      asio::post(lane_, [done = std::move(done), view = inner_.own_view(person)]() mutable {
        done(std::move(view));
      });
    });
  }
  void run_command_async(const std::string& person, std::vector<std::string> args,
                         std::function<void(proxy::ssh::command_result)> done) override {
    asio::post(control_, [this, person, args = std::move(args), done = std::move(done)]() mutable {
      asio::post(lane_,
                 [done = std::move(done), result = inner_.run_command(person, args)]() mutable {
                   done(std::move(result));
                 });
    });
  }

 private:
  proxy::ssh::service_own_commands& inner_;
  asio::any_io_executor control_;
  asio::any_io_executor lane_;
};

// One io thread's SSH and RDP front ends with their registry. The first runs on the daemon's
// io_context (the control thread); the others on an io_context and a thread of their own,
// with a lane_gate and lane_own_commands that carry their questions to the control thread.
struct lane {
  std::unique_ptr<asio::io_context> own_io;  // null for the first (declared first: goes last)
  asio::io_context* io = nullptr;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
  std::unique_ptr<proxy::session::lane_gate> lane_gate;
  std::unique_ptr<lane_own_commands> lane_own;
  proxy::session::registry sessions;  // outlives the front ends (declared before the list)
  std::vector<std::unique_ptr<proxy::session::front_end>> list;

  bool on_control() const { return own_io == nullptr; }
};

// Runs `f` on the lane's thread and returns its result; the control thread waits (the lanes
// never wait for it, so this cannot deadlock).
template <class F>
auto on_lane(lane& l, F f) -> decltype(f()) {
  if (l.on_control()) return f();
  std::packaged_task<decltype(f())()> task(std::move(f));
  auto result = task.get_future();
  asio::post(*l.io, [&task] { task(); });
  return result.get();
}

}  // namespace

// The front ends over the daemon's gate_service; the HTTP front end (apps), the terminal and
// web SFTP are fed by the web service's listener, on the control thread.
struct front_ends::impl {
  explicit impl(front_end_context c)
      : context(std::move(c)),
        gate(context.gate),
        own(context.operations, rdp_files(context.gate)) {
    auto events = proxy::session::audit_event_sink(context.audit, &refusals);
    const unsigned workers = std::max(1u, context.workers);
    std::shared_ptr<proxy::ssh::source_limits> ssh_limits;
    std::shared_ptr<proxy::rdp::source_limits> rdp_limits;
    for (unsigned i = 0; i < workers; ++i) {
      auto& l = *lanes.emplace_back(std::make_unique<lane>());
      proxy::session::gate* lane_gate = &gate;
      proxy::ssh::own_commands* lane_own = &own;
      if (i == 0) {
        l.io = &context.io;
      } else {
        l.own_io = std::make_unique<asio::io_context>(1);
        l.io = l.own_io.get();
        // Its reactor's descriptors (epoll, eventfd, timerfd) now rather than at the first
        // connection, so the daemon's descriptor count does not move with the load.
        asio::steady_timer make_reactor(*l.io);
        l.lane_gate = std::make_unique<proxy::session::lane_gate>(gate, context.io.get_executor(),
                                                                  l.io->get_executor());
        l.lane_own = std::make_unique<lane_own_commands>(own, context.io.get_executor(),
                                                         l.io->get_executor());
        lane_gate = l.lane_gate.get();
        lane_own = l.lane_own.get();
      }
      auto ssh = std::make_unique<proxy::ssh::front_end>(
          l.io->get_executor(), context.current_config,
          proxy::ssh::front_end::parts{*lane_gate, *lane_own, l.sessions, events,
                                       context.sessions_allowed, context.current_ca, ssh_limits,
                                       i});
      ssh_limits = ssh->limits();
      auto rdp = std::make_unique<proxy::rdp::front_end>(
          l.io->get_executor(), context.current_config,
          proxy::rdp::front_end::parts{*lane_gate, l.sessions, events, context.sessions_allowed,
                                       rdp_limits, i});
      rdp_limits = rdp->limits();
      l.list.push_back(std::move(ssh));
      l.list.push_back(std::move(rdp));
    }
    auto& first = *lanes.front();
    apps = std::make_unique<apps::app_front_end>(
        context.io.get_executor(), context.current_config,
        apps::app_front_end::parts{gate, first.sessions, events, context.sessions_allowed, clk});
    terminal = std::make_unique<terminal::terminal_front_end>(
        context.io.get_executor(), context.current_config,
        terminal::terminal_front_end::parts{gate, first.sessions, events, context.sessions_allowed,
                                            context.current_ca});
    sftp = std::make_unique<websftp::sftp_front_end>(
        context.io.get_executor(), context.current_config,
        websftp::sftp_front_end::parts{gate, first.sessions, events, context.sessions_allowed,
                                       context.current_ca});
    for (unsigned i = 1; i < workers; ++i) {
      auto& l = *lanes[i];
      l.work.emplace(l.io->get_executor());
      l.thread = std::thread([io = l.io, i] {
        auto name = "gh-worker-" + std::to_string(i);
        ::pthread_setname_np(::pthread_self(), name.c_str());
        io->run();
      });
    }
    if (workers > 1) spdlog::info("front ends: {} io threads (workers)", workers);
  }

  ~impl() {
    // Each further thread ends its front ends (and so their sessions) itself, then stops.
    for (auto& l : lanes) {
      if (l->on_control()) continue;
      asio::post(*l->io, [&l = *l] {
        l.list.clear();
        l.io->stop();
      });
      l->work.reset();
      if (l->thread.joinable()) l->thread.join();
    }
  }

  front_end_context context;
  proxy::session::refusal_tally refusals;  // outlives the front ends' event sinks
  proxy::session::service_gate gate;
  proxy::ssh::service_own_commands own;
  std::vector<std::unique_ptr<lane>> lanes;  // [0]: the control thread's
  std::size_t next_lane = 0;                 // the lane of the next accepted connection
  system_clock clk;
  std::unique_ptr<apps::app_front_end> apps;               // fed by the web service, not a listener
  std::unique_ptr<terminal::terminal_front_end> terminal;  // the same
  std::unique_ptr<websftp::sftp_front_end> sftp;           // the same
};

front_ends::front_ends(front_end_context context)
    : impl_(std::make_unique<impl>(std::move(context))) {}
front_ends::~front_ends() = default;

bool front_ends::accept(const std::string& listener, int fd, const std::string& peer) {
  auto& l = *impl_->lanes[impl_->next_lane++ % impl_->lanes.size()];
  for (auto& f : l.list) {
    if (f->listener() != listener) continue;
    // The front end owns the fd from here, also when it turns it away.
    if (l.on_control())
      f->accept(fd, peer);
    else
      asio::post(*l.io, [f = f.get(), fd, peer] { f->accept(fd, peer); });
    return true;
  }
  return false;
}

boost::json::array front_ends::sessions() const {
  boost::json::array all;
  for (auto& l : impl_->lanes)
    for (auto& s : on_lane(*l, [&l] { return l->sessions.list(); })) all.push_back(std::move(s));
  return all;
}

bool front_ends::kill(const std::string& session_id, const std::string& by) {
  for (auto& l : impl_->lanes)
    if (on_lane(*l, [&] { return l->sessions.kill(session_id, by); })) return true;
  return false;
}

void front_ends::stop_all() {
  for (auto& l : impl_->lanes) on_lane(*l, [&l] { l->sessions.shut_all(); });
}

void front_ends::store_lost(config::store_loss on_loss) {
  std::size_t live = 0, held_now = held();
  for (auto& l : impl_->lanes)
    live += on_lane(*l, [&l] { return l->sessions.size() - l->sessions.held(); });
  if (on_loss == config::store_loss::keep) {
    spdlog::warn("store lost: {} live sessions go on (on_store_loss: keep), {} held wait", live,
                 held_now);
    return;
  }
  const std::string text = "Session ended: " + std::string(policy::store_unreachable_text) +
                           " (on_store_loss: terminate)";
  std::size_t ended = 0;
  for (auto& l : impl_->lanes)
    ended += on_lane(*l, [&] {
      return l->sessions.shut_live({text, "store unreachable (on_store_loss: terminate)"});
    });
  spdlog::warn("store lost: ended {} live sessions (on_store_loss: terminate), {} held wait", ended,
               held_now);
}

std::size_t front_ends::held() const {
  std::size_t n = 0;
  for (auto& l : impl_->lanes) n += on_lane(*l, [&l] { return l->sessions.held(); });
  return n;
}

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
