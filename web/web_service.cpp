#include "web/web_service.hpp"

#include "approval/public_links.hpp"
#include "approval/token_store.hpp"
#include "web/app.hpp"
#include "web/https_server.hpp"
#include "web/sign_in_mailer.hpp"

namespace gatehouse::web {

namespace {
// Forwards to whichever mailer is wired now.
class mailer_slot final : public sign_in_mailer {
 public:
  void send_sign_in(const config::user& person, const std::string& url) override {
    target->send_sign_in(person, url);
  }
  log_sign_in_mailer fallback;
  sign_in_mailer* target = &fallback;
};
}  // namespace

struct web_service::impl {
  std::unique_ptr<approval::token_store> tokens;
  std::unique_ptr<approval::public_links> links;
  mailer_slot mailer;
  std::unique_ptr<app> web_app;
  std::unique_ptr<https_server> server;
};

std::variant<std::unique_ptr<web_service>, std::string> web_service::create(web_service_context c) {
  const auto& http = *c.initial->listen.http;
  constexpr std::string_view sqlite_scheme = "sqlite:";
  if (!c.initial->store.starts_with(sqlite_scheme))
    return std::string("http listener: the web app needs a sqlite: store");
  auto i = std::make_unique<impl>();
  auto tokens = approval::token_store::open(c.initial->store.substr(sqlite_scheme.size()));
  if (!tokens) return "http listener: " + tokens.message();
  i->tokens = std::move(*tokens);
  i->links = std::make_unique<approval::public_links>(*i->tokens, http.public_url, c.clk);
  i->web_app = std::make_unique<app>(
      app_context{c.gate, *i->tokens, c.clk, c.current_config, i->mailer, c.held_connections});
  auto* web_app = i->web_app.get();
  auto server =
      https_server::create(c.executor, http.tls_cert, http.tls_key,
                           [web_app](const web_request& r) { return web_app->handle(r); });
  if (auto* e = std::get_if<std::string>(&server)) return *e;
  i->server = std::move(std::get<0>(server));
  i->web_app->set_traffic(&i->server->counters());
  return std::unique_ptr<web_service>(new web_service(std::move(i)));
}

web_service::web_service(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
web_service::~web_service() = default;

void web_service::accept(boost::asio::ip::tcp::socket socket, std::string peer) {
  impl_->server->accept(std::move(socket), std::move(peer));
}
void web_service::stop() { impl_->server->stop(); }
approval::links& web_service::links() { return *impl_->links; }
void web_service::set_sign_in_mailer(sign_in_mailer& mailer) { impl_->mailer.target = &mailer; }

}  // namespace gatehouse::web
