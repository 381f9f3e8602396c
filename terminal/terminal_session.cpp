#include "terminal/terminal_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <libssh/libssh.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "audit/recorder.hpp"
#include "proxy/ssh/texts.hpp"
#include "proxy/ssh/upstream.hpp"
#include "terminal/terminal_frames.hpp"
#include "terminal/terminal_socket.hpp"
#include "terminal/web_leg.hpp"

namespace gatehouse::terminal {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using namespace asio::experimental::awaitable_operators;

namespace {
constexpr std::size_t max_pending_input = 1024 * 1024;
constexpr std::size_t read_piece = 16 * 1024;
}  // namespace

terminal_session::terminal_session(asio::any_io_executor executor, session_parts parts,
                                   std::shared_ptr<const config::config> config, std::string id,
                                   web::terminal_target target, std::string client)
    : browser_ssh_session(executor, std::move(parts), std::move(config), std::move(id),
                          std::move(target), std::move(client)),
      wake_writer_(executor),
      size_deadline_(executor) {}

terminal_session::~terminal_session() = default;

std::function<void()> terminal_session::waker() {
  return [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->step();
  };
}

asio::awaitable<void> terminal_session::run(terminal_socket& socket) {
  socket_ = &socket;
  parts_.sessions.add(shared_from_this());
  size_deadline_.expires_after(std::chrono::seconds(10));
  size_deadline_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!ec && self && self->phase_ == phase::sizing)
      self->close("the terminal did not say its size", "no size from the browser");
  });
  co_await (read_frames() && write_frames());
  close("", "the browser left");
  socket_ = nullptr;
}

asio::awaitable<void> terminal_session::read_frames() {
  boost::beast::flat_buffer buffer;
  while (phase_ != phase::finished) {
    buffer.clear();
    auto [ec, n] = co_await socket_->ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    const auto data = buffer.cdata();
    on_frame(std::string_view(static_cast<const char*>(data.data()), data.size()));
  }
  close("", "the browser left");
  wake_writer_.cancel();
}

