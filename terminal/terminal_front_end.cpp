#include "terminal/terminal_front_end.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include "proxy/session/session_id.hpp"
#include "terminal/terminal_session.hpp"
#include "terminal/terminal_socket.hpp"
#include "web/forms.hpp"

namespace gatehouse::terminal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

namespace {
constexpr std::string_view socket_path = "/terminal/ws";

asio::awaitable<void> refuse(web::taken_connection& c, std::string text) {
  http::response<http::string_body> reply{http::status::forbidden, c.request.version()};
  reply.set(http::field::content_type, "text/plain; charset=utf-8");
  reply.set(http::field::connection, "close");
  reply.body() = std::move(text) + "\n";
  reply.prepare_payload();
  co_await http::async_write(c.stream, reply, asio::as_tuple(asio::use_awaitable));
}
}  // namespace

terminal_front_end::terminal_front_end(asio::any_io_executor executor,
                                       std::function<std::shared_ptr<const config::config>()> cfg,
                                       parts p)
    : executor_(executor),
      current_config_(std::move(cfg)),
      parts_(std::move(p)),
      id_prefix_(proxy::session::unique_id_prefix()) {}
terminal_front_end::~terminal_front_end() = default;

bool terminal_front_end::serves(std::string_view target) {
  return target == socket_path ||
         (target.starts_with(socket_path) && target[socket_path.size()] == '?');
}

asio::awaitable<void> terminal_front_end::serve(web::taken_connection& c) {
  auto cfg = current_config_();
  std::string_view target(c.request.target().data(), c.request.target().size());
  std::string ticket;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    auto form = web::parse_form(target.substr(q + 1));
    ticket = form["t"];
  }
  std::string origin(c.request[http::field::origin]);
  if (!cfg->listen.http || origin != web::origin_of(cfg->listen.http->public_url)) {
    co_await refuse(c, "this socket is for the gate's own pages");
    co_return;
  }
  if (!websocket::is_upgrade(c.request)) {
    co_await refuse(c, "a WebSocket is expected here");
    co_return;
  }
  auto who = tickets_.redeem(ticket, std::chrono::steady_clock::now());
  if (!who) {
    co_await refuse(c, "the ticket is unknown, used or expired; reload the page");
    co_return;
  }
  if (parts_.sessions_allowed && !parts_.sessions_allowed()) {
    co_await refuse(c, "sessions are refused while the audit trail cannot be written");
    co_return;
  }
  terminal_socket socket(c.stream);
  beast::get_lowest_layer(c.stream).expires_never();
  socket.ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  socket.ws.read_message_max(64 * 1024);
  socket.ws.binary(true);
  auto [ec] = co_await socket.ws.async_accept(c.request, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  auto session = std::make_shared<terminal_session>(
      executor_, session_parts{parts_.gate, parts_.sessions, parts_.events, parts_.ca}, cfg,
      "web-" + id_prefix_ + "-" + std::to_string(++next_id_), std::move(*who), c.peer);
  co_await session->run(socket);
}

}  // namespace gatehouse::terminal
