#pragma once
// The SSH wire encoding (RFC 4251 §5) that OpenSSH keys, signatures and certificates are made
// of: uint32, uint64, string (length-prefixed bytes) and mpint, written to and read from byte
// strings. The reader never reads past its input: every read reports failure instead, and a
// failed reader stays failed. Pure; no I/O; thread-safe per object.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gatehouse::certs {

class wire_writer {
 public:
  void u32(std::uint32_t v);
  void u64(std::uint64_t v);
  void string(std::string_view bytes);
  // Non-negative big-endian magnitude (leading zeros allowed) as an mpint.
  void mpint(std::string_view magnitude);
  void raw(std::string_view bytes) { out_.append(bytes); }
  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

// Views its input: the bytes must outlive the reader (never a temporary string).
class wire_reader {
 public:
  explicit wire_reader(std::string_view in) : in_(in) {}
  explicit wire_reader(std::string&&) = delete;
  std::optional<std::uint32_t> u32();
  std::optional<std::uint64_t> u64();
  std::optional<std::string_view> string();
  // A non-negative mpint's magnitude, without its sign byte; a negative one fails.
  std::optional<std::string_view> mpint();
  bool failed() const { return failed_; }
  bool at_end() const { return !failed_ && in_.empty(); }
  std::size_t consumed(std::string_view whole) const {
    return static_cast<std::size_t>(in_.data() - whole.data());
  }

 private:
  std::string_view in_;
  bool failed_ = false;
};

// Standard base64 with padding (the text of public key lines and certificates).
std::string base64_encode(std::string_view bytes);

}  // namespace gatehouse::certs
