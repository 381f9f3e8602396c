#pragma once
// Forwards audit lines to a syslog collector (audit.syslog: udp://HOST:PORT, tcp://HOST:PORT
// or tls://HOST:PORT; RFC 5424, octet-counted over TCP and TLS - RFC 6587, RFC 5425) from the
// daemon's io_context. Never blocks the caller: submit() only queues (bounded; a full queue
// drops the message and counts it) and posts the sending to the io_context. TCP and TLS
// reconnect with a backoff; while down, messages wait in the queue (and drop once it is
// full). TLS is 1.2 or newer and verifies the collector's certificate against the CA file
// (default: the system's CAs) and HOST (name or IP address); a collector whose certificate
// fails gets nothing: what waits is dropped and counted, and the failure is logged at error
// level at every attempt. Drops are logged at most every 10 s and reported in status().
//
// submit() may be called from any thread; everything else runs on the io_context.
#include <boost/json/object.hpp>

#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace gatehouse::audit {

class syslog_forwarder {
 public:
  // Null with `error` set when the URL is not udp://, tcp:// or tls:// HOST:PORT, or the CA
  // file (tls:// only; "" = the system's CAs) cannot be loaded.
  static std::unique_ptr<syslog_forwarder> create(boost::asio::io_context& io,
                                                  const std::string& url,
                                                  const std::string& ca_file, std::string& error,
                                                  std::size_t queue_limit = 10000);
  ~syslog_forwarder();

  void submit(std::string message);  // one RFC 5424 message, unframed
  void stop();
  // {"url", "sent", "dropped", "queued", "connected"}
  boost::json::object status() const;

  struct impl;

 private:
  explicit syslog_forwarder(std::shared_ptr<impl> i) : impl_(std::move(i)) {}
  std::shared_ptr<impl> impl_;
};

}  // namespace gatehouse::audit
