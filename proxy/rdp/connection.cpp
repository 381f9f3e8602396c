#include "proxy/rdp/connection.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "core/log_text.hpp"
#include "core/peer_address.hpp"
#include "proxy/rdp/identity.hpp"
#include "proxy/rdp/token.hpp"

namespace gatehouse::proxy::rdp {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

time_point wall_now() {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// "ADDRESS" of "ADDRESS:PORT" / "[V6]:PORT".
std::string address_of(const std::string& peer) {
  auto colon = peer.rfind(':');
  return colon == std::string::npos ? peer : peer.substr(0, colon);
}

// The key named by listen.rdp.token_key, re-read per connection (a small file) so that a
// rotated key takes effect without a restart. Empty when none is configured or readable.
std::string current_key(const config::rdp_listener& l, const std::string& id) {
  if (l.token_key.empty()) return {};
  auto loaded = load_token_key(l.token_key);
  if (auto* e = std::get_if<1>(&loaded)) {
    spdlog::error("rdp {}: {}", id, *e);
    return {};
  }
  return std::get<0>(std::move(loaded));
}

}  // namespace

std::string_view to_string(connection::phase p) {
  switch (p) {
    case connection::phase::reading: return "reading";
    case connection::phase::checking: return "checking";
    case connection::phase::holding: return "held";
    case connection::phase::connecting: return "connecting";
    case connection::phase::relaying: return "active";
    case connection::phase::finished: return "finished";
  }
  return "finished";
}

connection::connection(tcp::socket client, std::shared_ptr<const config::config> cfg,
                       std::shared_ptr<listener_state> shared, std::string id, std::string peer)
    : client_(std::move(client)),
      server_(client_.get_executor()),
      resolver_(client_.get_executor()),
      deadline_(client_.get_executor()),
      config_(std::move(cfg)),
      shared_(std::move(shared)),
      id_(std::move(id)),
      peer_(std::move(peer)),
      address_(address_of(peer_)),
      source_(source_address(peer_)),
      grant_watch_(client_.get_executor(), shared_->holds->gate),
      started_(wall_now()) {
  target_.protocol = config::protocol::rdp;
}

void connection::start(slot unidentified, std::function<void(const std::string&)> on_finished) {
  unidentified_ = std::move(unidentified);
  on_finished_ = std::move(on_finished);
  boost::system::error_code ignored;
  client_.set_option(tcp::no_delay(true), ignored);
  deadline_.expires_after(shared_->settings.request_timeout);
  deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec && self->phase_ == phase::reading) self->close("no connection request in time");
  });
  read_request();
}

void connection::read_request() {
  client_.async_read_some(
      asio::buffer(read_buffer_.data(), parser_.wanted()),
      [self = shared_from_this()](boost::system::error_code ec, std::size_t n) {
        if (self->phase_ != phase::reading) return;
        if (ec) return self->close("client left before its connection request");
        auto s = self->parser_.feed(std::string_view(self->read_buffer_.data(), n));
        if (s == request_parser::status::need_more) return self->read_request();
        if (s == request_parser::status::error) {
          self->event("auth.failure",
                      {{"reason", "bad connection request: " + self->parser_.error()}});
          return self->close("bad connection request: " + self->parser_.error());
        }
        self->on_request();
      });
}

void connection::on_request() {
  deadline_.cancel();
  unidentified_.reset();
  const auto& listener = config_->listen.rdp ? *config_->listen.rdp : config::rdp_listener{};
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  auto who = identify(parser_.request(), listener, current_key(listener, id_), address_, now);
  if (auto* f = std::get_if<identity_failure>(&who)) {
    boost::json::object fields{{"reason", f->reason}};
    if (!f->user.empty()) fields["user"] = clipped_for_log(f->user);
    event("auth.failure", std::move(fields));
    return refuse(failure_code::hybrid_required_by_server, f->reason);
  }
  auto& id = std::get<identity>(who);
  target_.person = id.person;
  target_.server = id.server;
  method_ = id.method;
  event("auth.success", {{"method", method_}});
  phase_ = phase::checking;
  hold_ =
      std::make_shared<session::hold>(client_.get_executor(), shared_->holds,
                                      static_cast<session::hold_view&>(*this), target_, source_);
  hold_->start();
}

