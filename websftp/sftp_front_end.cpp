#include "websftp/sftp_front_end.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>

#include "approval/secrets.hpp"
#include "core/json_text.hpp"
#include "proxy/session/session_id.hpp"
#include "web/event_stream.hpp"
#include "web/forms.hpp"
#include "web/http_stream.hpp"
#include "websftp/sftp_operations.hpp"
#include "websftp/sftp_session.hpp"

namespace gatehouse::websftp {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {
constexpr std::string_view api = "/sftp-api/";
constexpr std::chrono::seconds keep_alive_every{25};

// GET /sftp-api/events: the grant's warnings as they come (`warning`), then the session's end
// with its reason (`ended`), as server-sent events; a comment now and then keeps it open.
// By value: a coroutine keeps its own copy across the suspension.
// cppcheck-suppress passedByValue
asio::awaitable<void> stream_events(web::streamed_exchange& ex, std::shared_ptr<sftp_session> s) {
  web::reply_head head;
  head.content_type = "text/event-stream; charset=utf-8";
  head.headers.emplace_back("Cache-Control", "no-store");
  if (co_await ex.start_reply(head)) co_return;
  std::string out = "retry: 3000\n\n";
  for (std::size_t told = 0;;) {
    for (; told < s->warnings().size(); ++told)
      out += web::sse_event("warning", s->warnings()[told]);
    const bool over = s->finished();
    if (over) out += web::sse_event("ended", s->end_text());
    if (out.empty()) out = ": open\n\n";
    if (co_await ex.write(asio::buffer(out))) co_return;
    if (over) break;
    out.clear();
    co_await s->news(keep_alive_every);
    auto cs = co_await asio::this_coro::cancellation_state;
    if (cs.cancelled() != asio::cancellation_type::none) co_return;
  }
  co_await ex.finish();
}
}  // namespace

sftp_front_end::sftp_front_end(asio::any_io_executor executor,
                               std::function<std::shared_ptr<const config::config>()> cfg, parts p)
    : executor_(executor),
      current_config_(std::move(cfg)),
      parts_(std::move(p)),
      id_prefix_(proxy::session::unique_id_prefix()) {}
sftp_front_end::~sftp_front_end() = default;

bool sftp_front_end::serves(std::string_view target) { return target.starts_with(api); }

std::shared_ptr<sftp_session> sftp_front_end::find(std::string_view key, std::string& why) {
  auto dot = key.find('.');
  auto it = dot == std::string_view::npos ? sessions_.end() : sessions_.find(key.substr(0, dot));
  if (it == sessions_.end() ||
      !approval::equal_secrets(approval::sha256_hex(it->second.secret),
                               approval::sha256_hex(key.substr(dot + 1)))) {
    why = "this file browser is no longer open; reload the page";
    return nullptr;
  }
  if (!it->second.session->ready()) {
    why = it->second.session->end_text();
    return nullptr;
  }
  return it->second.session;
}

asio::awaitable<void> sftp_front_end::serve(web::streamed_exchange& ex) {
  const auto& head = ex.request();
  std::string_view target(head.target().data(), head.target().size());
  auto q = target.find('?');
  const auto what = std::string(target.substr(
      api.size(), q == std::string_view::npos ? std::string_view::npos : q - api.size()));
  auto form = web::parse_form(q == std::string_view::npos ? "" : target.substr(q + 1));
  auto cfg = current_config_();
  const bool post = head.method() == http::verb::post;
  const std::string origin(head[http::field::origin]);
  const std::string fetch_site(head["Sec-Fetch-Site"]);
  if (!cfg->listen.http) co_return co_await reply_error(ex, 403, "no web listener");
  if (post ? origin != web::origin_of(cfg->listen.http->public_url)
           : (fetch_site == "cross-site" || fetch_site == "same-site"))
    co_return co_await reply_error(ex, 403, "cross-site request refused");
  const bool reads = what == "list" || what == "download" || what == "events";
  const bool writes = what == "open" || what == "upload" || what == "rename" || what == "mkdir" ||
                      what == "delete" || what == "close";
  if (!reads && !writes) co_return co_await reply_error(ex, 404, "no such operation");
  if (reads == post) co_return co_await reply_error(ex, 405, reads ? "use GET" : "use POST");
  if (what == "open") co_return co_await open(ex, form["t"]);

  std::string why;
  auto session = find(form["k"], why);
  if (!session) co_return co_await reply_error(ex, 410, why);
  if (what == "close") {
    session->shut({"the file browser was closed", "closed by the browser"});
    co_await ex.reply(200, "application/json", "{\"closed\":true}\n");
    co_return;
  }
  if (what == "events") co_return co_await stream_events(ex, session);
  auto path = browser_path(form["path"]);
  if (!path) co_return co_await reply_error(ex, 400, "a path of 1 to 4096 bytes without NUL");
  if (what == "list") co_return co_await list_directory(ex, *session, *path);
  if (what == "download") co_return co_await download_file(ex, *session, *path);
  if (what == "upload") co_return co_await upload_file(ex, *session, *path);
  std::string to;
  if (what == "rename") {
    auto checked = browser_path(form["to"]);
    if (!checked) co_return co_await reply_error(ex, 400, "a new name of 1 to 4096 bytes");
    to = std::move(*checked);
  }
  co_await change(ex, *session, what, *path, to, form["dir"] == "1");
}

asio::awaitable<void> sftp_front_end::open(web::streamed_exchange& ex, const std::string& ticket) {
  auto who = tickets_.redeem(ticket, std::chrono::steady_clock::now());
  auto cfg = current_config_();
  if (!who)
    co_return co_await reply_error(ex, 403,
                                   "the ticket is unknown, used or expired; reload the page");
  if (parts_.sessions_allowed && !parts_.sessions_allowed())
    co_return co_await reply_error(ex, 403,
                                   "sessions are refused while the audit trail cannot be written");
  std::size_t mine = 0;
  std::erase_if(sessions_, [&](const auto& kv) {
    if (kv.second.session->finished()) return true;  // its reason is forgotten from here
    mine += kv.second.session->target().person == who->person;
    return false;
  });
  if (mine >= cfg->web_sftp.sessions_per_person)
    co_return co_await reply_error(ex, 429, "too many file browsers open; close one first");
  auto id = "web-" + id_prefix_ + "-" + std::to_string(++next_id_);
  auto session = std::make_shared<sftp_session>(
      executor_, session_parts{parts_.gate, parts_.sessions, parts_.events, parts_.ca}, cfg, id,
      std::move(*who), ex.peer());
  auto secret = approval::random_base64url(32);
  sessions_.emplace(id, entry{secret, session});
  auto refused = co_await session->open();
  if (!refused.empty()) co_return co_await reply_error(ex, 403, refused);
  auto home = co_await real_path(*session, ".");
  boost::json::object o{{"key", id + "." + secret}, {"home", home.empty() ? "/" : home}};
  co_await ex.reply(200, "application/json", json_serialize(o) + "\n");
}

}  // namespace gatehouse::websftp
