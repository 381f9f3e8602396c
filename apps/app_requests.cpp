// Admission of each request on an app host (app_front_end.hpp's table): the launch, personal
// tokens (and their hold), the app's cookie, and what a client without any of them gets.
#include <boost/asio/async_result.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <spdlog/spdlog.h>

#include "approval/secrets.hpp"
#include "apps/app_front_end.hpp"
#include "apps/front_end_state.hpp"
#include "apps/identity/http_tokens.hpp"
#include "apps/token_hold.hpp"
#include "core/json_text.hpp"
#include "core/untrusted_text.hpp"
#include "policy/store_reachability.hpp"
#include "proxy/session/deny_reason.hpp"
#include "proxy/session/gate.hpp"
#include "web/forms.hpp"
#include "web/http_stream.hpp"

namespace gatehouse::apps {

namespace {
namespace http = boost::beast::http;
constexpr std::string_view app_cookie = "__Host-gh_app";
// The gate's own cookies: never forwarded, even if a browser sent them to an app host.
const std::vector<std::string> gate_cookies{std::string(app_cookie), "__Host-gatehouse",
                                            "__Host-gatehouse-sign-in"};

web::web_reply text_reply(int status, std::string text) {
  return web::web_reply{status, "text/plain; charset=utf-8", std::move(text) + "\n", {}};
}

std::string path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

std::string query_value(std::string_view target, std::string_view key) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return {};
  auto form = web::parse_form(target.substr(q + 1));
  auto it = form.find(std::string(key));
  return it == form.end() ? std::string() : it->second;
}

// The gate's answer for `t`, awaited (the gate answers through a callback, never inside it).
boost::asio::awaitable<proxy::session::decision> check_now(proxy::session::gate& gate,
                                                           const proxy::session::target& t) {
  return boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                     void(proxy::session::decision)>(
      [&gate, t](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        // The decision is moved on into the handler: taken by value on purpose.
        // cppcheck-suppress passedByValue
        gate.check(t, [shared](proxy::session::decision d) { std::move (*shared)(std::move(d)); });
      },
      boost::asio::use_awaitable);
}

bool wants_html(const web::request_header& r) {
  auto accept = r[http::field::accept];
  return r.method() == http::verb::get && accept.find("text/html") != std::string_view::npos;
}

class app_connection final : public app_connection_handler {
 public:
  app_connection(std::shared_ptr<app_front_end::state> s, std::string app)
      : state_(std::move(s)), app_(std::move(app)) {}

  boost::asio::awaitable<admission> admit(const web::request_header& r, const std::string& peer,
                                          std::shared_ptr<connection_end> conn,
                                          const client_watch& client_leaves) override {
    session_ = nullptr;
    peer_ = peer;
    const auto* app = state_->directory().by_host(r[http::field::host]);
    if (!app || app->name != app_) {
      // One connection, one app: a request for another host on it is not this app's.
      co_return answer(text_reply(421, "This connection serves another host."));
    }
    host_ = host_of(r[http::field::host]);
    const std::string origin = "https://" + host_ + state_->port_suffix();
    const std::string target(r.target());
    if (path_of(target) == "/.gatehouse/launch") co_return launch(*app, target, r);

    if (auto token = bearer_token(r[http::field::authorization])) {
      co_return co_await with_token(*app, std::string(*token), r, peer, origin, conn,
                                    client_leaves);
    }
    auto cookie = web::cookie_value(r[http::field::cookie], app_cookie);
    if (!cookie.empty()) {
      if (auto id = state_->passes.session_of_cookie(app->name, cookie)) {
        if (auto s = state_->find_session(*id)) co_return forward(*s, *app, origin, conn, false);
      }
    }
    co_return no_pass(*app, target, r);
  }

  void completed(const exchange_record& r) override {
    if (!session_) return;
    session_->count(r.bytes_in, r.bytes_out);
    if (state_->current_config()->audit.http != config::http_audit::requests) return;
    // One event per request: its members (each key is an allocation of its own in
    // Boost.JSON) go to one arena that the object owns, not to malloc a dozen times.
    boost::json::object fields(
        {{"session", session_->id()},
         {"person", session_->about().person},
         {"server", session_->about().app},
         {"client", session_->about().client},
         {"method", r.method},
         {"path", r.path},
         {"status", r.status},
         {"bytes_in", r.bytes_in},
         {"bytes_out", r.bytes_out},
         {"ms", r.duration.count()}},
        14, boost::json::make_shared_resource<boost::json::monotonic_resource>());
    if (r.websocket) fields["websocket"] = true;
    if (!r.error.empty()) fields["error"] = r.error;
    state_->event("http.request", std::move(fields));
  }

