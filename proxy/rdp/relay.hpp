#pragma once
// Copies bytes both ways between two connected TCP sockets with one fixed buffer per
// direction (bounded memory; a slow reader stalls its writer through TCP back-pressure).
// An end of stream on one side is passed on as a half close; the relay is done when both
// directions are done or either fails, and calls `on_done` once with a reason.
//
// Ownership: the relay refers to sockets its owner keeps open while it runs; handlers hold
// shared_from_this. io_context thread only.
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace gatehouse::proxy::rdp {

class relay : public std::enable_shared_from_this<relay> {
 public:
  relay(boost::asio::ip::tcp::socket& client, boost::asio::ip::tcp::socket& server,
        std::size_t buffer_size, std::function<void(const std::string& reason)> on_done);

  void start();
  void stop();  // no more callbacks; the owner closes the sockets

  std::uint64_t bytes_in() const { return in_.bytes; }    // client -> server
  std::uint64_t bytes_out() const { return out_.bytes; }  // server -> client

 private:
  struct direction {
    boost::asio::ip::tcp::socket& from;
    boost::asio::ip::tcp::socket& to;
    std::vector<char> buffer;
    std::uint64_t bytes = 0;
    bool done = false;
    const char* eof_reason;
  };
  void pump(direction& d);
  void finished(direction& d, const std::string& reason, bool error);

  direction in_, out_;
  std::function<void(const std::string&)> on_done_;
  bool stopped_ = false;
};

}  // namespace gatehouse::proxy::rdp
