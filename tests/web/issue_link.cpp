// Test tool: issues the links that mail would carry, straight from the store, so integration
// tests can act as an approver without a mailbox.
//   web_issue_link approval DB PUBLIC_URL REQUEST_ID APPROVER   (expires with the request)
//   web_issue_link sign-in  DB PUBLIC_URL PERSON
#include <cstdio>
#include <string>

#include "approval/public_links.hpp"
#include "storage/open_storage.hpp"

using namespace gatehouse;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s approval|sign-in DB PUBLIC_URL ...\n", argv[0]);
    return 2;
  }
  const std::string kind = argv[1], db = argv[2], url = argv[3];
  auto opened = storage::open_storage("sqlite:" + db);
  if (!opened) {
    std::fprintf(stderr, "%s\n", opened.message().c_str());
    return 1;
  }
  auto& tokens = opened->tokens;
  system_clock clk;
  if (kind == "approval" && argc == 6) {
    auto r = opened->store->get_request(std::stoll(argv[4]));
    if (!r) return std::fprintf(stderr, "%s\n", r.message().c_str()), 1;
    approval::public_links links(*tokens, url, clk);
    std::printf("%s\n", links.approval_url(r->id, argv[5], r->pending_until).c_str());
    return 0;
  }
  if (kind == "sign-in") {
    approval::token_record rec;
    rec.kind = approval::token_kind::sign_in;
    rec.person = argv[4];
    rec.next = "/my/approvals";
    rec.expires = clk.now() + std::chrono::minutes(15);
    auto token = tokens->issue(rec, clk.now());
    if (!token) return std::fprintf(stderr, "%s\n", token.message().c_str()), 1;
    std::printf("%s/sign-in/%s\n", url.c_str(), token->c_str());
    return 0;
  }
  std::fprintf(stderr, "bad arguments\n");
  return 2;
}
