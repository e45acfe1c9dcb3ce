// Reading files and line arithmetic for diagnostics; see source.h.
#include "rules/source.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace harrier::rules {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  std::streamoff size = in.tellg();
  if (size < 0) {  // not seekable: read it as a stream
    in.clear();
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return std::move(buffer).str();
  }
  in.seekg(0);
  std::string out(static_cast<size_t>(size), '\0');
  in.read(out.data(), size);
  if (in.bad()) return std::nullopt;
  out.resize(static_cast<size_t>(in.gcount()));  // it shrank: what was there
  return out;
}

uint32_t SourceSet::line_at(uint32_t index, uint32_t offset) const {
  const std::string& text = files_[index].text;
  size_t end = std::min<size_t>(offset, text.size());
  return 1 + static_cast<uint32_t>(std::count(text.begin(), text.begin() + end, '\n'));
}

uint32_t SourceSet::lookahead_line(uint32_t index, uint32_t end) const {
  const std::string& text = files_[index].text;
  size_t i = std::min<size_t>(end, text.size());
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t close = text.find("*/", i + 2);
      i = close == std::string::npos ? text.size() : close + 2;
    } else {
      break;
    }
  }
  return line_at(index, static_cast<uint32_t>(i));
}

}  // namespace harrier::rules
