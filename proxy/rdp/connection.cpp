#include "proxy/rdp/connection.hpp"

#include <boost/asio/connect.hpp>
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

constexpr std::string_view default_reason = "RDP connection";

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
    case connection::phase::holding: return "held";
    case connection::phase::connecting: return "connecting";
    case connection::phase::relaying: return "active";
    case connection::phase::finished: return "finished";
  }
  return "finished";
}

connection::connection(tcp::socket client, std::shared_ptr<const config::config> cfg,
                       policy::gate_service& gate, event_sink events,
                       const front_end_settings& settings, std::shared_ptr<hold_caps> held,
                       std::string id, std::string peer)
    : client_(std::move(client)),
      server_(client_.get_executor()),
      resolver_(client_.get_executor()),
      deadline_(client_.get_executor()),
      grant_timer_(client_.get_executor()),
      config_(std::move(cfg)),
      gate_(gate),
      events_(std::move(events)),
      settings_(settings),
      held_(std::move(held)),
      id_(std::move(id)),
      peer_(std::move(peer)),
      address_(address_of(peer_)),
      source_(source_address(peer_)),
      started_(wall_now()) {
  target_.protocol = config::protocol::rdp;
}

void connection::start(std::function<void(const std::string&)> on_finished) {
  on_finished_ = std::move(on_finished);
  boost::system::error_code ignored;
  client_.set_option(tcp::no_delay(true), ignored);
  deadline_.expires_after(settings_.request_timeout);
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
  decide();
}

void connection::decide() {
  auto d = gate_.check(target_);
  namespace ds = policy::decisions;
  if (auto* a = std::get_if<ds::allow>(&d)) {
    terms_ = a->terms;
    return connect();
  }
  if (auto* g = std::get_if<ds::allowed_by_grant>(&d)) {
    terms_ = g->terms;
    grant_ = g->grant;
    until_ = g->until;
    return connect();
  }
  if (auto* j = std::get_if<ds::justification_needed>(&d)) terms_ = j->terms;
  if (auto* n = std::get_if<ds::approval_needed>(&d)) terms_ = n->terms;
  if (std::holds_alternative<ds::justification_needed>(d) ||
      std::holds_alternative<ds::approval_needed>(d))
    return hold();
  const auto& x = std::get<ds::deny>(d);
  event("access.denied", {{"reason", std::string(policy::to_string(x.reason))}, {"text", x.text}});
  refuse(failure_code::ssl_not_allowed_by_server, "denied: " + x.text);
}

void connection::hold() {
  auto taken = held_->take(target_.person, source_);
  if (auto* refused = std::get_if<std::string>(&taken)) {
    event("access.denied", {{"reason", "hold cap reached"}, {"text", *refused}});
    return refuse(failure_code::ssl_not_allowed_by_server, "hold cap reached");
  }
  hold_slots_ = std::move(std::get<held_slots>(taken));
  auto filed = gate_.file_or_reuse(target_, std::string(default_reason));
  if (!filed) {
    event("access.denied", {{"reason", "request not filed"}, {"text", filed.message()}});
    return refuse(failure_code::ssl_not_allowed_by_server, "request not filed: " + filed.message());
  }
  request_ = filed->id;
  if (filed->state != policy::request_state::pending) {
    // A justify rule (or an emergency rule) decides at filing: check again.
    auto d = gate_.check(target_);
    if (!std::holds_alternative<policy::decisions::approval_needed>(d) &&
        !std::holds_alternative<policy::decisions::justification_needed>(d))
      return decide();
  }
  phase_ = phase::holding;
  event("hold.start", {{"request_id", request_}});
  std::weak_ptr<connection> weak = shared_from_this();
  request_watch_ = gate_.watch_request(request_, [weak](const policy::request& r) {
    if (auto self = weak.lock()) self->on_request_update(r);
  });
  deadline_.expires_after(terms_.hold_timeout);
  deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->phase_ != phase::holding) return;
    self->event("hold.timeout", {{"request_id", self->request_}});
    self->refuse(failure_code::ssl_not_allowed_by_server, "hold timed out");
  });
  watch_client_during_hold();
}

// A waiting client sends nothing until it gets its Connection Confirm: a read completes only
// when it gives up (EOF) or breaks the protocol.
void connection::watch_client_during_hold() {
  client_.async_read_some(asio::buffer(&probe_, 1), [self = shared_from_this()](
                                                        boost::system::error_code ec, std::size_t) {
    if (self->phase_ != phase::holding) return;
    self->event("hold.end", {{"request_id", self->request_}, {"outcome", "client left"}});
    self->close(ec ? "client left while held" : "client spoke while held");
  });
}

void connection::on_request_update(const policy::request& r) {
  if (phase_ != phase::holding || r.id != request_) return;
  if (r.state == policy::request_state::pending) return;
  request_watch_.reset();
  deadline_.cancel();
  event("hold.end", {{"request_id", r.id}, {"outcome", std::string(policy::to_string(r.state))}});
  if (r.state != policy::request_state::approved)
    return refuse(failure_code::ssl_not_allowed_by_server,
                  "request " + std::string(policy::to_string(r.state)));
  // Cancel the probe read before connecting: the client's bytes are the relay's from now on.
  boost::system::error_code ignored;
  client_.cancel(ignored);  // connect() leaves `holding` first: the probe's handler bails
  auto d = gate_.check(target_);
  if (auto* g = std::get_if<policy::decisions::allowed_by_grant>(&d)) {
    terms_ = g->terms;
    grant_ = g->grant;
    until_ = g->until;
    return connect();
  }
  if (std::holds_alternative<policy::decisions::allow>(d)) return connect();
  event("access.denied", {{"reason", "approved request gives no access now"}});
  refuse(failure_code::ssl_not_allowed_by_server, "approved request gives no access now");
}

