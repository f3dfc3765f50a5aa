// MP table writer and the parser the tests use to prove it well-formed.
#include "arch/x86/mptable.hpp"

#include <cstddef>
#include <cstring>
#include <span>

#include "arch/x86/boot_layout.hpp"
#include "arch/x86/cpuid.hpp"
#include "arch/x86/mptable_structs.hpp"
#include "arch/x86/table_bytes.hpp"

namespace nimbus::x86 {

namespace {

constexpr std::uint8_t ISA_BUS_ID = 0;
constexpr char ISA_BUS_TYPE[6] = {'I', 'S', 'A', ' ', ' ', ' '};
constexpr char OEM_ID[8] = {'N', 'I', 'M', 'B', 'U', 'S', ' ', ' '};
constexpr char PRODUCT_ID[12] = {'N', 'I', 'M', 'B', 'U', 'S', ' ', 'V', 'M', ' ', ' ', ' '};
// Family 6, model 0xA, stepping 0; FPU and APIC present. Only shown by the guest: it trusts CPUID.
constexpr std::uint32_t CPU_SIGNATURE = (6u << 8) | (0xAu << 4);
constexpr std::uint32_t CPU_FEATURE_FLAGS = (1u << 0) | (1u << 9);
constexpr std::uint32_t LOCAL_INTERRUPT_COUNT = 2;  // ExtINT on LINT0, NMI on LINT1

std::uint64_t config_table_size(std::uint32_t vcpu_count)
{
    return sizeof(mp::ConfigTableHeader) + std::uint64_t{vcpu_count} * sizeof(mp::ProcessorEntry) +
           sizeof(mp::BusEntry) + sizeof(mp::IoApicEntry) + ISA_IRQ_COUNT * sizeof(mp::IoInterruptEntry) +
           LOCAL_INTERRUPT_COUNT * sizeof(mp::LocalInterruptEntry);
}

mp::LocalInterruptEntry local_interrupt(std::uint8_t type, std::uint8_t lint)
{
    mp::LocalInterruptEntry entry{};
    entry.entry_type = mp::ENTRY_LOCAL_INTERRUPT;
    entry.interrupt_type = type;
    entry.interrupt_flags = mp::INTERRUPT_FLAGS_CONFORMING;
    entry.source_bus_id = ISA_BUS_ID;
    entry.destination_local_apic_id = mp::ALL_LOCAL_APICS;
    entry.destination_local_apic_lintin = lint;
    return entry;
}

// The entries, in the order the spec asks for: processors, buses, IO APICs, interrupts.
std::vector<std::uint8_t> build_entries(std::uint32_t vcpu_count)
{
    std::vector<std::uint8_t> out;
    for (std::uint32_t i = 0; i < vcpu_count; ++i) {
        mp::ProcessorEntry cpu{};
        cpu.entry_type = mp::ENTRY_PROCESSOR;
        cpu.local_apic_id = static_cast<std::uint8_t>(apic_id_for(i));
        cpu.local_apic_version = LOCAL_APIC_VERSION;
        cpu.cpu_flags = static_cast<std::uint8_t>(mp::CPU_ENABLED | (i == 0 ? mp::CPU_BOOTPROCESSOR : 0));
        cpu.cpu_signature = CPU_SIGNATURE;
        cpu.feature_flags = CPU_FEATURE_FLAGS;
        append(out, cpu);
    }

    mp::BusEntry bus{};
    bus.entry_type = mp::ENTRY_BUS;
    bus.bus_id = ISA_BUS_ID;
    std::memcpy(bus.bus_type, ISA_BUS_TYPE, sizeof bus.bus_type);
    append(out, bus);

    auto io_apic_id = static_cast<std::uint8_t>(io_apic_id_for(vcpu_count));
    mp::IoApicEntry io_apic{};
    io_apic.entry_type = mp::ENTRY_IO_APIC;
    io_apic.io_apic_id = io_apic_id;
    io_apic.io_apic_version = IO_APIC_VERSION;
    io_apic.io_apic_flags = mp::IO_APIC_USABLE;
    io_apic.io_apic_address = IO_APIC_DEFAULT_ADDRESS;
    append(out, io_apic);

    // Identity: KVM's default routing sends GSI i to IO APIC pin i (see mptable.hpp).
    for (std::uint32_t irq = 0; irq < ISA_IRQ_COUNT; ++irq) {
        mp::IoInterruptEntry route{};
        route.entry_type = mp::ENTRY_IO_INTERRUPT;
        route.interrupt_type = mp::INTERRUPT_INT;
        route.interrupt_flags = mp::INTERRUPT_FLAGS_CONFORMING;  // ISA: edge, active high
        route.source_bus_id = ISA_BUS_ID;
        route.source_bus_irq = static_cast<std::uint8_t>(irq);
        route.destination_io_apic_id = io_apic_id;
        route.destination_io_apic_intin = static_cast<std::uint8_t>(irq);
        append(out, route);
    }

    // Virtual wire mode: the PIC reaches every local APIC through LINT0, NMIs through LINT1.
    append(out, local_interrupt(mp::INTERRUPT_EXTINT, 0));
    append(out, local_interrupt(mp::INTERRUPT_NMI, 1));
    return out;
}

}  // namespace

std::uint64_t mptable_size(std::uint32_t vcpu_count)
{
    return sizeof(mp::FloatingPointer) + config_table_size(vcpu_count);
}

Result<void> write_mptable(const GuestMemory& memory, std::uint32_t vcpu_count)
{
    if (vcpu_count == 0 || vcpu_count > MAX_VCPU_COUNT)
        return fail("write MP table", "{} vCPUs: the MP table describes 1 to {} (8-bit xAPIC ids, one for the IO APIC)",
                    vcpu_count, MAX_VCPU_COUNT);
    std::uint64_t size = mptable_size(vcpu_count);
    if (size > BIOS_AREA_END - EBDA_START)
        return fail("write MP table", "{} bytes for {} vCPUs do not fit in [{:#x}, {:#x})", size, vcpu_count,
                    EBDA_START, BIOS_AREA_END);

    const std::uint64_t floating_pointer_address = EBDA_START;
    const std::uint64_t config_table_address = EBDA_START + sizeof(mp::FloatingPointer);
    std::vector<std::uint8_t> entries = build_entries(vcpu_count);

    mp::ConfigTableHeader header{};
    std::memcpy(header.signature, mp::CONFIG_TABLE_SIGNATURE, sizeof header.signature);
    header.base_table_length = static_cast<std::uint16_t>(sizeof header + entries.size());
    header.spec_rev = mp::SPEC_REVISION_1_4;
    std::memcpy(header.oem_id, OEM_ID, sizeof header.oem_id);
    std::memcpy(header.product_id, PRODUCT_ID, sizeof header.product_id);
    header.entry_count = static_cast<std::uint16_t>(vcpu_count + 1 + 1 + ISA_IRQ_COUNT + LOCAL_INTERRUPT_COUNT);
    header.local_apic_address = LOCAL_APIC_DEFAULT_ADDRESS;

    std::vector<std::uint8_t> config_table;
    config_table.reserve(std::uint16_t{header.base_table_length});
    append(config_table, header);
    config_table.insert(config_table.end(), entries.begin(), entries.end());
    config_table[offsetof(mp::ConfigTableHeader, checksum)] = checksum_for(config_table);

    mp::FloatingPointer pointer{};
    std::memcpy(pointer.signature, mp::FLOATING_POINTER_SIGNATURE, sizeof pointer.signature);
    pointer.physical_address_pointer = static_cast<std::uint32_t>(config_table_address);
    pointer.length = 1;
    pointer.spec_rev = mp::SPEC_REVISION_1_4;
    std::vector<std::uint8_t> pointer_bytes;
    append(pointer_bytes, pointer);
    pointer_bytes[offsetof(mp::FloatingPointer, checksum)] = checksum_for(pointer_bytes);

    TRY(memory.write(floating_pointer_address, pointer_bytes));
    TRY(memory.write(config_table_address, config_table));
    return {};
}

Result<MpTableSummary> parse_mptable(const GuestMemory& memory)
{
    const std::string operation = "parse MP table";
    MpTableSummary summary;

    // Linux scans 16-byte boundaries for "_MP_" with length 1, a zero sum and revision 1 or 4.
    auto area = TRY(memory.span(EBDA_START, BIOS_AREA_END - EBDA_START));
    bool found = false;
    mp::FloatingPointer pointer{};
    for (std::uint64_t offset = 0; offset + sizeof pointer <= area.size(); offset += 16) {
        auto candidate = area.subspan(offset, sizeof pointer);
        std::memcpy(&pointer, candidate.data(), sizeof pointer);
        if (std::memcmp(pointer.signature, mp::FLOATING_POINTER_SIGNATURE, 4) != 0 || pointer.length != 1 ||
            sum_of(candidate) != 0 || (pointer.spec_rev != 1 && pointer.spec_rev != 4))
            continue;
        summary.floating_pointer_address = EBDA_START + offset;
        found = true;
        break;
    }
    if (!found)
        return fail(operation, "no valid \"_MP_\" floating pointer in [{:#x}, {:#x})", EBDA_START, BIOS_AREA_END);
    if (pointer.feature1 != 0 || pointer.physical_address_pointer == 0)
        return fail(operation, "floating pointer names a default configuration, not a table");

    summary.config_table_address = pointer.physical_address_pointer;
    auto header = TRY(memory.read_object<mp::ConfigTableHeader>(summary.config_table_address));
    if (std::memcmp(header.signature, mp::CONFIG_TABLE_SIGNATURE, 4) != 0)
        return fail(operation, "no \"PCMP\" signature at {:#x}", summary.config_table_address);
    if (header.spec_rev != 1 && header.spec_rev != 4)
        return fail(operation, "configuration table revision {}", header.spec_rev);
    if (header.base_table_length < sizeof header)
        return fail(operation, "base table length {} is shorter than its header", std::uint16_t{header.base_table_length});
    if (header.local_apic_address == 0)
        return fail(operation, "null local APIC address");
    auto table = TRY(memory.span(summary.config_table_address, header.base_table_length));
    if (sum_of(table) != 0)
        return fail(operation, "configuration table checksum is wrong");
    summary.local_apic_address = header.local_apic_address;

    std::uint32_t io_apic_count = 0;
    std::uint32_t bsp_count = 0;
    std::uint64_t offset = sizeof header;
    for (std::uint32_t i = 0; i < header.entry_count; ++i) {
        if (offset >= table.size())
            return fail(operation, "entry {} of {} starts past the table's end", i, std::uint16_t{header.entry_count});
        std::uint8_t type = table[offset];
        std::uint64_t size = type == mp::ENTRY_PROCESSOR ? sizeof(mp::ProcessorEntry) : 8;
        if (type > mp::ENTRY_LOCAL_INTERRUPT)
            return fail(operation, "entry {} has unknown type {}", i, type);
        if (size > table.size() - offset)
            return fail(operation, "entry {} runs past the table's end", i);
        const std::uint8_t* bytes = table.data() + offset;
        offset += size;

        if (type == mp::ENTRY_PROCESSOR) {
            mp::ProcessorEntry cpu;
            std::memcpy(&cpu, bytes, sizeof cpu);
            bool bootstrap = (cpu.cpu_flags & mp::CPU_BOOTPROCESSOR) != 0;
            if (bootstrap) {
                summary.bsp_index = static_cast<std::uint32_t>(summary.cpus.size());
                ++bsp_count;
            }
            summary.cpus.push_back({cpu.local_apic_id, (cpu.cpu_flags & mp::CPU_ENABLED) != 0, bootstrap});
        } else if (type == mp::ENTRY_IO_APIC) {
            mp::IoApicEntry io_apic;
            std::memcpy(&io_apic, bytes, sizeof io_apic);
            summary.io_apic_id = io_apic.io_apic_id;
            summary.io_apic_address = io_apic.io_apic_address;
            ++io_apic_count;
        } else if (type == mp::ENTRY_IO_INTERRUPT) {
            mp::IoInterruptEntry route;
            std::memcpy(&route, bytes, sizeof route);
            if (route.interrupt_type == mp::INTERRUPT_INT)
                summary.irq_routes.push_back(
                    {route.source_bus_irq, route.destination_io_apic_id, route.destination_io_apic_intin});
        } else if (type == mp::ENTRY_LOCAL_INTERRUPT) {
            mp::LocalInterruptEntry local;
            std::memcpy(&local, bytes, sizeof local);
            if (local.interrupt_type == mp::INTERRUPT_EXTINT)
                summary.extint_lint = local.destination_local_apic_lintin;
            else if (local.interrupt_type == mp::INTERRUPT_NMI)
                summary.nmi_lint = local.destination_local_apic_lintin;
        }
    }
    // Linux rejects a table whose entries do not add up to its length ("BIOS bug").
    if (offset != table.size())
        return fail(operation, "entries take {} bytes but the table says {}", offset, table.size());
    if (io_apic_count != 1)
        return fail(operation, "{} IO APIC entries, expected 1", io_apic_count);
    if (bsp_count != 1)
        return fail(operation, "{} bootstrap processors, expected 1", bsp_count);
    return summary;
}

}  // namespace nimbus::x86
