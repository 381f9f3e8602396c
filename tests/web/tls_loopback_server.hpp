#pragma once
// The server side of the TLS stream tests: a temporary directory with a throwaway certificate
// (test_certificate.hpp), a server context set as https_server sets it
// (SSL_MODE_RELEASE_BUFFERS), and an acceptor listening on 127.0.0.1. A fixture makes it in
// SetUp (ASSERT_TRUE(start(...))) and removes the directory in TearDown (stop()).
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <filesystem>
#include <string>

#include "web/test_certificate.hpp"

namespace gatehouse::web::test_support {

struct tls_loopback_server {
  explicit tls_loopback_server(boost::asio::io_context& io) : acceptor(io) {}

  // False when openssl could not make the certificate. `prefix` names the directory, with the
  // process and the running test's name (tests of one binary may run at once under ctest).
  bool start(const std::string& prefix) {
    namespace asio = boost::asio;
    using tcp = asio::ip::tcp;
    dir = std::filesystem::temp_directory_path() /
          (prefix + "-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir);
    if (!make_test_certificate(dir)) return false;
    tls.use_certificate_chain_file((dir / "cert").string());
    tls.use_private_key_file((dir / "key").string(), asio::ssl::context::pem);
    SSL_CTX_set_mode(tls.native_handle(), SSL_MODE_RELEASE_BUFFERS);
    acceptor.open(tcp::v4());
    acceptor.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    acceptor.listen(512);
    return true;
  }
  void stop() { std::filesystem::remove_all(dir); }

  std::filesystem::path dir;
  boost::asio::ssl::context tls{boost::asio::ssl::context::tls_server};
  boost::asio::ip::tcp::acceptor acceptor;
};

}  // namespace gatehouse::web::test_support
