// People's certificates, made by the real ssh-keygen -s, through our own check: a valid one
// passes; tampered, expired, not yet valid, wrong principal, wrong CA, revoked (by serial, by
// key, by fingerprint), ssh-rsa (SHA-1) signed, host certificates, foreign source addresses
// and unknown critical options are refused, each with its reason.
#include "certs/person_certificate.hpp"

#include <gtest/gtest.h>

#include <ctime>

#include "certs/certificate.hpp"
#include "tests/certs/cert_tool.hpp"

namespace gatehouse::certs {
namespace {

using testing::run;

class PersonCertificate : public ::testing::Test {
 protected:
  void SetUp() override {
    run("ssh-keygen -q -t ed25519 -N '' -f " + dir.path("ca"));
    run("ssh-keygen -q -t ed25519 -N '' -f " + dir.path("other_ca"));
    run("ssh-keygen -q -t ed25519 -N '' -f " + dir.path("alice"));
    terms.trusted_ca_blobs = {testing::blob_of_file(dir.path("ca.pub"))};
    terms.revoked = &revoked;
    terms.person = "alice";
    terms.peer_address = "127.0.0.1";
    terms.now = static_cast<std::uint64_t>(std::time(nullptr));
  }

  // ssh-keygen -s CA with `options`; the certificate's blob ("" when ssh-keygen failed).
  std::string sign(const std::string& options, const std::string& ca = "ca",
                   const std::string& key = "alice") {
    run("rm -f " + dir.path(key + "-cert.pub"));
    int status = -1;
    auto out = run(
        "ssh-keygen -q -s " + dir.path(ca) + " " + options + " " + dir.path(key + ".pub"), &status);
    EXPECT_EQ(status, 0) << out;
    return testing::blob_of_file(dir.path(key + "-cert.pub"));
  }

  std::string refusal(const std::string& blob) {
    auto result = check_person_certificate(blob, terms);
    auto* why = std::get_if<std::string>(&result);
    return why ? *why : std::string("accepted");
  }

