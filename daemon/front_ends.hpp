#pragma once
// The protocol front ends as the daemon sees them: per io thread (`workers`; docs/
// architecture.md "Threads") a list of proxy::session::front_end, each serving the listener of
// its name, over that thread's gate and session registry; the HTTP front ends (apps, the
// browser terminal, web SFTP), which the web service feeds, on the first. Only building the
// lists knows the protocols. The daemon owns one `front_ends` and calls it on its io thread
// (the control thread); it hands each accepted connection to the threads in turn and asks
// every thread for `gatehouse sessions`, `kill` and shutdown (waiting for their answers: the
// further threads never wait for the control thread). The threads start with the object and
// are joined when it goes.
#include <boost/json/array.hpp>

#include <functional>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace boost::asio {
class io_context;
}
namespace boost::asio::ip {
class tcp;
}

namespace gatehouse::policy {
class gate_service;
class audit_sink;
}  // namespace gatehouse::policy

namespace gatehouse::operations {
class service;
}
namespace gatehouse::apps {
class app_front_end;
}
namespace gatehouse::terminal {
class terminal_front_end;
}
namespace gatehouse::websftp {
class sftp_front_end;
}
namespace gatehouse::certs {
class certificate_authority;
}

namespace gatehouse::daemon {

struct front_end_context {
  boost::asio::io_context& io;
  // The configuration in force now (a reload swaps it; sessions keep the one they started with).
  std::function<std::shared_ptr<const config::config>()> current_config;
  policy::gate_service& gate;
  operations::service& operations;  // the SSH own commands' actions
  policy::audit_sink& audit;        // where session, auth, exec and sftp events go
  // False while the audit trail cannot record new sessions (audit.on_write_failure: refuse).
  std::function<bool()> sessions_allowed;
  // The gate's user CA in force (ssh.ca_key, loaded at start and reload); null = none.
  std::function<std::shared_ptr<const certs::certificate_authority>()> current_ca;
  // io threads for the SSH and RDP connections (config `workers`, read at start): the daemon's
  // own (`io`) and workers - 1 more.
  unsigned workers = 1;
};

class front_ends {
 public:
  explicit front_ends(front_end_context context);
  ~front_ends();

  // Takes ownership of an accepted connection's file descriptor (the socket was released from
  // Asio) for the front end serving `listener`. Returns false when none serves it.
  bool accept(const std::string& listener, int fd, const std::string& peer);

  boost::json::array sessions() const;  // SPEC's session objects
  bool kill(const std::string& session_id, const std::string& by);
  void stop_all();  // SIGTERM: end every session and hold cleanly
  // The access store was lost (gate_service::on_store_reachability): live sessions go on
  // (on_store_loss: keep) or are ended at once with the reason (terminate); holds wait.
  void store_lost(config::store_loss on_loss);
  std::size_t held() const;  // connections held waiting for a decision, every protocol
  // gatehouse_connections_refused_total (Prometheus text): refusals since start, by protocol
  // and deny reason.
  std::string refusal_metrics(const std::string& instance) const;
  // The HTTP front end (gated web apps): the web service hands it the app hosts' connections.
  apps::app_front_end& http_apps();
  // The browser terminal, also fed by the web service's listener.
  terminal::terminal_front_end& web_terminal();
  // The web SFTP, fed by the web service's listener too.
  websftp::sftp_front_end& web_sftp();
  // A connection the listener turned away before any front end saw it (a balancer's without a
  // valid PROXY header), counted with the front ends' refusals.
  void count_refusal(const std::string& protocol, const std::string& reason);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace gatehouse::daemon