void connection::hold_event(std::string_view name, boost::json::object fields) {
  event(name, std::move(fields));
}

// An RDP client cannot be asked for a reason: without one filed ahead (which, under a
// `justify` rule, is a grant by now) the connection is refused, saying how to file one.
// Answered later, never from inside the hold's own call.
void connection::ask_justification(const session::decision&) {
  asio::post(client_.get_executor(), [weak = std::weak_ptr<session::hold>(hold_),
                                      person = target_.person, server = target_.server] {
    auto held = weak.lock();
    if (!held || held->finished()) return;
    held->refuse(session::front_end_refusal::justification_missing,
                 "RDP cannot ask for a justification: file it ahead with `ssh " + person +
                     "@GATE rdp-file " + server + " --reason TEXT` or on the web");
  });
}

void connection::holding(const session::request_status& r) {
  phase_ = phase::holding;
  request_id_ = r.id;
  watch_client_during_hold();
}

// A waiting client sends nothing until it gets its Connection Confirm: a read completes only
// when it gives up (EOF) or breaks the protocol.
void connection::watch_client_during_hold() {
  client_.async_read_some(asio::buffer(&probe_, 1),
                          [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                            if (self->phase_ != phase::holding) return;
                            self->hold_->cancel("client_left");
                            self->close(ec ? "client left while held" : "client spoke while held");
                          });
}

void connection::released(const session::decision& d) {
  auto self = shared_from_this();
  decision_ = d;
  // Cancel the probe read before connecting: the client's bytes are the relay's from now on.
  boost::system::error_code ignored;
  if (phase_ == phase::holding) client_.cancel(ignored);  // its handler sees `connecting`
  connect(*decision_.authorization);
}

void connection::refused(const session::refusal& r) {
  auto self = shared_from_this();
  const auto* policy_reason = std::get_if<policy::deny_reason>(&r.reason);
  std::string why(session::label(r.reason));
  if (policy_reason != nullptr)
    why = "denied: " + r.text;
  else if (!r.text.empty())
    why += ": " + r.text;
  refuse(failure_code::ssl_not_allowed_by_server, why);
}

void connection::connect(const policy::authorization& a) {
  phase_ = phase::connecting;
  const config::server* server = nullptr;
  for (const auto& s : config_->servers)
    if (s.name == target_.server && a.server() == s.name) server = &s;
  if (server == nullptr) return refuse(failure_code::ssl_not_allowed_by_server, "unknown server");
  deadline_.expires_after(shared_->settings.connect_timeout);
  deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->phase_ != phase::connecting) return;
    self->event("upstream.failure", {{"reason", "upstream_failed"}, {"text", "connect timed out"}});
    self->refuse(failure_code::ssl_not_allowed_by_server, "upstream: connect timed out");
  });
  auto failed = [](const std::shared_ptr<connection>& self, const std::string& why) {
    self->event("upstream.failure", {{"reason", "upstream_failed"}, {"text", why}});
    self->refuse(failure_code::ssl_not_allowed_by_server, "upstream: " + why);
  };
  resolver_.async_resolve(
      server->address.host, std::to_string(server->address.port), tcp::resolver::numeric_service,
      [self = shared_from_this(), failed](boost::system::error_code ec,
                                          tcp::resolver::results_type rs) {
        if (self->phase_ != phase::connecting) return;
        if (ec) return failed(self, ec.message());
        asio::async_connect(self->server_, rs,
                            [self, failed](boost::system::error_code cec, const tcp::endpoint&) {
                              if (self->phase_ != phase::connecting) return;
                              if (cec) return failed(self, cec.message());
                              self->on_connected();
                            });
      });
}

