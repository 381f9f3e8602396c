#pragma once
// The web app behind the HTTPS listener: maps (method, path) to pages and the JSON API.
// Socket-free; https_server calls handle() on the daemon's io_context.
//
//   GET  /approvals/TOKEN          the request and the decision form (changes nothing)
//   POST /approvals/TOKEN          decide as the link's approver (CSRF token + Origin check)
//   GET  /sign-in, POST /sign-in   ask for a sign-in link by mail
//   GET  /sign-in/TOKEN            a button to sign in (and a __Host- cookie its form token is
//                                  bound to); POST with both consumes the link, sets the session
//   POST /sign-out
//   GET  /my/requests, /my/approvals, /requests/ID, /grants        (signed in)
//   GET, POST /requests/new        file a request (request_new_page.cpp)
//   POST /requests/ID/ACTION (approve, deny, cancel, comment, reassign), /grants/ID/revoke
//   /api/v1/requests..., /api/v1/grants...   the admin API's endpoints (admin/policy_routes), as
//                                  the signed-in person and scoped to what they may see
//   GET  /audit[.csv], /audit/sessions[/ID], /audit/recordings/ID.cast, /audit/requests[.csv]
//        (the auditors group only)
//   GET  /apps, /apps/NAME, POST /apps/NAME/request, GET /apps/NAME/wait/ID   the portal of
//                                  gated web apps (app_portal_pages.cpp); the app hosts
//                                  themselves are apps/app_front_end's
//   GET  /terminal/SERVER/ACCOUNT[/wait/ID], POST .../ticket, .../request   the browser
//                                  terminal and its hold (terminal_pages.cpp;
//                                  its socket is terminal/terminal_front_end's)
//   GET, POST /apps/tokens         personal HTTP tokens for those apps (app_token_pages.cpp)
//   GET  /metrics                  in-memory counters (bearer token: listen.http.metrics_token)
//   GET  /healthz, /static/gatehouse.css, /static/replay.js, /assets/asciinema-player/*
//   GET  /.well-known/jwks.json    the key that verifies gated web apps' assertions
//
// A decision here is the person's own (as with `gatehouse approve --as PERSON`), made through
// the operations API (operations::service) as the admin API's are, audited by access_service.
// Nobody acts as the administrator from the web.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "config/config.hpp"
#include "core/time.hpp"
#include "core/window_limiter.hpp"
#include "policy/decision.hpp"
#include "policy/request.hpp"
#include "web/html.hpp"
#include "web/http_message.hpp"

namespace gatehouse::policy {
class gate_service;
class access_service;
class authorization;
struct request;
}  // namespace gatehouse::policy
namespace gatehouse::approval {
class token_store;
}
namespace gatehouse::operations {
class service;
}
namespace gatehouse::apps {
class assertion_signer;
}

namespace gatehouse::web {

class sign_in_mailer;
class terminal_tickets;

struct app_context {
  policy::gate_service& gate;       // counts for /metrics, .rdp files
  operations::service& operations;  // every action and read of requests and grants
  approval::token_store& tokens;
  const clock& clk;
  std::function<std::shared_ptr<const config::config>()> current_config;
  sign_in_mailer& mailer;
  std::function<std::size_t()> held_connections;      // for /metrics
  std::function<std::string()> mail_metrics{};        // Prometheus lines about mail, if any
  std::function<std::string()> connection_metrics{};  // the front ends' (refusals by reason)
  // Signs gated web apps' assertions; its JWKS is served at /.well-known/jwks.json (none: 404).
  const apps::assertion_signer* assertion_signer = nullptr;
  // Gated web apps: the URL that opens app NAME at a path for the person an authorization is
  // for (apps/app_front_end's launch_url); unset when no app is served.
  std::function<std::optional<std::string>(const std::string& app, const policy::authorization&,
                                           const std::string& next)>
      launch_app{};
  // The browser terminal's tickets (web/terminal_tickets), when the terminal is served; null:
  // no terminal pages.
  web::terminal_tickets* terminal_tickets = nullptr;
  // The web SFTP's tickets (websftp/sftp_front_end), when it is served; null: no file browser.
  web::terminal_tickets* sftp_tickets = nullptr;
};

class app {
 public:
  explicit app(app_context context);
  web_reply handle(const web_request& request);
  // The listener's counters, for /metrics (set once the listener exists).
  void set_traffic(const traffic_counters* traffic) { traffic_ = traffic; }

  // The form token for a page bound to `binding` (an approval link or a session): an HMAC
  // under a key made at start, so a form from before a restart must be reloaded.
  std::string csrf_token(const std::string& binding) const;

  // GET /apps/NAME/wait/ID/events of the signed-in requester of that pending or decided
  // request: the request and the waiting page's sentence (web/app_wait_events streams them);
  // nullopt for anything else, which then gets the ordinary pages' answer.
  struct wait_events_target {
    std::int64_t request_id;
    std::string waiting_text;
  };
  std::optional<wait_events_target> wait_events_for(const web_request& r) const;
  bool csrf_ok(const std::string& binding, const std::string& presented) const;

 private:
  struct session {
    std::string person;
    std::string token;
  };
  std::optional<session> signed_in(const web_request& r) const;
  std::string public_url() const;
  bool same_origin(const web_request& r) const;

