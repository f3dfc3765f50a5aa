/* power: routes the ACPI Generic Event Device's GSI through the IO APIC, sleeps until the power
 * button interrupt arrives (the host presses it with Ctrl-A p), acknowledges the event in the
 * GED status register and powers off through the ACPI sleep control register (S5). */
#include "lib.h"

/* What nimbus's DSDT says (src/arch/x86/pc_io_layout.hpp, acpi_tables.hpp); a guest with an AML
 * interpreter would read them from the GED's _CRS and _EVT. */
#define GED_GSI 23
#define GED_STATUS_PORT 0x602
#define GED_EVENT_POWER_BUTTON 0x01
#define SLEEP_CONTROL_PORT 0x600
#define SLP_TYP_S5 (5 << 2)
#define SLP_EN (1 << 5)

#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_DATA 0xa1
#define IO_APIC_BASE 0xfec00000u
#define IO_APIC_REGSEL 0x00
#define IO_APIC_WINDOW 0x10
#define IO_APIC_REDIRECTION(pin) (0x10 + 2 * (pin))
#define REDIRECTION_LEVEL (1u << 15)
#define REDIRECTION_MASKED (1u << 16)
#define LAPIC_BASE 0xfee00000u
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_SVR_ENABLE 0x100
#define SPURIOUS_VECTOR 0xff
#define GED_VECTOR 0x40

static volatile uint32_t g_interrupts;
static volatile uint8_t g_events;

static void io_apic_write(uint32_t reg, uint32_t value)
{
    mmio_write32(IO_APIC_BASE + IO_APIC_REGSEL, reg);
    mmio_write32(IO_APIC_BASE + IO_APIC_WINDOW, value);
}

static uint32_t io_apic_read(uint32_t reg)
{
    mmio_write32(IO_APIC_BASE + IO_APIC_REGSEL, reg);
    return mmio_read32(IO_APIC_BASE + IO_APIC_WINDOW);
}

/* The level-triggered line stays high until the event is acknowledged: ack first, then EOI, or
 * the IO APIC delivers the same interrupt again. */
__attribute__((interrupt)) static void ged_interrupt(struct interrupt_frame *frame)
{
    (void)frame;
    uint8_t events = inb(GED_STATUS_PORT);
    outb(GED_STATUS_PORT, events);
    g_events |= events;
    g_interrupts = g_interrupts + 1;
    mmio_write32(LAPIC_BASE + LAPIC_EOI, 0);
}

int main(void)
{
    /* Interrupts come through the IO APIC only: mask both 8259s and the local APIC's LINT0. */
    outb(PIC_MASTER_DATA, 0xff);
    outb(PIC_SLAVE_DATA, 0xff);
    idt_set_interrupt_handler(GED_VECTOR, ged_interrupt);
    mmio_write32(LAPIC_BASE + LAPIC_LVT_LINT0, mmio_read32(LAPIC_BASE + LAPIC_LVT_LINT0) | LAPIC_LVT_MASKED);
    mmio_write32(LAPIC_BASE + LAPIC_TPR, 0);
    mmio_write32(LAPIC_BASE + LAPIC_SVR, LAPIC_SVR_ENABLE | SPURIOUS_VECTOR);

    uint32_t pins = ((io_apic_read(1) >> 16) & 0xff) + 1;
    uart_puts("power: io-apic pins=");
    uart_put_dec(pins);
    uart_putc('\n');
    if (pins <= GED_GSI) {
        uart_puts("power: the IO APIC has no pin for GSI 23\n");
        return 0;
    }
    /* Fixed delivery, physical destination this CPU, active high, level-triggered, unmasked. */
    io_apic_write(IO_APIC_REDIRECTION(GED_GSI) + 1, this_apic_id() << 24);
    io_apic_write(IO_APIC_REDIRECTION(GED_GSI), GED_VECTOR | REDIRECTION_LEVEL);
    uart_puts("power: waiting for the power button on GSI 23\n");

    /* `sti; hlt` is atomic against the interrupt (sti's one-instruction shadow), so a press
     * between the check and the hlt still wakes us. */
    for (;;) {
        __asm__ volatile("cli" ::: "memory");
        if (g_events & GED_EVENT_POWER_BUTTON)
            break;
        __asm__ volatile("sti; hlt" ::: "memory");
    }
    uart_puts("power: button pressed (interrupts=");
    uart_put_dec(g_interrupts);
    uart_puts(", status now ");
    uart_put_hex(inb(GED_STATUS_PORT), 2);
    uart_puts(")\npower: powering off\n");
    outb(SLEEP_CONTROL_PORT, SLP_TYP_S5 | SLP_EN);
    /* The VMM stops the vCPUs shortly after the write; if it never does, the test times out. */
    halt_forever();
}
