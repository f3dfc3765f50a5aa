// Virtio 1.2 numbers shared by the transport, the split virtqueue and the devices.
#pragma once

#include <bit>
#include <cstdint>

namespace nimbus::virtio {

// Guest rings and configuration fields are little-endian; we read them in host order.
static_assert(std::endian::native == std::endian::little, "virtio structures are read in host byte order");

// Device types (section 5).
inline constexpr std::uint32_t DEVICE_NET = 1;
inline constexpr std::uint32_t DEVICE_BLOCK = 2;
inline constexpr std::uint32_t DEVICE_CONSOLE = 3;
inline constexpr std::uint32_t DEVICE_ENTROPY = 4;

// Device status bits (section 2.1).
inline constexpr std::uint32_t STATUS_ACKNOWLEDGE = 1;
inline constexpr std::uint32_t STATUS_DRIVER = 2;
inline constexpr std::uint32_t STATUS_DRIVER_OK = 4;
inline constexpr std::uint32_t STATUS_FEATURES_OK = 8;
inline constexpr std::uint32_t STATUS_DEVICE_NEEDS_RESET = 64;
inline constexpr std::uint32_t STATUS_FAILED = 128;

// Reserved (transport and ring) feature bits (section 6).
inline constexpr std::uint64_t F_INDIRECT_DESC = 1ull << 28;
inline constexpr std::uint64_t F_EVENT_IDX = 1ull << 29;
inline constexpr std::uint64_t F_VERSION_1 = 1ull << 32;

// InterruptStatus / InterruptACK bits (section 4.2.2).
inline constexpr std::uint32_t INTERRUPT_USED_BUFFER = 1;
inline constexpr std::uint32_t INTERRUPT_CONFIG_CHANGE = 2;

// Split virtqueue descriptor flags and ring flags (section 2.7).
inline constexpr std::uint16_t DESC_F_NEXT = 1;
inline constexpr std::uint16_t DESC_F_WRITE = 2;
inline constexpr std::uint16_t DESC_F_INDIRECT = 4;
inline constexpr std::uint16_t AVAIL_F_NO_INTERRUPT = 1;

// struct virtq_desc: le64 addr, le32 len, le16 flags, le16 next.
struct VirtqDescriptor final {
    std::uint64_t address;
    std::uint32_t length;
    std::uint16_t flags;
    std::uint16_t next;
};
static_assert(sizeof(VirtqDescriptor) == 16);

// struct virtq_used_elem: le32 id, le32 len.
struct VirtqUsedElement final {
    std::uint32_t id;
    std::uint32_t length;
};
static_assert(sizeof(VirtqUsedElement) == 8);

// The largest queue size any device of ours offers (QueueNumMax); the spec allows up to 32768.
inline constexpr std::uint16_t MAX_QUEUE_SIZE = 1024;

}  // namespace nimbus::virtio
