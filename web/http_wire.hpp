#pragma once
// What https_server puts on the wire besides a route's own bytes: the protective headers of
// every reply, the short replies the server makes itself (errors, "100 Continue"), and the
// lingering close after an error, and the reading of a request's headers. Internal to web/
// and the relay engine that takes connections over (apps/relay); runs in the connection's
// coroutine on the io thread.
#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>

#include "web/http_stream.hpp"

namespace gatehouse::web {

// HSTS, CSP (unless set), nosniff, no framing, no referrer, no-store (unless set), Server.
void set_protective_headers(boost::beast::http::fields& fields);

// A text/plain error reply that closes the connection.
boost::beast::http::response<boost::beast::http::string_body> plain_error(
    boost::beast::http::status status, const char* text);

// Sends `error`, then reads and discards what the client may still be sending (a bounded
// amount, for a short while): closing with unread data would reset the connection and lose the
// reply.
boost::asio::awaitable<void> refuse(
    tls_stream& stream, boost::beast::http::response<boost::beast::http::string_body> error,
    traffic_counters& counters);

// "HTTP/1.1 100 Continue" when the request carries "Expect: 100-continue" (the client waits for
// it before sending the body); nothing otherwise.
boost::asio::awaitable<boost::system::error_code> continue_if_expected(
    tls_stream& stream, const request_header& request, traffic_counters& counters);

// Reads a request's headers into `head` as http::async_read_header does (bytes past them stay
// in `buffer`; the result counts the bytes read), with two differences: a header line that
// starts with a space or tab (obs-fold, which Beast would unfold) is refused with
// http::error::bad_value, since a relay must not let two parsers read one header two ways; and
// the headers may take at most `max_header_bytes` (http::error::header_limit). A client that
// closes before any byte gives http::error::end_of_stream, after some http::error::partial_message.
boost::asio::awaitable<stream_result> read_request_head(
    tls_stream& stream, boost::beast::flat_buffer& buffer,
    boost::beast::http::request_parser<boost::beast::http::empty_body>& head,
    std::size_t max_header_bytes);

}  // namespace gatehouse::web
