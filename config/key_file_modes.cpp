#include "config/key_file_modes.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <vector>

namespace gatehouse::config {

namespace {

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", unsigned(mode & 07777));
  return buf;
}

std::string group_name(gid_t gid) {
  ::group entry{};
  ::group* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getgrgid_r(gid, &entry, buffer.data(), buffer.size(), &found) == 0 && found)
    return found->gr_name;
  return std::to_string(gid);
}

void check(const std::string& path, std::vector<std::string>& out) {
  struct stat info {};
  if (path.empty() || ::stat(path.c_str(), &info) != 0) return;
  if (info.st_mode & S_IROTH) {
    out.push_back(path + " is readable by everyone (mode " + octal(info.st_mode) + ")");
  } else if ((info.st_mode & S_IRGRP) && info.st_gid != ::getegid()) {
    out.push_back(path + " is readable by group '" + group_name(info.st_gid) + "' (mode " +
                  octal(info.st_mode) + ")");
  }
}

}  // namespace

std::vector<std::string> exposed_key_files(const config& c) {
  std::set<std::string> paths;
  if (c.listen.ssh) paths.insert(c.listen.ssh->host_keys.begin(), c.listen.ssh->host_keys.end());
  if (c.listen.rdp) paths.insert(c.listen.rdp->token_key);
  if (c.listen.http) {
    paths.insert(c.listen.http->tls_key);
    paths.insert(c.listen.http->assertion_key);
  }
  for (const auto& s : c.servers)
    for (const auto& a : s.accounts) paths.insert(a.key_file);
  std::vector<std::string> out;
  for (const auto& p : paths) check(p, out);
  return out;
}

}  // namespace gatehouse::config
