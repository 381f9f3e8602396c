#include "websftp/sftp_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "proxy/ssh/sftp_audit.hpp"
#include "proxy/ssh/upstream.hpp"
#include "terminal/web_leg.hpp"

namespace gatehouse::websftp {

namespace asio = boost::asio;

namespace {
constexpr std::size_t read_piece = 64 * 1024;
}

sftp_session::sftp_session(asio::any_io_executor executor, session_parts parts,
                           std::shared_ptr<const config::config> config, std::string id,
                           web::terminal_target target, std::string client)
    : browser_ssh_session(executor, std::move(parts), std::move(config), std::move(id),
                          std::move(target), std::move(client)),
      opened_(executor),
      idle_(executor) {}

sftp_session::~sftp_session() = default;

std::function<void()> sftp_session::waker() {
  return [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->step();
  };
}

asio::awaitable<std::string> sftp_session::open() {
  auto self = shared_from_this();
  proxy::session::target t{target_.person, target_.server, target_.account, config::protocol::ssh};
  parts_.gate.check(t, [weak = weak_from_this()](proxy::session::decision d) {
    if (auto s = weak.lock()) s->on_decision(d);
  });
  opened_.expires_after(std::chrono::seconds(60));
  while (phase_ != phase::ready && phase_ != phase::finished) {
    auto [ec] = co_await opened_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec) close("the server did not answer in time", "open timed out");
  }
  co_return phase_ == phase::ready ? std::string() : end_text_;
}

void sftp_session::on_decision(const proxy::session::decision& d) {
  if (phase_ != phase::checking || !admit(d)) return;
  phase_ = phase::connecting;
  upstream_->start(waker());
  step();
}

void sftp_session::step() {
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
  if (phase_ == phase::opening && channel_ && !channel_open_ && open_channel()) {
    channel_open_ = true;  // INIT goes first; VERSION makes it ready (on_packet)
    outgoing_ = init_packet();
    observer_->from_client(outgoing_.data(), outgoing_.size());
  }
  if (channel_open_ && phase_ != phase::finished) pump();
  stepping_ = false;
  if (phase_ != phase::finished && upstream_) upstream_->arm(true);
}

bool sftp_session::open_channel() {
  int rc = SSH_OK;
  if (open_step_ == 0) rc = ssh_channel_open_session(channel_);
  if (open_step_ == 1) rc = ssh_channel_request_subsystem(channel_, "sftp");
  if (rc == SSH_AGAIN) return false;
  if (rc != SSH_OK) {
    close(target_.server + " refused SFTP: " + ssh_get_error(upstream_->session()),
          "sftp subsystem refused");
    return false;
  }
  if (++open_step_ == 2) {
    event("session.channel", {{"request", "subsystem sftp"}});
    observer_ = std::make_unique<proxy::ssh::sftp_observer>(
        [weak = weak_from_this()](std::string_view name, boost::json::object fields) {
          if (auto self = weak.lock()) self->event(name, std::move(fields));
        });
    return true;
  }
  return open_channel();
}

void sftp_session::pump() {
  while (!outgoing_.empty()) {
    int n = ssh_channel_write(
        channel_, outgoing_.data(),
        static_cast<std::uint32_t>(std::min<std::size_t>(outgoing_.size(), read_piece)));
    if (n == SSH_ERROR) return close(target_.server + " closed the SFTP channel", "write failed");
    if (n <= 0) break;
    outgoing_.erase(0, static_cast<std::size_t>(n));
  }
  char buffer[read_piece];
  for (;;) {
    int got = ssh_channel_read_nonblocking(channel_, buffer, sizeof buffer, 0);
    if (got == SSH_ERROR)
      return close(target_.server + " closed the SFTP channel", "channel read failed");
    if (got <= 0) break;
    observer_->from_server(buffer, static_cast<std::size_t>(got));
    if (observer_->stopped())
      return close("the gate could not audit this SFTP session; it was ended",
                   "sftp audit: " + observer_->failure() + "; session ended");
    incoming_.feed(std::string_view(buffer, static_cast<std::size_t>(got)));
    while (auto packet = incoming_.next()) {
      on_packet(*packet);
      if (phase_ == phase::finished) return;
    }
    if (incoming_.failed())
      return close(target_.server + " sent an SFTP packet too long", "sftp packet too long");
  }
  if (ssh_channel_is_closed(channel_) || ssh_channel_is_eof(channel_))
    close(target_.server + " closed the SFTP channel", "the sftp server ended");
}

