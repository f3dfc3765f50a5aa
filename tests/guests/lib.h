/* Freestanding support library of the test guests: port I/O, 8250 UART, reset, strings. */
#ifndef NIMBUS_GUEST_LIB_H
#define NIMBUS_GUEST_LIB_H

#include <stddef.h>
#include <stdint.h>

#include "guest_abi.h"

/* Offsets in the Linux zero page (struct boot_params). */
#define BOOT_PARAMS_EXT_CMD_LINE_PTR 0x0c8
#define BOOT_PARAMS_CMD_LINE_PTR 0x228

#define MSR_EFER 0xc0000080u

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static inline void cpuid(uint32_t leaf, uint32_t subleaf, uint32_t *eax, uint32_t *ebx, uint32_t *ecx,
                         uint32_t *edx)
{
    __asm__ volatile("cpuid" : "=a"(*eax), "=b"(*ebx), "=c"(*ecx), "=d"(*edx) : "a"(leaf), "c"(subleaf));
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t low, high;
    __asm__ volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
    return ((uint64_t)high << 32) | low;
}

static inline uint64_t read_cr3(void)
{
    uint64_t value;
    __asm__ volatile("mov %%cr3, %0" : "=r"(value));
    return value;
}

static inline void cpu_relax(void)
{
    __asm__ volatile("pause" ::: "memory");
}

static inline uint32_t mmio_read32(uintptr_t address)
{
    return *(volatile uint32_t *)address;
}

static inline void mmio_write32(uintptr_t address, uint32_t value)
{
    *(volatile uint32_t *)address = value;
}

/* A busy loop of about 3 instructions per iteration (~1.5 M instructions/s under emulation). */
void delay_loop(uint32_t iterations);

_Noreturn void halt_forever(void);

/* APIC id of the running CPU (CPUID.1:EBX[31:24]). */
uint32_t this_apic_id(void);

/* Called by start.S before main: remembers boot_params, sets up the UART and the IDT. */
void lib_init(uint64_t boot_params);
/* Loads the shared IDT (exceptions print a line and stop the machine); for APs. */
void idt_load(void);
/* Installs an interrupt gate for vector (32..255) to a GCC `__attribute__((interrupt))` handler. */
struct interrupt_frame;
void idt_set_interrupt_handler(uint8_t vector, void (*handler)(struct interrupt_frame *));

void uart_putc(char c);
void uart_puts(const char *s);
void uart_put_dec(uint64_t value);
/* "0x" and the hex digits, at least min_digits of them. */
void uart_put_hex(uint64_t value, int min_digits);
/* Nonzero if a byte waits in the receiver (LSR bit 0). */
int uart_can_read(void);
/* Waits (polling LSR bit 0) for the next byte. */
char uart_getc(void);
/* Serialises whole lines between CPUs. */
void uart_lock(void);
void uart_unlock(void);

/* Pulses the reset line through the i8042 (0xFE to port 0x64): the VMM exits with status 0. */
_Noreturn void reset(void);

/* The command line the VMM put behind boot_params.hdr.cmd_line_ptr ("" if none). */
const char *cmdline(void);

void *memcpy(void *dest, const void *src, size_t n);
void *memmove(void *dest, const void *src, size_t n);
void *memset(void *dest, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

#endif
