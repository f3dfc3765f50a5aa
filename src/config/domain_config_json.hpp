// domain_config_to_json: a DomainConfig as JSON (what `nimbus create -n` prints); fields in docs/config.md.
#pragma once

#include <nlohmann/json.hpp>

#include "config/domain_config.hpp"

namespace nimbus {

// {"name", "uuid", "type": "pv"|"pvh"|"hvm", "vcpus", "maxvcpus", "memory_mib", "maxmem_mib",
//  "kernel", "ramdisk", "cmdline", "serial", "on_poweroff"|"on_reboot"|"on_crash": xl's action names,
//  "config_path", "disks": [{"target", "format": "raw"|"qcow2", "vdev", "access": "rw"|"ro", "cdrom",
//  "guest_device", "xen_disk_index", "xen_partition"}], "vifs": [{"mac", "bridge", "ip", "model",
//  "rate", "script", "vifname", "type"}]}. Unset optional strings are "" and 0 means "same as".
nlohmann::json domain_config_to_json(const DomainConfig& config);

const char* to_string(GuestType type);
const char* to_string(EventAction action);

}  // namespace nimbus
