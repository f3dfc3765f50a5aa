/* Freestanding support library of the test guests. */
#include "lib.h"

#define UART_THR 0 /* transmit holding register (write) / receive buffer (read) */
#define UART_IER 1
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_DATA_READY 0x01
#define UART_LSR_THR_EMPTY 0x20
/* How long uart_putc waits for THR empty before writing anyway (a VMM may never set it). */
#define UART_TX_POLL_LIMIT 100000

static uint64_t g_boot_params;
static volatile uint32_t g_uart_lock;

struct idt_gate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
} __attribute__((packed));

struct descriptor_pointer {
    uint16_t limit;
    uint64_t base;
} __attribute__((packed));

/* What start.S's isr_common hands to exception_handler. */
struct exception_frame {
    uint64_t vector;
    uint64_t error_code;
    uint64_t rip;
    uint64_t cs;
    uint64_t rflags;
    uint64_t rsp;
    uint64_t ss;
};

extern const uint64_t isr_table[32];
/* All 256 vectors: the exception gates, gates a guest adds for its interrupts, and not-present
 * entries (an unexpected interrupt then raises #NP, which is reported like any exception). */
static struct idt_gate g_idt[256] __attribute__((aligned(16)));

void delay_loop(uint32_t iterations)
{
    for (uint32_t i = 0; i < iterations; i++)
        __asm__ volatile("" ::: "memory");
}

_Noreturn void halt_forever(void)
{
    for (;;)
        __asm__ volatile("cli; hlt" ::: "memory");
}

uint32_t this_apic_id(void)
{
    uint32_t eax, ebx, ecx, edx;
    cpuid(1, 0, &eax, &ebx, &ecx, &edx);
    return ebx >> 24;
}

void idt_load(void)
{
    struct descriptor_pointer pointer = {sizeof(g_idt) - 1, (uint64_t)(uintptr_t)g_idt};
    __asm__ volatile("lidt %0" : : "m"(pointer) : "memory");
}

static void idt_set_gate(uint8_t vector, uint64_t handler)
{
    uint16_t code_selector;
    __asm__ volatile("mov %%cs, %0" : "=r"(code_selector));
    g_idt[vector].offset_low = (uint16_t)handler;
    g_idt[vector].selector = code_selector;
    g_idt[vector].ist = 0;
    g_idt[vector].type_attributes = 0x8e; /* present, DPL 0, 64-bit interrupt gate */
    g_idt[vector].offset_middle = (uint16_t)(handler >> 16);
    g_idt[vector].offset_high = (uint32_t)(handler >> 32);
    g_idt[vector].reserved = 0;
}

void idt_set_interrupt_handler(uint8_t vector, void (*handler)(struct interrupt_frame *))
{
    idt_set_gate(vector, (uint64_t)(uintptr_t)handler);
}

static void idt_init(void)
{
    for (int vector = 0; vector < 32; vector++)
        idt_set_gate((uint8_t)vector, isr_table[vector]);
    idt_load();
}

static void uart_init(void)
{
    /* No interrupts, 8N1, DTR+RTS. The FIFOs are left alone: clearing them could drop input
     * the host queued before the guest came up. */
    outb(UART_COM1 + UART_IER, 0x00);
    outb(UART_COM1 + UART_LCR, 0x03);
    outb(UART_COM1 + UART_MCR, 0x03);
}

void lib_init(uint64_t boot_params)
{
    g_boot_params = boot_params;
    uart_init();
    idt_init();
}

void uart_putc(char c)
{
    for (int i = 0; i < UART_TX_POLL_LIMIT; i++) {
        if (inb(UART_COM1 + UART_LSR) & UART_LSR_THR_EMPTY)
            break;
    }
    outb(UART_COM1 + UART_THR, (uint8_t)c);
}

void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

void uart_put_dec(uint64_t value)
{
    char digits[20];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0)
        uart_putc(digits[--count]);
}

void uart_put_hex(uint64_t value, int min_digits)
{
    static const char hex[] = "0123456789abcdef";
    int digits = 1;
    while (digits < 16 && (value >> (4 * digits)) != 0)
        digits++;
    if (digits < min_digits)
        digits = min_digits > 16 ? 16 : min_digits;
    uart_puts("0x");
    for (int i = digits - 1; i >= 0; i--)
        uart_putc(hex[(value >> (4 * i)) & 0xf]);
}

int uart_can_read(void)
{
    return (inb(UART_COM1 + UART_LSR) & UART_LSR_DATA_READY) != 0;
}

char uart_getc(void)
{
    while (!uart_can_read())
        cpu_relax();
    return (char)inb(UART_COM1 + UART_THR);
}

void uart_lock(void)
{
    while (__atomic_exchange_n(&g_uart_lock, 1, __ATOMIC_ACQUIRE) != 0) {
        while (__atomic_load_n(&g_uart_lock, __ATOMIC_RELAXED) != 0)
            cpu_relax();
    }
}

void uart_unlock(void)
{
    __atomic_store_n(&g_uart_lock, 0, __ATOMIC_RELEASE);
}

_Noreturn void reset(void)
{
    outb(0x64, 0xfe);
    halt_forever();
}

const char *cmdline(void)
{
    if (g_boot_params == 0)
        return "";
    const uint8_t *zero_page = (const uint8_t *)(uintptr_t)g_boot_params;
    uint64_t address = *(const uint32_t *)(zero_page + BOOT_PARAMS_CMD_LINE_PTR);
    address |= (uint64_t)*(const uint32_t *)(zero_page + BOOT_PARAMS_EXT_CMD_LINE_PTR) << 32;
    if (address == 0)
        return "";
    return (const char *)(uintptr_t)address;
}

/* Called from start.S's isr_common on any CPU exception: report, then stop the whole machine
 * with a triple fault (an empty IDT turns the next fault into a shutdown), so a broken guest
 * never looks like a clean reset. Deliberately lock-free: the faulting CPU may hold the lock. */
_Noreturn void exception_handler(const struct exception_frame *frame);
_Noreturn void exception_handler(const struct exception_frame *frame)
{
    uint64_t cr2;
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    uart_puts("\nguest: exception ");
    uart_put_dec(frame->vector);
    uart_puts(" error=");
    uart_put_hex(frame->error_code, 1);
    uart_puts(" rip=");
    uart_put_hex(frame->rip, 1);
    uart_puts(" cr2=");
    uart_put_hex(cr2, 1);
    uart_puts(" apic-id=");
    uart_put_dec(this_apic_id());
    uart_putc('\n');
    struct descriptor_pointer empty = {0, 0};
    __asm__ volatile("lidt %0; ud2" : : "m"(empty) : "memory");
    halt_forever();
}

/* The string functions are written so GCC cannot turn their loops back into calls to
 * themselves (the build also passes -fno-tree-loop-distribute-patterns). */
void *memcpy(void *dest, const void *src, size_t n)
{
    uint8_t *d = dest;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
    return dest;
}

void *memmove(void *dest, const void *src, size_t n)
{
    uint8_t *d = dest;
    const uint8_t *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dest;
}

void *memset(void *dest, int c, size_t n)
{
    uint8_t *d = dest;
    while (n--)
        *d++ = (uint8_t)c;
    return dest;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (uint8_t)*a - (uint8_t)*b;
}

/* Keeps a non-empty .data in every guest, so each PT_LOAD has file contents (and .bss shows
 * the loader's memsz > filesz case). */
__attribute__((used)) char g_guest_tag[] = "nimbus test guest";
