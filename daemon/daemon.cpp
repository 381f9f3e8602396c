#include "daemon/daemon.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <random>
#include <variant>
#include <vector>

#include "admin/router.hpp"
#include "admin/unix_http_server.hpp"
#include "approval/links.hpp"
#include "audit/trail.hpp"
#include "certs/certificate_authority.hpp"
#include "config/key_file_modes.hpp"
#include "config/loader.hpp"
#include "config/store_url.hpp"
#include "core/json_text.hpp"
#include "core/peer_address.hpp"
#include "core/time.hpp"
#include "daemon/front_ends.hpp"
#include "daemon/sd_notify.hpp"
#include "mail/inbox_reader.hpp"
#include "mail/mail_service.hpp"
#include "mail/reply_decider.hpp"
#include "nodes/node_presence.hpp"
#include "nodes/node_views.hpp"
#include "operations/operations.hpp"
#include "policy/access_service.hpp"
#include "policy/async/gate_service.hpp"
#include "proxy/listener.hpp"
#include "proxy/ssh/host_keys.hpp"
#include "storage/open_storage.hpp"
#include "web/web_service.hpp"

namespace gatehouse::daemon {

namespace asio = boost::asio;

namespace {
std::string endpoint_text(const config::endpoint& e) {
  return e.host + ":" + std::to_string(e.port);
}

// Held connections and sessions are file descriptors: take the hard limit as the soft one.
void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}
}  // namespace

class daemon::impl final : public admin::daemon_control, public operations::session_control {
 public:
  impl(std::shared_ptr<const config::config> initial, std::string config_path)
      : config_(std::move(initial)),
        config_path_(std::move(config_path)),
        signals_(io_, SIGINT, SIGTERM, SIGHUP),
        watchdog_(io_),
        audit_sync_(io_),
        audit_(config_->audit, config_->instance_name) {}

  int run() {
    raise_fd_limit();
    if (auto error = start(); !error.empty()) {
      spdlog::critical("{}", error);
      return 1;
    }
    started_ = std::chrono::steady_clock::now();
    wait_for_signal();
    feed_watchdog();
    sync_audit_every_second();
    notify_ready();
    spdlog::info("gatehoused {} ready: instance {}, configuration {}", GATEHOUSE_VERSION,
                 config_->instance_name, config_path_);
    io_.run();
    spdlog::info("gatehoused stopped");
    return 0;
  }

  boost::json::object status() const override {
    boost::json::object listeners;
    for (const auto& l : listeners_) {
      auto ep = l->local_endpoint();
      listeners[l->name()] = ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    listeners["admin"] = config_->listen.admin.socket;
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - started_);
    return {
        {"instance_name", config_->instance_name},
        {"version", GATEHOUSE_VERSION},
        {"pid", static_cast<std::int64_t>(::getpid())},
        {"config_file", config_path_},
        {"config_loaded_at", format_rfc3339(config_loaded_at_)},
        {"reloads", reloads_},
        {"uptime_seconds", uptime.count()},
        {"store", config::shown_store_url(config_->store)},  // never its password
        {"watchers", static_cast<std::int64_t>(gate_->watcher_count())},
        {"listeners", std::move(listeners)},
        {"audit", audit_.status()},
        {"node", presence_ ? presence_->id() : std::string()},
        {"nodes", presence_ ? nodes::nodes_view(*presence_, clock_.now()) : boost::json::array()}};
  }

