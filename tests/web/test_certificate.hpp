#pragma once
// A throwaway self-signed certificate for 127.0.0.1 (P-256), made with the openssl command for
// the HTTPS server tests: `dir`/cert and `dir`/key. True when openssl made them.
#include <cstdlib>
#include <filesystem>
#include <string>

namespace gatehouse::web::test_support {

inline bool make_test_certificate(const std::filesystem::path& dir) {
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
      "-days 1 -subj /CN=127.0.0.1 -keyout " +
      (dir / "key").string() + " -out " + (dir / "cert").string() + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace gatehouse::web::test_support
