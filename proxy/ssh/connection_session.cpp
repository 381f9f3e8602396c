// After the person is let through (see connection.hpp): the upstream login, the relayed
// channels, the person's own view, and the end of the grant (warnings, then teardown).
#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "audit/recorder.hpp"
#include "core/time.hpp"
#include "proxy/ssh/connection.hpp"
#include "proxy/ssh/own_view.hpp"
#include "proxy/ssh/texts.hpp"

namespace gatehouse::proxy::ssh {

void connection::begin_upstream(const policy::authorization& a) {
  phase_ = phase::connecting;
  auto params =
      upstream_params_for(*config_, *server_, *account_, a, id_,
                          shared_->ca ? shared_->ca() : nullptr, decision_.allow_port_forwarding);
  params.connect_timeout = shared_->settings.connect_timeout;
  params.handshake_timeout = shared_->settings.handshake_timeout;
  upstream_ = std::make_unique<upstream>(executor_, a, std::move(params));
  // The upstream leg has its own deadlines; the person's login grace no longer applies.
  deadline_.cancel();
  upstream_->start(waker());
  tick();
}

void connection::on_upstream_ready() {
  ssh_message_auth_reply_success(held_, 0);
  ssh_message_free(held_);
  held_ = nullptr;
  phase_ = phase::relaying;
  phase_since_ = std::chrono::steady_clock::now();
  ticker_.cancel();
  relay_context_.down = down_;
  relay_context_.up = upstream_->session();
  relay_context_.allow_port_forwarding = decision_.allow_port_forwarding;
  relay_context_.bytes_in = &bytes_in_;
  relay_context_.bytes_out = &bytes_out_;
  relay_context_.event = [this](std::string_view name, boost::json::object fields) {
    event(name, std::move(fields));
  };
  relay_context_.record_input = config_->audit.record_input;
  relay_context_.record_exec = config_->audit.records_exec();
  relay_context_.record_plain_shell = config_->audit.records_plain_shell();
  relay_context_.accept_env = config_->ssh.accept_env;
  if (!config_->audit.recordings.empty()) {
    relay_context_.open_recording = [this](std::string_view term, int cols, int rows) {
      // <session id>.cast for the first terminal of the connection, then .2.cast, ...
      auto n = ++recordings_;
      std::string path = config_->audit.recordings;
      path.append("/").append(id_);
      if (n > 1) path.append(".").append(std::to_string(n));
      path.append(".cast");
      std::string error;
      auto r = audit::asciicast_recorder::open(path, term, cols, rows, error);
      if (r) {
        event("session.recording", {{"path", path}});
        recording_paths_.push_back(boost::json::string(path));
      } else
        spdlog::error("ssh {}: recording not possible: {}", id_, error);
      return r;
    };
  }
  session_started_ = true;
  boost::json::object fields{{"rule", decision_.rule},
                             {"host_key", upstream_->host_key_fingerprint()}};
  if (auto grant = decision_.authorization->grant()) fields["grant_id"] = *grant;
  if (!upstream_->certificate_key_id().empty()) {
    fields["certificate_key_id"] = upstream_->certificate_key_id();
    fields["certificate_serial"] = upstream_->certificate_serial();
    fields["certificate_valid_before"] = format_rfc3339(
        time_point(std::chrono::seconds(upstream_->params().certificate.valid_before)));
  }
  event("session.start", std::move(fields));
  watch_grant_end();
}

void connection::step_session() {
  if (phase_ == phase::own_view) {
    for (auto& c : own_channels_) c->step();
    std::erase_if(own_channels_, [](const auto& c) { return c->finished(); });
    return;
  }
  if (phase_ == phase::connecting) {
    upstream_->step();
    if (upstream_->failed()) {
      if (upstream_->failure_event() == "hostkey.mismatch") {
        event("hostkey.mismatch",
              {{"expected", server_->host_key}, {"presented", upstream_->host_key_fingerprint()}});
      }
      event("upstream.failure",
            {{"reason", session::to_string(session::front_end_refusal::upstream_failed)},
             {"text", upstream_->failure()}});
      close(upstream_->failure(), "upstream: " + upstream_->failure());
      return;
    }
    if (!upstream_->ready()) return;
    on_upstream_ready();
  }
  ssh_session up = upstream_->session();
  if (!up_paused_ && !drain_messages(up, upstream_->counter(), false)) return;
  // A relay's libssh calls also read the sockets (a channel read polls when its buffer is
  // empty, a flush polls too), so a WINDOW_ADJUST that unblocks another direction may be
  // consumed after that direction gave up, leaving no readiness to wake us: when the
  // relays read anything, run again until a pass reads nothing.
  auto read_mark = down_counter_.in_bytes + upstream_->counter()->in_bytes;
  bool more = false;
  for (auto& r : relays_) {
    more |= r->step();
    if (r->flooded()) {
      close("Flow control violated", "a peer ignored the SSH channel window");
      return;
    }
    if (!r->audit_failure().empty()) {
      close(r->audit_failure(), r->audit_failure());  // fail closed: never go on unaudited
      return;
    }
  }
  std::erase_if(relays_, [](const auto& r) { return r->finished(); });
  if (down_counter_.in_bytes + upstream_->counter()->in_bytes != read_mark) more = true;
  pause_reading(up);
  if (ssh_get_status(up) & (SSH_CLOSED | SSH_CLOSED_ERROR)) {
    close(target_.server + " closed the connection",
          std::string("target left: ") + ssh_get_error(up));
    return;
  }
  if (more) rerun_ = true;
}

void connection::pause_reading(ssh_session up) {
  // Bounded buffers despite libssh's window top-ups (channel_relay::blocked): stop reading a
  // side's socket while its data backs up, so that TCP holds the sender back; resume below
  // half. Never both sides at once: each may need the other's WINDOW_ADJUSTs to drain.
  constexpr std::size_t high = 2 * 1024 * 1024, low = 1024 * 1024;
  std::size_t from_down = 0, from_up = 0;
  for (const auto& r : relays_) {
    from_down = std::max(from_down, r->backlog(down_));
    from_up = std::max(from_up, r->backlog(up));
  }
  down_paused_ = down_paused_ ? from_down > low : from_down > high && !up_paused_;
  up_paused_ = up_paused_ ? from_up > low : from_up > high && !down_paused_;
}

void connection::handle_session_message(ssh_message m) {
  int type = ssh_message_type(m);
  int subtype = ssh_message_subtype(m);
  if (type == SSH_REQUEST_CHANNEL_OPEN) {
    if (phase_ == phase::own_view) {
      if (subtype == SSH_CHANNEL_SESSION) {
        own_channels_.push_back(std::make_unique<own_view_channel>(m, shared_->own, target_.person,
                                                                   [weak = weak_from_this()] {
                                                                     if (auto self = weak.lock())
                                                                       self->run();
                                                                   }));
        return;
      }
    } else if (subtype == SSH_CHANNEL_SESSION ||
               (subtype == SSH_CHANNEL_DIRECT_TCPIP && decision_.allow_port_forwarding)) {
      relays_.push_back(std::make_unique<channel_relay>(relay_context_, m));
      return;
    } else if (subtype == SSH_CHANNEL_DIRECT_TCPIP) {
      event("forward.refused",
            {{"destination",
              std::string(ssh_message_channel_request_open_destination(m)) + ":" +
                  std::to_string(ssh_message_channel_request_open_destination_port(m))}});
      if (!forward_note_sent_) {
        forward_note_sent_ = true;
        for (auto& r : relays_)
          r->note("Port forwarding to the network of " + target_.server +
                  " is not allowed by rule " + decision_.rule);
      }
    }
  } else if (type == SSH_REQUEST_CHANNEL) {
    ssh_channel channel = ssh_message_channel_request_channel(m);
    for (auto& r : relays_) {
      if (r->owns(channel)) return r->add_request(m);
    }
    for (auto& c : own_channels_) {
      if (c->owns(channel)) return c->add_request(m);
    }
  } else if (type == SSH_REQUEST_GLOBAL && phase_ == phase::relaying) {
    // tcpip-forward (ssh -R): refused; OpenSSH prints its own warning.
    event("forward.refused", {{"request", "tcpip-forward"}});
  }
  ssh_message_reply_default(m);
  ssh_message_free(m);
}

void connection::watch_grant_end() {
  std::weak_ptr<connection> weak = shared_from_this();
  session::grant_watch::handlers on;
  on.warn = [weak](std::chrono::minutes left, time_point end) {
    auto self = weak.lock();
    if (!self || self->phase_ != phase::relaying) return;
    auto grant = self->decision_.authorization->grant().value_or(0);
    auto text = grant_warning_text(grant, self->target_, left, end);
    for (auto& r : self->relays_) r->note(text);
    self->run();
  };
  on.ended = [weak](const session::grant_status& g) {
    if (auto self = weak.lock())
      self->close(grant_end_text(g, self->target_), session::grant_end_reason(g));
  };
  grant_watch_.start(*decision_.authorization, std::move(on));
}

}  // namespace gatehouse::proxy::ssh
