#include "proxy/rdp/rdp_file.hpp"

#include <gtest/gtest.h>

namespace gatehouse::proxy::rdp {
namespace {

TEST(RdpFile, NamesTheGateAndCarriesTheToken) {
  auto text = rdp_file_text("gate.example:3389", "gh1~a~b~1~00~MAC");
  EXPECT_NE(text.find("full address:s:gate.example:3389\r\n"), std::string::npos);
  EXPECT_NE(text.find("loadbalanceinfo:s:gh1~a~b~1~00~MAC\r\n"), std::string::npos);
}

TEST(RdpFile, PublicAddressWinsOverTheListenAddress) {
  config::rdp_listener l;
  l.address = {"0.0.0.0", 3389};
  EXPECT_EQ(public_rdp_address(l, "gate.local"), "gate.local:3389");
  l.address = {"::1", 13389};
  EXPECT_EQ(public_rdp_address(l, "x"), "[::1]:13389");
  l.public_address = config::endpoint{"rdp.example.com", 443};
  EXPECT_EQ(public_rdp_address(l, "x"), "rdp.example.com:443");
}

}  // namespace
}  // namespace gatehouse::proxy::rdp
