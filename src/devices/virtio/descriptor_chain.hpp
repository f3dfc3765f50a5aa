// DescriptorChain: one validated split-virtqueue descriptor chain (direct and indirect descriptors).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/error.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus {

// One buffer element of a chain, already checked to lie inside guest RAM.
struct Descriptor final {
    std::uint64_t address;
    std::span<std::uint8_t> bytes;  // the guest buffer; empty for a zero-length descriptor
    bool writable;                  // device-writable (VIRTQ_DESC_F_WRITE)
};

class DescriptorChain final {
public:
    // The device's limit on an indirect table (section 2.7.5.3.1 lets a device limit chains):
    // longer tables are refused rather than walked.
    static constexpr std::uint32_t MAX_INDIRECT_DESCRIPTORS = 1024;

    // Guest-controlled: `table` is the queue's descriptor table (queue_size entries), `head` an
    // index the driver put in the available ring. Follows NEXT and at most one INDIRECT table,
    // and refuses: an index outside its table; more descriptors than the queue size in the direct
    // part or than the table holds in the indirect part (which also catches every loop); an
    // INDIRECT descriptor inside an indirect table, or with NEXT set, or when INDIRECT_DESC was
    // not negotiated; an indirect table whose length is 0, not a multiple of 16, beyond
    // MAX_INDIRECT_DESCRIPTORS or outside RAM; any buffer outside RAM; a device-readable
    // descriptor after a device-writable one; a chain of more than 4 GiB in total.
    static Result<DescriptorChain> walk(const GuestMemory& memory, std::span<const std::uint8_t> table,
                                        std::uint16_t queue_size, std::uint16_t head, bool indirect_allowed);

    std::uint16_t head() const { return m_head; }
    std::span<const Descriptor> descriptors() const { return m_descriptors; }
    // The device-readable descriptors come first, then the device-writable ones.
    std::span<const Descriptor> readable() const { return std::span(m_descriptors).first(m_readable_count); }
    std::span<const Descriptor> writable() const { return std::span(m_descriptors).subspan(m_readable_count); }
    std::uint64_t readable_length() const { return m_readable_length; }
    std::uint64_t writable_length() const { return m_writable_length; }

    // Copies from the readable part starting `offset` bytes into it; returns the bytes copied
    // (fewer than out.size() when the readable part ends first).
    std::size_t read(std::uint64_t offset, std::span<std::uint8_t> out) const;
    // Copies into the writable part starting `offset` bytes into it; returns the bytes copied.
    std::size_t write(std::uint64_t offset, std::span<const std::uint8_t> data) const;

private:
    explicit DescriptorChain(std::uint16_t head) : m_head(head) {}
    Result<void> append(const GuestMemory& memory, std::uint64_t address, std::uint32_t length, bool writable);

    std::uint16_t m_head;
    std::vector<Descriptor> m_descriptors;
    std::size_t m_readable_count = 0;
    std::uint64_t m_readable_length = 0;
    std::uint64_t m_writable_length = 0;
};

}  // namespace nimbus
