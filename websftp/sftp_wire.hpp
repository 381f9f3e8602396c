#pragma once
// The SFTP v3 wire (draft-ietf-secsh-filexfer-02) as the web SFTP client speaks it, and the
// browser's paths: pure functions without state except packet_splitter's buffer; any thread.
//
//   client -> server   request(type, id, body): uint32 length, byte type, uint32 id, body; the
//                      body helpers below encode the few requests the file browser makes
//                      (OPEN, CLOSE, READ, WRITE, OPENDIR, READDIR, REMOVE, MKDIR, RMDIR,
//                      RENAME, REALPATH, STAT); init() is INIT (no id).
//   server -> client   packet_splitter cuts the channel's bytes into packets (a length over
//                      max_packet stops it for good: failed()); parse_reply() reads one:
//                      VERSION, STATUS, HANDLE, DATA, NAME, ATTRS. A packet it cannot read is
//                      `malformed` (outside bytes: never an exception, never a read past it).
//   browser            browser_path(): a path from a query is taken only if it is 1..max_path
//                      bytes without NUL; otherwise nullopt (the route answers 400).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proxy/ssh/sftp_packet_types.hpp"

namespace gatehouse::websftp {

inline constexpr std::size_t max_path = 4096;
// OpenSSH's own limit on an SFTP packet (256 KiB) plus room for the header.
inline constexpr std::uint32_t max_packet = 256 * 1024 + 1024;

using sftp::packet_type;
using enum sftp::packet_type;
enum status_code : std::uint32_t { fx_ok = 0, fx_eof = 1, fx_no_such_file = 2 };
// SSH_FXF_* open flags.
inline constexpr std::uint32_t open_read = 0x01, open_write = 0x02, open_create = 0x08,
                               open_truncate = 0x10;

struct file_attrs {
  std::optional<std::uint64_t> size;
  std::optional<std::uint32_t> permissions;
  std::optional<std::uint32_t> mtime;
  bool directory() const { return permissions && (*permissions & 0170000) == 0040000; }
};

struct name_entry {
  std::string name;
  file_attrs attrs;
};

struct reply {
  enum class kind { malformed, version, status, handle, data, name, attrs };
  kind type = kind::malformed;
  std::uint32_t id = 0;           // of the request it answers (VERSION: the version)
  std::uint32_t status = 0;       // kind::status
  std::string message;            // kind::status: the server's words
  std::string handle;             // kind::handle
  std::string data;               // kind::data
  std::vector<name_entry> names;  // kind::name
  file_attrs attrs;               // kind::attrs
};

// One packet (without its length field).
reply parse_reply(std::string_view packet);

std::string init_packet();  // SSH_FXP_INIT, version 3
std::string request(std::uint8_t type, std::uint32_t id, std::string_view body);

// Request bodies (after the id).
std::string path_body(std::string_view path);   // OPENDIR, REMOVE, RMDIR, REALPATH, STAT
std::string mkdir_body(std::string_view path);  // no attributes
std::string open_body(std::string_view path, std::uint32_t flags);
std::string handle_body(std::string_view handle);  // CLOSE, READDIR
std::string read_body(std::string_view handle, std::uint64_t offset, std::uint32_t length);
std::string write_body(std::string_view handle, std::uint64_t offset, std::string_view data);
std::string rename_body(std::string_view from, std::string_view to);

// Cuts a byte stream into packets.
class packet_splitter {
 public:
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  // The next whole packet (without its length field), or nullopt until more bytes come.
  std::optional<std::string> next();
  bool failed() const { return failed_; }
  std::size_t buffered() const { return buffer_.size(); }

 private:
  std::string buffer_;
  std::size_t start_ = 0;
  bool failed_ = false;
};

// A path from the browser, or nullopt: empty, longer than max_path, or with a NUL byte.
std::optional<std::string> browser_path(std::string_view text);

// A status code's words when the server gave none ("no such file", "permission denied", ...).
std::string status_text(std::uint32_t code, std::string_view message);

}  // namespace gatehouse::websftp
