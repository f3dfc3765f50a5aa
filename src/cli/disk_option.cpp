// `--disk` values to VirtioDiskRequest.
#include "cli/disk_option.hpp"

namespace nimbus::cli {

Result<VirtioDiskRequest> parse_disk_option(std::string_view value)
{
    std::string operation = "--disk " + std::string(value);
    std::size_t comma = value.find(',');
    VirtioDiskRequest disk;
    disk.path = std::string(value.substr(0, comma));
    if (disk.path.empty())
        return fail(operation, "the image path is missing (--disk PATH[,ro][,format=raw|qcow2])");
    while (comma != std::string_view::npos) {
        std::size_t start = comma + 1;
        comma = value.find(',', start);
        std::string_view field = value.substr(start, comma == std::string_view::npos ? comma : comma - start);
        if (field == "ro")
            disk.read_only = true;
        else if (field == "rw")
            disk.read_only = false;
        else if (field == "format=raw")
            disk.format = DiskFormat::Raw;
        else if (field == "format=qcow2")
            disk.format = DiskFormat::Qcow2;
        else
            return fail(operation, "unknown option '{}' (known: ro, rw, format=raw, format=qcow2)", field);
    }
    return disk;
}

}  // namespace nimbus::cli
