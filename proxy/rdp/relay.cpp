#include "proxy/rdp/relay.hpp"

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

namespace gatehouse::proxy::rdp {

namespace asio = boost::asio;

relay::relay(asio::ip::tcp::socket& client, asio::ip::tcp::socket& server, std::size_t buffer_size,
             std::function<void(const std::string&)> on_done)
    : in_{client, server, std::vector<char>(buffer_size), 0, false, "client closed"},
      out_{server, client, std::vector<char>(buffer_size), 0, false, "server closed"},
      on_done_(std::move(on_done)) {}

void relay::start() {
  pump(in_);
  pump(out_);
}

void relay::stop() { stopped_ = true; }

void relay::pump(direction& d) {
  auto self = shared_from_this();
  d.from.async_read_some(
      asio::buffer(d.buffer), [this, self, &d](boost::system::error_code ec, std::size_t n) {
        if (stopped_) return;
        if (ec == asio::error::eof) return finished(d, d.eof_reason, false);
        if (ec)
          return finished(
              d, std::string(&d == &in_ ? "client" : "server") + " error: " + ec.message(), true);
        asio::async_write(d.to, asio::buffer(d.buffer.data(), n),
                          [this, self, &d](boost::system::error_code wec, std::size_t written) {
                            if (stopped_) return;
                            d.bytes += written;
                            if (wec)
                              return finished(d,
                                              std::string(&d == &in_ ? "server" : "client") +
                                                  " error: " + wec.message(),
                                              true);
                            pump(d);
                          });
      });
}

void relay::finished(direction& d, const std::string& reason, bool error) {
  d.done = true;
  if (!error) {
    boost::system::error_code ignored;
    d.to.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);  // pass the half close on
  }
  if (error || (in_.done && out_.done)) {
    stopped_ = true;
    if (auto done = std::exchange(on_done_, nullptr)) done(reason);
  }
}

}  // namespace gatehouse::proxy::rdp