void connection::on_connected() {
  deadline_.cancel();
  boost::system::error_code ignored;
  server_.set_option(tcp::no_delay(true), ignored);
  phase_ = phase::relaying;
  relay_since_ = std::chrono::steady_clock::now();
  session_started_ = true;
  boost::json::object fields{{"rule", decision_.rule}, {"method", method_}};
  if (auto grant = decision_.authorization->grant()) fields["grant_id"] = *grant;
  event("session.start", std::move(fields));
  watch_grant();
  auto forwarded = std::make_shared<std::string>(build_forwarded_request(parser_.request()));
  asio::async_write(
      server_, asio::buffer(*forwarded),
      [self = shared_from_this(), forwarded](boost::system::error_code ec, std::size_t) {
        if (self->phase_ != phase::relaying) return;
        if (ec) return self->close("server error: " + ec.message());
        std::weak_ptr<connection> weak = self;
        self->relay_ = std::make_shared<relay>(self->client_, self->server_,
                                               self->shared_->settings.relay_buffer,
                                               [weak](const std::string& reason) {
                                                 if (auto s = weak.lock()) s->close(reason);
                                               });
        self->relay_->start();
      });
}

void connection::watch_grant() {
  std::weak_ptr<connection> weak = shared_from_this();
  session::grant_watch::handlers on;
  on.warn = [weak](std::chrono::minutes left, time_point end) {
    if (auto self = weak.lock())
      spdlog::info("rdp {}: grant of {} for {} ends in {} min ({})", self->id_,
                   self->target_.person, self->target_.server, left.count(), format_rfc3339(end));
  };
  on.ended = [weak](const session::grant_status& g) {
    if (auto self = weak.lock()) self->close(session::grant_end_reason(g));
  };
  grant_watch_.start(*decision_.authorization, std::move(on));
}

void connection::refuse(failure_code code, const std::string& reason) {
  if (phase_ == phase::finished) return;
  phase_ = phase::finished;
  deadline_.cancel();
  auto cc = std::make_shared<std::string>(build_negotiation_failure(code));
  // The refusal is best effort: a client that already left gets nothing.
  asio::async_write(client_, asio::buffer(*cc),
                    [self = shared_from_this(), cc, reason](boost::system::error_code,
                                                            std::size_t) { self->close(reason); });
}

void connection::shut(const session::shut_reason& why) {
  if (hold_) hold_->cancel("shut");
  if (phase_ == phase::checking || phase_ == phase::holding || phase_ == phase::connecting)
    return refuse(failure_code::ssl_not_allowed_by_server, why.log);
  close(why.log);
}

void connection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  phase_ = phase::finished;
  spdlog::info("rdp {}: closing {} ({})", id_, peer_, reason);
  close_reason_ = reason;
  boost::system::error_code ignored;
  deadline_.cancel();
  grant_watch_.stop();
  resolver_.cancel();
  if (hold_) hold_->cancel();
  if (relay_) relay_->stop();
  client_.close(ignored);
  server_.close(ignored);
  unidentified_.reset();
  if (session_started_) {
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - relay_since_)
                       .count();
    event("session.end", {{"bytes_in", relay_ ? relay_->bytes_in() : 0},
                          {"bytes_out", relay_ ? relay_->bytes_out() : 0},
                          {"duration_s", seconds},
                          {"reason", reason}});
  }
  if (auto done = std::exchange(on_finished_, nullptr)) {
    // Leave the registry after this handler: the caller may still hold references.
    asio::post(client_.get_executor(), [done, id = id_] { done(id); });
  }
}

void connection::event(std::string_view name, boost::json::object fields) {
  if (!shared_->events) return;
  boost::json::object o{{"session", id_}, {"client", peer_}, {"protocol", "rdp"}};
  if (!target_.person.empty()) o["person"] = target_.person;
  if (!target_.server.empty()) o["server"] = target_.server;
  for (auto& kv : fields) o[kv.key()] = kv.value();
  shared_->events(name, std::move(o));
}

std::optional<boost::json::object> connection::describe() const {
  if (phase_ == phase::reading || phase_ == phase::checking || phase_ == phase::finished)
    return std::nullopt;
  auto o = session::session_object(
      {id_, target_.person, target_.server, "", "rdp", peer_, started_,
       decision_.authorization ? decision_.authorization->grant() : std::nullopt,
       relay_ ? relay_->bytes_in() : 0, relay_ ? relay_->bytes_out() : 0, to_string(phase_),
       phase_ == phase::holding ? std::optional<std::int64_t>(request_id_) : std::nullopt});
  o["worker"] = shared_->worker;
  return o;
}

}  // namespace gatehouse::proxy::rdp
