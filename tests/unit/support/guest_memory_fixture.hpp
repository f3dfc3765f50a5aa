// Test support: a real GuestMemory as fake guest RAM (no /dev/kvm), and the table checksum helper.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>

#include "arch/x86/table_bytes.hpp"
#include "memory/guest_memory.hpp"

namespace nimbus::test {

inline GuestMemory make_memory(std::uint64_t size = 64 << 20)
{
    auto memory = GuestMemory::create(size);
    EXPECT_TRUE(memory) << memory.error().message();
    return std::move(*memory);
}

// The 8-bit sum of guest bytes [address, address + length): 0 for a well-formed table.
inline std::uint8_t byte_sum(const GuestMemory& memory, std::uint64_t address, std::uint64_t length)
{
    auto bytes = memory.span(address, length);
    EXPECT_TRUE(bytes) << bytes.error().message();
    return bytes ? x86::sum_of(*bytes) : 0xff;
}

}  // namespace nimbus::test