  web_reply approval_page(const web_request& r, const std::string& token);
  web_reply sign_in_routes(const web_request& r, std::string_view path);
  // Counts a sign-in link for `person` asked from `peer`; false over the limits below.
  bool may_mail_sign_in(const std::string& person, const std::string& peer);
  web_reply person_routes(const web_request& r, std::string_view path, const session& s);
  web_reply api_routes(const web_request& r, std::string_view path, const session& s);
  // GET, POST /requests/new: the request form (request_new_page.cpp).
  web_reply request_new_routes(const web_request& r, const session& s);
  // The portal of gated web apps (app_portal_pages.cpp): /apps, /apps/NAME[/request|/wait/ID].
  web_reply apps_routes(const web_request& r, std::string_view path, const session& s);
  // The browser terminal and the web SFTP's file browser (terminal_pages.cpp):
  // /terminal/SERVER/ACCOUNT[/ticket], /sftp/SERVER/ACCOUNT[/ticket].
  web_reply terminal_routes(const web_request& r, std::string_view path, const session& s);
  web_reply sftp_page(const viewer& who, const std::string& server, const std::string& account,
                      const std::string& base, const std::string& csrf);
  std::optional<std::string> terminal_refusal(const std::string& person, const std::string& server,
                                              const std::string& account,
                                              std::optional<policy::decision>& decision);
  // The hold in the browser, shared by the portal and the terminal (request_hold_pages.cpp):
  // the request form's HTML (the rule's terms, who decides) posting to `action`; the form filed
  // as the person (or the page that says why not); the waiting page of `req`, whose events are
  // at `events`, or its denial with a link to `ask_again`.
  std::string request_form(const session& s, const policy::decision& d, std::string_view what,
                           const std::string& action, const std::string& hidden_next) const;
  std::variant<policy::request, web_reply> file_from_form(const web_request& r, const session& s,
                                                          const viewer& who,
                                                          const policy::target& t);
  static web_reply wait_page(const viewer& who, const policy::request& req,
                             const std::string& title, const std::string& events,
                             std::string_view onward_words, const std::string& ask_again);
  // GET, POST /apps/tokens: personal HTTP tokens, shown once (app_token_pages.cpp).
  web_reply token_routes(const web_request& r, const session& s);
  // The audit pages, for auditors only (audit_pages.cpp, audit_session_pages.cpp,
  // audit_request_pages.cpp).
  web_reply audit_routes(const web_request& r, std::string_view path, const session& s);
  // These read the audit log and run off the io thread (web_reply::off_thread): they use
  // only what they are given.
  using config_ptr = std::shared_ptr<const config::config>;
  static web_reply audit_events(const config_ptr& cfg, const web_request& r, bool csv,
                                const viewer& v);
  static web_reply audit_sessions(const config_ptr& cfg, const web_request& r, const viewer& v);
  // Replay and download check audit.recordings_need_approval and audit recording.viewed
  // through `access` (thread-safe); `csrf` is the form token of the page's request form.
  static web_reply audit_replay(const config_ptr& cfg, const std::string& session_id,
                                const viewer& v, policy::access_service& access,
                                const std::string& csrf);
  static web_reply audit_recording(const config_ptr& cfg, const std::string& name, const viewer& v,
                                   policy::access_service& access);
  // POST /audit/sessions/ID/request: files (or finds) the viewer's request to see ID's recording.
  static web_reply audit_recording_request(const config_ptr& cfg, const std::string& session_id,
                                           const viewer& v, policy::access_service& access,
                                           const std::string& reason);
  web_reply audit_requests(const web_request& r, bool csv, const viewer& v);
  // Prometheus text from counters kept in memory; with listen.http.metrics_token, only for
  // "Authorization: Bearer TOKEN" (401 otherwise).
  web_reply metrics(const web_request& r);

  app_context context_;
  std::string csrf_key_;
  const traffic_counters* traffic_ = nullptr;
  std::uint64_t sign_ins_ = 0;  // sessions opened by sign-in links, for /metrics
  // Sign-in links mailed within 15 minutes: 3 per person asked from one source address, 20
  // per source, and a ceiling of 10 per person from everywhere - no mailbox flooded by a script,
  // no token table grown without end. Names asked from another source do not count against a
  // person's own source, so one host cannot lock a person out; only several hosts together
  // reach the ceiling (then at most 15 minutes). Over a limit the page answers the same, no mail.
  window_limiter sign_in_by_person_source_{3, std::chrono::minutes(15), std::chrono::minutes(15)};
  window_limiter sign_in_by_source_{20, std::chrono::minutes(15), std::chrono::minutes(15)};
  window_limiter sign_in_by_person_{10, std::chrono::minutes(15), std::chrono::minutes(15)};
};

// Common replies.
web_reply html_reply(int status, std::string_view title, const viewer& v, std::string_view body);
web_reply redirect(const std::string& location);
web_reply message_page(int status, std::string_view title, const viewer& v, std::string_view text,
                       bool error = true);

// "Waiting for bob, carol. This page goes on to ONWARD by itself once the request is approved."
std::string waiting_sentence(const policy::request& r, std::string_view onward);
constexpr std::string_view terminal_onward_words = "the terminal";
constexpr std::string_view sftp_onward_words = "the file browser";

// Who may see a request: its requester and its approvers; with the configuration, also the
// fulfillers of a manual request (policy/fulfilment.hpp).
bool may_see(const policy::request& r, std::string_view person);
bool may_see(const config::config& c, const policy::request& r, std::string_view person);
// `person` is due to fulfil `r`: it waits for fulfilment and they are one of its fulfillers.
bool due_to_fulfil(const config::config& c, const policy::request& r, std::string_view person);

// The group whose members see the audit pages (/audit...).
constexpr std::string_view auditors_group = "auditors";
bool is_auditor(const config::config& c, std::string_view person);

}  // namespace gatehouse::web
