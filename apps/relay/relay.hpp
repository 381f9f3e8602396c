#pragma once
// The data plane of gated web apps: a client connection that the app front end took over from
// https_server (a request whose Host is an app's) runs here until it ends. For each request the
// engine reads the headers under relay_limits, refuses request smuggling (400 and close), asks
// the front end's handler to admit it, then answers for the gate, forwards to the app's upstream
// (both bodies streamed through bounded buffers, keep-alive through upstream_pool) or passes a
// WebSocket through. Includes Beast (web/http_stream.hpp): for the app front end only.
// Thread: the io thread; one coroutine per client connection.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "apps/relay/connection_end.hpp"
#include "apps/relay/upstream_pool.hpp"
#include "apps/relay/upstream_target.hpp"
#include "web/http_message.hpp"
#include "web/http_stream.hpp"

namespace gatehouse::apps {

struct admission {
  enum class kind { forward, answer } what = kind::answer;
  web::web_reply answer;          // for `answer` (status, content_type, body, headers)
  upstream_pool* pool = nullptr;  // for `forward`
  // The app's public origin ("https://grafana.apps.gate.example"): a WebSocket's Origin must
  // equal it, and upstream Location headers pointing at the upstream are rewritten to it.
  std::string origin;
  std::vector<std::pair<std::string, std::string>> add_headers;  // identity for the app
  // Added to the app's response on its way to the client (`Gatehouse-Request: N` after a hold).
  std::vector<std::pair<std::string, std::string>> reply_headers;
  std::vector<std::string> drop_cookies;  // cookie names removed before forwarding
  bool drop_authorization = false;        // remove Authorization
  bool close_after = false;               // Connection: close after this exchange
  // A WebSocket may come without Origin (a script with a personal token, which no browser sends
  // by itself); one that sends Origin must still match. Never for cookie-borne sessions.
  bool websocket_without_origin = false;
};

// One per request, for the audit event http.request.
struct exchange_record {
  // `path`: the target without query values, the names kept ("/search?q=&page=").
  std::string method, path;
  int status = 0;  // what the client was sent; 0 when nothing was
  // Body bytes (a WebSocket: message payload) from the client and to the client.
  std::uint64_t bytes_in = 0, bytes_out = 0;
  std::chrono::milliseconds duration{0};
  bool websocket = false;
  std::string error;  // "" or why the exchange failed ("upstream refused the connection", ...)
};

// What the engine offers admit() for a long wait: an awaitable that completes when the client
// closes or breaks its connection (bytes it sends meanwhile are kept for the request, up to a
// bound; past it the watch only waits). Await it against the wait (`||`), which cancels it.
using client_watch = std::function<boost::asio::awaitable<void>()>;

class app_connection_handler {
 public:
  virtual ~app_connection_handler() = default;
  // Decides one request after its headers are read; may wait long (a request held for
  // approval: `client_leaves` tells when the client went meanwhile). `conn` is this client
  // connection's end handle.
  virtual boost::asio::awaitable<admission> admit(const web::request_header& request,
                                                  const std::string& peer,
                                                  std::shared_ptr<connection_end> conn,
                                                  const client_watch& client_leaves) = 0;
  virtual void completed(const exchange_record& r) = 0;
};

// Runs the client connection until it ends: the client closes, an error or a limit, its
// connection_end, or the server stops (its cancellation ends every wait).
boost::asio::awaitable<void> serve_app_connection(web::taken_connection& c,
                                                  app_connection_handler& h, relay_limits limits);

}  // namespace gatehouse::apps
