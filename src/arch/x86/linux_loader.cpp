// LinuxLoader: reads the files, picks the kernel format, and ties the boot pieces together.
#include "arch/x86/linux_loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "arch/x86/boot_layout.hpp"
#include "arch/x86/boot_params_builder.hpp"
#include "arch/x86/bzimage_loader.hpp"
#include "arch/x86/elf_loader.hpp"
#include "arch/x86/initrd_placement.hpp"
#include "base/unique_fd.hpp"

namespace nimbus::x86 {

namespace {

// An open regular file and its size; `what` ("kernel <path>") names it in every error.
struct OpenFile final {
    UniqueFd fd;
    std::uint64_t size = 0;
};

Result<OpenFile> open_file(const std::string& what, const std::string& path)
{
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return fail_errno(what);
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0)
        return fail_errno(what);
    if (!S_ISREG(status.st_mode))
        return fail(what, "not a regular file");
    return OpenFile{std::move(fd), static_cast<std::uint64_t>(status.st_size)};
}

// Fills `out` from the start of the file; a file that shrank under us is an error, not garbage.
Result<void> read_all(const std::string& what, int fd, std::span<std::uint8_t> out)
{
    std::size_t done = 0;
    while (done < out.size()) {
        ssize_t count = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
        if (count < 0 && errno == EINTR)
            continue;
        if (count < 0)
            return fail_errno(what);
        if (count == 0)
            return fail(what, "file ended after {} of {} bytes", done, out.size());
        done += static_cast<std::size_t>(count);
    }
    return {};
}

// Loader errors carry a generic operation ("load ELF kernel"); name the file instead.
Error with_operation(Error error, const std::string& what)
{
    error.operation = what;
    return error;
}

struct LoadedKernel final {
    LinuxBootInfo info;
    std::uint64_t end_address = 0;
    std::uint64_t initrd_addr_max = 0;
    BootParamsBuilder params;
};

Result<LoadedKernel> load_kernel(const GuestMemory& memory, const std::string& path)
{
    std::string what = "kernel " + path;
    OpenFile file = TRY(open_file(what, path));
    // Whatever does not fit in guest RAM cannot be a kernel we can load; don't buffer it.
    if (file.size > memory.size())
        return fail(what, "file of {} bytes is larger than guest memory ({} bytes)", file.size, memory.size());
    std::vector<std::uint8_t> bytes(file.size);
    TRY(read_all(what, file.fd.get(), bytes));

    if (is_elf(bytes)) {
        auto kernel = load_elf_kernel(memory, bytes);
        if (!kernel)
            return std::unexpected(with_operation(std::move(kernel).error(), what));
        return LoadedKernel{
            .info = {.entry = kernel->entry, .zero_page = ZERO_PAGE_ADDRESS, .pvh_entry = kernel->pvh_entry,
                     .is_bzimage = false},
            .end_address = kernel->end_address,
            .initrd_addr_max = DEFAULT_INITRD_ADDR_MAX,
            .params = BootParamsBuilder::for_elf_kernel(),
        };
    }
    if (is_bzimage(bytes)) {
        auto kernel = load_bzimage(memory, bytes);
        if (!kernel)
            return std::unexpected(with_operation(std::move(kernel).error(), what));
        return LoadedKernel{
            .info = {.entry = kernel->entry, .zero_page = ZERO_PAGE_ADDRESS, .pvh_entry = std::nullopt,
                     .is_bzimage = true},
            .end_address = kernel->end_address,
            .initrd_addr_max = kernel->initrd_addr_max,
            .params = BootParamsBuilder::for_bzimage(kernel->header),
        };
    }
    return fail(what, "not an ELF vmlinux or a bzImage");
}

// Reads the initrd straight into its place in guest RAM: it may be hundreds of MiB.
Result<void> load_initrd(const GuestMemory& memory, const std::string& path, LoadedKernel& kernel)
{
    std::string what = "initrd " + path;
    OpenFile file = TRY(open_file(what, path));
    if (file.size == 0)
        return fail(what, "file is empty");
    std::uint64_t low_ram_end = std::min(memory.regions().front().end(), MMIO_HOLE_START);
    auto address = place_initrd(file.size, {.kernel_end = kernel.end_address,
                                            .low_ram_end = low_ram_end,
                                            .initrd_addr_max = kernel.initrd_addr_max});
    if (!address)
        return std::unexpected(with_operation(std::move(address).error(), what));
    auto target = TRY(memory.span(*address, file.size));
    TRY(read_all(what, file.fd.get(), target));
    kernel.params.set_initrd(*address, file.size);
    return {};
}

}  // namespace

Result<LinuxBootInfo> load_linux(const GuestMemory& memory, const LinuxBootRequest& request)
{
    LoadedKernel kernel = TRY(load_kernel(memory, request.kernel_path));
    if (!request.initrd_path.empty())
        TRY(load_initrd(memory, request.initrd_path, kernel));
    TRY(kernel.params.set_command_line(memory, request.cmdline));
    TRY(kernel.params.set_e820_map(memory));
    TRY(kernel.params.write(memory, ZERO_PAGE_ADDRESS));
    return kernel.info;
}

}  // namespace nimbus::x86
