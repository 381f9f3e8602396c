#include "proxy/ssh/channel_relay.hpp"

#include <algorithm>
#include <span>
#include <vector>

#include "proxy/ssh/env_names.hpp"
#include "audit/recorder.hpp"
#include "proxy/ssh/sftp_audit.hpp"

namespace gatehouse::proxy::ssh {

namespace {

// What one read takes from libssh and one write hands on: several packets, so that libssh
// cuts full packets for the destination's maximum (32,758 bytes of payload for OpenSSH; a
// 32 KiB move would go out as 32,758 + 10) and flushes once per write.
constexpr std::uint32_t chunk = 256 * 1024;
constexpr std::size_t step_budget = 512 * 1024;  // per direction and step, for fairness

// The io thread's one buffer for moving data (moves do not nest).
std::span<char> move_buffer() {
  thread_local std::vector<char> buffer(chunk);
  return buffer;
}
// Far beyond what a peer that keeps to its window can have buffered (see blocked()).
constexpr std::size_t max_buffered = 64 * 1024 * 1024;
// How much of an env value the audit log keeps (the whole value goes to the target).
constexpr std::size_t audited_env_value = 1024;

}  // namespace

channel_relay::channel_relay(relay_context& context, ssh_message open)
    : context_(context), open_(open) {
  if (ssh_message_subtype(open_) == SSH_CHANNEL_DIRECT_TCPIP) kind_ = kind::direct_tcpip;
  if (kind_ == kind::direct_tcpip && !context_.allow_port_forwarding) refuse_open();
}

channel_relay::~channel_relay() { release(); }

void channel_relay::emit(std::string_view event, boost::json::object fields) {
  if (context_.event) context_.event(event, std::move(fields));
}

void channel_relay::release() {
  if (recording_) {
    recording_->close();
    recording_.reset();
  }
  if (sftp_) {
    sftp_->finish();
    sftp_.reset();
  }
  if (open_ != nullptr) {
    ssh_message_free(open_);
    open_ = nullptr;
  }
  for (auto& r : requests_)
    if (r.message != nullptr) ssh_message_free(r.message);
  requests_.clear();
  if (down_ != nullptr) {
    ssh_remove_channel_callbacks(down_, &down_callbacks_);
    ssh_channel_free(down_);
    down_ = nullptr;
  }
  if (up_ != nullptr) {
    ssh_remove_channel_callbacks(up_, &up_callbacks_);
    ssh_channel_free(up_);
    up_ = nullptr;
  }
  state_ = state::done;
}

void channel_relay::refuse_open() {
  if (open_ != nullptr) {
    ssh_message_reply_default(open_);  // OPEN_FAILURE, administratively prohibited
    ssh_message_free(open_);
    open_ = nullptr;
  }
  release();
}

bool channel_relay::open_upstream() {
  if (up_ == nullptr) {
    up_ = ssh_channel_new(context_.up);
    if (up_ == nullptr) {
      refuse_open();
      return false;
    }
    if (kind_ == kind::direct_tcpip) {
      emit("forward.open",
           {{"destination",
             std::string(ssh_message_channel_request_open_destination(open_)) + ":" +
                 std::to_string(ssh_message_channel_request_open_destination_port(open_))}});
    }
  }
  int rc = kind_ == kind::session
               ? ssh_channel_open_session(up_)
               : ssh_channel_open_forward(up_, ssh_message_channel_request_open_destination(open_),
                                          ssh_message_channel_request_open_destination_port(open_),
                                          ssh_message_channel_request_open_originator(open_),
                                          ssh_message_channel_request_open_originator_port(open_));
  if (rc == SSH_AGAIN) return false;
  if (rc != SSH_OK) {
    refuse_open();
    return false;
  }
  down_ = ssh_message_channel_request_open_reply_accept(open_);
  ssh_message_free(open_);
  open_ = nullptr;
  if (down_ == nullptr) {
    release();
    return false;
  }
  ssh_callbacks_init(&up_callbacks_);
  up_callbacks_.userdata = this;
  up_callbacks_.channel_data_function = &channel_relay::on_up_data;
  up_callbacks_.channel_eof_function = &channel_relay::on_up_eof;
  up_callbacks_.channel_close_function = &channel_relay::on_up_close;
  up_callbacks_.channel_exit_status_function = &channel_relay::on_up_exit_status;
  up_callbacks_.channel_exit_signal_function = &channel_relay::on_up_exit_signal;
  ssh_add_channel_callbacks(up_, &up_callbacks_);
  ssh_callbacks_init(&down_callbacks_);
  down_callbacks_.userdata = this;
  down_callbacks_.channel_data_function = &channel_relay::on_down_data;
  down_callbacks_.channel_eof_function = &channel_relay::on_down_eof;
  down_callbacks_.channel_close_function = &channel_relay::on_down_close;
  down_callbacks_.channel_signal_function = &channel_relay::on_down_signal;
  down_callbacks_.channel_auth_agent_req_function = &channel_relay::on_down_agent_request;
  ssh_add_channel_callbacks(down_, &down_callbacks_);
  // The target may have sent data, EOF or even CLOSE together with its OPEN_CONFIRMATION
  // (a forwarded port's greeting), before the callbacks were there to count it.
  for (auto* d : {&out_, &err_}) {
    int n = ssh_channel_poll(up_, d == &err_ ? 1 : 0);
    if (n > 0) d->buffered = static_cast<std::size_t>(n);
    if (n == SSH_EOF || ssh_channel_is_eof(up_)) d->remote_eof = true;
  }
  if (ssh_channel_is_closed(up_)) up_closed_ = true;
  state_ = state::open;
  return true;
}

void channel_relay::add_request(ssh_message request) {
  if (state_ != state::open || kind_ != kind::session) {
    ssh_message_reply_default(request);
    ssh_message_free(request);
    return;
  }
  requests_.push_back({request, {}});
}

int channel_relay::forward_request(ssh_message m) {
  switch (ssh_message_subtype(m)) {
    case SSH_CHANNEL_REQUEST_PTY: {
      textual_ = true;
      const char* term = ssh_message_channel_request_pty_term(m);
      int cols = ssh_message_channel_request_pty_width(m);
      int rows = ssh_message_channel_request_pty_height(m);
      if (!recording_ && context_.open_recording)
        recording_ = context_.open_recording(term ? term : "", cols, rows);
      return ssh_channel_request_pty_size(up_, term ? term : "xterm", cols, rows);
    }
    case SSH_CHANNEL_REQUEST_WINDOW_CHANGE: {
      int cols = ssh_message_channel_request_pty_width(m);
      int rows = ssh_message_channel_request_pty_height(m);
      if (recording_) recording_->resize(cols, rows);
      return ssh_channel_change_pty_size(up_, cols, rows);
    }
    case SSH_CHANNEL_REQUEST_ENV: return forward_env(m);
    case SSH_CHANNEL_REQUEST_SHELL:
      if (!request_announced_) emit("session.channel", {{"request", "shell"}});
      request_announced_ = true;
      textual_ = true;
      // A shell without a pty (`ssh -T`): recorded like an exec channel, at 80x24.
      if (!recording_ && context_.record_plain_shell && context_.open_recording)
        recording_ = context_.open_recording("", 0, 0);
      return ssh_channel_request_shell(up_);
    case SSH_CHANNEL_REQUEST_EXEC: {
      const char* command = ssh_message_channel_request_command(m);
      if (!request_announced_) emit("exec.command", {{"command", command ? command : ""}});
      request_announced_ = true;
      exec_command_ = command ? command : "";
      textual_ = true;
      // Without a pty there is no terminal size: the recorder's default (80x24) is used.
      if (!recording_ && context_.record_exec && context_.open_recording)
        recording_ = context_.open_recording("", 0, 0);
      return ssh_channel_request_exec(up_, command != nullptr ? command : "");
    }
    case SSH_CHANNEL_REQUEST_SUBSYSTEM: {
      std::string name = ssh_message_channel_request_subsystem(m) != nullptr
                             ? ssh_message_channel_request_subsystem(m)
                             : "";
      if (name != "sftp") return SSH_ERROR;
      if (!request_announced_) emit("session.channel", {{"request", "subsystem sftp"}});
      request_announced_ = true;
      if (!sftp_)
        sftp_ = std::make_unique<sftp_observer>(
            [this](std::string_view event, boost::json::object fields) {
              emit(event, std::move(fields));
            });
      return ssh_channel_request_subsystem(up_, name.c_str());
    }
    default: return SSH_ERROR;  // x11 and anything unknown
  }
}

int channel_relay::forward_env(ssh_message m) {
  const char* name = ssh_message_channel_request_env_name(m);
  const char* value = ssh_message_channel_request_env_value(m);
  std::string_view n = name != nullptr ? name : "", v = value != nullptr ? value : "";
  bool accepted = env_name_accepted(context_.accept_env, n);
  if (!request_announced_) {
    boost::json::object fields{{"name", n}, {"value", v.substr(0, audited_env_value)}};
    if (v.size() > audited_env_value) fields["value_bytes"] = v.size();
    fields["forwarded"] = accepted;
    emit("session.env", std::move(fields));
  }
  request_announced_ = true;
  if (!accepted) return SSH_ERROR;  // answered with failure; the target never sees it
  return ssh_channel_request_env(up_, name, value != nullptr ? value : "");
}

void channel_relay::run_requests() {
  while (!requests_.empty() && state_ == state::open) {
    auto& r = requests_.front();
    int rc = r.message != nullptr ? forward_request(r.message)
                                  : ssh_channel_request_send_signal(up_, r.signal.c_str());
    if (rc == SSH_AGAIN) return;
    request_announced_ = false;
    if (r.message != nullptr) {
      if (rc == SSH_OK)
        ssh_message_channel_request_reply_success(r.message);
      else
        ssh_message_reply_default(r.message);
      ssh_message_free(r.message);
    }
    requests_.pop_front();
  }
}

bool channel_relay::move(ssh_channel from, ssh_channel to, ssh_session to_session, bool is_stderr,
                         direction& d, std::uint64_t* counter) {
  auto write = [&](const char* data, std::size_t size) {
    if (ssh_channel_is_closed(to)) return -1;  // the destination is gone: pass_ends closes
    auto n = static_cast<std::uint32_t>(size);
    return is_stderr ? ssh_channel_write_stderr(to, data, n) : ssh_channel_write(to, data, n);
  };
  auto buffer = move_buffer();
  std::size_t budget = step_budget;
  for (;;) {
    if (!d.pending.empty()) {
      int n = write(d.pending.data(), d.pending.size());
      if (n < 0) {
        d.pending.clear();
      } else {
        d.pending.erase(d.pending.begin(), d.pending.begin() + n);
        if (!d.pending.empty()) return blocked(d);  // window exhausted: wait for WINDOW_ADJUST
      }
    }
    if (ssh_get_status(to_session) & SSH_WRITE_PENDING) {
      ssh_blocking_flush(to_session, 0);
      if (ssh_get_status(to_session) & SSH_WRITE_PENDING) return blocked(d);  // socket full
    }
    if (d.buffered == 0) {
      // Nothing waits; reading now would only make libssh poll the socket.
      if (d.remote_eof) d.source_eof = true;
      return false;
    }
    if (budget == 0) return !blocked(d);
    std::uint32_t window = ssh_channel_window_size(to);
    if (ssh_channel_is_closed(to)) return false;
    if (window == 0) return blocked(d);
    auto want = std::min<std::size_t>({chunk, window, budget, d.buffered});
    int n = ssh_channel_read_nonblocking(from, buffer.data(), static_cast<std::uint32_t>(want),
                                         is_stderr ? 1 : 0);
    if (n <= 0) {  // SSH_EOF, or an error that surfaces through the session state
      d.buffered = 0;
      continue;
    }
    d.buffered -= std::min<std::size_t>(d.buffered, static_cast<std::size_t>(n));
    if (counter != nullptr) *counter += static_cast<std::uint64_t>(n);
    budget -= static_cast<std::size_t>(n);
    if (recording_ && &d != &in_) recording_->output({buffer.data(), static_cast<std::size_t>(n)});
    if (recording_ && &d == &in_ && context_.record_input)
      recording_->input({buffer.data(), static_cast<std::size_t>(n)});
    if (sftp_ && !observe_sftp(d, buffer.data(), static_cast<std::size_t>(n))) return false;
    int written = write(buffer.data(), static_cast<std::size_t>(n));
    if (written >= 0 && written < n) d.pending.assign(buffer.data() + written, buffer.data() + n);
  }
}

bool channel_relay::observe_sftp(const direction& d, const char* data, std::size_t size) {
  if (!sftp_->stopped()) {
    if (&d == &in_) sftp_->from_client(data, size);
    if (&d == &out_) sftp_->from_server(data, size);
  }
  if (!sftp_->stopped()) return true;
  // Fail closed: these bytes (with the packet that could not be audited) stay here, and the
  // connection ends the session. The reason goes to the person's stderr (the sftp client
  // shows it; its data stream is stdout): OpenSSH leaves once the channel closes, often
  // before it reads the DISCONNECT that carries the reason too.
  if (audit_failure_.empty()) {
    audit_failure_ = "sftp audit: " + sftp_->failure() + "; session ended";
    write_note(audit_failure_);
  }
  return false;
}

void channel_relay::drop_person_stderr() {
  auto buffer = move_buffer();
  while (in_err_.buffered > 0 && down_ != nullptr) {
    int n = ssh_channel_read_nonblocking(
        down_, buffer.data(),
        static_cast<std::uint32_t>(std::min<std::size_t>(in_err_.buffered, chunk)), 1);
    in_err_.buffered = n > 0 ? in_err_.buffered - std::min<std::size_t>(in_err_.buffered, n) : 0;
  }
}

bool channel_relay::blocked(const direction& d) {
  // libssh 0.10 tops the window up on every read whatever it has buffered (channels.c,
  // ssh_channel_read_timeout), so a fast source feeding a slow destination could grow its
  // buffer without end: the connection stops reading the source's socket while backlog()
  // is high (connection_session.cpp). A peer that sends far beyond any window is cut off.
  if (d.buffered > max_buffered) flooded_ = true;
  return false;
}

std::size_t channel_relay::backlog(ssh_session source) const {
  if (state_ != state::open) return 0;
  if (source == context_.up) return out_.buffered + err_.buffered;
  if (source == context_.down) return in_.buffered + in_err_.buffered;
  return 0;
}

void channel_relay::send_exit_info() {
  // Allowed until we send our CLOSE, even after the person's: OpenSSH closes a session
  // channel once EOF went both ways and still takes the exit status that follows.
  if (exit_sent_ || down_close_sent_ || (!exit_status_ && !exit_signal_)) return;
  if (exec_command_) {
    boost::json::object fields{{"command", *exec_command_}};
    if (exit_status_) fields["exit_status"] = *exit_status_;
    if (exit_signal_) fields["exit_signal"] = *exit_signal_;
    emit("exec.exit", std::move(fields));
  }
  if (exit_status_) ssh_channel_request_send_exit_status(down_, *exit_status_);
  if (exit_signal_)
    ssh_channel_request_send_exit_signal(down_, exit_signal_->c_str(), exit_core_ ? 1 : 0,
                                         exit_errmsg_.c_str(), "");
  exit_sent_ = true;
}

void channel_relay::pass_ends() {
  // Target -> person: exit status before EOF when it is known, EOF once both streams are
  // drained (or the person closed: nothing more can reach them), CLOSE once the target
  // closed. An exit status that comes later is still passed on.
  bool up_drained =
      (out_.source_eof && err_.source_eof && out_.pending.empty() && err_.pending.empty()) ||
      down_closed_;
  if (up_drained && !down_eof_sent_ && !down_closed_) {
    send_exit_info();
    ssh_channel_send_eof(down_);
    down_eof_sent_ = true;
  }
  if (down_eof_sent_ || down_closed_) send_exit_info();
  if (up_closed_ && up_drained && !down_close_sent_) {
    send_exit_info();
    if (ssh_channel_close(down_) == SSH_OK) down_close_sent_ = true;
  }
  // Person -> target: EOF once the person's data and requests have gone through; CLOSE
  // once the person closed (the target's CLOSE then brings its exit status first).
  bool down_drained = in_.source_eof && in_.pending.empty() && requests_.empty();
  if (down_drained && !up_eof_sent_ && !up_closed_) {
    ssh_channel_send_eof(up_);
    up_eof_sent_ = true;
  }
  bool down_data_gone = (in_.source_eof && in_.pending.empty()) || !requests_.empty();
  if (down_closed_ && !up_close_sent_ && (down_data_gone || up_closed_)) {
    if (ssh_channel_close(up_) == SSH_OK) up_close_sent_ = true;
  }
  if (up_closed_ && down_closed_ && up_close_sent_ && down_close_sent_) release();
}

bool channel_relay::step() {
  if (state_ == state::opening && !open_upstream()) return false;
  if (state_ != state::open) return false;
  run_requests();
  bool more = false;
  more |= move(up_, down_, context_.down, false, out_, context_.bytes_out);
  more |= move(up_, down_, context_.down, true, err_, context_.bytes_out);
  if (requests_.empty()) more |= move(down_, up_, context_.up, false, in_, context_.bytes_in);
  drop_person_stderr();
  tell_agent_refused();
  pass_ends();
  return more && state_ == state::open;
}

void channel_relay::tell_agent_refused() {
  if (!agent_requested_ || agent_told_ || !textual_) return;
  agent_told_ = true;
  emit("forward.refused", {{"request", "auth-agent"}});
  note("Agent forwarding is not allowed through Gatehouse; this session has no agent");
}

void channel_relay::note(std::string_view text) {
  // Any session channel but sftp's: stderr never mixes with the data stream, and a channel
  // whose command the target has not started yet (the end came first) must show it too, as
  // OpenSSH leaves once its last channel closes, without reading the DISCONNECT behind it.
  if (!sftp_) write_note(text);
}

void channel_relay::write_note(std::string_view text) {
  if (state_ != state::open || kind_ != kind::session || down_eof_sent_ || down_closed_) return;
  std::string line = "\r\n[gatehouse] " + std::string(text) + "\r\n";
  ssh_channel_write_stderr(down_, line.data(), static_cast<std::uint32_t>(line.size()));
}

// Data callbacks consume nothing: libssh keeps the bytes (and its window accounting); we
// only learn how much waits, so that the relay reads without making libssh poll.
int channel_relay::on_up_data(ssh_session, ssh_channel, void*, uint32_t len, int is_stderr,
                              void* self) {
  auto* r = static_cast<channel_relay*>(self);
  (is_stderr ? r->err_ : r->out_).buffered = len;
  return 0;
}

int channel_relay::on_down_data(ssh_session, ssh_channel, void*, uint32_t len, int is_stderr,
                                void* self) {
  auto* r = static_cast<channel_relay*>(self);
  (is_stderr ? r->in_err_ : r->in_).buffered = len;
  return 0;
}

void channel_relay::on_up_eof(ssh_session, ssh_channel, void* self) {
  auto* r = static_cast<channel_relay*>(self);
  r->out_.remote_eof = r->err_.remote_eof = true;
}

void channel_relay::on_down_eof(ssh_session, ssh_channel, void* self) {
  auto* r = static_cast<channel_relay*>(self);
  r->in_.remote_eof = r->in_err_.remote_eof = true;
}

void channel_relay::on_up_close(ssh_session, ssh_channel, void* self) {
  auto* r = static_cast<channel_relay*>(self);
  r->up_closed_ = true;
  r->out_.remote_eof = r->err_.remote_eof = true;
}

void channel_relay::on_up_exit_status(ssh_session, ssh_channel, int status, void* self) {
  static_cast<channel_relay*>(self)->exit_status_ = status;
}

void channel_relay::on_up_exit_signal(ssh_session, ssh_channel, const char* signal, int core,
                                      const char* errmsg, const char*, void* self) {
  auto* r = static_cast<channel_relay*>(self);
  r->exit_signal_ = signal != nullptr ? signal : "KILL";
  r->exit_core_ = core != 0;
  r->exit_errmsg_ = errmsg != nullptr ? errmsg : "";
}

void channel_relay::on_down_close(ssh_session, ssh_channel, void* self) {
  auto* r = static_cast<channel_relay*>(self);
  r->down_closed_ = true;
  r->in_.remote_eof = r->in_err_.remote_eof = true;
}

void channel_relay::on_down_agent_request(ssh_session, ssh_channel, void* self) {
  static_cast<channel_relay*>(self)->agent_requested_ = true;
}

void channel_relay::on_down_signal(ssh_session, ssh_channel, const char* signal, void* self) {
  auto* r = static_cast<channel_relay*>(self);
  if (signal != nullptr && r->state_ == state::open) r->requests_.push_back({nullptr, signal});
}

}  // namespace gatehouse::proxy::ssh