  std::string reload(const std::string& by) override {
    notify_reloading();
    auto loaded = config::load_file(config_path_);
    std::string outcome;
    std::shared_ptr<const certs::certificate_authority> fresh_ca;
    if (!loaded.problems.empty()) {
      for (const auto& p : loaded.problems) spdlog::error("reload: {}", p.to_string());
      outcome = config_path_ + ": " + std::to_string(loaded.problems.size()) +
                " problem(s), first: " + loaded.problems.front().to_string() +
                "; the running configuration stays in force";
      spdlog::error("reload refused: {}", outcome);
    } else if (auto e = load_ca(*loaded.value, fresh_ca); !e.empty()) {
      outcome = e + "; the running configuration stays in force";
      spdlog::error("reload refused: {}", outcome);
    } else {
      ca_ = std::move(fresh_ca);
      warn_about_restart_only_changes(*loaded.value);
      for (const auto& w : config::exposed_key_files(*loaded.value))
        spdlog::warn("reload: {}: only the daemon's user should read it", w);
      config_ = loaded.value;
      shared_config_.store(config_);
      shared_ca_.store(ca_);
      access_->set_config(config_);
      if (mail_) mail_->set_config(config_);
      config_loaded_at_ = clock_.now();
      ++reloads_;
      audit_.apply(config_->audit);
      spdlog::info("config.reloaded: {} (requested by {})", config_path_, by);
    }
    policy::audit_event e{outcome.empty() ? "config.reloaded" : "config.reload_refused",
                          clock_.now(),
                          {{"actor", by}, {"file", config_path_}},
                          {}};
    if (!outcome.empty()) e.fields["reason"] = outcome;
    audit_.record(e);
    notify_ready();
    return outcome;
  }

  std::vector<std::string> trusted_ca_lines() const override {
    return ca_ ? ca_->trusted_lines() : std::vector<std::string>{};
  }

 private:
  // The user CA of `c` (ssh.ca_key) into `out`; why not, or "" (also when none is configured).
  static std::string load_ca(const config::config& c,
                             std::shared_ptr<const certs::certificate_authority>& out) {
    out = nullptr;
    if (c.ssh.ca_keys.empty()) return {};
    auto loaded = certs::certificate_authority::load(c.ssh.ca_keys);
    if (auto* why = std::get_if<std::string>(&loaded)) return "ssh.ca_key: " + *why;
    out = std::get<std::shared_ptr<const certs::certificate_authority>>(loaded);
    return {};
  }

  // Binds every listener and opens every resource; the first failure is fatal.
  std::string start() {
    if (auto e = load_ca(*config_, ca_); !e.empty()) return e;
    shared_config_.store(config_);
    shared_ca_.store(ca_);
    auto opened = storage::open_storage(config_->store);
    if (!opened) return opened.message();
    storage_ = std::move(*opened);
    if (config_->listen.http)
      if (auto e = start_web(); !e.empty()) return e;
    approval::links& links = web_ ? web_->links() : static_cast<approval::links&>(no_links_);
    if (!config_->mail.smtp.empty()) {
      auto mail = mail::mail_service::start(config_, *storage_.outbox, links, clock_,
                                            storage_.tokens.get());
      if (!mail) return mail.message();
      mail_ = std::move(*mail);
    }
    policy::notifier& notifier = mail_ ? mail_->notifier() : log_notifier_;
    access_ = std::make_unique<policy::access_service>(config_, *storage_.store, audit_, notifier,
                                                       clock_);
    gate_ = std::make_unique<policy::gate_service>(io_, *access_, *storage_.store, clock_);
    operations_ = std::make_unique<operations::service>(  // kill: front_ends_
        *gate_, *this, operations::http_token_issuing{*storage_.tokens, audit_, clock_});
    front_ends_ = std::make_unique<front_ends>(
        front_end_context{io_, [this] { return shared_config_.load(); }, *gate_, *operations_,
                          audit_, [this] { return audit_.sessions_allowed(); },
                          [this] { return shared_ca_.load(); }, config_->workers});
    router_ = std::make_unique<admin::router>(*this, *operations_, &audit_);
    if (mail_ && !config_->mail.inbox.empty()) start_inbox();
    // Only a store that can be lost while the daemon runs tells (PostgreSQL; SQLite never does).
    gate_->on_store_reachability([this](bool reachable) {
      if (!reachable) front_ends_->store_lost(config_->on_store_loss);
    });

    const auto& listen = config_->listen;
    if (listen.ssh) {
      if (auto problems = proxy::ssh::check_host_keys(listen.ssh->host_keys); !problems.empty())
        return problems.front();
      if (auto e = add_listener(listen.ssh->address, "ssh"); !e.empty()) return e;
    }
    if (listen.rdp)
      if (auto e = add_listener(listen.rdp->address, "rdp"); !e.empty()) return e;
    if (listen.http) {
      web_->set_terminal(&front_ends_->web_terminal());
      web_->set_sftp(&front_ends_->web_sftp());
      web_->attach(
          *gate_, *operations_, [this] { return held_connections(); }, mail_.get(),
          [this] { return front_ends_->refusal_metrics(config_->instance_name); },
          &front_ends_->http_apps());
      if (auto e = add_listener(listen.http->address, "http"); !e.empty()) return e;
    }

    auto admin = admin::unix_http_server::bind(
        io_.get_executor(), listen.admin.socket, listen.admin.group,
        [this](const admin::http_request& r) { return router_->handle(r); });
    if (auto* e = std::get_if<std::string>(&admin)) return *e;
    admin_ = std::move(std::get<0>(admin));
    admin_->start();
    gate_->start();
    start_presence();
    if (auto e = audit_.start_syslog(io_, config_->audit.syslog, config_->audit.syslog_ca_file);
        !e.empty())
      spdlog::error("{}; audit events are not forwarded", e);
    config_loaded_at_ = clock_.now();
    return {};
  }

