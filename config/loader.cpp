// load_file / load_string: from bytes to a validated config. The text is checked before YAML
// sees it (size, UTF-8), and nothing throws past this file.
#include "config/loader.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "config/cross_check.hpp"
#include "config/schema.hpp"
#include "config/yaml_document.hpp"

namespace gatehouse::config {

namespace {
// A real configuration is tens of kilobytes; a larger file is a mistake (or an attack).
constexpr std::size_t max_file_size = std::size_t{4} << 20;

load_result failure(const std::string& file, position at, std::string message) {
  return {nullptr, {diagnostic{file, at.line, at.column, std::move(message)}}};
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid UTF-8 text:
// no overlong forms, no surrogates, nothing above U+10FFFF, and no control characters but
// tab, line feed and carriage return (YAML does not allow them, and they signal binary data).
std::size_t text_char_length(std::string_view text, std::size_t i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return (c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' || c == '\r' ? 1 : 0;
  std::size_t length = 0;
  char32_t code = 0;
  char32_t min = 0;
  if ((c & 0xe0) == 0xc0) {
    length = 2, code = c & 0x1f, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    length = 3, code = c & 0x0f, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    length = 4, code = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3f);
  }
  if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return 0;
  return length;
}

// The position of the first byte that is not UTF-8 text, or line 0 when all is well.
position first_non_text(std::string_view text) {
  position at{1, 1};
  for (std::size_t i = 0; i < text.size();) {
    auto length = text_char_length(text, i);
    if (length == 0) return at;
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
    i += length;
  }
  return {};
}

load_result parse(std::string_view text, const std::string& file_name,
                  const std::string& base_dir) {
  if (text.size() > max_file_size) {
    return failure(file_name, {},
                   "file is too large (" + std::to_string(text.size()) + " bytes; the limit is " +
                       std::to_string(max_file_size) + ")");
  }
  if (auto at = first_non_text(text); at.line != 0)
    return failure(file_name, at, "not valid UTF-8 text");

  auto document = parse_single_document(text);
  if (!document.problem.empty()) return failure(file_name, document.at, document.problem);

  reporter report(file_name);
  read_context ctx(report, base_dir, read_context::budget_for(text.size()));
  auto result = std::make_shared<config>();
  result->source_file = file_name;
  source_map where;
  read_config(ctx, document.root, *result, where);
  cross_check(*result, where, report);
  if (report.count() > 0) return {nullptr, report.take()};
  return {std::move(result), {}};
}
}  // namespace

load_result load_file(const std::string& path) {
  try {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
      return failure(path, {}, std::string("cannot read: ") + std::strerror(EISDIR));
    errno = 0;
    std::ifstream file(path, std::ios::binary);
    if (!file.is_open())
      return failure(path, {}, std::string("cannot read: ") + std::strerror(errno ? errno : EIO));
    // Read at most one byte past the limit: enough to know the file is too large.
    std::string text(max_file_size + 1, '\0');
    file.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (file.bad()) return failure(path, {}, "cannot read: " + std::string(std::strerror(EIO)));
    text.resize(static_cast<std::size_t>(file.gcount()));
    if (text.size() > max_file_size) {
      return failure(path, {},
                     "file is too large (more than " + std::to_string(max_file_size) + " bytes)");
    }
    // Absolute, so that the resolved key paths stay right if the daemon changes directory.
    auto dir = std::filesystem::absolute(std::filesystem::path(path), ec).parent_path();
    return parse(text, path, dir.string());
  } catch (const std::exception& e) {
    return failure(path, {}, std::string("cannot load: ") + e.what());
  } catch (...) {
    return failure(path, {}, "cannot load: unexpected error");
  }
}

load_result load_string(std::string_view text, const std::string& file_name,
                        const std::string& base_dir) {
  try {
    return parse(text, file_name, base_dir);
  } catch (const std::exception& e) {
    return failure(file_name, {}, std::string("cannot load: ") + e.what());
  } catch (...) {
    return failure(file_name, {}, "cannot load: unexpected error");
  }
}

}  // namespace gatehouse::config
