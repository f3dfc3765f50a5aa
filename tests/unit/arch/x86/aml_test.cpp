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

TEST(Aml, FieldWidthsAreRawPkgLengthValues)
{
    // A NamedField's PkgLength is the bit count itself, without the self-inclusion of pkg_length.
    EXPECT_EQ(field("REGN", FieldAccess::Byte, FieldUpdate::Preserve, {{"A", 8}}),
              (Bytes{0x5B, 0x81, 0x0B, 'R', 'E', 'G', 'N', 0x01, 'A', '_', '_', '_', 0x08}));
    EXPECT_EQ(field("REGN", FieldAccess::DWord, FieldUpdate::WriteAsOnes, {{"WIDE", 64}, {"BIG", 0x1000}}),
              (Bytes{0x5B, 0x81, 0x13, 'R', 'E', 'G', 'N', 0x23, 'W', 'I', 'D', 'E', 0x40, 0x04, 'B', 'I', 'G', '_',
                     0x80, 0x00, 0x01}));
}

TEST(Aml, ExpressionsAndStatements)
{
    EXPECT_EQ(string("ACPI0013"), (Bytes{0x0D, 'A', 'C', 'P', 'I', '0', '0', '1', '3', 0x00}));
    EXPECT_EQ(arg(0), (Bytes{0x68}));
    EXPECT_EQ(local(7), (Bytes{0x67}));
    EXPECT_EQ(logical_equal(arg(0), integer(23)), (Bytes{0x93, 0x68, 0x0A, 0x17}));
    EXPECT_EQ(bitwise_and(local(0), integer(1)), (Bytes{0x7B, 0x60, 0x01, 0x00}));
    EXPECT_EQ(store(local(0), name_string("GEVT")), (Bytes{0x70, 0x60, 'G', 'E', 'V', 'T'}));
    EXPECT_EQ(notify(name_string("PWRB"), integer(0x80)), (Bytes{0x86, 'P', 'W', 'R', 'B', 0x0A, 0x80}));
    EXPECT_EQ(if_then(integer(1), {}), (Bytes{0xA0, 0x02, 0x01}));
    EXPECT_EQ(method("_STA", 0, MethodSync::NotSerialized, {0xA4, 0x0A, 0x0F}),  // Return (0x0F)
              (Bytes{0x14, 0x09, '_', 'S', 'T', 'A', 0x00, 0xA4, 0x0A, 0x0F}));
    EXPECT_EQ(operation_region("GDST", RegionSpace::SystemIo, 0x602, 1),
              (Bytes{0x5B, 0x80, 'G', 'D', 'S', 'T', 0x01, 0x0B, 0x02, 0x06, 0x01}));
}

