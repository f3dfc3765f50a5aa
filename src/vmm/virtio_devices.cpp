// VirtioDevices: slot allocation and wiring.
#include "vmm/virtio_devices.hpp"

#include <fmt/format.h>

#include <optional>

#include "block/disk_image_factory.hpp"
#include "devices/virtio/block/virtio_block.hpp"
#include "devices/virtio/block/virtio_block_spec.hpp"
#include "devices/virtio/rng/virtio_rng.hpp"

namespace nimbus {

namespace {
constexpr std::uint32_t FIRST_GSI = 5;
constexpr std::uint32_t RTC_GSI = 8;
constexpr std::uint32_t LAST_GSI = 15;
static_assert(FIRST_GSI + VirtioDevices::MAX_DEVICES == LAST_GSI);  // one GSI skipped (the RTC's)

std::size_t device_count(const VirtioDeviceRequests& requests)
{
    return requests.disks.size() + (requests.rng ? 1 : 0) + (requests.console ? 1 : 0);
}

// The GET_ID answer when none was configured: the image's file name, cut to the 20 bytes virtio has.
std::string default_serial(const std::string& path)
{
    std::size_t slash = path.find_last_of('/');
    return path.substr(slash == std::string::npos ? 0 : slash + 1, virtio_blk::ID_BYTES);
}
}  // namespace

Result<VirtioDevices::Slot> VirtioDevices::slot(std::size_t index)
{
    if (index >= MAX_DEVICES)
        return fail("virtio devices", "{} devices asked for, at most {} fit", index + 1, MAX_DEVICES);
    std::uint32_t gsi = FIRST_GSI + static_cast<std::uint32_t>(index);
    if (gsi >= RTC_GSI)
        ++gsi;
    return Slot{MMIO_BASE + index * MmioTransport::WINDOW_SIZE, gsi};
}

Result<std::string> VirtioDevices::cmdline_fragment(const VirtioDeviceRequests& requests)
{
    std::string fragment;
    for (std::size_t index = 0; index < device_count(requests); ++index) {
        Slot where = TRY(slot(index));
        fragment += fmt::format(" virtio_mmio.device={}K@{:#x}:{}", MmioTransport::WINDOW_SIZE / 1024, where.base,
                                where.gsi);
    }
    return fragment;
}

Result<std::vector<x86::VirtioMmioAcpi>> VirtioDevices::acpi_descriptions(const VirtioDeviceRequests& requests)
{
    std::vector<x86::VirtioMmioAcpi> devices;
    for (std::size_t index = 0; index < device_count(requests); ++index) {
        Slot where = TRY(slot(index));
        devices.push_back({static_cast<std::uint32_t>(where.base), static_cast<std::uint32_t>(MmioTransport::WINDOW_SIZE),
                           where.gsi});
    }
    return devices;
}

Result<std::unique_ptr<VirtioDevices>> VirtioDevices::create(const VirtioDeviceRequests& requests, const VmFd& vm,
                                                             Bus& mmio_bus, EventLoop& loop, const GuestMemory& memory,
                                                             VirtioConsole::OutputSink output, std::uint32_t vcpus)
{
    std::unique_ptr<VirtioDevices> devices(new VirtioDevices(vm, mmio_bus, loop, memory));
    TRY(slot(device_count(requests) == 0 ? 0 : device_count(requests) - 1));  // before opening any image
    for (const VirtioDiskRequest& disk : requests.disks)
        TRY(devices->add_disk(disk, vcpus));
    if (requests.rng)
        TRY(devices->add(std::make_shared<VirtioRng>()));
    if (requests.console) {
        devices->m_console = std::make_shared<VirtioConsole>(std::move(output));
        TRY(devices->add(devices->m_console));
    }
    return devices;
}

Result<void> VirtioDevices::add(std::shared_ptr<VirtioDevice> device)
{
    Slot where = TRY(slot(m_devices.size()));
    auto line = TRY(IrqFdLine::create(m_vm, where.gsi));
    auto transport = TRY(MmioTransport::create(std::move(device), m_memory, *line));
    TRY(m_mmio_bus.insert(where.base, MmioTransport::WINDOW_SIZE, transport));
    for (std::size_t index = 0; index < transport->queue_count(); ++index) {
        // The driver writes the queue index, 32 bits wide, to QueueNotify: KVM signals the eventfd
        // without leaving the vCPU thread's KVM_RUN, and the event loop does the work.
        TRY(m_vm.register_ioeventfd(transport->notify_fd(index), where.base + virtio_mmio::QUEUE_NOTIFY, 4, false,
                                    index));
        TRY(m_loop.add(transport->notify_fd(index), [transport, index] { transport->handle_notification(index); }));
    }
    m_devices.push_back({std::move(line), std::move(transport)});
    return {};
}

namespace {
// The value of the last `KEY=value` word for `key` ("acpi="), or nullopt if there is none.
std::optional<std::string_view> last_value(std::string_view cmdline, std::string_view key)
{
    std::optional<std::string_view> last;
    std::size_t position = 0;
    while (position < cmdline.size()) {
        std::size_t end = cmdline.find(' ', position);
        if (end == std::string_view::npos)
            end = cmdline.size();
        std::string_view word = cmdline.substr(position, end - position);
        if (word.starts_with(key))
            last = word.substr(key.size());
        position = end + 1;
    }
    return last;
}
}  // namespace

bool cmdline_disables_acpi(std::string_view cmdline)
{
    return last_value(cmdline, "acpi=") == "off";
}

Result<void> VirtioDevices::add_disk(const VirtioDiskRequest& disk, std::uint32_t queues)
{
    auto image = TRY(open_disk_image(disk.path, disk.format,
                                     disk.read_only ? DiskAccess::ReadOnly : DiskAccess::ReadWrite));
    auto backend = TRY(BlockBackend::create(std::move(image), {}));
    std::size_t queue_count = std::min<std::size_t>(queues, VirtioBlock::MAX_QUEUES);
    auto block = TRY(VirtioBlock::create(std::move(backend), {
        .queue_count = queue_count,
        .serial = disk.serial.empty() ? default_serial(disk.path) : disk.serial,
    }));
    TRY(add(block));
    TRY(m_loop.add(block->completion_fd(), [block] { block->handle_completions(); }));
    return {};
}

bool last_console_is_hvc0(std::string_view cmdline)
{
    std::string_view last;
    std::size_t position = 0;
    while (position < cmdline.size()) {
        std::size_t end = cmdline.find(' ', position);
        if (end == std::string_view::npos)
            end = cmdline.size();
        std::string_view word = cmdline.substr(position, end - position);
        if (word.starts_with("console="))
            last = word.substr(8);
        position = end + 1;
    }
    // "hvc0" or "hvc0,<options>"
    return last.substr(0, last.find(',')) == "hvc0";
}

}  // namespace nimbus