  testing::scratch_dir dir;
  std::vector<std::string> revoked;
  person_certificate_terms terms;
};

TEST_F(PersonCertificate, AValidOneIsAccepted) {
  auto blob = sign("-I alice@corp -n alice,admin -z 42 -V -5m:+1h");
  auto result = check_person_certificate(blob, terms);
  ASSERT_TRUE(std::holds_alternative<accepted_certificate>(result)) << refusal(blob);
  const auto& a = std::get<accepted_certificate>(result);
  EXPECT_EQ(a.key_id, "alice@corp");
  EXPECT_EQ(a.serial, 42u);
  EXPECT_EQ(a.certified_key_blob, testing::blob_of_file(dir.path("alice.pub")));
}

TEST_F(PersonCertificate, TamperedSignatureIsRefused) {
  auto blob = sign("-I alice -n alice -V -5m:+1h");
  auto at = blob.find("alice");  // the key id: ssh-keygen -L would say "incorrect signature"
  ASSERT_NE(at, std::string::npos);
  blob[at] = 'b';
  EXPECT_EQ(refusal(blob), "certificate signature: incorrect signature");
  auto flipped = sign("-I alice -n alice -V -5m:+1h");
  flipped[flipped.size() - 1] ^= 1;  // the last byte of the signature itself
  EXPECT_EQ(refusal(flipped), "certificate signature: incorrect signature");
}

TEST_F(PersonCertificate, ExpiredAndNotYetValidAreRefused) {
  EXPECT_EQ(refusal(sign("-I alice -n alice -V -2h:-1h")), "certificate expired");
  EXPECT_EQ(refusal(sign("-I alice -n alice -V +1h:+2h")), "certificate not yet valid");
}

TEST_F(PersonCertificate, WrongPrincipalIsRefused) {
  EXPECT_EQ(refusal(sign("-I bob -n bob,root -V -5m:+1h")),
            "certificate not issued for this person");
}

TEST_F(PersonCertificate, WrongCaIsRefused) {
  EXPECT_EQ(refusal(sign("-I alice -n alice -V -5m:+1h", "other_ca")),
            "certificate signed by an untrusted CA");
}

TEST_F(PersonCertificate, RevokedBySerialKeyOrFingerprintIsRefused) {
  auto blob = sign("-I alice -n alice -z 7 -V -5m:+1h");
  revoked = {"serial 8"};
  EXPECT_EQ(refusal(blob), "accepted");
  revoked = {"serial 7"};
  EXPECT_EQ(refusal(blob), "certificate revoked");
  auto line = testing::read_file(dir.path("alice.pub"));
  revoked = {line.substr(0, line.size() - 1)};
  EXPECT_EQ(refusal(blob), "certificate revoked");
  auto listing = run("ssh-keygen -l -f " + dir.path("alice.pub"));
  auto fp = listing.substr(listing.find("SHA256:"));
  revoked = {fp.substr(0, fp.find(' '))};
  EXPECT_EQ(refusal(blob), "certificate revoked");
}

TEST_F(PersonCertificate, SshRsaSha1SignedIsRefusedRsaSha256Accepted) {
  run("ssh-keygen -q -t rsa -b 3072 -N '' -f " + dir.path("rsa_ca"));
  terms.trusted_ca_blobs.push_back(testing::blob_of_file(dir.path("rsa_ca.pub")));
  EXPECT_EQ(refusal(sign("-t ssh-rsa -I alice -n alice -V -5m:+1h", "rsa_ca")),
            "certificate signature: ssh-rsa (SHA-1) signature");
  EXPECT_EQ(refusal(sign("-t rsa-sha2-256 -I alice -n alice -V -5m:+1h", "rsa_ca")), "accepted");
  EXPECT_EQ(refusal(sign("-t rsa-sha2-512 -I alice -n alice -V -5m:+1h", "rsa_ca")), "accepted");
}

TEST_F(PersonCertificate, EcdsaCasAndEcdsaKeysAreAccepted) {
  for (std::string bits : {"256", "384", "521"}) {
    run("ssh-keygen -q -t ecdsa -b " + bits + " -N '' -f " + dir.path("ec_ca" + bits));
    terms.trusted_ca_blobs.push_back(testing::blob_of_file(dir.path("ec_ca" + bits + ".pub")));
    EXPECT_EQ(refusal(sign("-I alice -n alice -V -5m:+1h", "ec_ca" + bits)), "accepted") << bits;
  }
  run("ssh-keygen -q -t ecdsa -N '' -f " + dir.path("alice_ec"));
  EXPECT_EQ(refusal(sign("-I alice -n alice -V -5m:+1h", "ca", "alice_ec")), "accepted");
}

TEST_F(PersonCertificate, SourceAddressIsHonoured) {
  auto blob = sign("-I alice -n alice -O source-address=10.0.0.0/8,127.0.0.0/8 -V -5m:+1h");
  EXPECT_EQ(refusal(blob), "accepted");
  terms.peer_address = "192.168.1.1";
  EXPECT_EQ(refusal(blob), "certificate not valid from this address");
}

TEST_F(PersonCertificate, UnknownCriticalOptionsAndHostCertificatesAreRefused) {
  EXPECT_EQ(refusal(sign("-I alice -n alice -O force-command=/bin/true -V -5m:+1h")),
            "unknown critical option force-command");
  EXPECT_EQ(refusal(sign("-h -I alice -n alice -V -5m:+1h")), "not a user certificate");
}

TEST_F(PersonCertificate, GarbageIsRefusedNotCrashed) {
  EXPECT_EQ(refusal(""), "not a certificate");
  EXPECT_EQ(refusal(testing::blob_of_file(dir.path("alice.pub"))), "not a certificate");
  auto blob = sign("-I alice -n alice -V -5m:+1h");
  for (std::size_t cut = 0; cut < blob.size(); cut += 7)
    EXPECT_NE(refusal(blob.substr(0, cut)), "accepted") << cut;
  EXPECT_EQ(refusal(blob + "x"), "malformed certificate");
}

}  // namespace
}  // namespace gatehouse::certs
