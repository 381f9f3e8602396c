#pragma once
// Internal to apps/relay: the header rules of the relay, as pure functions over Beast's parsed
// headers (fuzzed by fuzz/relay_head.cpp, unit-tested in tests/apps/request_rules_test.cpp):
// which client requests are refused as ambiguous (request smuggling), what the upstream is
// sent (hop-by-hop and identity headers out, X-Forwarded-* and the gate's identity in) and
// what of the upstream's response the client sees (Location back at the app's origin, no
// cookie Domain).
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include <string>
#include <string_view>

#include "apps/relay/relay.hpp"

namespace gatehouse::apps {

using request_head = boost::beast::http::request_header<>;

// "" when the request's framing is unambiguous, else why it is refused (400, then close):
// Content-Length given twice or as a list, Transfer-Encoding other than exactly "chunked" (or
// given twice, or with Content-Length), a target that is not a path, no single Host.
std::string framing_problem(const request_head& request);

// An `Upgrade: websocket` GET (Beast's websocket::is_upgrade).
bool is_websocket_request(const request_head& request);

// The address of "address:port" / "[v6]:port", for X-Forwarded-For.
std::string address_of(const std::string& peer);

// The fields forwarded to the upstream, Host and framing (Content-Length, Transfer-Encoding)
// left to the caller: the client's fields without hop-by-hop ones (Connection and what it
// lists, Keep-Alive, TE, Trailer, Upgrade, Proxy-*), Expect, inbound Gatehouse-*,
// X-Gatehouse-*, X-Forwarded-*, Forwarded and identity headers (X-Remote-User, ...), the
// dropped cookies and Authorization as admitted; then X-Forwarded-For/-Proto/-Host and the
// admission's add_headers.
boost::beast::http::fields upstream_fields(const request_head& request, const admission& a,
                                           const std::string& peer);

// The target the upstream is sent: its base path before the client's path.
std::string upstream_request_target(const upstream_target& t, std::string_view target);

// The upstream response's fields as the client gets them, framing left to the caller: no
// hop-by-hop ones, Location pointing at the upstream (or under its base path) rewritten to the
// app's origin, Set-Cookie without Domain=.
boost::beast::http::fields client_fields(const boost::beast::http::fields& upstream,
                                         const upstream_target& t, const std::string& origin);

// The record's path: the target with query values removed, names kept ("/s?q=&page=").
std::string recorded_path(std::string_view target);

}  // namespace gatehouse::apps
