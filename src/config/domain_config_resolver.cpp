// Key by key: name, type, CPUs, memory, kernel, disks, NICs, command line, event actions, uuid, serial.
#include "config/domain_config_resolver.hpp"

#include <cctype>

#include "config/disk_layout.hpp"
#include "config/kernel_cmdline.hpp"
#include "config/xl_disk_spec_parser.hpp"
#include "config/xl_key_reader.hpp"
#include "config/xl_vif_spec_parser.hpp"

namespace nimbus {

namespace {

constexpr long kMaxVcpus = 255;
constexpr long kMaxMemoryMib = 1L << 24;  // 16 TiB

std::unexpected<Error> key_error(const XlKeyReader& reader, const std::string& key, std::string detail)
{
    return std::unexpected(make_error(reader.where(key), fmt::format("{}: {}", key, std::move(detail))));
}

Result<std::string> resolve_name(const XlKeyReader& reader)
{
    auto name = TRY(reader.string("name"));
    if (!name)
        return fail("config", "name= is missing (every guest needs a name)");
    if (name->empty() || name->size() > 64)
        return key_error(reader, "name", "must be 1 to 64 characters");
    for (char c : *name) {
        bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '_' || c == '.';
        if (!allowed)
            return key_error(reader, "name",
                             fmt::format("'{}' may hold only letters, digits, '-', '_' and '.' (it names files under the state folder)", *name));
    }
    if (name->find_first_not_of("0123456789") == std::string::npos)
        return key_error(reader, "name", fmt::format("'{}' is all digits, which xl reads as a domain id", *name));
    if (*name == "." || *name == "..")
        return key_error(reader, "name", fmt::format("'{}' is not a usable name", *name));
    return *name;
}

Result<GuestType> resolve_type(const XlKeyReader& reader, std::vector<std::string>& warnings,
                               std::vector<std::string>& notices)
{
    auto type = TRY(reader.string("type"));
    auto builder = TRY(reader.string("builder"));
    GuestType result = GuestType::Pv;  // xl's default on x86 when neither is given
    std::string written = "pv (xl's default)";
    if (type) {
        if (*type == "pv") result = GuestType::Pv;
        else if (*type == "pvh") result = GuestType::Pvh;
        else if (*type == "hvm") result = GuestType::Hvm;
        else return key_error(reader, "type", fmt::format("'{}' is not pv, pvh or hvm", *type));
        if (builder)
            warnings.push_back(fmt::format("{}: builder= ignored because type= is set", reader.where("builder")));
        written = "type=" + *type;
    } else if (builder) {
        if (*builder == "pv" || *builder == "generic" || *builder == "linux") result = GuestType::Pv;
        else if (*builder == "hvm") result = GuestType::Hvm;
        else if (*builder == "pvh") result = GuestType::Pvh;
        else return key_error(reader, "builder", fmt::format("'{}' is not pv, pvh, hvm or generic", *builder));
        written = "builder=" + *builder;
    }
    if (result != GuestType::Pvh)
        notices.push_back(fmt::format("{}: booted under KVM by direct kernel boot (the kernel runs as on bare x86)", written));
    return result;
}

Result<EventAction> resolve_action(const XlKeyReader& reader, const std::string& key, EventAction fallback)
{
    auto value = TRY(reader.string(key));
    if (!value)
        return fallback;
    if (*value == "destroy") return EventAction::Destroy;
    if (*value == "restart") return EventAction::Restart;
    if (*value == "rename-restart") return EventAction::RenameRestart;
    if (*value == "preserve") return EventAction::Preserve;
    if (*value == "coredump-destroy") return EventAction::CoredumpDestroy;
    if (*value == "coredump-restart") return EventAction::CoredumpRestart;
    if (*value == "soft-reset") return EventAction::SoftReset;
    return key_error(reader, key,
                     fmt::format("'{}' is not destroy, restart, rename-restart, preserve, coredump-destroy, coredump-restart or soft-reset", *value));
}

bool valid_uuid(const std::string& text)
{
    if (text.size() != 36)
        return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0)
            return false;
    }
    return true;
}

std::string resolve_path(const std::filesystem::path& folder, const std::string& value)
{
    std::filesystem::path path(value);
    return (path.is_absolute() ? path : folder / path).lexically_normal().string();
}