  // This daemon as a node of its store (nodes/node_presence): an id of its own per run.
  void start_presence() {
    nodes::node_record me;
    std::random_device rd;
    constexpr char hex[] = "0123456789abcdef";
    std::string suffix;
    for (int i = 0; i < 8; ++i) suffix += hex[rd() % 16];
    me.id = config_->instance_name + "-" + suffix;
    me.instance_name = config_->instance_name;
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0) me.host = host;
    for (const auto& l : listeners_) {
      auto ep = l->local_endpoint();
      if (!me.addresses.empty()) me.addresses += " ";
      me.addresses += l->name() + "=" + ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    me.version = GATEHOUSE_VERSION;
    me.pid = ::getpid();
    me.started = clock_.now();
    me.heartbeat = me.started;
    presence_ = std::make_unique<nodes::node_presence>(
        *storage_.nodes, std::move(me),
        nodes::presence_hooks{
            [this](std::function<void()> work) { asio::post(io_, std::move(work)); },
            [this] { return json_serialize(front_ends_->sessions()); },
            [this](const std::string& id, const std::string& by) {
              return front_ends_->kill(id, by);
            }},
        clock_);
    presence_->start();
  }

  std::string start_web() {
    auto web = web::web_service::create(web::web_service_context{
        io_.get_executor(), config_, [this] { return config_; }, clock_, *storage_.tokens});
    if (auto* e = std::get_if<std::string>(&web)) return *e;
    web_ = std::move(std::get<0>(web));
    return {};
  }

  std::size_t held_connections() const { return front_ends_->held(); }

  std::string add_listener(const config::endpoint& where, const std::string& name) {
    auto bound = proxy::tcp_listener::bind(io_.get_executor(), where, name);
    if (auto* e = std::get_if<std::string>(&bound)) return *e;
    auto& listener = listeners_.emplace_back(std::move(std::get<0>(bound)));
    auto on_accept = [this, name](asio::ip::tcp::socket socket, std::string peer) {
      if (name == "http") return web_->accept(std::move(socket), std::move(peer));
      boost::system::error_code ec;
      int fd = socket.release(ec);
      if (ec) return;
      if (!front_ends_->accept(name, fd, peer)) {
        spdlog::debug("{} listener: no front end serves it yet; closing {}", name, peer);
        ::close(fd);
      }
    };
    // listen.NAME.proxy_protocol_from of the configuration in force at each accept.
    auto from_balancer = [this, name](const std::string& ip) {
      const auto& l = config_->listen;
      const std::vector<std::string>* balancers =
          name == "ssh"   ? (l.ssh ? &l.ssh->proxy_protocol_from : nullptr)
          : name == "rdp" ? (l.rdp ? &l.rdp->proxy_protocol_from : nullptr)
                          : (l.http ? &l.http->proxy_protocol_from : nullptr);
      if (!balancers) return false;
      return std::any_of(balancers->begin(), balancers->end(),
                         [&](const std::string& net) { return network_contains(net, ip); });
    };
    listener->start(std::move(on_accept),
                    {std::move(from_balancer),
                     [this, name] { front_ends_->count_refusal(name, "no valid PROXY header"); }});
    spdlog::info("{} listener on {}", name, endpoint_text(where));
    return {};
  }

