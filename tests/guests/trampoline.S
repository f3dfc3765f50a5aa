// smp: the AP start-up trampoline. smp.c copies trampoline_start..trampoline_end to
// TRAMPOLINE_ADDRESS; a SIPI with vector TRAMPOLINE_ADDRESS >> 12 starts an AP there in real
// mode (CS = 0x0800, IP = 0). It goes 16-bit -> 32-bit protected -> long mode on the BSP's page
// tables, then jumps to ap_long_mode in the image. Everything before the far jump into the
// image must use addresses of the copy: TR(label).
#include "guest_abi.h"

#define TR(label) (TRAMPOLINE_ADDRESS + ((label) - trampoline_start))
#define CR0_PE 0x00000001
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100
#define EFER_LMA 0x00000400

        .section .rodata.trampoline, "a"
        .balign 16
        .globl trampoline_start
trampoline_start:
        .code16
        cli
        cld
        xorw %ax, %ax
        movw %ax, %ds
        lgdtl TR(tr_gdtr)
        movl %cr0, %eax
        orl $CR0_PE, %eax
        movl %eax, %cr0
        ljmpl $CODE32_SELECTOR, $TR(tr_protected_mode)

        .code32
tr_protected_mode:
        movw $DATA_SELECTOR, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movl %cr4, %eax
        orl $CR4_PAE, %eax
        movl %eax, %cr4
        movl TR(trampoline_cr3), %eax
        movl %eax, %cr3
        // The BSP's EFER (LME, and NXE if the VMM's page tables use NX), LMA being read-only.
        movl $MSR_EFER, %ecx
        movl TR(trampoline_efer), %eax
        movl TR(trampoline_efer) + 4, %edx
        andl $~EFER_LMA, %eax
        orl $EFER_LME, %eax
        wrmsr
        movl %cr0, %eax
        orl $(CR0_PG | CR0_PE), %eax
        movl %eax, %cr0
        ljmp $CODE64_SELECTOR, $TR(tr_long_mode)

        .code64
tr_long_mode:
        movabsq $ap_long_mode, %rax
        jmpq *%rax

        .balign 8
tr_gdt:
        .quad 0
        .quad 0x00cf9a000000ffff        // CODE32_SELECTOR: flat 32-bit code
        .quad 0x00af9a000000ffff        // CODE64_SELECTOR: 64-bit code (same as the VMM's 0x10)
        .quad 0x00cf92000000ffff        // DATA_SELECTOR: flat data (same as the VMM's 0x18)
tr_gdt_end:
        .balign 4
        .word 0
tr_gdtr:
        .word tr_gdt_end - tr_gdt - 1
        .long TR(tr_gdt)
        .balign 4
        .globl trampoline_cr3
trampoline_cr3:                         // patched in the copy: the BSP's CR3
        .long 0
        .balign 8
        .globl trampoline_efer
trampoline_efer:                        // patched in the copy: the BSP's EFER
        .quad 0
        .globl trampoline_end
trampoline_end:

// 64-bit code in the image: take a stack slot, then call ap_main(slot).
        .text
        .code64
        .globl ap_long_mode
        .type ap_long_mode, @function
ap_long_mode:
        movw $DATA_SELECTOR, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        xorl %eax, %eax
        movw %ax, %fs
        movw %ax, %gs
        movl $1, %eax
        lock xaddl %eax, ap_next_slot(%rip)
        cmpl $AP_MAX, %eax
        jae 2f                          // more APs than stacks: park this one
        movl %eax, %edi
        incl %eax
        shlq $AP_STACK_SHIFT, %rax
        leaq ap_stacks(%rip), %rsp
        addq %rax, %rsp
        xorl %ebp, %ebp
        call ap_main
2:      cli
        hlt
        jmp 2b
        .size ap_long_mode, . - ap_long_mode

        .bss
        .balign 4
ap_next_slot:                           // zeroed with .bss before any AP starts
        .long 0

        .section .stack, "aw", @nobits
        .balign 16
ap_stacks:
        .skip AP_MAX << AP_STACK_SHIFT

        .section .note.GNU-stack, "", @progbits
