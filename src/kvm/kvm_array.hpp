// KvmArray: the count-prefixed entry arrays of KVM_{GET_SUPPORTED,SET}_CPUID2 and KVM_SET_MSRS.
#pragma once

// In C++ the UAPI's __DECLARE_FLEX_ARRAY wraps an empty struct that takes one byte, so
// sizeof(kvm_msrs) is 16 and sizeof(kvm_cpuid2) 12 instead of 8: both the ioctl numbers (which
// encode the size) and the entries' offset come out wrong. We lay out the 8-byte header ourselves.
#include <linux/kvm.h>
#include <sys/ioctl.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

namespace nimbus {

struct KvmArrayHeader final {
    std::uint32_t count;
    std::uint32_t padding;
};
static_assert(sizeof(KvmArrayHeader) == 8);

inline constexpr unsigned long IOCTL_GET_SUPPORTED_CPUID = _IOWR(KVMIO, 0x05, KvmArrayHeader);
inline constexpr unsigned long IOCTL_SET_CPUID2 = _IOW(KVMIO, 0x90, KvmArrayHeader);
inline constexpr unsigned long IOCTL_SET_MSRS = _IOW(KVMIO, 0x89, KvmArrayHeader);

// A header followed by `capacity` entries, as KVM reads and writes it.
template <typename Entry>
class KvmArray final {
public:
    explicit KvmArray(std::uint32_t capacity)
        : m_capacity(capacity), m_bytes(std::make_unique<std::uint8_t[]>(sizeof(KvmArrayHeader) + capacity * sizeof(Entry)))
    {
        header().count = capacity;
    }
    explicit KvmArray(std::span<const Entry> entries) : KvmArray(static_cast<std::uint32_t>(entries.size()))
    {
        std::memcpy(m_bytes.get() + sizeof(KvmArrayHeader), entries.data(), entries.size_bytes());
    }

    KvmArrayHeader& header() { return *reinterpret_cast<KvmArrayHeader*>(m_bytes.get()); }
    void* data() { return m_bytes.get(); }
    // The entries KVM filled in (header().count of them, at most the capacity).
    std::span<const Entry> entries()
    {
        return {reinterpret_cast<const Entry*>(m_bytes.get() + sizeof(KvmArrayHeader)),
                std::min(header().count, m_capacity)};
    }

private:
    std::uint32_t m_capacity;
    std::unique_ptr<std::uint8_t[]> m_bytes;
};

}  // namespace nimbus
