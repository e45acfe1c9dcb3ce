// --format=json and --format=ndjson: one JSON object per scanned file.
//
//   {"path": "...",
//    "rules": [{"identifier": "r", "namespace": "default", "tags": ["t"],
//               "meta": {"author": "x", "version": 2, "ok": true},
//               "strings": [{"identifier": "$a",
//                            "matches": [{"offset": 0, "length": 5, "data": "aGVsbG8="}]}]}],
//    "count": 3,          (with -c, instead of "rules")
//    "error": "..."}      (when the file could not be scanned, or timed out)
//
// ndjson prints each object on its own line as soon as its file is done; json wraps the
// same objects in one document, {"files":[...]}, still written file by file so that a
// scan of a huge tree never holds all results in memory.
//
// Choices, all documented in `harrier scan --help`:
//   * Match data is base64: it is binary and JSON strings are not, and base64 round-trips
//     exactly (jq: `.data | @base64d`). It holds the bytes yara keeps (at most 512);
//     "length" is the full match length.
//   * "strings" is present only with -s or -L, and "data" only with -s, mirroring the text
//     output, because match lists can be far larger than everything else. Only strings
//     with matches are listed; private strings never are, as in yara.
//   * Tags, meta and namespace are cheap and always included (-g/-m/-e do not matter).
//   * Paths and meta strings need not be UTF-8; invalid bytes become U+FFFD.
//   * Meta keys are kept in declaration order; if a rule repeats a key the last value wins.
//
// The object for a file is emitted in pieces - the head when the file starts, one piece per
// rule as the scanner delivers it, the tail at the end - so the Console can stream it.
#include <nlohmann/json.hpp>

#include "cli/output_format.h"

namespace harrier::cli {

namespace {

using Json = nlohmann::ordered_json;

std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string base64(std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16 | static_cast<uint8_t>(data[i + 1]) << 8 |
                 static_cast<uint8_t>(data[i + 2]);
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += kAlphabet[n >> 6 & 63];
    out += kAlphabet[n & 63];
  }
  if (i < data.size()) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<uint8_t>(data[i + 1]) << 8;
    out += kAlphabet[n >> 18 & 63];
    out += kAlphabet[n >> 12 & 63];
    out += i + 1 < data.size() ? kAlphabet[n >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

class JsonFormatter : public RecordFormatter {
 public:
  JsonFormatter(const ScanSettings& settings, bool one_document)
      : settings_(settings), one_document_(one_document) {}

  std::string document_begin() const override { return one_document_ ? "{\"files\":[" : ""; }
  std::string document_end() const override { return one_document_ ? "\n]}\n" : ""; }
  std::string record_separator() const override { return one_document_ ? "," : ""; }
  bool keeps_partial_results() const override { return true; }

  void begin_file(std::string& out, const std::string& path) const override {
    if (one_document_) out += '\n';
    out += "{\"path\":";
    out += dump(path);
    if (!settings_.count_only) out += ",\"rules\":[";
  }

  void add_rule(std::string& out, const harrier::RuleResult& rule, const std::string&,
                bool first) const override {
    const harrier::RuleInfo& info = *rule.info;
    Json object;
    object["identifier"] = info.name;
    object["namespace"] = info.ns;
    object["tags"] = info.tags;
    Json meta = Json::object();
    for (const auto& entry : info.metas) {
      std::visit([&meta, &entry](const auto& v) { meta[entry.first] = v; }, entry.second);
    }
    object["meta"] = std::move(meta);
    if (settings_.print_strings || settings_.print_string_length) {
      object["strings"] = strings(rule);
    }
    if (!first) out += ',';
    out += dump(object);
  }

  void end_file(std::string& out, const std::string&, const FileOutcome& outcome) const override {
    if (settings_.count_only) {
      out += ",\"count\":" + std::to_string(outcome.count);
    } else {
      out += ']';
    }
    if (!outcome.error.empty()) out += ",\"error\":" + dump(outcome.error);
    out += '}';
    if (!one_document_) out += '\n';
  }

 private:
  Json strings(const harrier::RuleResult& rule) const {
    Json list = Json::array();
    for (const harrier::StringResult& string : rule.strings) {
      if (string.is_private || string.matches.empty()) continue;
      Json matches = Json::array();
      for (const harrier::Match& match : string.matches) {
        Json m;
        m["offset"] = match.offset;
        m["length"] = match.length;
        if (settings_.print_strings) m["data"] = base64(match.data);
        matches.push_back(std::move(m));
      }
      list.push_back(Json{{"identifier", string.identifier}, {"matches", std::move(matches)}});
    }
    return list;
  }

  const ScanSettings& settings_;
  bool one_document_;
};

}  // namespace

std::unique_ptr<RecordFormatter> make_json_formatter(const ScanSettings& settings,
                                                     bool one_document) {
  return std::make_unique<JsonFormatter>(settings, one_document);
}

}  // namespace harrier::cli
