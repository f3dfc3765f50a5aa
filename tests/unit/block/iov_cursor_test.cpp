// IovCursor: trimming after partial transfers, entry limits, overflow of the total.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "block/iov_cursor.hpp"

using namespace nimbus;

TEST(IovCursor, AdvancesAcrossAndWithinEntries)
{
    std::uint8_t a[4], c[6];
    std::vector<iovec> list{{a, sizeof a}, {nullptr, 0}, {c, sizeof c}};
    IovCursor cursor(list);
    EXPECT_EQ(cursor.remaining_bytes(), 10u);
    EXPECT_EQ(cursor.remaining_entries(16).size(), 2u);  // the empty entry is dropped

    cursor.advance(5);
    auto rest = cursor.remaining_entries(16);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].iov_base, c + 1);
    EXPECT_EQ(rest[0].iov_len, 5u);

    cursor.advance(5);
    EXPECT_TRUE(cursor.done());
    EXPECT_TRUE(cursor.remaining_entries(16).empty());
}

TEST(IovCursor, LimitsEntriesPerCall)
{
    std::vector<std::uint8_t> memory(100);
    std::vector<iovec> list;
    for (std::size_t i = 0; i < 100; ++i)
        list.push_back({&memory[i], 1});
    IovCursor cursor(std::move(list));
    EXPECT_EQ(cursor.remaining_entries(30).size(), 30u);
    cursor.advance(90);
    EXPECT_EQ(cursor.remaining_entries(30).size(), 10u);
}

TEST(IovCursor, TotalLengthOverflowFails)
{
    std::uint8_t byte = 0;
    std::vector<iovec> list{{&byte, std::numeric_limits<std::size_t>::max()}, {&byte, 1}};
    auto total = iov_total_length(list);
    ASSERT_FALSE(total);
    EXPECT_NE(total.error().message().find("overflows"), std::string::npos);
    std::vector<iovec> fine{{&byte, 1}, {&byte, 2}};
    EXPECT_EQ(iov_total_length(fine).value(), 3u);
}