asio::awaitable<void> terminal_session::write_frames() {
  for (;;) {
    if (outgoing_.empty()) {
      if (closing_ || phase_ == phase::finished) break;
      wake_writer_.expires_at(std::chrono::steady_clock::time_point::max());
      co_await wake_writer_.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    auto frame = std::move(outgoing_.front());
    outgoing_.pop_front();
    auto [ec, n] =
        co_await socket_->ws.async_write(asio::buffer(frame), asio::as_tuple(asio::use_awaitable));
    if (ec) {
      outgoing_.clear();
      close("", "the browser left");
      co_return;
    }
  }
  if (closing_) {
    websocket::close_reason why(websocket::close_code::normal);
    co_await socket_->ws.async_close(why, asio::as_tuple(asio::use_awaitable));
  }
  co_return;
}

void terminal_session::send(char type, std::string_view payload) {
  outgoing_.push_back(gate_frame(type, payload));
  wake_writer_.cancel();
}

void terminal_session::on_frame(std::string_view bytes) {
  if (phase_ == phase::finished) return;
  const auto f = parse_browser_frame(bytes);
  if (f.type == browser_frame::kind::resize) {
    cols_ = f.cols;
    rows_ = f.rows;
    if (phase_ == phase::sizing) {
      phase_ = phase::checking;
      size_deadline_.cancel();
      proxy::session::target t{target_.person, target_.server, target_.account,
                               config::protocol::ssh};
      parts_.gate.check(t, [weak = weak_from_this()](proxy::session::decision d) {
        if (auto self = weak.lock()) self->on_decision(d);
      });
      return;
    }
    resize_pending_ = true;
  } else if (f.type == browser_frame::kind::data) {
    if (input_.size() + f.data.size() > max_pending_input)
      return close("too much input at once", "input backlog over 1 MiB");
    input_.append(f.data);
    bytes_in_ += f.data.size();
  } else if (f.type == browser_frame::kind::ack) {
    acked_ = std::min(sent_, acked_ + f.drawn);
  } else {
    return;
  }
  if (phase_ == phase::relaying) asio::post(executor_, waker());
}

void terminal_session::on_decision(const proxy::session::decision& d) {
  if (phase_ != phase::checking || !admit(d)) return;
  phase_ = phase::connecting;
  upstream_->start(waker());
  step();
}

void terminal_session::step() {
  if (stepping_ || !upstream_ || phase_ == phase::finished) return;
  stepping_ = true;
  if (phase_ == phase::connecting) {
    auto step = step_login();
    if (step == login::failed) {
      stepping_ = false;
      return;
    }
    if (step == login::ready) phase_ = phase::opening;
  }
  if (phase_ == phase::opening && channel_ && open_channel()) started();
  if (phase_ == phase::relaying) relay();
  stepping_ = false;
  if (phase_ != phase::finished && upstream_)
    upstream_->arm(phase_ != phase::relaying || sent_ - acked_ <= unacked_limit);
}

bool terminal_session::open_channel() {
  int rc = SSH_OK;
  if (open_step_ == 0) rc = ssh_channel_open_session(channel_);
  if (open_step_ == 1) rc = ssh_channel_request_pty_size(channel_, "xterm-256color", cols_, rows_);
  if (open_step_ == 2) rc = ssh_channel_request_shell(channel_);
  if (rc == SSH_AGAIN) return false;
  if (rc != SSH_OK) {
    close(target_.server + " refused the terminal: " + ssh_get_error(upstream_->session()),
          "channel refused");
    return false;
  }
  if (++open_step_ < 3) return open_channel();
  return true;
}

void terminal_session::started() {
  phase_ = phase::relaying;
  event("session.start", start_fields());
  if (!config_->audit.recordings.empty()) {
    std::string error;
    auto path = config_->audit.recordings + "/" + id_ + ".cast";
    recording_ = audit::asciicast_recorder::open(path, "xterm-256color", cols_, rows_, error);
    if (recording_) {
      recording_path_ = path;
      event("session.recording", {{"path", path}});
    } else {
      spdlog::error("terminal {}: recording not possible: {}", id_, error);
    }
  }
  auto on = browser_grant_handlers(
      *authorization_, target_,
      [weak = weak_from_this()](const std::string& sentence) {
        if (auto self = weak.lock(); self && self->phase_ == phase::relaying)
          self->send('w', sentence);
      },
      [weak = weak_from_this()](const std::string& sentence, const std::string& reason) {
        if (auto self = weak.lock()) self->close(sentence, reason);
      });
  grant_watch_.start(*authorization_, std::move(on));
}

void terminal_session::relay() {
  if (resize_pending_) {
    resize_pending_ = false;
    ssh_channel_change_pty_size(channel_, cols_, rows_);
    if (recording_) recording_->resize(cols_, rows_);
  }
  if (!input_.empty()) {
    int n = ssh_channel_write(channel_, input_.data(), static_cast<std::uint32_t>(input_.size()));
    if (n == SSH_ERROR)
      return close(target_.server + " closed the terminal", "channel write failed");
    if (n > 0) {
      if (recording_ && config_->audit.record_input)
        recording_->input(std::string_view(input_).substr(0, static_cast<std::size_t>(n)));
      input_.erase(0, static_cast<std::size_t>(n));
    }
  }
  char buffer[read_piece];
  while (sent_ - acked_ <= unacked_limit) {
    int got = 0;
    for (int is_stderr = 0; is_stderr < 2 && got == 0; ++is_stderr) {
      got = ssh_channel_read_nonblocking(channel_, buffer, sizeof buffer, is_stderr);
      if (got == SSH_ERROR)
        return close(target_.server + " closed the terminal", "channel read failed");
    }
    if (got <= 0) break;
    std::string_view piece(buffer, static_cast<std::size_t>(got));
    if (recording_) recording_->output(piece);
    send('d', piece);
    sent_ += piece.size();
    bytes_out_ += piece.size();
  }
  if (ssh_channel_is_closed(channel_) || ssh_channel_is_eof(channel_)) {
    if (ssh_channel_poll(channel_, 0) > 0 || ssh_channel_poll(channel_, 1) > 0) return;
    close("the shell on " + target_.server + " ended", "the shell ended");
  }
}

void terminal_session::close(const std::string& text, const std::string& log_reason) {
  if (phase_ == phase::finished) return;
  const bool was_live = phase_ == phase::relaying;
  phase_ = phase::finished;
  size_deadline_.cancel();
  spdlog::info("terminal {}: closing: {}", id_, log_reason);
  if (recording_) recording_->close();
  end_leg();
  if (was_live) {
    auto fields = end_fields(log_reason);
    if (!recording_path_.empty()) fields["recordings"] = boost::json::array{recording_path_};
    event("session.end", std::move(fields));
  }
  if (socket_ && !text.empty()) send('c', text);
  closing_ = socket_ != nullptr;
  wake_writer_.cancel();
  // Later: the registry may be calling shut() on this session right now.
  asio::post(executor_, [self = shared_from_this()] { self->parts_.sessions.remove(self->id_); });
}

std::optional<boost::json::object> terminal_session::describe() const {
  if (phase_ == phase::sizing || phase_ == phase::checking || phase_ == phase::finished)
    return std::nullopt;
  auto o = proxy::session::session_object(
      {id_, target_.person, target_.server, target_.account, "ssh", client_, started_at_,
       authorization_ ? authorization_->grant() : std::nullopt, bytes_in_, bytes_out_,
       phase_ == phase::relaying ? "active" : "connecting", std::nullopt});
  o["via"] = "web";
  return o;
}

}  // namespace gatehouse::terminal
