#pragma once
// One person's SSH connection through Gatehouse, from accept to close (SPEC "SSH";
// ARCHITECTURE "life of a connection"). The phases, in order:
//
//   key_exchange   libssh's server KEX on the accepted fd (login grace running);
//   authenticating public-key auth in queue mode: probes are answered, a signed request of a
//                  key listed for the person is the moment the person is known; the login
//                  name then gives the target, and the hold (proxy/session/hold.hpp) starts;
//   checking       the gate decides (the signed request stays unanswered meanwhile);
//   justifying     (justify rule, or approve with require_justification and nothing filed
//                  ahead) partial success -> keyboard-interactive prompt for a reason; a
//                  client that leaves without answering (BatchMode) is refused, audited;
//   holding        (approve rule) the signed request stays unanswered while banners and
//                  SSH_MSG_IGNORE keep the client waiting, until the hold ends;
//   connecting     the upstream leg logs in with the hold's authorization (the person still
//                  waits at auth, so a failure can be told in words); then auth success;
//   relaying       channels are relayed until the client or the target leaves, the grant
//                  ends or is revoked (session/grant_watch), or the session is shut;
//   own_view       `ssh person@gate`: the person's grants and requests, and exec commands;
//   finished       everything released.
// The hold decides; this file only shows it in SSH's terms (hold_view: banners, status lines,
// the justification prompt, the disconnect message).
//
// Files: connection.cpp (life, pump, teardown), connection_auth.cpp (authentication),
// connection_hold.cpp (how the hold is shown, justification), connection_session.cpp (after
// authentication: upstream, channels, grant end).
//
// Ownership: the front end's registry and every pending handler hold a shared_ptr; all libssh
// objects are owned here and freed in finish() in the order of research/tech.md §1.3
// (held messages and channels first, then the Asio watches, then ssh_disconnect/ssh_free).
// Everything runs on the io_context thread; libssh callbacks only record state.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "certs/person_certificate.hpp"
#include "config/config.hpp"
#include "core/counted_slots.hpp"
#include "core/peer_address.hpp"
#include "core/time.hpp"
#include "core/window_limiter.hpp"
#include "proxy/session/event_sink.hpp"
#include "proxy/session/grant_watch.hpp"
#include "proxy/session/hold.hpp"
#include "proxy/session/registry.hpp"
#include "proxy/ssh/channel_relay.hpp"
#include "proxy/ssh/login_name.hpp"
#include "proxy/ssh/own_commands.hpp"
#include "proxy/ssh/socket_watch.hpp"
#include "proxy/ssh/upstream.hpp"

