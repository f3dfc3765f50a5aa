// DescriptorChain: the chain walker and copies to and from the chain's buffers.
#include "devices/virtio/descriptor_chain.hpp"

#include <algorithm>
#include <cstring>

#include "devices/virtio/virtio_constants.hpp"

namespace nimbus {

namespace {

constexpr const char* OPERATION = "virtqueue descriptor chain";
constexpr std::uint64_t MAX_CHAIN_BYTES = 1ull << 32;  // section 2.7.5: no chain longer than 2^32 bytes

virtio::VirtqDescriptor descriptor_at(std::span<const std::uint8_t> table, std::uint32_t index)
{
    virtio::VirtqDescriptor descriptor;
    std::memcpy(&descriptor, table.data() + std::size_t{index} * sizeof descriptor, sizeof descriptor);
    return descriptor;
}

}  // namespace

Result<void> DescriptorChain::append(const GuestMemory& memory, std::uint64_t address, std::uint32_t length,
                                     bool writable)
{
    if (!writable && m_readable_count != m_descriptors.size())
        return fail(OPERATION, "head {}: a device-readable descriptor follows a device-writable one", m_head);
    if (m_readable_length + m_writable_length + length > MAX_CHAIN_BYTES)
        return fail(OPERATION, "head {}: the chain is longer than 4 GiB", m_head);
    std::span<std::uint8_t> bytes;
    // A zero-length buffer is never touched, so its address does not matter.
    if (length != 0) {
        auto checked = memory.span(address, length);
        if (!checked)
            return fail(OPERATION, "head {}: buffer [{:#x}, +{:#x}) is not inside guest RAM", m_head, address, length);
        bytes = *checked;
    }
    m_descriptors.push_back({address, bytes, writable});
    if (writable) {
        m_writable_length += length;
    } else {
        m_readable_length += length;
        ++m_readable_count;
    }
    return {};
}

Result<DescriptorChain> DescriptorChain::walk(const GuestMemory& memory, std::span<const std::uint8_t> table,
                                              std::uint16_t queue_size, std::uint16_t head, bool indirect_allowed)
{
    // Guest-controlled: every index, address, length and flag below.
    DescriptorChain chain(head);
    std::span<const std::uint8_t> current = table.first(std::size_t{queue_size} * sizeof(virtio::VirtqDescriptor));
    std::uint32_t table_entries = queue_size;
    std::uint32_t index = head;
    std::uint32_t walked = 0;  // in the current table
    bool in_indirect = false;
    for (;;) {
        if (index >= table_entries)
            return fail(OPERATION, "head {}: next index {} is outside a table of {} descriptors", head, index,
                        table_entries);
        if (++walked > table_entries)
            return fail(OPERATION, "head {}: more than {} descriptors (a loop?)", head, table_entries);
        virtio::VirtqDescriptor descriptor = descriptor_at(current, index);
        if ((descriptor.flags & virtio::DESC_F_INDIRECT) != 0) {
            if (!indirect_allowed)
                return fail(OPERATION, "head {}: INDIRECT descriptor without VIRTIO_F_INDIRECT_DESC", head);
            if (in_indirect)
                return fail(OPERATION, "head {}: INDIRECT descriptor inside an indirect table", head);
            if ((descriptor.flags & virtio::DESC_F_NEXT) != 0)
                return fail(OPERATION, "head {}: INDIRECT descriptor with NEXT set", head);
            if (descriptor.length == 0 || descriptor.length % sizeof(virtio::VirtqDescriptor) != 0)
                return fail(OPERATION, "head {}: indirect table length {} is not a positive multiple of 16", head,
                            descriptor.length);
            table_entries = descriptor.length / static_cast<std::uint32_t>(sizeof(virtio::VirtqDescriptor));
            if (table_entries > MAX_INDIRECT_DESCRIPTORS)
                return fail(OPERATION, "head {}: indirect table of {} descriptors (the limit is {})", head,
                            table_entries, MAX_INDIRECT_DESCRIPTORS);
            auto indirect = memory.span(descriptor.address, descriptor.length);
            if (!indirect)
                return fail(OPERATION, "head {}: indirect table [{:#x}, +{:#x}) is not inside guest RAM", head,
                            descriptor.address, descriptor.length);
            // The WRITE flag of the descriptor naming the table is ignored (section 2.7.5.3.2).
            current = *indirect;
            in_indirect = true;
            index = 0;
            walked = 0;
            continue;
        }
        TRY(chain.append(memory, descriptor.address, descriptor.length,
                         (descriptor.flags & virtio::DESC_F_WRITE) != 0));
        if ((descriptor.flags & virtio::DESC_F_NEXT) == 0)
            return chain;
        index = descriptor.next;
    }
}

std::size_t DescriptorChain::read(std::uint64_t offset, std::span<std::uint8_t> out) const
{
    std::size_t copied = 0;
    for (const Descriptor& descriptor : readable()) {
        if (copied == out.size())
            break;
        if (offset >= descriptor.bytes.size()) {
            offset -= descriptor.bytes.size();
            continue;
        }
        std::size_t count = std::min<std::size_t>(descriptor.bytes.size() - offset, out.size() - copied);
        std::memcpy(out.data() + copied, descriptor.bytes.data() + offset, count);
        copied += count;
        offset = 0;
    }
    return copied;
}

std::size_t DescriptorChain::write(std::uint64_t offset, std::span<const std::uint8_t> data) const
{
    std::size_t copied = 0;
    for (const Descriptor& descriptor : writable()) {
        if (copied == data.size())
            break;
        if (offset >= descriptor.bytes.size()) {
            offset -= descriptor.bytes.size();
            continue;
        }
        std::size_t count = std::min<std::size_t>(descriptor.bytes.size() - offset, data.size() - copied);
        std::memcpy(descriptor.bytes.data() + offset, data.data() + copied, count);
        copied += count;
        offset = 0;
    }
    return copied;
}

}  // namespace nimbus