 private:
  static admission answer(web::web_reply reply, bool close = false) {
    admission a;
    a.what = admission::kind::answer;
    a.answer = std::move(reply);
    a.close_after = close;
    return a;
  }

  admission forward(app_session& s, const app_entry& app, const std::string& origin,
                    const std::shared_ptr<connection_end>& conn, bool token) {
    auto* pool = state_->pool_for(app);
    if (!pool) return answer(text_reply(502, "The app's upstream is misconfigured."));
    session_ = state_->find_session(s.id());
    s.attach(conn);
    s.touch(std::chrono::steady_clock::now());
    admission a;
    a.what = admission::kind::forward;
    a.pool = pool;
    a.origin = origin;
    a.add_headers = state_->identity_headers(s, app, origin);
    a.drop_cookies = gate_cookies;
    a.drop_authorization = token;
    a.websocket_without_origin = token;
    return a;
  }

  // The portal's launch: a single-use token becomes this app's session cookie.
  admission launch(const app_entry& app, const std::string& target, const web::request_header& r) {
    auto token = query_value(target, "t");
    auto l = state_->passes.redeem_launch(app.name, token, std::chrono::steady_clock::now());
    if (!l) {
      web::web_reply again =
          text_reply(403, "This link has been used or has expired. Open the app again from " +
                              state_->public_url() + "/apps");
      return answer(std::move(again));
    }
    // A cookie this browser held for an earlier session of the same person ends that one.
    auto old = web::cookie_value(r[http::field::cookie], app_cookie);
    if (auto id = old.empty() ? std::nullopt : state_->passes.session_of_cookie(app.name, old))
      if (auto s = state_->find_session(*id); s && s->about().person == l->person)
        s->end("replaced by a new session", "replaced");
    auto s =
        state_->open_session(l->person, app, l->authorization, app_session::via::browser, peer_);
    web::web_reply go{302, "text/plain; charset=utf-8", "Opening " + app.name + "\n", {}};
    go.headers.emplace_back("Location", l->next);
    go.headers.emplace_back("Set-Cookie", std::string(app_cookie) + "=" +
                                              state_->passes.issue_cookie(app.name, s->id()) +
                                              "; Path=/; Secure; HttpOnly; SameSite=Lax");
    go.headers.emplace_back("Cache-Control", "no-store");
    return answer(std::move(go));
  }

  // A personal token: its live session, else a hold like an SSH login. A coroutine keeps its
  // own copy of what it is given (hence `token` by value).
  boost::asio::awaitable<admission> with_token(const app_entry& app,
                                               // cppcheck-suppress passedByValue
                                               std::string token, const web::request_header& r,
                                               const std::string& peer, const std::string& origin,
                                               std::shared_ptr<connection_end> conn,
                                               const client_watch& client_leaves) {
    using namespace boost::asio::experimental::awaitable_operators;
    auto refused = [](int status, std::string text) {
      web::web_reply reply = text_reply(status, std::move(text));
      if (status == 401)
        reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gatehouse\"");
      return answer(std::move(reply));
    };
    if (!state_->tokens) co_return refused(401, "Personal tokens are not accepted here.");
    bool store_failed = false;
    auto t = verified_token(token, &store_failed);
    if (store_failed) co_return store_away();
    if (!t) co_return refused(401, "Unknown or expired token.");
    if (t->app != app.name)
      co_return refused(403, "This token is for the app " + t->app + ", not " + app.name + ".");
    if (auto s = state_->token_session(t->person, app.name))
      co_return forward(*s, app, origin, conn, true);

