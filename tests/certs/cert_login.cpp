// cert_login HOST PORT USER KEY CERT
// Logs in with a private key and the certificate in CERT, as libssh's client does it. Unlike
// OpenSSH's client, libssh never checks a certificate before offering it, so a test can offer
// the gate a tampered one. Exit 0: accepted; 1: refused; 2: another failure. Test support
// only (tests/integration/test_ssh_certificates.py).
#include <libssh/libssh.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: cert_login HOST PORT USER KEY CERT\n");
    return 2;
  }
  ssh_session s = ssh_new();
  int port = std::atoi(argv[2]);
  ssh_options_set(s, SSH_OPTIONS_HOST, argv[1]);
  ssh_options_set(s, SSH_OPTIONS_PORT, &port);
  ssh_options_set(s, SSH_OPTIONS_USER, argv[3]);
  ssh_key key = nullptr, cert = nullptr;
  int rc = 2;
  if (ssh_connect(s) != SSH_OK) {
    std::fprintf(stderr, "connect: %s\n", ssh_get_error(s));
  } else if (ssh_pki_import_privkey_file(argv[4], nullptr, nullptr, nullptr, &key) != SSH_OK ||
             ssh_pki_import_cert_file(argv[5], &cert) != SSH_OK ||
             ssh_pki_copy_cert_to_privkey(cert, key) != SSH_OK) {
    std::fprintf(stderr, "cannot load the key and certificate\n");
  } else {
    int probe = ssh_userauth_try_publickey(s, nullptr, cert);
    int signed_rc = probe == SSH_AUTH_SUCCESS ? ssh_userauth_publickey(s, nullptr, key) : probe;
    std::printf("%s\n", signed_rc == SSH_AUTH_SUCCESS ? "accepted" : "refused");
    rc = signed_rc == SSH_AUTH_SUCCESS ? 0 : 1;
  }
  ssh_key_free(key);
  ssh_key_free(cert);
  ssh_disconnect(s);
  ssh_free(s);
  return rc;
}
