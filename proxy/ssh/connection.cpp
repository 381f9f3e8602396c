#include "proxy/ssh/connection.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "core/log_text.hpp"
#include "proxy/ssh/lingering_close.hpp"
#include "proxy/ssh/own_view.hpp"
#include "proxy/ssh/texts.hpp"

namespace gatehouse::proxy::ssh {

namespace asio = boost::asio;

namespace {

constexpr std::uint64_t libssh_read_size = 4096;

time_point wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace

std::string_view to_string(connection::phase p) {
  switch (p) {
    case connection::phase::key_exchange: return "key_exchange";
    case connection::phase::authenticating: return "authenticating";
    case connection::phase::checking: return "checking";
    case connection::phase::justifying: return "justifying";
    case connection::phase::holding: return "held";
    case connection::phase::connecting: return "connecting";
    case connection::phase::relaying: return "active";
    case connection::phase::own_view: return "own_view";
    case connection::phase::finished: return "finished";
  }
  return "unknown";
}

connection::connection(asio::any_io_executor executor, std::shared_ptr<listener_state> shared,
                       std::shared_ptr<const config::config> config, std::string id,
                       std::string peer, std::string local)
    : executor_(executor),
      shared_(std::move(shared)),
      config_(std::move(config)),
      id_(std::move(id)),
      peer_(std::move(peer)),
      source_(source_address(peer_)),
      local_(std::move(local)),
      started_(wall_now()),
      down_watch_(executor),
      grant_watch_(executor, shared_->holds->gate),
      deadline_(executor),
      ticker_(executor) {}

connection::~connection() {
  // finish() normally ran; this only covers an io_context destroyed with handlers pending.
  if (phase_ != phase::finished) {
    on_finished_ = nullptr;
    finish(/*linger=*/false);  // no lingering close without a running loop
  }
}

void connection::start(ssh_bind bind, int fd, std::function<void(const std::string&)> on_finished) {
  on_finished_ = std::move(on_finished);
  thread_ = std::this_thread::get_id();
  phase_since_ = std::chrono::steady_clock::now();
  // libssh writes its whole buffer with one send() once its poll saw POLLOUT: the socket
  // must be non-blocking or a large write could stall the event loop.
  int flags = ::fcntl(fd, F_GETFL, 0);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  // Small replies (SFTP status, terminal echo) must not wait for Nagle: an sftp upload
  // waits on each write's status, and Nagle + delayed ACK stall it.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  down_ = ssh_new();
  if (down_ == nullptr || ssh_bind_accept_fd(bind, down_, fd) != SSH_OK) {
    spdlog::warn("ssh {}: cannot adopt the connection from {}: {}", id_, peer_,
                 bind ? ssh_get_error(bind) : "no host keys");
    if (down_ == nullptr || ssh_get_fd(down_) != fd) ::close(fd);
    finish();
    return;
  }
  ssh_set_blocking(down_, 0);
  ssh_set_counters(down_, &down_counter_, nullptr);
  ssh_set_auth_methods(down_, SSH_AUTH_METHOD_PUBLICKEY);
  if (!down_watch_.watch(down_, fd)) {
    finish();
    return;
  }
  unauthenticated_slot_ = acquire(shared_->unauthenticated, source_);
  set_deadline(shared_->settings.login_grace, [this] {
    close("Login grace time (" + std::to_string(shared_->settings.login_grace.count()) +
              "s) exceeded",
          "login grace time exceeded");
  });
  run();
}

// A connection's libssh sessions must never be used from two threads (docs/architecture.md
// "Threads"): every step runs on the io thread that started it. Test builds stop at once
// when that is broken; others say so loudly.
void connection::confinement_broken() const {
  spdlog::critical("ssh {}: thread confinement broken: a step ran on another io thread", id_);
#ifdef GATEHOUSE_TEST_HOOKS
  std::abort();
#endif
}

std::function<void()> connection::waker() {
  return [self = shared_from_this()] { self->run(); };
}

void connection::run() {
  if (phase_ == phase::finished) return;
  if (std::this_thread::get_id() != thread_) confinement_broken();
  if (running_) {
    rerun_ = true;
    return;
  }
  auto self = shared_from_this();
  running_ = true;
  int rounds = 0;
  do {
    rerun_ = false;
    step();
  } while (rerun_ && phase_ != phase::finished && ++rounds < 8);
  running_ = false;
  if (phase_ == phase::finished) return;
  if (rerun_) asio::post(executor_, waker());
  arm();
}

void connection::step() {
  if (phase_ == phase::key_exchange) {
    int rc = ssh_handle_key_exchange(down_);
    if (rc == SSH_AGAIN) return;
    if (rc != SSH_OK) {
      close("", std::string("key exchange failed: ") + ssh_get_error(down_));
      return;
    }
    phase_ = phase::authenticating;
  }
  if (!down_paused_ && !drain_messages(down_, &down_counter_, true)) return;
  if (phase_ == phase::connecting || phase_ == phase::relaying || phase_ == phase::own_view)
    step_session();
  if (phase_ != phase::finished && (ssh_get_status(down_) & (SSH_CLOSED | SSH_CLOSED_ERROR)))
    close("", std::string("client left: ") + ssh_get_error(down_));
}

bool connection::drain_messages(ssh_session s, ssh_counter counter, bool person_side) {
  for (int i = 0; i < 64 && phase_ != phase::finished; ++i) {
    auto before = counter->in_bytes;
    ssh_message m = ssh_message_get(s);
    if (m != nullptr) {
      if (person_side) {
        handle_message(m);
      } else {
        ssh_message_reply_default(m);  // the target asking for something: refuse
        ssh_message_free(m);
      }
      continue;
    }
    // libssh reads at most 4 KiB per call (MAX_BUF_SIZE): a shorter read emptied the
    // socket, and one more call would only poll it.
    if (counter->in_bytes - before < libssh_read_size) break;
  }
  return phase_ != phase::finished;
}

void connection::arm() {
  if (down_ == nullptr) return;
  down_watch_.arm((ssh_get_status(down_) & SSH_WRITE_PENDING) != 0, waker(), !down_paused_);
  if (upstream_) upstream_->arm(!up_paused_);
}

void connection::set_deadline(std::chrono::seconds after, std::function<void()> fire) {
  deadline_.expires_after(after);
  deadline_.async_wait(
      [self = shared_from_this(), fire = std::move(fire)](boost::system::error_code ec) {
        if (ec || self->phase_ == phase::finished) return;
        fire();
      });
}

void connection::banner(const std::string& text) {
  if (down_ == nullptr || phase_ == phase::key_exchange || phase_ == phase::relaying ||
      phase_ == phase::own_view || phase_ == phase::finished)
    return;
  std::string line = ascii_only(text, true);
  if (line.empty() || line.back() != '\n') line += '\n';
  ssh_string s = ssh_string_from_char(line.c_str());
  if (s == nullptr) return;
  ssh_send_issue_banner(down_, s);
  ssh_string_free(s);
  down_watch_.sync();  // some callers go back to the event loop without arm()
}

boost::json::object connection::who() const {
  boost::json::object o;
  o["session"] = id_;
  o["client"] = peer_;
  if (!login_.person.empty()) o["person"] = login_.person;
  if (!target_.server.empty()) {
    o["server"] = target_.server;
    o["account"] = target_.account;
  }
  return o;
}

void connection::event(std::string_view name, boost::json::object fields) {
  if (!shared_->events) return;
  auto o = who();
  for (auto& kv : fields) o[kv.key()] = kv.value();
  o["protocol"] = "ssh";
  shared_->events(name, std::move(o));
}

std::optional<boost::json::object> connection::describe() const {
  if (phase_ == phase::key_exchange || phase_ == phase::authenticating || phase_ == phase::checking)
    return std::nullopt;
  auto o = session::session_object(
      {id_, login_.person, target_.server, target_.account, "ssh", peer_, started_,
       decision_.authorization ? decision_.authorization->grant() : std::nullopt, bytes_in_,
       bytes_out_, to_string(phase_),
       phase_ == phase::holding ? std::optional<std::int64_t>(request_id_) : std::nullopt});
  o["worker"] = shared_->worker;
  return o;
}

void connection::shut(const session::shut_reason& why) {
  hold_end_ = "shut";
  close(why.text, why.log);
}

void connection::close(const std::string& reason, const std::string& log_reason) {
  if (phase_ == phase::finished || closing_) return;
  closing_ = true;
  spdlog::info("ssh {}: closing ({}) {} {}", id_, to_string(phase_), peer_, log_reason);
  close_reason_ = log_reason;
  if (!reason.empty() && down_ != nullptr) {
    banner(reason);  // before authentication: shown by OpenSSH at LogLevel INFO
    for (auto& r : relays_) r->note(reason);
    ssh_session_set_disconnect_message(down_, ascii_only(reason).c_str());
  }
  finish();
}

void connection::finish(bool linger) {
  if (phase_ == phase::finished) return;
  auto was = phase_;
  phase_ = phase::finished;
  down_watch_.release();
  deadline_.cancel();
  ticker_.cancel();
  grant_watch_.stop();
  // Asked for a reason and gone without one (BatchMode, scp, rsync and git skip
  // keyboard-interactive): a refusal for want of a justification, audited as access.denied.
  if (hold_ && was == phase::justifying && hold_end_ == "client_left")
    hold_->refuse(session::front_end_refusal::justification_missing,
                  "no justification was given (the client did not answer keyboard-interactive); "
                  "file the request ahead with --reason");
  if (hold_) hold_->cancel(hold_end_);
  if (held_ != nullptr) {
    ssh_message_free(held_);
    held_ = nullptr;
  }
  // Channels before sessions: a relay frees its channels, which needs both sessions alive.
  relays_.clear();
  own_channels_.clear();
  if (upstream_) upstream_->close();
  int socket = -1;
  if (down_ != nullptr) {
    if (int fd = ssh_get_fd(down_); fd >= 0) {
      // A second descriptor for the lingering close, which outlives libssh's own.
      if (linger) socket = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
      if (was != phase::key_exchange) {
        ssh_blocking_flush(down_, 0);
        ssh_set_fd_towrite(down_);  // lets the DISCONNECT (with the reason) go out at once
      }
    }
    ssh_disconnect(down_);
    ssh_free(down_);
    down_ = nullptr;
  }
  lingering_close(executor_, socket);
  if (!person_known_ && auth_attempts_ > 0) {
    shared_->failures.record(source_, std::chrono::steady_clock::now());
    event("auth.failure",
          {{"user", clipped_for_log(user_)},
           {"reason", failure_reason_.empty() ? std::string("no listed key") : failure_reason_}});
  }
  if (session_started_) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - phase_since_)
                       .count();
    boost::json::object fields{{"bytes_in", bytes_in_},
                               {"bytes_out", bytes_out_},
                               {"duration_s", seconds},
                               {"reason", close_reason_}};
    if (!recording_paths_.empty()) fields["recordings"] = recording_paths_;
    event("session.end", std::move(fields));
  }
  unauthenticated_slot_.reset();
  if (auto done = std::exchange(on_finished_, nullptr)) done(id_);
}

}  // namespace gatehouse::proxy::ssh