Result<void> resolve_cpus_and_memory(const XlKeyReader& reader, DomainConfig& config, std::vector<std::string>& warnings)
{
    if (auto vcpus = TRY(reader.number("vcpus", 1, kMaxVcpus)))
        config.vcpus = static_cast<std::uint32_t>(*vcpus);
    if (auto maxvcpus = TRY(reader.number("maxvcpus", 1, kMaxVcpus))) {
        if (*maxvcpus < config.vcpus)
            return key_error(reader, "maxvcpus", fmt::format("{} is less than vcpus={}", *maxvcpus, config.vcpus));
        config.maxvcpus = static_cast<std::uint32_t>(*maxvcpus);
        if (config.maxvcpus > config.vcpus)
            warnings.push_back(fmt::format("{}: maxvcpus={} > vcpus={}: nimbus has no CPU hotplug, the guest gets {}",
                                           reader.where("maxvcpus"), config.maxvcpus, config.vcpus, config.vcpus));
    }
    if (auto memory = TRY(reader.number("memory", 1, kMaxMemoryMib)))
        config.memory_mib = static_cast<std::uint64_t>(*memory);
    if (auto maxmem = TRY(reader.number("maxmem", 1, kMaxMemoryMib))) {
        if (static_cast<std::uint64_t>(*maxmem) < config.memory_mib)
            return key_error(reader, "maxmem", fmt::format("{} MiB is less than memory={} MiB", *maxmem, config.memory_mib));
        config.maxmem_mib = static_cast<std::uint64_t>(*maxmem);
        if (config.maxmem_mib > config.memory_mib)
            warnings.push_back(fmt::format("{}: maxmem={} > memory={}: nimbus has no ballooning, the guest gets {} MiB",
                                           reader.where("maxmem"), config.maxmem_mib, config.memory_mib, config.memory_mib));
    }
    return {};
}

Result<void> resolve_disks(const XlKeyReader& reader, const std::filesystem::path& folder, DomainConfig& config,
                           std::vector<std::string>& warnings)
{
    auto entries = TRY(reader.string_list("disk"));
    if (!entries)
        return {};
    for (const auto& entry : *entries) {
        auto spec = XlDiskSpecParser::parse(entry.text);
        if (!spec)
            return fail(entry.where, "disk: {}", spec.error().message());
        DiskConfig disk = TRY(to_disk_config(*spec, folder, entry.where, warnings));
        if (disk.target.empty()) {
            warnings.push_back(fmt::format("{}: disk '{}' has no media (an empty {}); skipped: nimbus has no removable media",
                                           entry.where, entry.text, disk.cdrom ? "cdrom drive" : "disk"));
            continue;
        }
        config.disks.push_back(std::move(disk));
    }
    auto laid_out = assign_guest_devices(config.disks);
    if (!laid_out)
        return fail(reader.where("disk"), "disk: {}", laid_out.error().message());
    return {};
}

Result<void> resolve_vifs(const XlKeyReader& reader, DomainConfig& config, std::vector<std::string>& warnings)
{
    auto entries = TRY(reader.string_list("vif"));
    if (!entries)
        return {};
    for (const auto& entry : *entries) {
        auto vif = XlVifSpecParser::parse(entry.text, warnings);
        if (!vif)
            return fail(entry.where, "vif: {}", vif.error().message());
        config.vifs.push_back(std::move(*vif));
    }
    return {};
}

Result<void> resolve_serial(const XlKeyReader& reader, DomainConfig& config, std::vector<std::string>& warnings)
{
    if (auto list = reader.string_list("serial"); list && *list) {
        for (const auto& item : **list)
            config.serial += (config.serial.empty() ? "" : ",") + item.text;
    } else {
        config.serial = TRY(reader.string("serial")).value_or("");
    }
    if (!config.serial.empty() && config.serial != "pty")
        warnings.push_back(fmt::format("{}: serial='{}' ignored: the guest's first UART is always the nimbus console",
                                       reader.where("serial"), config.serial));
    return {};
}

}  // namespace

Result<DomainConfig> resolve_domain_config(const XlConfigFile& file, const std::filesystem::path& config_folder,
                                           std::vector<std::string>& warnings, std::vector<std::string>& notices)
{
    XlKeyReader reader(file);
    DomainConfig config;
    config.name = TRY(resolve_name(reader));
    config.type = TRY(resolve_type(reader, warnings, notices));
    TRY(resolve_cpus_and_memory(reader, config, warnings));

    auto kernel = TRY(reader.string("kernel"));
    if (!kernel || kernel->empty())
        return fail(file.find("kernel") ? reader.where("kernel") : std::string("config"),
                    "kernel= is missing: nimbus boots guests only by direct kernel boot (no firmware, no bootloader)");
    config.kernel = resolve_path(config_folder, *kernel);
    if (auto ramdisk = TRY(reader.string("ramdisk")); ramdisk && !ramdisk->empty())
        config.ramdisk = resolve_path(config_folder, *ramdisk);

    TRY(resolve_disks(reader, config_folder, config, warnings));
    TRY(resolve_vifs(reader, config, warnings));

    KernelCmdlineInputs inputs{TRY(reader.string("cmdline")), TRY(reader.string("root")), TRY(reader.string("extra"))};
    config.cmdline = build_kernel_cmdline(inputs, config.disks, notices, warnings);

    config.on_poweroff = TRY(resolve_action(reader, "on_poweroff", EventAction::Destroy));
    config.on_reboot = TRY(resolve_action(reader, "on_reboot", EventAction::Restart));
    config.on_crash = TRY(resolve_action(reader, "on_crash", EventAction::Destroy));

    if (auto uuid = TRY(reader.string("uuid"))) {
        if (!valid_uuid(*uuid))
            return key_error(reader, "uuid", fmt::format("'{}' is not a UUID like 01234567-89ab-cdef-0123-456789abcdef", *uuid));
        config.uuid = *uuid;
    }
    TRY(resolve_serial(reader, config, warnings));
    return config;
}

}  // namespace nimbus
