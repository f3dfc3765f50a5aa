// The key table.
#include "config/xl_key_policy.hpp"

#include <array>
#include <utility>

namespace nimbus {

namespace {

constexpr std::array<std::string_view, 19> kUsed{
    "name", "type", "builder", "vcpus", "maxvcpus", "memory", "maxmem", "kernel", "ramdisk", "cmdline",
    "root", "extra", "disk", "vif", "on_poweroff", "on_reboot", "on_crash", "uuid", "serial"};

constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kUnsupported{{
    {"bootloader", "nimbus boots only by direct kernel boot: set kernel= (and ramdisk=) instead"},
    {"bootloader_args", "nimbus boots only by direct kernel boot: set kernel= (and ramdisk=) instead"},
    {"pci", "PCI passthrough is not supported"},
    {"pci_permissive", "PCI passthrough is not supported"},
    {"pci_msitranslate", "PCI passthrough is not supported"},
    {"pci_seize", "PCI passthrough is not supported"},
    {"pci_power_mgmt", "PCI passthrough is not supported"},
    {"iomem", "I/O memory passthrough is not supported"},
    {"ioports", "I/O port passthrough is not supported"},
    {"irqs", "interrupt passthrough is not supported"},
    {"dtdev", "device tree passthrough is not supported"},
    {"usbctrl", "USB is not supported"},
    {"usbdev", "USB passthrough is not supported"},
    {"firmware_override", "firmware boot is not supported (direct kernel boot only)"},
}};

constexpr std::array<std::string_view, 55> kIgnored{
    "cpus", "cpus_soft", "cpu_weight", "cpu_cap", "cpuid", "nodes", "numa", "vnuma", "acpi", "acpi_s3", "acpi_s4",
    "apic", "pae", "hap", "nestedhvm", "viridian", "localtime", "rtc_timeoffset", "timer_mode", "hpet", "boot",
    "vfb", "vnc", "vnclisten", "vncpasswd", "vncdisplay", "vncunused", "sdl", "opengl", "vga", "videoram",
    "stdvga", "spice", "keymap", "usb", "usbdevice", "soundhw", "device_model_version", "device_model_override",
    "device_model_stubdomain_override", "device_model_args", "xen_platform_pci", "vkb", "channel", "vtpm",
    "p9", "vdispl", "vsnd", "seclabel", "driver_domain", "claim_mode", "max_grant_frames", "max_maptrack_frames",
    "on_watchdog", "on_soft_reset"};

template <typename Container>
bool contains(const Container& words, std::string_view word)
{
    for (auto candidate : words)
        if (candidate == word)
            return true;
    return false;
}

}  // namespace

XlKeyPolicy key_policy(std::string_view key)
{
    if (contains(kUsed, key))
        return {XlKeySupport::Used, {}};
    for (const auto& [name, reason] : kUnsupported)
        if (name == key)
            return {XlKeySupport::Unsupported, reason};
    if (contains(kIgnored, key))
        return {XlKeySupport::Ignored, "a Xen feature with no meaning under nimbus"};
    return {XlKeySupport::Unknown, {}};
}

}  // namespace nimbus
