/* smp: counts the CPUs of the MP table, starts every AP with INIT-SIPI-SIPI and waits until
 * each has checked in. */
#include "lib.h"

#define LAPIC_DEFAULT_ADDRESS 0xfee00000u
#define LAPIC_SVR 0x0f0
#define LAPIC_SVR_ENABLE 0x100
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_INIT_ASSERT 0x00004500u /* INIT, level assert */
#define ICR_STARTUP 0x00004600u     /* SIPI; the low byte is the vector (start page) */
#define ICR_POLL_LIMIT 100000

/* KVM's APIC needs no real INIT/SIPI delays; keep them short (~1.5 M instructions/s here). */
#define INIT_DELAY_ITERATIONS 3000
#define SIPI_DELAY_ITERATIONS 1000
/* Bounded wait for the APs: millions of iterations, seconds at emulation speed. */
#define CHECK_IN_WAIT_ITERATIONS 3000000u

#define MP_ENTRY_PROCESSOR 0
#define MP_PROCESSOR_ENABLED 0x01
#define MAX_CPUS (AP_MAX + 1)

struct mp_floating_pointer {
    char signature[4]; /* "_MP_" */
    uint32_t config_table;
    uint8_t length; /* in 16-byte units */
    uint8_t spec_revision;
    uint8_t checksum;
    uint8_t features[5];
} __attribute__((packed));

struct mp_config_header {
    char signature[4]; /* "PCMP" */
    uint16_t base_length;
    uint8_t spec_revision;
    uint8_t checksum;
    char oem_id[8];
    char product_id[12];
    uint32_t oem_table;
    uint16_t oem_table_size;
    uint16_t entry_count;
    uint32_t lapic_address;
    uint16_t extended_length;
    uint8_t extended_checksum;
    uint8_t reserved;
} __attribute__((packed));

struct mp_processor_entry {
    uint8_t type;
    uint8_t apic_id;
    uint8_t apic_version;
    uint8_t flags;
    uint32_t signature;
    uint32_t features;
    uint32_t reserved[2];
} __attribute__((packed));

extern const uint8_t trampoline_start[];
extern const uint8_t trampoline_end[];
extern const uint8_t trampoline_cr3[];
extern const uint8_t trampoline_efer[];

static uint32_t g_checked_in; /* CPUs that printed their check-in line, the BSP included */
static uintptr_t g_lapic = LAPIC_DEFAULT_ADDRESS;

static uint8_t byte_sum(const void *data, size_t length)
{
    const uint8_t *bytes = data;
    uint8_t sum = 0;
    for (size_t i = 0; i < length; i++)
        sum = (uint8_t)(sum + bytes[i]);
    return sum;
}

static const struct mp_floating_pointer *scan_for_mp(uintptr_t start, uintptr_t end)
{
    for (uintptr_t address = start; address + sizeof(struct mp_floating_pointer) <= end; address += 16) {
        if (memcmp((const void *)address, "_MP_", 4) == 0)
            return (const struct mp_floating_pointer *)address;
    }
    return NULL;
}

/* Prints the check-in line and counts this CPU, under the UART lock so the BSP's final line
 * always comes after every check-in line. */
static void check_in(void)
{
    uint32_t apic_id = this_apic_id();
    uart_lock();
    uart_puts("smp: cpu ");
    uart_put_dec(apic_id);
    uart_puts(" checked in\n");
    __atomic_fetch_add(&g_checked_in, 1, __ATOMIC_RELEASE);
    uart_unlock();
}

/* Entered by each AP from trampoline.S, on its own stack. */
_Noreturn void ap_main(uint32_t slot);
_Noreturn void ap_main(uint32_t slot)
{
    (void)slot;
    idt_load();
    check_in();
    halt_forever();
}

