#include "audit/log_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace gatehouse::audit {

namespace fs = std::filesystem;

namespace {

// (number, path) of each LOG.N beside the live file.
std::vector<std::pair<std::uint64_t, std::string>> rotated(const std::string& log_path) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  fs::path live(log_path);
  auto dir = live.has_parent_path() ? live.parent_path() : fs::path(".");
  auto prefix = live.filename().string() + ".";
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    auto name = it->path().filename().string();
    if (!name.starts_with(prefix) || name.size() == prefix.size() ||
        name.size() > prefix.size() + 18)
      continue;
    auto digits = std::string_view(name).substr(prefix.size());
    if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    out.emplace_back(std::stoull(std::string(digits)), (dir / name).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> chain_files(const std::string& log_path) {
  std::vector<std::string> out;
  for (auto& [n, path] : rotated(log_path)) out.push_back(path);
  std::error_code ec;
  if (fs::exists(log_path, ec)) out.push_back(log_path);
  return out;
}

std::string next_rotated_name(const std::string& log_path) {
  auto existing = rotated(log_path);
  auto n = existing.empty() ? 1 : existing.back().first + 1;
  return log_path + "." + std::to_string(n);
}

bool read_tail(const std::string& path, file_tail& out) {
  out = {};
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) {
    ::close(fd);
    return false;
  }
  out.size = static_cast<std::uint64_t>(end);
  // Read backwards in chunks until the text holds a newline before the last line.
  std::string tail;
  off_t pos = end;
  constexpr off_t chunk = 64 * 1024;
  bool ok = true;
  while (pos > 0) {
    off_t from = std::max<off_t>(0, pos - chunk);
    std::string buf(static_cast<std::size_t>(pos - from), '\0');
    if (::pread(fd, buf.data(), buf.size(), from) != static_cast<ssize_t>(buf.size())) {
      ok = false;
      break;
    }
    tail = buf + tail;
    pos = from;
    auto last_nl = tail.rfind('\n');
    if (last_nl != std::string::npos && last_nl > 0 &&
        tail.rfind('\n', last_nl - 1) != std::string::npos)
      break;
  }
  ::close(fd);
  if (!ok) return false;
  auto last_nl = tail.rfind('\n');
  if (last_nl == std::string::npos) return true;  // no complete line
  out.complete = static_cast<std::uint64_t>(pos) + last_nl + 1;
  auto start = last_nl == 0 ? std::string::npos : tail.rfind('\n', last_nl - 1);
  start = start == std::string::npos ? 0 : start + 1;
  out.last_line = tail.substr(start, last_nl - start);
  return true;
}

std::string first_line(const std::vector<std::string>& files) {
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::string line;
    if (std::getline(in, line) && !in.eof()) return line;
  }
  return {};
}

}  // namespace gatehouse::audit