    proxy::session::target where{t->person, app.name, "", config::protocol::http};
    // The grant of this token's session ended: the next request is refused with why, unless
    // another grant allows it by now (it is not held again; the one after files anew).
    auto ended = state_->ended_token_grants.find({t->person, app.name});
    if (ended != state_->ended_token_grants.end()) {
      const std::string why = ended->second;
      state_->ended_token_grants.erase(ended);
      auto now = co_await check_now(state_->services.gate, where);
      if (!now.authorization)
        co_return answer(text_reply(
            403, "Refused (grant_ended): " + why + ". Send the request again to ask anew."));
      auto s = state_->token_session(t->person, app.name);
      if (!s)
        s = state_->open_session(t->person, app, *now.authorization, app_session::via::token, peer);
      co_return forward(*s, app, origin, conn, true);
    }
    std::string reason(r["Gatehouse-Justification"]);
    auto events = [st = state_, who = t->person, app = app.name, peer](std::string_view name,
                                                                       boost::json::object f) {
      f["person"] = who;
      f["server"] = app;
      f["client"] = peer;
      st->event(name, std::move(f));
    };
    auto held = co_await (hold_token_request(state_->holds, where, peer, reason, events) ||
                          client_leaves());
    if (held.index() == 1) {  // the client went while held: its hold is cancelled (client_left)
      conn->end("client left while held");
      co_return answer(text_reply(499, "client left"), true);
    }
    auto outcome = std::get<0>(std::move(held));
    if (outcome.refused) {
      const auto& why = *outcome.refused;
      if (why.reason ==
          proxy::session::deny_reason(proxy::session::front_end_refusal::store_unreachable))
        co_return store_away();
      std::string text = why.text;
      if (why.request && !why.request->decided_by.empty())
        text = "request #" + std::to_string(why.request->id) + " " +
               std::string(policy::to_string(why.request->state)) + " by " +
               why.request->decided_by +
               (why.request->comment.empty() ? "" : ": " + why.request->comment);
      if (text.empty()) text = "no access";
      auto reply = text_reply(403, "Refused (" + std::string(proxy::session::label(why.reason)) +
                                       "): " + visible_text(text));
      if (outcome.request_id)
        reply.headers.emplace_back("Gatehouse-Request", std::to_string(outcome.request_id));
      co_return answer(std::move(reply));
    }
    if (!outcome.released || !outcome.released->authorization)
      co_return answer(text_reply(503, "Gatehouse is shutting down."), true);
    // Another request of the same person may have opened the session meanwhile.
    auto s = state_->token_session(t->person, app.name);
    if (!s)
      s = state_->open_session(t->person, app, *outcome.released->authorization,
                               app_session::via::token, peer);
    auto let_through = forward(*s, app, origin, conn, true);
    if (outcome.request_id)
      let_through.reply_headers.emplace_back("Gatehouse-Request",
                                             std::to_string(outcome.request_id));
    co_return let_through;
  }

  // The token's holder: looked up in the token store once per connection (a store read per
  // request cost every keep-alive request a SHA-256 and a database query on the io thread),
  // then the same bearer (compared in constant time) is taken until the token expires.
  // `store_failed` is set when the store could not be asked (nothing is remembered then).
  std::optional<http_token> verified_token(const std::string& bearer, bool* store_failed) {
    const auto now = state_->services.clk.now();
    if (verified_ && now < verified_->expires && approval::equal_secrets(bearer, verified_bearer_))
      return verified_;
    verified_ = verify_http_token(*state_->tokens, bearer, now, store_failed);
    verified_bearer_ = verified_ ? bearer : std::string();
    return verified_;
  }

  // A login that needs the access store while it cannot be reached (the hold refused it, or
  // the token could not be looked up): 503, with the sentence every front end uses.
  static admission store_away() {
    auto reply = text_reply(503, "Gatehouse: " + std::string(policy::store_unreachable_text));
    reply.headers.emplace_back("Retry-After", "60");
    return answer(std::move(reply));
  }

  // No pass: a browser goes to the portal's page for the app (sign-in, request, launch);
  // anything else is told how to get in.
  admission no_pass(const app_entry& app, const std::string& target, const web::request_header& r) {
    const std::string portal = state_->public_url() + "/apps/" + app.name;
    if (wants_html(r)) {
      web::web_reply go{302, "text/plain; charset=utf-8", "Sign in at " + portal + "\n", {}};
      go.headers.emplace_back("Location", portal + "?next=" + web::url_encode(target));
      go.headers.emplace_back("Cache-Control", "no-store");
      return answer(std::move(go));
    }
    web::web_reply reply{401,
                         "application/json",
                         json_serialize(boost::json::object{
                             {"error", "access to " + app.name + " needs a grant: open " + portal +
                                           " in a browser, or send a personal token "
                                           "(Authorization: Bearer)"}}) +
                             "\n",
                         {}};
    reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"gatehouse\"");
    return answer(std::move(reply));
  }

  std::shared_ptr<app_front_end::state> state_;
  std::string app_;
  std::string host_;
  std::string peer_;
  std::shared_ptr<app_session> session_;  // of the last request let through
  std::string verified_bearer_;           // the token verified_ was looked up for
  std::optional<http_token> verified_;
};
}  // namespace

boost::asio::awaitable<void> app_front_end::serve(web::taken_connection& c) {
  const auto* app = state_->directory().by_host(c.request[http::field::host]);
  if (!app) co_return;
  app_connection handler(state_, app->name);
  co_await serve_app_connection(c, handler, state_->limits);
}

}  // namespace gatehouse::apps