void sftp_session::on_packet(const std::string& packet) {
  auto r = parse_reply(packet);
  if (r.type == reply::kind::version) {
    if (phase_ == phase::opening) started();
    return;
  }
  if (r.type == reply::kind::malformed)
    return close(target_.server + " sent a malformed SFTP reply", "malformed sftp reply");
  if (!expected_.erase(r.id)) return;  // forgotten
  auto id = r.id;
  replies_[id] = std::move(r);
  if (auto w = waiters_.find(id); w != waiters_.end()) w->second->cancel();
}

void sftp_session::started() {
  phase_ = phase::ready;
  event("session.start", start_fields());
  parts_.sessions.add(shared_from_this());
  auto on = terminal::browser_grant_handlers(
      *authorization_, target_,
      [weak = weak_from_this()](const std::string& sentence) {
        if (auto self = weak.lock(); self && self->phase_ == phase::ready) {
          self->warnings_.push_back(sentence);
          self->tell_news();
        }
      },
      [weak = weak_from_this()](const std::string& sentence, const std::string& reason) {
        if (auto self = weak.lock()) self->close(sentence, reason);
      });
  grant_watch_.start(*authorization_, std::move(on));
  touch();
  opened_.cancel();
}

asio::awaitable<void> sftp_session::news(std::chrono::seconds most) {
  if (phase_ == phase::finished) co_return;
  auto timer = std::make_shared<asio::steady_timer>(executor_, most);
  news_.push_back(timer);
  co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  std::erase(news_, timer);
}

void sftp_session::tell_news() {
  for (auto& timer : news_) timer->cancel();
}

void sftp_session::touch() {
  idle_.expires_after(config_->web_sftp.idle_time);
  idle_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (!ec && self && self->waiters_.empty())
      self->close("the file browser was idle too long; reload the page", "idle");
  });
}

std::optional<std::uint32_t> sftp_session::send(std::uint8_t type, std::string_view body) {
  if (phase_ != phase::ready) return std::nullopt;
  const auto id = ++next_id_;
  auto framed = request(type, id, body);
  observer_->from_client(framed.data(), framed.size());
  if (observer_->stopped()) {
    close("the gate could not audit this SFTP request; the session was ended",
          "sftp audit: " + observer_->failure() + "; session ended");
    return std::nullopt;
  }
  outgoing_ += framed;
  expected_.insert(id);
  touch();
  asio::post(executor_, waker());
  return id;
}

asio::awaitable<reply> sftp_session::wait(std::uint32_t id) {
  auto self = shared_from_this();
  asio::steady_timer timer(executor_);
  timer.expires_after(answer_time);
  for (;;) {
    if (auto r = replies_.find(id); r != replies_.end()) {
      auto answer = std::move(r->second);
      replies_.erase(r);
      co_return answer;
    }
    if (phase_ == phase::finished || !expected_.count(id)) co_return reply{};
    // Listed only while it waits, also when the coroutine is destroyed mid-wait.
    struct listed {
      std::map<std::uint32_t, asio::steady_timer*>& waiters;
      std::uint32_t id;
      ~listed() { waiters.erase(id); }
    } entry{waiters_, id};
    waiters_[id] = &timer;
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!ec) {
      close(target_.server + " did not answer an SFTP request in time", "sftp request timed out");
      co_return reply{};
    }
  }
}

// By value: a coroutine keeps its own copy across the suspension.
// cppcheck-suppress passedByValue
asio::awaitable<reply> sftp_session::call(std::uint8_t type, std::string body) {
  auto id = send(type, body);
  if (!id) co_return reply{};
  co_return co_await wait(*id);
}

void sftp_session::forget(std::uint32_t id) {
  expected_.erase(id);
  replies_.erase(id);
}

void sftp_session::close(const std::string& text, const std::string& log_reason) {
  if (phase_ == phase::finished) return;
  const bool was_live = phase_ == phase::ready;
  phase_ = phase::finished;
  end_text_ = text.empty() ? "the file browser was closed" : text;
  idle_.cancel();
  opened_.cancel();
  for (auto& [id, timer] : waiters_) timer->cancel();
  tell_news();
  spdlog::info("web sftp {}: closing: {}", id_, log_reason);
  if (observer_) observer_->finish();
  end_leg();
  if (was_live) event("session.end", end_fields(log_reason));
  asio::post(executor_, [self = shared_from_this()] { self->parts_.sessions.remove(self->id_); });
}

std::optional<boost::json::object> sftp_session::describe() const {
  if (phase_ != phase::ready) return std::nullopt;
  auto o = proxy::session::session_object({id_, target_.person, target_.server, target_.account,
                                           "ssh", client_, started_at_,
                                           authorization_ ? authorization_->grant() : std::nullopt,
                                           bytes_in_, bytes_out_, "active", std::nullopt});
  o["via"] = "web";
  o["channel"] = "sftp";
  return o;
}

}  // namespace gatehouse::websftp
