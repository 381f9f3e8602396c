#pragma once
// A passive observer of an `sftp` subsystem channel (SPEC "Audit": sftp.* events with paths;
// research/tech.md §5). The relay passes the channel bytes through untouched and shows this
// observer a copy of each direction; it reassembles SFTP v3 packets (uint32 length, byte
// type, uint32 request id, ...) and reports file operations:
//
//   sftp.open {path, flags}          sftp.close {path, bytes_read, bytes_written}
//   sftp.remove / sftp.mkdir / sftp.rmdir / sftp.opendir / sftp.setstat {path}
//   (sftp.setstat also for FSETSTAT on an open handle, with the handle's path)
//   sftp.rename {path, to}           sftp.symlink / sftp.hardlink {path, to}
//
// Bulk payloads (WRITE data, DATA replies) are counted, never buffered: memory per observer
// is the first 16 KiB of a packet per direction plus the open handles. What it cannot audit
// stops the observer with a reason (one sftp.unparsed {reason} event; failure() says it): a
// packet longer than OpenSSH's limit (256 KiB + header), a path longer than 8 KiB, a malformed
// request, more than 10,000 outstanding requests or open handles. The relay then ends the
// session (fail closed) and does not pass on the packet that stopped it. Not thread-safe;
// owned by one channel_relay.
#include <boost/json/object.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace gatehouse::proxy::ssh {

class sftp_observer {
 public:
  using report = std::function<void(std::string_view event, boost::json::object fields)>;
  explicit sftp_observer(report r) : report_(std::move(r)) {}

  void from_client(const char* data, std::size_t size) { feed(client_, data, size, true); }
  void from_server(const char* data, std::size_t size) { feed(server_, data, size, false); }
  bool stopped() const { return stopped_; }
  // Why it stopped, for the person and the audit log ("path longer than 8 KiB").
  const std::string& failure() const { return failure_; }
  // Requests, handles and reads being tracked (bounded; for the fuzz test).
  std::size_t tracked() const { return pending_.size() + handles_.size() + reads_.size(); }

  // Ends the observation: open handles are reported as closed.
  void finish();

 private:
  struct stream {
    bool in_body = false;        // false: reading the 4-byte length
    std::string head;            // the length field, then the packet's first bytes
    std::uint32_t length = 0;    // the current packet's length (after the length field)
    std::uint32_t consumed = 0;  // bytes of the current packet seen
    std::uint32_t keep = 0;      // how many of them to keep in `head`
  };
  struct pending {
    std::uint8_t type = 0;
    std::string path;
  };
  struct handle_info {
    std::string path;
    std::uint64_t read = 0, written = 0;
    bool directory = false;
  };

  void feed(stream& s, const char* data, std::size_t size, bool client);
  void on_client_packet(std::string_view p, std::uint32_t length);
  void on_server_packet(std::string_view p, std::uint32_t length);
  void stop(const std::string& why);

  report report_;
  stream client_, server_;
  bool stopped_ = false;
  std::string failure_;
  std::unordered_map<std::uint32_t, pending> pending_;    // request id -> what it asked
  std::unordered_map<std::string, handle_info> handles_;  // handle -> file
  std::unordered_map<std::uint32_t, std::string> reads_;  // READ request id -> handle
};

}  // namespace gatehouse::proxy::ssh
