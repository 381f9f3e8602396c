#include "web/web_service.hpp"

#include <spdlog/spdlog.h>

#include "approval/public_links.hpp"
#include "approval/token_store.hpp"
#include "apps/app_front_end.hpp"
#include "apps/identity/assertion_signer.hpp"
#include "mail/mail_service.hpp"
#include "terminal/terminal_front_end.hpp"
#include "web/app.hpp"
#include "web/app_wait_events.hpp"
#include "web/http_stream.hpp"
#include "web/https_server.hpp"
#include "web/mail_sign_in_mailer.hpp"
#include "web/sign_in_mailer.hpp"
#include "websftp/sftp_front_end.hpp"

namespace gatehouse::web {

namespace {
// Forwards to the mail outbox once mail is attached, else only logs that a link was asked for.
class mailer_slot final : public sign_in_mailer {
 public:
  void send_sign_in(const config::user& person, const std::string& url) override {
    (target ? *target : fallback).send_sign_in(person, url);
  }
  log_sign_in_mailer fallback;
  sign_in_mailer* target = nullptr;
};

std::function<std::string()> mail_metrics_of(
    mail::mail_service& mail, std::function<std::shared_ptr<const config::config>()> config) {
  return [&mail, config = std::move(config)] {
    const std::string label = "{instance=\"" + config()->instance_name + "\"}";
    auto line = [&](const char* name, const char* type, const char* help, std::uint64_t v) {
      return std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
             name + label + " " + std::to_string(v) + "\n";
    };
    std::string out;
    out += line("gatehouse_mail_queued_total", "counter", "Mails put in the outbox.",
                mail.counters().queued.load());
    out += line("gatehouse_mail_sent_total", "counter", "Mails delivered.",
                mail.counters().sent.load());
    out += line("gatehouse_mail_failed_attempts_total", "counter", "Failed delivery attempts.",
                mail.counters().failed_attempts.load());
    return out;
  };
}
}  // namespace

struct web_service::impl {
  explicit impl(web_service_context c) : context(std::move(c)) {}
  web_service_context context;
  std::unique_ptr<approval::public_links> links;
  std::unique_ptr<apps::assertion_signer> signer;
  mailer_slot mailer;
  std::unique_ptr<mail_sign_in_mailer> mail_mailer;
  std::unique_ptr<app> web_app;
  std::unique_ptr<https_server> server;
  terminal::terminal_front_end* terminal = nullptr;
  websftp::sftp_front_end* sftp = nullptr;
};

std::variant<std::unique_ptr<web_service>, std::string> web_service::create(web_service_context c) {
  const auto& http = *c.initial->listen.http;
  auto i = std::make_unique<impl>(c);
  i->links = std::make_unique<approval::public_links>(c.tokens, http.public_url, c.clk);
  if (http.assertion_key.empty()) {
    i->signer = apps::assertion_signer::generate();
    spdlog::info(
        "web app assertions are signed with a key made at start (kid {}); set "
        "listen.http.assertion_key to keep it across restarts",
        i->signer->key_id());
  } else {
    auto loaded = apps::assertion_signer::load(http.assertion_key);
    if (auto* e = std::get_if<std::string>(&loaded)) return *e;
    i->signer = std::move(std::get<0>(loaded));
  }
  auto* self = i.get();
  server_limits limits;
  limits.max_connections = http.max_connections;
  limits.max_connections_per_source = http.max_connections_per_source;
  auto server = https_server::create(
      c.executor, http.tls_cert, http.tls_key,
      [self](const web_request& r) {
        if (!self->web_app) return web_reply{503, "text/plain; charset=utf-8", "starting\n", {}};
        return self->web_app->handle(r);
      },
      limits);
  if (auto* e = std::get_if<std::string>(&server)) return *e;
  i->server = std::move(std::get<0>(server));
  return std::unique_ptr<web_service>(new web_service(std::move(i)));
}

void web_service::attach(policy::gate_service& gate, operations::service& operations,
                         std::function<std::size_t()> held, mail::mail_service* mail,
                         std::function<std::string()> connection_metrics,
                         apps::app_front_end* apps) {
  auto& i = *impl_;
  std::function<std::string()> mail_metrics;
  if (mail) {
    i.mail_mailer =
        std::make_unique<mail_sign_in_mailer>(*mail, i.context.current_config, i.context.clk);
    i.mailer.target = i.mail_mailer.get();
    mail_metrics = mail_metrics_of(*mail, i.context.current_config);
  }
  app_context pages{gate,
                    operations,
                    i.context.tokens,
                    i.context.clk,
                    i.context.current_config,
                    i.mailer,
                    std::move(held),
                    std::move(mail_metrics),
                    std::move(connection_metrics),
                    i.signer.get()};
  if (apps) {
    apps->set_identity(i.signer.get(), &i.context.tokens);
    pages.launch_app = [apps](const std::string& name, const policy::authorization& a,
                              const std::string& next) { return apps->launch_url(name, a, next); };
  }
  if (i.terminal) pages.terminal_tickets = &i.terminal->tickets();
  if (i.sftp) pages.sftp_tickets = &i.sftp->tickets();
  i.web_app = std::make_unique<app>(std::move(pages));
  i.web_app->set_traffic(&i.server->counters());
  // Requests for an app's host go to the HTTP front end, connection and all; the waiting page's
  // events stream; everything else is the web app's string route.
  auto* self = &i;
  i.server->set_router([self, apps, &gate](const web_request& r) -> route {
    if (apps && !r.host.empty() && apps->serves_host(r.host)) {
      route to_app;
      to_app.take_over = [apps](taken_connection& c) { return apps->serve(c); };
      return to_app;
    }
    if (auto* terminal = self->terminal;
        terminal && terminal::terminal_front_end::serves(r.target)) {
      route socket;
      socket.take_over = [terminal](taken_connection& c) { return terminal->serve(c); };
      return socket;
    }
    if (auto* sftp = self->sftp; sftp && websftp::sftp_front_end::serves(r.target)) {
      route files;
      files.stream = [sftp](streamed_exchange& ex) { return sftp->serve(ex); };
      files.max_body_bytes = self->context.current_config()->web_sftp.max_upload_bytes;
      return files;
    }
    if (auto events = self->web_app->wait_events_for(r)) {
      route live;
      live.stream = [&gate, e = *events](streamed_exchange& ex) {
        return stream_wait_events(ex, gate, e.request_id, e.waiting_text);
      };
      return live;
    }
    return {};
  });
}

web_service::web_service(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
web_service::~web_service() = default;

void web_service::accept(boost::asio::ip::tcp::socket socket, std::string peer) {
  impl_->server->accept(std::move(socket), std::move(peer));
}
void web_service::stop() { impl_->server->stop(); }
void web_service::set_terminal(terminal::terminal_front_end* terminal) {
  impl_->terminal = terminal;
  impl_->links->serve_terminal(terminal != nullptr);  // the requester's mail links to it
}
void web_service::set_sftp(websftp::sftp_front_end* sftp) {
  impl_->sftp = sftp;
  impl_->links->serve_files(sftp != nullptr);
}
approval::links& web_service::links() { return *impl_->links; }
const apps::assertion_signer& web_service::assertion_signer() const { return *impl_->signer; }

}  // namespace gatehouse::web