  void warn_about_restart_only_changes(const config::config& next) const {
    auto text = [](const auto& opt) {
      return opt ? endpoint_text(opt->address) : std::string("off");
    };
    const auto& a = config_->listen;
    const auto& b = next.listen;
    if (text(a.ssh) != text(b.ssh) || text(a.rdp) != text(b.rdp) || text(a.http) != text(b.http) ||
        a.admin.socket != b.admin.socket || a.admin.group != b.admin.group)
      spdlog::warn("reload: listener addresses changed; they take effect at the next restart");
    if (config_->workers != next.workers)
      spdlog::warn("reload: workers changed; it takes effect at the next restart");
    const auto& m = config_->mail;
    const auto& n = next.mail;
    if (m.inbox != n.inbox || m.inbox_user != n.inbox_user ||
        m.inbox_password != n.inbox_password || m.inbox_ca_file != n.inbox_ca_file ||
        m.inbox_poll != n.inbox_poll)
      spdlog::warn("reload: the mail.inbox settings changed; they take effect at the next restart");
  }

  void wait_for_signal() {
    signals_.async_wait([this](boost::system::error_code ec, int signo) {
      if (ec) return;
      if (signo == SIGHUP) {
        spdlog::info("SIGHUP: reloading {}", config_path_);
        audit_.reopen();
        reload("SIGHUP");
        wait_for_signal();
        return;
      }
      spdlog::info("{}: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
      stop();
    });
  }

  void feed_watchdog() {
    auto interval = watchdog_interval();
    if (!interval) return;
    notify_watchdog();
    watchdog_.expires_after(*interval);
    watchdog_.async_wait([this](boost::system::error_code ec) {
      if (!ec) feed_watchdog();
    });
  }

  void sync_audit_every_second() {
    audit_.flush();
    audit_sync_.expires_after(std::chrono::seconds(1));
    audit_sync_.async_wait([this](boost::system::error_code ec) {
      if (!ec) sync_audit_every_second();
    });
  }

  boost::json::array sessions() const override {
    if (!presence_) return front_ends_->sessions();
    return nodes::sessions_everywhere(front_ends_->sessions(), *presence_, clock_.now());
  }
  std::optional<admin::http_reply> kill_elsewhere(const std::string& id,
                                                  const std::string& by) override {
    if (!presence_) return std::nullopt;
    auto owner = presence_->owner_of(id);
    if (!owner) return std::nullopt;
    admin::http_reply reply{202, {}};
    reply.off_thread = [presence = presence_.get(), node = owner->id, id, by] {
      constexpr auto wait = std::chrono::seconds(5);
      auto outcome = presence->kill_elsewhere(node, id, by, wait);
      auto fail = [](int status, const std::string& why) {
        return admin::http_reply{status, json_serialize(boost::json::object{{"error", why}})};
      };
      if (!outcome)
        return fail(
            503, "cannot order node " + node + " to end session " + id + ": " + outcome.message());
      if (*outcome == nodes::kill_outcome::unknown_session)
        return fail(404, "no live session " + id + " (node " + node + " no longer holds it)");
      if (*outcome == nodes::kill_outcome::pending)
        return fail(504, "session " + id + " lives on node " + node +
                             ", which did not confirm the kill within 5s; it may still end");
      return admin::http_reply{200,
                               json_serialize(boost::json::object{{"killed", id}, {"node", node}})};
    };
    return reply;
  }
  std::string audit_log_path() const override { return config_->audit.log; }
  audit::verify_options audit_verify_options() const override {
    return audit_.verify_options_now();
  }
  bool kill(const std::string& id, const std::string& by) override {
    return front_ends_->kill(id, by);
  }

  // Approval by reply: the inbox thread fetches, the io thread decides (mail/reply_decider).
  // The inbox settings are those of the start (a reload changes the rules, not the inbox).
  void start_inbox() {
    inbox_ = std::make_unique<mail::inbox_reader>(
        [settings = config_->mail] { return settings; },
        [this](std::string raw) {
          asio::post(io_, [this, raw = std::move(raw)] {
            mail::decide_by_reply({[this] { return config_; }, *operations_, *storage_.tokens,
                                   audit_, *mail_, clock_},
                                  raw);
          });
        });
    inbox_->start();
    spdlog::info("mail: reading replies from the inbox every {}s",
                 config_->mail.inbox_poll.count());
  }

  void stop() {
    if (inbox_) inbox_->stop();  // nothing more is posted to decide
    notify_stopping();
    for (auto& l : listeners_) l->stop();
    if (admin_) admin_->stop();
    if (web_) web_->stop();
    front_ends_->stop_all();
    if (presence_) presence_->stop();  // marks this node gone
    gate_->stop();
    audit_.seal();  // the final checkpoint, while syslog still forwards it
    audit_.stop_syslog();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    watchdog_.cancel();
    audit_sync_.cancel();
    audit_.flush();
    if (mail_) mail_->stop();  // bounded; unsent mail stays in the outbox
    io_.stop();
  }

  asio::io_context io_{1};
  std::shared_ptr<const config::config> config_;
  std::shared_ptr<const certs::certificate_authority> ca_;  // ssh.ca_key; null = none
  // What the front ends read on every io thread (`workers`): config_ and ca_, stored again
  // at each reload.
  std::atomic<std::shared_ptr<const config::config>> shared_config_;
  std::atomic<std::shared_ptr<const certs::certificate_authority>> shared_ca_;
  std::string config_path_;
  asio::signal_set signals_;
  asio::steady_timer watchdog_;
  asio::steady_timer audit_sync_;
  system_clock clock_;
  audit::trail audit_;
  policy::log_notifier log_notifier_;
  approval::no_links no_links_;            // without listen.http: mail carries no links
  storage::stores storage_;                // the store, the token store and the outbox
  std::unique_ptr<web::web_service> web_;  // issues the links mail carries
  std::unique_ptr<mail::mail_service> mail_;
  std::unique_ptr<mail::inbox_reader> inbox_;  // mail.inbox: replies that decide
  std::unique_ptr<policy::access_service> access_;
  std::unique_ptr<policy::gate_service> gate_;
  std::unique_ptr<operations::service> operations_;
  std::unique_ptr<front_ends> front_ends_;
  std::unique_ptr<nodes::node_presence> presence_;  // heartbeats; stopped before front_ends_ go
  std::unique_ptr<admin::router> router_;
  std::vector<std::unique_ptr<proxy::tcp_listener>> listeners_;
  std::unique_ptr<admin::unix_http_server> admin_;
  time_point config_loaded_at_{};
  std::chrono::steady_clock::time_point started_{};
  std::int64_t reloads_ = 0;
};

daemon::daemon(std::shared_ptr<const config::config> initial, std::string config_path)
    : impl_(std::make_unique<impl>(std::move(initial), std::move(config_path))) {}
daemon::~daemon() = default;
int daemon::run() { return impl_->run(); }

}  // namespace gatehouse::daemon
