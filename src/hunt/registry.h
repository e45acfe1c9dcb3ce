// The offline SYSTEM hive: services that Duqu and Stuxnet leave behind.
//
// Duqu's driver reads its encrypted configuration from a value on its own service key
// (FILTER under JmiNET3, per Symantec as encoded in Metasploit's duqu_check), and Stuxnet's
// MRxCls keeps its encrypted configuration in a "Data" value. So the hunt opens
// Windows\System32\config\SYSTEM read-only with libhivex, walks every ControlSetNNN\Services
// key and reports (as registry-service-config):
//   * a service with a published Duqu/Stuxnet name (JmiNET3, ALiIDE, MRxCls, MRxNet);
//   * a kernel-driver service (Type 1 or 2) whose key holds a value of at least 64 bytes
//     that looks encrypted (byte entropy near the maximum for its length), or a FILTER or
//     Data value (the published names) of at least 16 such bytes on any service.
//     Configuration that Windows itself stores there is text or small structures.
// A hive libhivex cannot parse is an error for the report, not the end of the hunt.
#pragma once

#include <string>
#include <vector>

#include "hunt/hunt.h"

namespace harrier::hunt {

void check_system_hive(const std::string& hive_path, const std::string& rel_path,
                       std::vector<Finding>* out, std::vector<std::string>* errors);

}  // namespace harrier::hunt
