#include "websftp/sftp_wire.hpp"

#include "certs/ssh_wire.hpp"

namespace gatehouse::websftp {

namespace {
constexpr std::uint32_t attr_size = 0x01, attr_uidgid = 0x02, attr_permissions = 0x04,
                        attr_acmodtime = 0x08, attr_extended = 0x80000000;
constexpr std::uint32_t most_names = 100000;  // per NAME packet: bounded by the packet anyway

bool read_attrs(certs::wire_reader& in, file_attrs& a) {
  auto flags = in.u32();
  if (!flags) return false;
  if (*flags & attr_size) {
    a.size = in.u64();
    if (!a.size) return false;
  }
  if (*flags & attr_uidgid) {
    if (!in.u32() || !in.u32()) return false;
  }
  if (*flags & attr_permissions) {
    a.permissions = in.u32();
    if (!a.permissions) return false;
  }
  if (*flags & attr_acmodtime) {
    if (!in.u32()) return false;
    a.mtime = in.u32();
    if (!a.mtime) return false;
  }
  if (*flags & attr_extended) {
    auto count = in.u32();
    if (!count) return false;
    for (std::uint32_t i = 0; i < *count; ++i)
      if (!in.string() || !in.string()) return false;
  }
  return true;
}
}  // namespace

reply parse_reply(std::string_view packet) {
  reply r;
  if (packet.empty()) return r;
  const auto type = static_cast<std::uint8_t>(packet[0]);
  certs::wire_reader in(packet.substr(1));
  auto id = in.u32();
  if (!id) return r;
  r.id = *id;
  if (type == fxp_version) {
    r.type = reply::kind::version;  // extensions after it are ignored
    return r;
  }
  if (type == fxp_status) {
    auto code = in.u32();
    if (!code) return r;
    r.status = *code;
    if (auto text = in.string()) r.message = std::string(*text);  // optional in old servers
    r.type = reply::kind::status;
    return r;
  }
  if (type == fxp_handle || type == fxp_data) {
    auto bytes = in.string();
    if (!bytes) return r;
    (type == fxp_handle ? r.handle : r.data) = std::string(*bytes);
    r.type = type == fxp_handle ? reply::kind::handle : reply::kind::data;
    return r;
  }
  if (type == fxp_attrs) {
    if (!read_attrs(in, r.attrs)) return r;
    r.type = reply::kind::attrs;
    return r;
  }
  if (type == fxp_name) {
    auto count = in.u32();
    if (!count || *count > most_names) return r;
    for (std::uint32_t i = 0; i < *count; ++i) {
      auto name = in.string();
      auto long_name = in.string();
      name_entry e;
      if (!name || !long_name || !read_attrs(in, e.attrs)) return reply{};
      e.name = std::string(*name);
      r.names.push_back(std::move(e));
    }
    r.type = reply::kind::name;
    return r;
  }
  return r;
}

std::string init_packet() {
  certs::wire_writer w;
  w.u32(5);
  w.raw(std::string_view("\x01", 1));
  w.u32(3);
  return w.take();
}

std::string request(std::uint8_t type, std::uint32_t id, std::string_view body) {
  certs::wire_writer w;
  w.u32(static_cast<std::uint32_t>(5 + body.size()));
  const char t = static_cast<char>(type);
  w.raw(std::string_view(&t, 1));
  w.u32(id);
  w.raw(body);
  return w.take();
}

std::string path_body(std::string_view path) {
  certs::wire_writer w;
  w.string(path);
  return w.take();
}

std::string mkdir_body(std::string_view path) {
  certs::wire_writer w;
  w.string(path);
  w.u32(0);  // no attributes: the server's umask decides
  return w.take();
}

std::string open_body(std::string_view path, std::uint32_t flags) {
  certs::wire_writer w;
  w.string(path);
  w.u32(flags);
  w.u32(0);
  return w.take();
}

std::string handle_body(std::string_view handle) { return path_body(handle); }

std::string read_body(std::string_view handle, std::uint64_t offset, std::uint32_t length) {
  certs::wire_writer w;
  w.string(handle);
  w.u64(offset);
  w.u32(length);
  return w.take();
}

std::string write_body(std::string_view handle, std::uint64_t offset, std::string_view data) {
  certs::wire_writer w;
  w.string(handle);
  w.u64(offset);
  w.string(data);
  return w.take();
}

std::string rename_body(std::string_view from, std::string_view to) {
  certs::wire_writer w;
  w.string(from);
  w.string(to);
  return w.take();
}

std::optional<std::string> packet_splitter::next() {
  if (failed_) return std::nullopt;
  const std::size_t have = buffer_.size() - start_;
  if (have < 4) return std::nullopt;
  const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + start_);
  const std::uint32_t length = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                               (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
  if (length == 0 || length > max_packet) {
    failed_ = true;
    buffer_.clear();
    start_ = 0;
    return std::nullopt;
  }
  if (have - 4 < length) return std::nullopt;
  std::string packet = buffer_.substr(start_ + 4, length);
  start_ += 4 + length;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > 64 * 1024) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  return packet;
}

std::optional<std::string> browser_path(std::string_view text) {
  if (text.empty() || text.size() > max_path || text.find('\0') != std::string_view::npos)
    return std::nullopt;
  return std::string(text);
}

std::string status_text(std::uint32_t code, std::string_view message) {
  if (!message.empty()) return std::string(message);
  switch (code) {
    case 0: return "done";
    case 1: return "end of file";
    case 2: return "no such file";
    case 3: return "permission denied";
    case 4: return "failure";
    default: return "error " + std::to_string(code);
  }
}

}  // namespace gatehouse::websftp
