/* Constants shared by the guests' assembly and C (preprocessor definitions only). */
#ifndef NIMBUS_GUEST_ABI_H
#define NIMBUS_GUEST_ABI_H

#define UART_COM1 0x3f8
#define BOOT_STACK_SIZE 0x4000

/* smp: APs start in real mode at TRAMPOLINE_ADDRESS (SIPI vector = address >> 12). */
#define TRAMPOLINE_ADDRESS 0x8000
#define AP_MAX 64
#define AP_STACK_SHIFT 12 /* 4 KiB per AP */

/* Selectors: the VMM's boot GDT and the trampoline's GDT agree on these. */
#define CODE32_SELECTOR 0x08
#define CODE64_SELECTOR 0x10
#define DATA_SELECTOR 0x18

#endif
