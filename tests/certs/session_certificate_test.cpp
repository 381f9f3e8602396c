// The certificates Gatehouse mints for its upstream logins, read back by the real ssh-keygen:
// the fields must be exactly the ones we mean (ssh-keygen -L), and the signature must verify
// (ssh-keygen -L says nothing else; a broken one is refused with "incorrect signature").
#include "certs/session_certificate.hpp"

#include <gtest/gtest.h>

#include <ctime>

#include "certs/certificate.hpp"
#include "certs/certificate_authority.hpp"
#include "certs/ssh_wire.hpp"
#include "tests/certs/cert_tool.hpp"

namespace gatehouse::certs {
namespace {

using testing::run;

std::shared_ptr<const certificate_authority> load_ca(const std::vector<std::string>& files) {
  auto loaded = certificate_authority::load(files);
  if (auto* why = std::get_if<std::string>(&loaded)) ADD_FAILURE() << *why;
  auto* ca = std::get_if<std::shared_ptr<const certificate_authority>>(&loaded);
  return ca ? *ca : nullptr;
}

std::string load_problem(const std::vector<std::string>& files) {
  auto loaded = certificate_authority::load(files);
  auto* why = std::get_if<std::string>(&loaded);
  return why ? *why : std::string("loaded");
}

// "2026-12-06T17:40:00" as ssh-keygen -L prints a time (local time; TZ is set to UTC).
std::string keygen_time(std::uint64_t t) {
  std::time_t when = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&when, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
  return text;
}

TEST(SessionCertificate, SshKeygenShowsExactlyTheseFields) {
  testing::scratch_dir dir;
  run("ssh-keygen -q -t ed25519 -N '' -C ca -f " + dir.path("ca"));
  run("ssh-keygen -q -t ed25519 -N '' -C me -f " + dir.path("session"));
  auto ca = load_ca({dir.path("ca")});
  ASSERT_TRUE(ca);
  // The CA's exported line is the public key ssh-keygen wrote (comment aside).
  auto ca_pub = testing::read_file(dir.path("ca.pub"));
  EXPECT_EQ(ca->trusted_lines().at(0).substr(0, ca_pub.rfind(' ')),
            ca_pub.substr(0, ca_pub.rfind(' ')));

  auto session_blob = testing::blob_of_file(dir.path("session.pub"));
  wire_reader r(session_blob);
  r.string();
  auto public_key = std::string(*r.string());
  session_certificate_terms t{
      "alice", "17", "ssh-ab-3", "root", 1'800'000'000, 1'800'003'600, "127.0.0.1/32,10.1.0.0/16",
      false};
  auto blob = mint_session_certificate(*ca, public_key, t);
  ASSERT_FALSE(blob.empty());
  testing::write_file(dir.path("session-cert.pub"),
                      std::string(ed25519_certificate_type) + " " + base64_encode(blob) + "\n");
  int status = -1;
  auto listing = run("TZ=UTC ssh-keygen -L -f " + dir.path("session-cert.pub"), &status);
  ASSERT_EQ(status, 0) << listing;
  auto fingerprint = [&](const std::string& file) {
    auto out = run("ssh-keygen -l -f " + file);
    return out.substr(out.find("SHA256:"), 50).substr(0, out.substr(out.find("SHA256:")).find(' '));
  };
  auto c = std::get<certificate>(parse_certificate(blob));
  std::string expected = dir.path("session-cert.pub") +
                         ":\n"
                         "        Type: ssh-ed25519-cert-v01@openssh.com user certificate\n"
                         "        Public key: ED25519-CERT " +
                         fingerprint(dir.path("session.pub")) +
                         "\n"
                         "        Signing CA: ED25519 " +
                         fingerprint(dir.path("ca.pub")) +
                         " (using ssh-ed25519)\n"
                         "        Key ID: \"person=alice grant=17 session=ssh-ab-3\"\n"
                         "        Serial: " +
                         std::to_string(c.serial) +
                         "\n"
                         "        Valid: from " +
                         keygen_time(1'800'000'000 - 60) + " to " + keygen_time(1'800'003'600) +
                         "\n"
                         "        Principals: \n"
                         "                root\n"
                         "        Critical Options: \n"
                         "                source-address 127.0.0.1/32,10.1.0.0/16\n"
                         "        Extensions: \n"
                         "                permit-pty\n";
  EXPECT_EQ(listing, expected);
}

TEST(SessionCertificate, PortForwardingOnlyWhenTheRuleAllowsItAndNoSourceWhenUnset) {
  testing::scratch_dir dir;
  run("ssh-keygen -q -t ed25519 -N '' -f " + dir.path("ca"));
  auto ca = load_ca({dir.path("ca")});
  ASSERT_TRUE(ca);
  session_certificate_terms t{"bob", "", "s-1", "deploy", 1'800'000'000, 1'800'000'600, "", true};
  auto blob = mint_session_certificate(*ca, std::string(32, 'k'), t);
  auto c = std::get<certificate>(parse_certificate(blob));
  EXPECT_EQ(c.key_id, "person=bob grant=none session=s-1");
  EXPECT_TRUE(c.critical_options.empty());
  ASSERT_EQ(c.extensions.size(), 2u);
  EXPECT_EQ(c.extensions[0].first, "permit-port-forwarding");
  EXPECT_EQ(c.extensions[1].first, "permit-pty");
  EXPECT_EQ(c.principals, std::vector<std::string>{"deploy"});
  testing::write_file(dir.path("c.pub"),
                      std::string(ed25519_certificate_type) + " " + base64_encode(blob) + "\n");
  auto listing = run("TZ=UTC ssh-keygen -L -f " + dir.path("c.pub"));
  EXPECT_NE(listing.find("Critical Options: (none)"), std::string::npos) << listing;
  EXPECT_NE(listing.find("permit-port-forwarding\n                permit-pty\n"), std::string::npos)
      << listing;
}

TEST(SessionCertificate, FreshNonceAndSerialPerSession) {
  testing::scratch_dir dir;
  run("ssh-keygen -q -t ed25519 -N '' -f " + dir.path("ca"));
  auto ca = load_ca({dir.path("ca")});
  ASSERT_TRUE(ca);
  session_certificate_terms t{"bob", "1", "s-1", "deploy", 1'800'000'000, 1'800'000'600, "", false};
  auto a = std::get<certificate>(
      parse_certificate(mint_session_certificate(*ca, std::string(32, 'k'), t)));
  auto b = std::get<certificate>(
      parse_certificate(mint_session_certificate(*ca, std::string(32, 'k'), t)));
  EXPECT_NE(a.nonce, b.nonce);
  EXPECT_NE(a.serial, b.serial);
}

TEST(CertificateAuthority, PemKeysRotationAndRefusals) {
  testing::scratch_dir dir;
  run("openssl genpkey -algorithm ed25519 -out " + dir.path("new.pem"));
  run("ssh-keygen -q -t ed25519 -N '' -f " + dir.path("old"));
  // Rotation: the new key signs, the old one (its public key line) stays trusted.
  auto ca = load_ca({dir.path("new.pem"), dir.path("old.pub")});
  ASSERT_TRUE(ca);
  ASSERT_EQ(ca->trusted_lines().size(), 2u);
  auto old_pub = testing::read_file(dir.path("old.pub"));
  EXPECT_EQ(ca->trusted_lines()[1], old_pub.substr(0, old_pub.size() - 1));
  auto pem_public = run("openssl pkey -in " + dir.path("new.pem") +
                        " -pubout -outform DER | tail -c 32 | base64");
  auto blob = ca->public_blob();
  EXPECT_EQ(base64_encode(blob.substr(blob.size() - 32)) + "\n", pem_public);
  // A previous key given as its private file is exported too.
  auto both = load_ca({dir.path("new.pem"), dir.path("old")});
  ASSERT_TRUE(both);
  EXPECT_EQ(both->trusted_lines()[1].substr(0, 80), ca->trusted_lines()[1].substr(0, 80));

  run("ssh-keygen -q -t ed25519 -N secret -f " + dir.path("locked"));
  EXPECT_NE(load_problem({dir.path("locked")}).find("encrypted"), std::string::npos);
  run("ssh-keygen -q -t ecdsa -N '' -f " + dir.path("ecdsa"));
  EXPECT_NE(load_problem({dir.path("ecdsa")}).find("must be Ed25519"), std::string::npos);
  EXPECT_NE(load_problem({dir.path("old.pub")}).find("not an unencrypted Ed25519"),
            std::string::npos);
  EXPECT_NE(load_problem({dir.path("missing")}).find("cannot be read"), std::string::npos);
  testing::write_file(
      dir.path("junk"),
      "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n");
  EXPECT_NE(load_problem({dir.path("junk")}).find("OpenSSH private key"), std::string::npos);
}

}  // namespace
}  // namespace gatehouse::certs