TEST(Aml, LargeResourceDescriptors)
{
    // Memory32Fixed (ReadWrite, 0xD0000000, 0x00001000, )
    EXPECT_EQ(memory32_fixed(MemoryAccess::ReadWrite, 0xD000'0000, 0x1000),
              (Bytes{0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xD0, 0x00, 0x10, 0x00, 0x00}));
    // Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) {5}
    EXPECT_EQ(extended_interrupt(Trigger::Edge, Polarity::ActiveHigh, 5),
              (Bytes{0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00}));
    // Interrupt (ResourceConsumer, Level, ActiveLow, Exclusive, ,, ) {0x123}
    EXPECT_EQ(extended_interrupt(Trigger::Level, Polarity::ActiveLow, 0x123),
              (Bytes{0x89, 0x06, 0x00, 0x05, 0x01, 0x23, 0x01, 0x00, 0x00}));
}

TEST(Aml, GenericEventDeviceMatchesIasl)
{
    // Device (GED0) { Name (_HID, "ACPI0013") Name (_UID, Zero)
    //   Name (_CRS, ResourceTemplate () { Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive, ,, ) {23} })
    //   OperationRegion (GDST, SystemIO, 0x0602, One)
    //   Field (GDST, ByteAcc, NoLock, WriteAsZeros) { GEVT, 8 }
    //   Method (_EVT, 1, Serialized) { Local0 = GEVT  GEVT = Local0
    //     If ((Local0 & One)) { Notify (\_SB.PWRB, 0x80) } } }, as `iasl -oa` compiles it.
    Bytes ged = name("_HID", string("ACPI0013"));
    append(ged, name("_UID", integer(0)));
    append(ged, name("_CRS", resource_template(extended_interrupt(Trigger::Level, Polarity::ActiveHigh, 23))));
    append(ged, operation_region("GDST", RegionSpace::SystemIo, 0x602, 1));
    append(ged, field("GDST", FieldAccess::Byte, FieldUpdate::WriteAsZeros, {{"GEVT", 8}}));
    Bytes event = store(name_string("GEVT"), local(0));
    append(event, store(local(0), name_string("GEVT")));
    append(event, if_then(bitwise_and(local(0), integer(1)), notify(name_string("\\_SB.PWRB"), integer(0x80))));
    append(ged, method("_EVT", 1, MethodSync::Serialized, event));
    const Bytes expected{
        0x5B, 0x82, 0x4D, 0x06, 'G', 'E', 'D', '0',                            // Device, PkgLength 100
        0x08, '_', 'H', 'I', 'D', 0x0D, 'A', 'C', 'P', 'I', '0', '0', '1', '3', 0x00,
        0x08, '_', 'U', 'I', 'D', 0x00,
        0x08, '_', 'C', 'R', 'S', 0x11, 0x0E, 0x0A, 0x0B,                      // Buffer of 11 bytes
        0x89, 0x06, 0x00, 0x01, 0x01, 0x17, 0x00, 0x00, 0x00, 0x79, 0x00,      // Interrupt {23}, End Tag
        0x5B, 0x80, 'G', 'D', 'S', 'T', 0x01, 0x0B, 0x02, 0x06, 0x01,          // OperationRegion
        0x5B, 0x81, 0x0B, 'G', 'D', 'S', 'T', 0x41, 'G', 'E', 'V', 'T', 0x08,  // Field
        0x14, 0x25, '_', 'E', 'V', 'T', 0x09,                                  // Method, 1 arg, Serialized
        0x70, 'G', 'E', 'V', 'T', 0x60,                                        // Local0 = GEVT
        0x70, 0x60, 'G', 'E', 'V', 'T',                                        // GEVT = Local0
        0xA0, 0x12, 0x7B, 0x60, 0x01, 0x00,                                    // If (Local0 & One)
        0x86, '\\', 0x2E, '_', 'S', 'B', '_', 'P', 'W', 'R', 'B', 0x0A, 0x80, // Notify
    };
    EXPECT_EQ(device("GED0", ged), expected);
}

TEST(Aml, VirtioMmioDeviceMatchesIasl)
{
    // Device (V000) { Name (_HID, "LNRO0005") Name (_UID, Zero) Name (_CRS, ResourceTemplate () {
    //   Memory32Fixed (ReadWrite, 0xD0000000, 0x00001000, )
    //   Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, ) {5} }) }, as `iasl -oa` has it.
    Bytes resources = memory32_fixed(MemoryAccess::ReadWrite, 0xD000'0000, 0x1000);
    append(resources, extended_interrupt(Trigger::Edge, Polarity::ActiveHigh, 5));
    Bytes body = name("_HID", string("LNRO0005"));
    append(body, name("_UID", integer(0)));
    append(body, name("_CRS", resource_template(resources)));
    const Bytes expected{
        0x5B, 0x82, 0x3A, 'V', '0', '0', '0',
        0x08, '_', 'H', 'I', 'D', 0x0D, 'L', 'N', 'R', 'O', '0', '0', '0', '5', 0x00,
        0x08, '_', 'U', 'I', 'D', 0x00,
        0x08, '_', 'C', 'R', 'S', 0x11, 0x1A, 0x0A, 0x17,
        0x86, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00, 0xD0, 0x00, 0x10, 0x00, 0x00,
        0x89, 0x06, 0x00, 0x03, 0x01, 0x05, 0x00, 0x00, 0x00,
        0x79, 0x00,
    };
    EXPECT_EQ(device("V000", body), expected);
}

}  // namespace
}  // namespace nimbus::x86::aml
