/* cpuid: reports what the VMM's CPUID says about the hypervisor and this CPU. */
#include "lib.h"

#define CPUID_HYPERVISOR_BASE 0x40000000u
#define CPUID_KVM_FEATURES 0x40000001u

static void put_register_chars(uint32_t value)
{
    for (int i = 0; i < 4; i++) {
        char c = (char)(value >> (8 * i));
        if (c == '\0')
            continue; /* "KVMKVMKVM\0\0\0" prints as KVMKVMKVM */
        uart_putc(c >= 0x20 && c < 0x7f ? c : '.');
    }
}

int main(void)
{
    uint32_t eax, ebx, ecx, edx;

    cpuid(1, 0, &eax, &ebx, &ecx, &edx);
    uint32_t apic_id = ebx >> 24;
    uart_puts("cpuid: hypervisor=");
    uart_putc((ecx >> 31) & 1 ? '1' : '0');
    uart_putc('\n');

    cpuid(CPUID_HYPERVISOR_BASE, 0, &eax, &ebx, &ecx, &edx);
    uart_puts("cpuid: signature=");
    put_register_chars(ebx);
    put_register_chars(ecx);
    put_register_chars(edx);
    uart_putc('\n');

    cpuid(CPUID_KVM_FEATURES, 0, &eax, &ebx, &ecx, &edx);
    uart_puts("cpuid: kvm-features=");
    uart_put_hex(eax, 8);
    uart_putc('\n');

    uart_puts("cpuid: apic-id=");
    uart_put_dec(apic_id);
    uart_putc('\n');
    return 0;
}
