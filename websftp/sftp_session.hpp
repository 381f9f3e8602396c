#pragma once
// One web SFTP session (issue 18): a person's file browser on ACCOUNT@SERVER, an `sftp`
// subsystem channel on the SSH gate's own upstream leg (terminal/web_leg: the policy's
// authorization, the pinned host key, the account's key or a per-session certificate), under
// the same grant watch, registry and audit as an `ssh` session.
//
//   checking    the gate decides (session::gate::check); no `allow` ends it with the reason;
//   connecting  the upstream logs in;  opening  a session channel, the sftp subsystem, INIT;
//   ready       requests from the front end's routes (send / wait), answered by id;
//   finished    the grant ended or was revoked, `gatehouse kill`, idle for web_sftp.idle_time, the
//               server closed, or the audit observer stopped (fail closed): every waiter gets
//               a `malformed` reply and end_text() says why; session.end.
// The SFTP client speaks the wire itself (websftp/sftp_wire) over libssh's non-blocking
// channel - libssh 0.10's sftp_* client calls block on the channel, which the one io thread
// must never do. Every byte both ways also goes through the SSH front end's own sftp_observer
// (proxy/ssh/sftp_audit), so the audit has the very sftp.* events an `sftp` client through the
// SSH gate makes (sftp.open {path, flags}, sftp.close {path, bytes_read, bytes_written},
// sftp.rename {path, to}, sftp.mkdir, sftp.remove, sftp.rmdir, sftp.opendir).
// Audit: session.start / session.channel / sftp.* / session.end with protocol ssh and via web.
//
// Ownership: the front end's table and the registry hold it (shared_ptr); libssh callbacks,
// timers and the routes' coroutines hold it while they use it. io_context thread only.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/object.hpp>
#include <libssh/libssh.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "terminal/browser_ssh_session.hpp"
#include "websftp/sftp_wire.hpp"

namespace gatehouse::proxy::ssh {
class sftp_observer;
}

namespace gatehouse::websftp {

using session_parts = terminal::browser_session_parts;

class sftp_session final : public std::enable_shared_from_this<sftp_session>,
                           public terminal::browser_ssh_session {
 public:
  static constexpr std::chrono::seconds answer_time{60};  // for one request

  sftp_session(boost::asio::any_io_executor executor, session_parts parts,
               std::shared_ptr<const config::config> config, std::string id,
               web::terminal_target target, std::string client);
  ~sftp_session() override;

  // Checks, connects and opens; "" once ready, else why not (the session is then finished).
  boost::asio::awaitable<std::string> open();
  bool ready() const { return phase_ == phase::ready; }
  bool finished() const { return phase_ == phase::finished; }
  // Why it ended ("access grant #3 ended: revoked by bob"); "" while it goes on.
  const std::string& end_text() const { return end_text_; }
  const web::terminal_target& target() const { return target_; }
  // The caps it runs under (web_sftp.*), from the configuration it was opened with.
  const config::web_sftp_settings& settings() const { return config_->web_sftp; }

  // Queues a request; its id to wait() for, or nullopt once finished.
  std::optional<std::uint32_t> send(std::uint8_t type, std::string_view body);
  // Its reply; `malformed` when the session ended or the server did not answer in time.
  boost::asio::awaitable<reply> wait(std::uint32_t id);
  // send() then wait().
  boost::asio::awaitable<reply> call(std::uint8_t type, std::string body);
  // Drops the replies of requests nobody will wait for (a download the browser left).
  void forget(std::uint32_t id);
  // The grant's warnings so far (5 and 1 minute before its end), for the page's event stream.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Returns once a warning is added or the session finishes, or after `most`.
  boost::asio::awaitable<void> news(std::chrono::seconds most);
  void count_transfer(std::uint64_t in, std::uint64_t out) { bytes_in_ += in, bytes_out_ += out; }

  std::optional<boost::json::object> describe() const override;

 private:
  enum class phase { checking, connecting, opening, ready, finished };

  void on_decision(const proxy::session::decision& d);
  void step();
  bool open_channel();  // false while libssh wants to be called again
  void pump();          // writes what is queued, reads and dispatches replies
  void on_packet(const std::string& packet);
  void started();
  void touch();
  void tell_news();  // wakes every news() waiter
  void close(const std::string& text, const std::string& log_reason) override;
  std::function<void()> waker();

  phase phase_ = phase::checking;
  std::string end_text_;

  int open_step_ = 0;
  bool channel_open_ = false;
  bool stepping_ = false;
  std::unique_ptr<proxy::ssh::sftp_observer> observer_;

  std::string outgoing_;  // framed requests not yet taken by the channel
  packet_splitter incoming_;
  std::uint32_t next_id_ = 0;
  std::set<std::uint32_t> expected_;        // sent, answer still wanted
  std::map<std::uint32_t, reply> replies_;  // arrived, not yet taken
  std::map<std::uint32_t, boost::asio::steady_timer*> waiters_;
  std::vector<std::string> warnings_;
  std::vector<std::shared_ptr<boost::asio::steady_timer>> news_;

  boost::asio::steady_timer opened_;  // wakes open() when ready or finished
  boost::asio::steady_timer idle_;
};

}  // namespace gatehouse::websftp
