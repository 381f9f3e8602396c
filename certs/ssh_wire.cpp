#include "certs/ssh_wire.hpp"

#include <openssl/evp.h>

namespace gatehouse::certs {

void wire_writer::u32(std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out_.push_back(static_cast<char>((v >> shift) & 0xff));
}

void wire_writer::u64(std::uint64_t v) {
  u32(static_cast<std::uint32_t>(v >> 32));
  u32(static_cast<std::uint32_t>(v & 0xffffffffu));
}

void wire_writer::string(std::string_view bytes) {
  u32(static_cast<std::uint32_t>(bytes.size()));
  out_.append(bytes);
}

void wire_writer::mpint(std::string_view magnitude) {
  while (!magnitude.empty() && magnitude.front() == '\0') magnitude.remove_prefix(1);
  bool high_bit = !magnitude.empty() && (static_cast<unsigned char>(magnitude.front()) & 0x80);
  u32(static_cast<std::uint32_t>(magnitude.size() + (high_bit ? 1 : 0)));
  if (high_bit) out_.push_back('\0');
  out_.append(magnitude);
}

std::optional<std::uint32_t> wire_reader::u32() {
  if (failed_ || in_.size() < 4) {
    failed_ = true;
    return std::nullopt;
  }
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in_[std::size_t(i)]);
  in_.remove_prefix(4);
  return v;
}

std::optional<std::uint64_t> wire_reader::u64() {
  auto high = u32();
  auto low = u32();
  if (!high || !low) return std::nullopt;
  return (std::uint64_t(*high) << 32) | *low;
}

std::optional<std::string_view> wire_reader::string() {
  auto size = u32();
  if (!size || *size > in_.size()) {
    failed_ = true;
    return std::nullopt;
  }
  auto bytes = in_.substr(0, *size);
  in_.remove_prefix(*size);
  return bytes;
}

std::optional<std::string_view> wire_reader::mpint() {
  auto bytes = string();
  if (!bytes) return std::nullopt;
  if (!bytes->empty() && (static_cast<unsigned char>(bytes->front()) & 0x80)) {
    failed_ = true;
    return std::nullopt;
  }
  while (!bytes->empty() && bytes->front() == '\0') bytes->remove_prefix(1);
  return bytes;
}

std::string base64_encode(std::string_view bytes) {
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n > 0 ? std::size_t(n) : 0);
  return out;
}

}  // namespace gatehouse::certs