namespace gatehouse::proxy::ssh {

class own_view_channel;

struct front_end_settings {
  std::chrono::seconds login_grace{30};  // accept -> person authenticated
  // SSH_MSG_IGNORE while held or connecting: well inside the 10 s the spec asks for, and
  // cheap at 10,000 held connections (a client's leaving is seen on its socket, not here).
  std::chrono::seconds keepalive{5};
  std::chrono::seconds justification_timeout{300};
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds handshake_timeout{30};
  std::size_t max_auth_attempts = 12;  // per connection (probes included)
  std::size_t max_auth_failures = 10;  // per source address within failure_window
  std::chrono::seconds failure_window{60};
  std::chrono::seconds failure_penalty{60};  // a source over the limit is refused this long
  std::size_t max_unauthenticated_per_source = 32;
};

// The limits every SSH front end of the daemon shares, whichever io thread (`workers`) serves
// a connection. Thread-safe (window_limiter, counted_slots and hold_caps lock).
struct source_limits {
  explicit source_limits(const front_end_settings& s)
      : failures(s.max_auth_failures, s.failure_window, s.failure_penalty),
        unauthenticated(s.max_unauthenticated_per_source),
        held(std::make_shared<hold_caps>(config::ssh_listener{}.max_held_per_person,
                                         config::ssh_listener{}.max_held_per_source)) {}
  window_limiter failures;          // authentication failures by source address
  counted_slots unauthenticated;    // by source address
  std::shared_ptr<hold_caps> held;  // held connections per person and per source
};

// What the connections of one listener share with their front end.
struct listener_state {
  listener_state(const front_end_settings& s, std::shared_ptr<session::hold_context> h,
                 ssh::own_commands& own, session::event_sink e,
                 std::shared_ptr<source_limits> shared_limits)
      : settings(s),
        holds(std::move(h)),
        own(own),
        events(std::move(e)),
        limits(std::move(shared_limits)),
        failures(limits->failures),
        unauthenticated(limits->unauthenticated) {}
  front_end_settings settings;
  std::shared_ptr<session::hold_context> holds;  // the gate, the held caps, paced releases
  ssh::own_commands& own;
  session::event_sink events;
  std::shared_ptr<source_limits> limits;
  unsigned worker = 0;             // the daemon's io thread these connections run on (0: the first)
  window_limiter& failures;        // authentication failures by source address
  counted_slots& unauthenticated;  // by source address
  // The gate's user CA in force (ssh.ca_key), for accounts on certificates; unset or null =
  // none loaded.
  std::function<std::shared_ptr<const certs::certificate_authority>()> ca;
};

class connection : public std::enable_shared_from_this<connection>,
                   public session::live_session,
                   private session::hold_view {
 public:
  enum class phase {
    key_exchange,
    authenticating,
    checking,
    justifying,
    holding,
    connecting,
    relaying,
    own_view,
    finished
  };

  connection(boost::asio::any_io_executor executor, std::shared_ptr<listener_state> shared,
             std::shared_ptr<const config::config> config, std::string id, std::string peer,
             std::string local);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // Adopts the accepted fd (closed on failure) and starts the key exchange. `on_finished`
  // runs once, when the connection has released everything.
  void start(ssh_bind bind, int fd, std::function<void(const std::string& id)> on_finished);
  // session::live_session: the registry's view (kill, shutdown, `gatehouse sessions`).
  void shut(const session::shut_reason& why) override;
  const std::string& id() const override { return id_; }
  // SPEC's session object, plus "state" (held, connecting, active, own_view); none before the
  // person is known and the gate has answered.
  std::optional<boost::json::object> describe() const override;
  bool held() const override { return phase_ == phase::holding; }

  phase current() const { return phase_; }

 private:
  // connection.cpp
  void run();
  void step();
  void arm();
  std::function<void()> waker();
  void confinement_broken() const;
  bool drain_messages(ssh_session s, ssh_counter counter, bool person_side);
  void close(const std::string& reason, const std::string& log_reason);
  // `linger`: end the person's socket with lingering_close (needs a running io_context).
  void finish(bool linger = true);
  void event(std::string_view name, boost::json::object fields);
  boost::json::object who() const;
  void banner(const std::string& text);
  void set_deadline(std::chrono::seconds after, std::function<void()> fire);

  // connection_auth.cpp
  void handle_message(ssh_message m);
  void handle_auth(ssh_message m);
  void handle_publickey(ssh_message m);
  void auth_failure(ssh_message m, const std::string& why);
  void on_person_known(ssh_message m);

  // connection_hold.cpp: the hold as SSH shows it (session::hold_view)
  void hold_event(std::string_view name, boost::json::object fields) override;
  void ask_justification(const session::decision& d) override;
  void holding(const session::request_status& r) override;
  void waiting(const session::request_status& r, std::chrono::seconds waited) override;
  void approved(const session::request_status& r) override;
  void released(const session::decision& d) override;
  void refused(const session::refusal& r) override;
  void tick();
  void handle_justification(ssh_message m);

  // connection_session.cpp
  void begin_upstream(const policy::authorization& a);
  certs::person_certificate_result check_certificate(const config::user& person, ssh_key key) const;
  void on_upstream_ready();
  void step_session();
  void handle_session_message(ssh_message m);
  void pause_reading(ssh_session up);
  void watch_grant_end();

  boost::asio::any_io_executor executor_;
  std::shared_ptr<listener_state> shared_;
  std::shared_ptr<const config::config> config_;
  std::string id_, peer_, source_, local_;
  std::function<void(const std::string&)> on_finished_;
  phase phase_ = phase::key_exchange;
  time_point started_;
  std::chrono::steady_clock::time_point phase_since_;

  ssh_session down_ = nullptr;
  socket_watch down_watch_;
  ssh_counter_struct down_counter_{};
  bool running_ = false, rerun_ = false, closing_ = false;
  std::thread::id thread_;  // the io thread that started it: every step runs there
  std::string close_reason_;
  std::string hold_end_ = "client_left";  // hold.end's outcome if the connection ends held

  // authentication
  std::size_t auth_attempts_ = 0;
  bool person_known_ = false;  // a listed key signed: the person is authenticated
  std::string failure_reason_;
  std::string key_fingerprint_;     // of the key, or of the key inside a person's certificate
  std::string certificate_key_id_;  // a person's certificate: its key id and serial
  std::uint64_t certificate_serial_ = 0;
  std::string user_;  // the login name as sent
  login_name login_;
  session::target target_;
  const config::server* server_ = nullptr;
  const config::account* account_ = nullptr;
  ssh_message held_ = nullptr;  // the unanswered auth request (hold, connect)
  session::decision decision_;  // once released: with its authorization
  slot unauthenticated_slot_;

  // hold and justification
  std::shared_ptr<session::hold> hold_;
  std::int64_t request_id_ = 0;  // while held
  int justification_asks_ = 0;
  bool prompted_ = false;   // a keyboard-interactive prompt was sent
  bool justified_ = false;  // a justification was given

  // session
  std::unique_ptr<upstream> upstream_;
  relay_context relay_context_;
  std::vector<std::unique_ptr<channel_relay>> relays_;
  std::vector<std::unique_ptr<own_view_channel>> own_channels_;
  std::uint64_t bytes_in_ = 0, bytes_out_ = 0;
  bool session_started_ = false;
  bool down_paused_ = false, up_paused_ = false;  // reading stopped: data backs up
  int recordings_ = 0;
  boost::json::array recording_paths_;  // for session.end
  session::grant_watch grant_watch_;
  std::vector<std::string> pending_notes_;
  bool forward_note_sent_ = false;

  boost::asio::steady_timer deadline_;
  boost::asio::steady_timer ticker_;  // SSH_MSG_IGNORE while checking, held or connecting
};

std::string_view to_string(connection::phase p);

}  // namespace gatehouse::proxy::ssh
