// Reading the SYSTEM hive with libhivex (see registry.h for what is reported and why).
//
// libhivex hands out malloc'd names, arrays and values; the small owners below free them so
// that no early return leaks. The hive is opened without HIVEX_OPEN_WRITE, so it is never
// modified (invariant: never write to scanned files).
#include "hunt/registry.h"

#include <hivex.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>

#include "hunt/heuristics.h"
#include "hunt/score.h"
#include "hunt/walk.h"

namespace harrier::hunt {

namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, FreeDeleter>;

struct HiveCloser {
  void operator()(hive_h* h) const { hivex_close(h); }
};

constexpr size_t kMinConfigBytes = 64;
constexpr size_t kMinPublishedBytes = 16;
constexpr double kConfigEntropyRatio = 0.85;  // of the most a value of that length can show

struct KnownService {
  const char* name;  // lower case
  const char* why;
};
constexpr std::array<KnownService, 4> kKnownServices = {{
    {"jminet3", "Duqu 2011 driver service (Symantec, via Metasploit duqu_check)"},
    {"aliide", "Duqu 2011 driver service from a decrypted configuration (Trend TROJ_DUQU.CF)"},
    {"mrxcls", "Stuxnet loader driver service (Microsoft Trojan:WinNT/Stuxnet.A)"},
    {"mrxnet", "Stuxnet rootkit driver service (Microsoft Trojan:WinNT/Stuxnet.A)"},
}};

std::string node_name(hive_h* h, hive_node_h node) {
  Owned<char> name(hivex_node_name(h, node));
  return name ? std::string(name.get()) : std::string();
}

int64_t service_type(hive_h* h, hive_node_h service) {
  hive_value_h value = hivex_node_get_value(h, service, "Type");
  if (value == 0) return -1;
  hive_type type;
  size_t length = 0;
  if (hivex_value_type(h, value, &type, &length) != 0 || type != hive_t_REG_DWORD) return -1;
  return hivex_value_dword(h, value);
}

bool image_path_is_driver(hive_h* h, hive_node_h service) {
  hive_value_h value = hivex_node_get_value(h, service, "ImagePath");
  if (value == 0) return false;
  Owned<char> text(hivex_value_string(h, value));
  return text && ascii_lower(text.get()).ends_with(".sys");
}

void check_service(hive_h* h, hive_node_h service, const std::string& key_path,
                   const std::string& rel_path, std::vector<Finding>* out) {
  std::string name = node_name(h, service);
  std::string lower = ascii_lower(name);
  for (const KnownService& known : kKnownServices) {
    if (lower == known.name) {
      out->push_back(make_finding(rel_path, "registry-service-config",
                                  key_path + ": service name of " + known.why));
    }
  }
  // Kernel and file-system drivers (Type 1 or 2; without a Type, an ImagePath ending in
  // .sys) are where both families keep their configuration. The value names they were
  // published with (FILTER, Data) are examined on any service and from a smaller size.
  int64_t type = service_type(h, service);
  bool driver = type == 1 || type == 2 || (type == -1 && image_path_is_driver(h, service));

  Owned<hive_value_h> values(hivex_node_values(h, service));
  if (!values) return;
  for (hive_value_h* v = values.get(); *v != 0; v++) {
    hive_type value_type;
    size_t length = 0;
    Owned<char> key(hivex_value_key(h, *v));
    std::string value_name = key ? ascii_lower(key.get()) : std::string();
    bool published = value_name == "filter" || value_name == "data";
    if (!driver && !published) continue;
    Owned<char> data(hivex_value_value(h, *v, &value_type, &length));
    if (!data || length < (published ? kMinPublishedBytes : kMinConfigBytes)) continue;
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(data.get()), length);
    double entropy = shannon_entropy(bytes);
    double most = std::log2(static_cast<double>(std::min<size_t>(length, 256)));
    if (entropy < kConfigEntropyRatio * most) continue;
    char text[128];
    std::snprintf(text, sizeof text, "%zu bytes, entropy %.2f bits/byte", length, entropy);
    out->push_back(make_finding(rel_path, "registry-service-config",
                                key_path + ": kernel-driver service value \"" +
                                    std::string(key ? key.get() : "") +
                                    "\" holds encrypted-looking configuration (" + text + ")"));
  }
}

}  // namespace

void check_system_hive(const std::string& hive_path, const std::string& rel_path,
                       std::vector<Finding>* out, std::vector<std::string>* errors) {
  std::unique_ptr<hive_h, HiveCloser> hive(hivex_open(hive_path.c_str(), 0));
  if (!hive) {
    errors->push_back(hive_path + ": libhivex cannot open the hive");
    return;
  }
  hive_h* h = hive.get();
  hive_node_h root = hivex_root(h);
  if (root == 0) {
    errors->push_back(hive_path + ": the hive has no root key");
    return;
  }
  Owned<hive_node_h> sets(hivex_node_children(h, root));
  if (!sets) return;
  for (hive_node_h* set = sets.get(); *set != 0; set++) {
    std::string set_name = node_name(h, *set);
    // Offline hives hold ControlSet001...; CurrentControlSet exists only at run time, but a
    // hive exported from a live system (or built by hand) may use that name.
    std::string lower_set = ascii_lower(set_name);
    if (!lower_set.starts_with("controlset") && lower_set != "currentcontrolset") continue;
    Owned<hive_node_h> children(hivex_node_children(h, *set));
    if (!children) continue;
    for (hive_node_h* child = children.get(); *child != 0; child++) {
      if (ascii_lower(node_name(h, *child)) != "services") continue;
      Owned<hive_node_h> services(hivex_node_children(h, *child));
      if (!services) continue;
      for (hive_node_h* service = services.get(); *service != 0; service++) {
        std::string key_path = set_name + "\\Services\\" + node_name(h, *service);
        check_service(h, *service, key_path, rel_path, out);
      }
    }
  }
}

}  // namespace harrier::hunt
