// The ACPI tables as ACPICA's own disassembler (iasl -d) reads them: no errors, and the ASL we meant.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "arch/x86/acpi_tables.hpp"
#include "tests/unit/support/guest_memory_fixture.hpp"

namespace nimbus::x86 {
namespace {

namespace fs = std::filesystem;

bool have_iasl()
{
    return std::system("command -v iasl >/dev/null 2>&1") == 0;
}

// A scratch directory, removed afterwards.
struct TempDir {
    fs::path path;
    TempDir()
    {
        std::string pattern = (fs::temp_directory_path() / "nimbus-iasl-XXXXXX").string();
        path = ::mkdtemp(pattern.data()) ? fs::path(pattern) : fs::path();
    }
    ~TempDir()
    {
        std::error_code ignored;
        if (!path.empty())
            fs::remove_all(path, ignored);
    }
};

std::string read_text(const fs::path& path)
{
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Writes the table at `address` to DIR/NAME.dat, disassembles it and returns the .dsl text; the
// iasl log goes to `log`, and a non-zero iasl status fails the test.
std::string disassemble(const GuestMemory& memory, std::uint64_t address, const fs::path& dir, const std::string& name,
                        std::string& log)
{
    auto header = *memory.read_object<acpi::SdtHeader>(address);
    auto bytes = *memory.span(address, header.length);
    {
        std::ofstream out(dir / (name + ".dat"), std::ios::binary);
        out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    }
    std::string command = "cd '" + dir.string() + "' && iasl -d " + name + ".dat >" + name + ".log 2>&1";
    int status = std::system(command.c_str());
    log = read_text(dir / (name + ".log"));
    EXPECT_EQ(status, 0) << log;
    return read_text(dir / (name + ".dsl"));
}

void expect_contains(const std::string& text, const std::string& wanted)
{
    EXPECT_NE(text.find(wanted), std::string::npos) << "no '" << wanted << "' in:\n" << text;
}

TEST(AcpiIasl, DisassemblesTheDsdtAndFadtCleanly)
{
    if (!have_iasl())
        GTEST_SKIP() << "iasl (Debian package acpica-tools) is not installed: cannot disassemble the tables";
    GuestMemory memory = test::make_memory();
    const VirtioMmioAcpi virtio[] = {{0xD000'0000, 0x1000, 5}, {0xD000'1000, 0x1000, 6}};
    ASSERT_TRUE(write_acpi_tables(memory, 2, virtio));
    auto rsdp = *memory.read_object<acpi::Rsdp>(RSDP_ADDRESS);
    std::uint64_t fadt_address = *memory.read_object<std::uint64_t>(rsdp.xsdt_address + sizeof(acpi::SdtHeader));
    auto fadt = *memory.read_object<acpi::Fadt>(fadt_address);
    TempDir dir;
    ASSERT_FALSE(dir.path.empty());

    std::string log;
    std::string dsdt = disassemble(memory, fadt.x_dsdt, dir.path, "dsdt", log);
    EXPECT_EQ(log.find("rror"), std::string::npos) << log;
    EXPECT_EQ(log.find("arning"), std::string::npos) << log;
    expect_contains(dsdt, "Device (COM1)");
    expect_contains(dsdt, "Device (PWRB)");
    expect_contains(dsdt, "Name (_HID, EisaId (\"PNP0C0C\") /* Power Button Device */)");
    expect_contains(dsdt, "Device (GED0)");
    expect_contains(dsdt, "Name (_HID, \"ACPI0013\" /* Generic Event Device */)");
    expect_contains(dsdt, "Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive, ,, )");
    expect_contains(dsdt, "0x00000017,");
    expect_contains(dsdt, "OperationRegion (GDST, SystemIO, 0x0602, One)");
    expect_contains(dsdt, "Field (GDST, ByteAcc, NoLock, WriteAsZeros)");
    expect_contains(dsdt, "Method (_EVT, 1, Serialized)");
    expect_contains(dsdt, "Local0 = GEVT");
    expect_contains(dsdt, "GEVT = Local0");
    expect_contains(dsdt, "If ((Local0 & One))");
    expect_contains(dsdt, "Notify (\\_SB.PWRB, 0x80)");
    expect_contains(dsdt, "Name (_S5, Package (0x01)");
    for (const char* device : {"Device (VR00)", "Device (VR01)"})
        expect_contains(dsdt, device);
    expect_contains(dsdt, "Name (_HID, \"LNRO0005\")");
    expect_contains(dsdt, "Name (_UID, One)");
    expect_contains(dsdt, "Memory32Fixed (ReadWrite,\n                    0xD0001000,         // Address Base\n"
                          "                    0x00001000,         // Address Length");
    expect_contains(dsdt, "Interrupt (ResourceConsumer, Edge, ActiveHigh, Exclusive, ,, )\n                {\n"
                          "                    0x00000006,");

    std::string facp = disassemble(memory, fadt_address, dir.path, "facp", log);
    expect_contains(facp, "Power Button (V1) : 1");
    expect_contains(facp, "Sleep Button (V1) : 1");
    expect_contains(facp, "Hardware Reduced (V5) : 1");
    expect_contains(facp, "Sleep Control Register");
    EXPECT_EQ(facp.find("**** "), std::string::npos) << "iasl flagged a field:\n" << facp;
}

}  // namespace
}  // namespace nimbus::x86