static void send_ipi(uint32_t apic_id, uint32_t command)
{
    for (int i = 0; i < ICR_POLL_LIMIT && (mmio_read32(g_lapic + LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING); i++)
        cpu_relax();
    mmio_write32(g_lapic + LAPIC_ICR_HIGH, apic_id << 24);
    mmio_write32(g_lapic + LAPIC_ICR_LOW, command);
}

static void start_ap(uint32_t apic_id)
{
    uint32_t vector = TRAMPOLINE_ADDRESS >> 12;
    send_ipi(apic_id, ICR_INIT_ASSERT);
    delay_loop(INIT_DELAY_ITERATIONS);
    send_ipi(apic_id, ICR_STARTUP | vector);
    delay_loop(SIPI_DELAY_ITERATIONS);
    send_ipi(apic_id, ICR_STARTUP | vector);
}

static void install_trampoline(void)
{
    uint8_t *copy = (uint8_t *)(uintptr_t)TRAMPOLINE_ADDRESS;
    memcpy(copy, trampoline_start, (size_t)(trampoline_end - trampoline_start));
    uint32_t cr3 = (uint32_t)read_cr3();
    uint64_t efer = rdmsr(MSR_EFER);
    memcpy(copy + (trampoline_cr3 - trampoline_start), &cr3, sizeof(cr3));
    memcpy(copy + (trampoline_efer - trampoline_start), &efer, sizeof(efer));
}

int main(void)
{
    const struct mp_floating_pointer *floating = scan_for_mp(0x9fc00, 0xa0000);
    if (floating == NULL)
        floating = scan_for_mp(0xf0000, 0x100000);
    if (floating == NULL || floating->config_table == 0) {
        uart_puts("smp: no MP table\n");
        return 0;
    }
    if (floating->length == 0 || byte_sum(floating, (size_t)floating->length * 16) != 0)
        uart_puts("smp: warning: bad MP floating pointer checksum\n");

    // Guest-controlled (by the VMM under test): bound every walk by the table's own lengths.
    const struct mp_config_header *config = (const struct mp_config_header *)(uintptr_t)floating->config_table;
    if (memcmp(config->signature, "PCMP", 4) != 0) {
        uart_puts("smp: bad MP config table signature\n");
        return 0;
    }
    if (config->base_length < sizeof(*config) || byte_sum(config, config->base_length) != 0)
        uart_puts("smp: warning: bad MP config table checksum\n");
    if (config->lapic_address != 0)
        g_lapic = config->lapic_address;

    uint32_t apic_ids[MAX_CPUS];
    uint32_t cpu_count = 0;
    const uint8_t *entry = (const uint8_t *)(config + 1);
    const uint8_t *table_end = (const uint8_t *)config + config->base_length;
    for (uint32_t i = 0; i < config->entry_count && entry < table_end; i++) {
        if (*entry == MP_ENTRY_PROCESSOR) {
            const struct mp_processor_entry *processor = (const struct mp_processor_entry *)entry;
            if ((processor->flags & MP_PROCESSOR_ENABLED) && cpu_count < MAX_CPUS)
                apic_ids[cpu_count++] = processor->apic_id;
            entry += sizeof(struct mp_processor_entry);
        } else if (*entry <= 4) {
            entry += 8; /* bus, I/O APIC, I/O interrupt, local interrupt */
        } else {
            uart_puts("smp: warning: unknown MP entry type, table walk stopped\n");
            break;
        }
    }
    uart_puts("smp: ");
    uart_put_dec(cpu_count);
    uart_puts(" cpus in MP table\n");

    mmio_write32(g_lapic + LAPIC_SVR, mmio_read32(g_lapic + LAPIC_SVR) | LAPIC_SVR_ENABLE);
    check_in();

    uint32_t bsp_id = this_apic_id();
    install_trampoline();
    for (uint32_t i = 0; i < cpu_count; i++) {
        if (apic_ids[i] != bsp_id)
            start_ap(apic_ids[i]);
    }

    uint32_t checked_in = 0;
    for (uint32_t i = 0; i < CHECK_IN_WAIT_ITERATIONS; i++) {
        checked_in = __atomic_load_n(&g_checked_in, __ATOMIC_ACQUIRE);
        if (checked_in >= cpu_count)
            break;
        cpu_relax();
    }

    uart_lock();
    if (checked_in >= cpu_count) {
        uart_puts("smp: all ");
        uart_put_dec(cpu_count);
        uart_puts(" cpus checked in\n");
    } else {
        uart_puts("smp: timeout, ");
        uart_put_dec(checked_in);
        uart_puts(" of ");
        uart_put_dec(cpu_count);
        uart_puts(" checked in\n");
    }
    uart_unlock();
    return 0;
}
