// Tests for the AML encoder against byte strings checked by hand against the ACPI 6.5 grammar.
#include "arch/x86/aml.hpp"

#include <gtest/gtest.h>

namespace nimbus::x86::aml {
namespace {

TEST(Aml, PkgLengthUsesOneToFourBytesAndCountsItself)
{
    EXPECT_EQ(pkg_length(0), (Bytes{0x01}));
    EXPECT_EQ(pkg_length(62), (Bytes{0x3F}));  // total 63: the largest one-byte form
    EXPECT_EQ(pkg_length(63), (Bytes{0x41, 0x04}));  // total 65 = 0x041
    EXPECT_EQ(pkg_length(4093), (Bytes{0x4F, 0xFF}));  // total 4095 = 0xFFF
    EXPECT_EQ(pkg_length(4094), (Bytes{0x81, 0x00, 0x01}));  // total 4097 = 0x01001
    EXPECT_EQ(pkg_length(0xFFFFC), (Bytes{0x8F, 0xFF, 0xFF}));  // total 0xFFFFF
    EXPECT_EQ(pkg_length(0xFFFFD), (Bytes{0xC1, 0x00, 0x00, 0x01}));  // total 0x100001
    EXPECT_EQ(pkg_length(MAX_PKG_LENGTH - 4), (Bytes{0xCF, 0xFF, 0xFF, 0xFF}));
}

TEST(Aml, NameStringsPadSegmentsAndPrefixPaths)
{
    EXPECT_EQ(name_string("COM1"), (Bytes{'C', 'O', 'M', '1'}));
    EXPECT_EQ(name_string("_SB"), (Bytes{'_', 'S', 'B', '_'}));
    EXPECT_EQ(name_string("\\_SB"), (Bytes{'\\', '_', 'S', 'B', '_'}));
    EXPECT_EQ(name_string("\\"), (Bytes{'\\'}));
    EXPECT_EQ(name_string("_SB.COM1"), (Bytes{0x2E, '_', 'S', 'B', '_', 'C', 'O', 'M', '1'}));
    EXPECT_EQ(name_string("\\_SB.PCI0.ISA"),
              (Bytes{'\\', 0x2F, 3, '_', 'S', 'B', '_', 'P', 'C', 'I', '0', 'I', 'S', 'A', '_'}));
}

TEST(Aml, IntegersTakeTheShortestEncoding)
{
    EXPECT_EQ(integer(0), (Bytes{0x00}));
    EXPECT_EQ(integer(1), (Bytes{0x01}));
    EXPECT_EQ(integer(2), (Bytes{0x0A, 0x02}));
    EXPECT_EQ(integer(0xFF), (Bytes{0x0A, 0xFF}));
    EXPECT_EQ(integer(0x3F8), (Bytes{0x0B, 0xF8, 0x03}));
    EXPECT_EQ(integer(0x12345678), (Bytes{0x0C, 0x78, 0x56, 0x34, 0x12}));
    EXPECT_EQ(integer(0x1'0000'0000), (Bytes{0x0E, 0, 0, 0, 0, 1, 0, 0, 0}));
}

TEST(Aml, EisaIdCompressesLettersAndKeepsDigitOrder)
{
    EXPECT_EQ(eisa_id("PNP0501"), (Bytes{0x0C, 0x41, 0xD0, 0x05, 0x01}));
    EXPECT_EQ(eisa_id("PNP0303"), (Bytes{0x0C, 0x41, 0xD0, 0x03, 0x03}));
    EXPECT_EQ(eisa_id("PNP0A03"), (Bytes{0x0C, 0x41, 0xD0, 0x0A, 0x03}));
}

TEST(Aml, NameDeclaresAValue)
{
    EXPECT_EQ(name("_UID", integer(0)), (Bytes{0x08, '_', 'U', 'I', 'D', 0x00}));
}

TEST(Aml, ResourceDescriptors)
{
    // IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
    EXPECT_EQ(io(0x3F8, 0x3F8, 0, 8), (Bytes{0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x00, 0x08}));
    EXPECT_EQ(irq_no_flags(4), (Bytes{0x22, 0x10, 0x00}));
    EXPECT_EQ(irq_no_flags(12), (Bytes{0x22, 0x00, 0x10}));
    // An empty template is just the End Tag, checksum 0, in a 2-byte buffer.
    EXPECT_EQ(resource_template({}), (Bytes{0x11, 0x05, 0x0A, 0x02, 0x79, 0x00}));
}

TEST(Aml, BufferSizeUsesTheShortestInteger)
{
    EXPECT_EQ(buffer({0xAA}), (Bytes{0x11, 0x03, 0x01, 0xAA}));
    Bytes big(300, 0);
    Bytes encoded = buffer(big);
    // PkgLength 2 bytes (total 2 + 3 + 300 = 305 = 0x131), then WordPrefix 300.
    ASSERT_EQ(encoded.size(), 1 + 2 + 3 + 300u);
    EXPECT_EQ((Bytes(encoded.begin(), encoded.begin() + 6)), (Bytes{0x11, 0x41, 0x13, 0x0B, 0x2C, 0x01}));
}

TEST(Aml, SerialPortDeviceMatchesIasl)
{
    // Scope (\_SB) { Device (COM1) { Name (_HID, EisaId ("PNP0501")) Name (_UID, Zero)
    //   Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x00, 0x08)
    //   IRQNoFlags () {4} }) } }, as `iasl -oa` compiles it.
    Bytes resources = io(0x3F8, 0x3F8, 0, 8);
    append(resources, irq_no_flags(4));
    Bytes com1 = name("_HID", eisa_id("PNP0501"));
    append(com1, name("_UID", integer(0)));
    append(com1, name("_CRS", resource_template(resources)));
    const Bytes expected{
        0x10, 0x33, '\\', '_', 'S', 'B', '_',                     // Scope, PkgLength 51
        0x5B, 0x82, 0x2B, 'C', 'O', 'M', '1',                     // Device, PkgLength 43
        0x08, '_', 'H', 'I', 'D', 0x0C, 0x41, 0xD0, 0x05, 0x01,   // EisaId ("PNP0501")
        0x08, '_', 'U', 'I', 'D', 0x00,                           // Zero
        0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0A, 0x0D,         // Buffer, PkgLength 16, 13 bytes
        0x47, 0x01, 0xF8, 0x03, 0xF8, 0x03, 0x00, 0x08,           // IO
        0x22, 0x10, 0x00,                                         // IRQNoFlags {4}
        0x79, 0x00,                                               // End Tag
    };
    EXPECT_EQ(scope("\\_SB", device("COM1", com1)), expected);
}

}  // namespace
}  // namespace nimbus::x86::aml
