#include "certs/certificate.hpp"

#include <array>

#include "certs/certificate_authority.hpp"
#include "certs/ssh_wire.hpp"

namespace gatehouse::certs {

namespace {

constexpr std::string_view cert_suffix = "-cert-v01@openssh.com";
constexpr std::size_t max_listed = 256;  // principals, options, extensions

// How many fields (strings or mpints) the certified key of each plain type holds.
struct key_shape {
  std::string_view plain_type;
  int strings;
  int mpints;
};
constexpr std::array<key_shape, 5> shapes = {{{"ssh-ed25519", 1, 0},
                                              {"ecdsa-sha2-nistp256", 2, 0},
                                              {"ecdsa-sha2-nistp384", 2, 0},
                                              {"ecdsa-sha2-nistp521", 2, 0},
                                              {"ssh-rsa", 0, 2}}};

void write_named(wire_writer& w, const named_values& values, bool inner_string) {
  wire_writer list;
  for (const auto& [name, data] : values) {
    list.string(name);
    if (data.empty() && !inner_string) {
      list.string("");
    } else {
      wire_writer inner;
      inner.string(data);
      list.string(inner.bytes());
    }
  }
  w.string(list.bytes());
}

// Names in strictly increasing order; data empty or one string (its content kept).
bool read_named(std::string_view packed, named_values& out) {
  wire_reader r(packed);
  while (!r.at_end()) {
    auto name = r.string();
    auto data = r.string();
    if (!name || !data || out.size() >= max_listed) return false;
    if (!out.empty() && !(out.back().first < *name)) return false;
    std::string value;
    if (!data->empty()) {
      wire_reader inner(*data);
      auto v = inner.string();
      if (!v || !inner.at_end()) return false;
      value.assign(*v);
    }
    out.emplace_back(std::string(*name), std::move(value));
  }
  return !r.failed();
}

}  // namespace

std::string_view plain_type_of(std::string_view type) {
  if (!type.ends_with(cert_suffix)) return {};
  return type.substr(0, type.size() - cert_suffix.size());
}

std::string certificate::plain_key_blob() const {
  wire_writer w;
  w.string(plain_type_of(key_type));
  w.raw(key_fields);
  return w.take();
}

std::string encode_certificate(certificate& c, const certificate_authority& ca) {
  wire_writer w;
  w.string(c.key_type);
  w.string(c.nonce);
  w.raw(c.key_fields);
  w.u64(c.serial);
  w.u32(c.type);
  w.string(c.key_id);
  wire_writer principals;
  for (const auto& p : c.principals) principals.string(p);
  w.string(principals.bytes());
  w.u64(c.valid_after);
  w.u64(c.valid_before);
  write_named(w, c.critical_options, true);
  write_named(w, c.extensions, false);
  w.string("");  // reserved
  c.signature_key = ca.public_blob();
  w.string(c.signature_key);
  c.signature = ca.sign(w.bytes());
  if (c.signature.empty()) return {};
  w.string(c.signature);
  return w.take();
}

parsed_certificate parse_certificate(std::string_view blob) {
  certificate c;
  wire_reader r(blob);
  auto type = r.string();
  if (!type) return std::string("not a certificate");
  c.key_type.assign(*type);
  auto plain = plain_type_of(c.key_type);
  const key_shape* shape = nullptr;
  for (const auto& s : shapes)
    if (s.plain_type == plain) shape = &s;
  if (shape == nullptr)
    return plain.empty() ? std::string("not a certificate")
                         : "unsupported certificate type " + c.key_type;
  auto nonce = r.string();
  if (!nonce) return std::string("malformed certificate");
  c.nonce.assign(*nonce);
  wire_writer key;
  for (int i = 0; i < shape->strings; ++i)
    if (auto s = r.string()) key.string(*s);
  for (int i = 0; i < shape->mpints; ++i)
    if (auto m = r.mpint()) key.mpint(*m);
  c.key_fields = key.take();
  auto serial = r.u64();
  auto cert_type = r.u32();
  auto key_id = r.string();
  auto principals = r.string();
  auto after = r.u64();
  auto before = r.u64();
  auto options = r.string();
  auto extensions = r.string();
  auto reserved = r.string();
  auto signature_key = r.string();
  if (r.failed()) return std::string("malformed certificate");
  c.signed_size = r.consumed(blob);
  auto signature = r.string();
  if (!signature || !r.at_end()) return std::string("malformed certificate");
  c.serial = *serial;
  c.type = *cert_type;
  c.key_id.assign(*key_id);
  c.valid_after = *after;
  c.valid_before = *before;
  c.signature_key.assign(*signature_key);
  c.signature.assign(*signature);
  wire_reader names(*principals);
  while (!names.at_end()) {
    auto p = names.string();
    if (!p || c.principals.size() >= max_listed) return std::string("malformed principals");
    c.principals.emplace_back(*p);
  }
  if (!read_named(*options, c.critical_options)) return std::string("malformed critical options");
  if (!read_named(*extensions, c.extensions)) return std::string("malformed extensions");
  if (!reserved->empty()) return std::string("malformed certificate (reserved field)");
  return c;
}

}  // namespace gatehouse::certs