void connection::connect() {
  if (settings_.sessions_allowed && !settings_.sessions_allowed()) {
    event("access.denied", {{"reason", "audit log unavailable"}});
    return refuse(failure_code::ssl_not_allowed_by_server, "audit log unavailable");
  }
  phase_ = phase::connecting;
  hold_slots_.reset();
  const config::server* server = nullptr;
  for (const auto& s : config_->servers)
    if (s.name == target_.server) server = &s;
  if (server == nullptr) return refuse(failure_code::ssl_not_allowed_by_server, "unknown server");
  deadline_.expires_after(settings_.connect_timeout);
  deadline_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->phase_ != phase::connecting) return;
    self->event("upstream.failure", {{"reason", "connect timed out"}});
    self->refuse(failure_code::ssl_not_allowed_by_server, "upstream: connect timed out");
  });
  resolver_.async_resolve(
      server->address.host, std::to_string(server->address.port), tcp::resolver::numeric_service,
      [self = shared_from_this()](boost::system::error_code ec, tcp::resolver::results_type rs) {
        if (self->phase_ != phase::connecting) return;
        if (ec) {
          self->event("upstream.failure", {{"reason", ec.message()}});
          return self->refuse(failure_code::ssl_not_allowed_by_server, "upstream: " + ec.message());
        }
        asio::async_connect(self->server_, rs,
                            [self](boost::system::error_code cec, const tcp::endpoint&) {
                              if (self->phase_ != phase::connecting) return;
                              if (cec) {
                                self->event("upstream.failure", {{"reason", cec.message()}});
                                return self->refuse(failure_code::ssl_not_allowed_by_server,
                                                    "upstream: " + cec.message());
                              }
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
  boost::json::object fields{{"rule", terms_.name}, {"method", method_}};
  if (grant_ != 0) fields["grant_id"] = grant_;
  event("session.start", std::move(fields));
  watch_grant();
  auto forwarded = std::make_shared<std::string>(build_forwarded_request(parser_.request()));
  asio::async_write(
      server_, asio::buffer(*forwarded),
      [self = shared_from_this(), forwarded](boost::system::error_code ec, std::size_t) {
        if (self->phase_ != phase::relaying) return;
        if (ec) return self->close("server error: " + ec.message());
        std::weak_ptr<connection> weak = self;
        self->relay_ =
            std::make_shared<relay>(self->client_, self->server_, self->settings_.relay_buffer,
                                    [weak](const std::string& reason) {
                                      if (auto s = weak.lock()) s->close(reason);
                                    });
        self->relay_->start();
      });
}

void connection::watch_grant() {
  if (grant_ == 0) return;
  std::weak_ptr<connection> weak = shared_from_this();
  grant_watch_ = gate_.watch_grant(grant_, [weak](const policy::grant& g) {
    if (auto self = weak.lock())
      self->close(g.state == policy::grant_state::revoked
                      ? "grant revoked" + (g.revoked_by.empty() ? "" : " by " + g.revoked_by)
                      : "grant ended");
  });
  if (!until_) return;
  // The gate's own timer ends the grant; this one is the backstop if its feed is late.
  grant_timer_.expires_after(
      std::chrono::milliseconds(std::max<std::int64_t>(0, (*until_ - wall_now()).count()) + 500));
  grant_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (!ec) self->close("grant ended");
  });
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

void connection::shut(const std::string& reason) {
  if (phase_ == phase::holding || phase_ == phase::connecting)
    return refuse(failure_code::ssl_not_allowed_by_server, reason);
  close(reason);
}

void connection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  phase_ = phase::finished;
  spdlog::info("rdp {}: closing {} ({})", id_, peer_, reason);
  close_reason_ = reason;
  boost::system::error_code ignored;
  deadline_.cancel();
  grant_timer_.cancel();
  resolver_.cancel();
  if (relay_) relay_->stop();
  client_.close(ignored);
  server_.close(ignored);
  request_watch_.reset();
  grant_watch_.reset();
  hold_slots_.reset();
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
  if (!events_) return;
  boost::json::object o{{"session", id_}, {"client", peer_}, {"protocol", "rdp"}};
  if (!target_.person.empty()) o["person"] = target_.person;
  if (!target_.server.empty()) o["server"] = target_.server;
  for (auto& kv : fields) o[kv.key()] = kv.value();
  events_(name, std::move(o));
}

boost::json::object connection::describe() const {
  boost::json::object o;
  o["id"] = id_;
  o["person"] = target_.person;
  o["server"] = target_.server;
  o["account"] = "";
  o["protocol"] = "rdp";
  o["client"] = peer_;
  o["started"] = format_rfc3339(started_);
  if (grant_ != 0)
    o["grant_id"] = grant_;
  else
    o["grant_id"] = nullptr;
  o["bytes_in"] = relay_ ? relay_->bytes_in() : 0;
  o["bytes_out"] = relay_ ? relay_->bytes_out() : 0;
  o["state"] = to_string(phase_);
  if (phase_ == phase::holding) o["request_id"] = request_;
  return o;
}

}  // namespace gatehouse::proxy::rdp
