// Entry point of every test guest: 64-bit long mode, interrupts off, RSI = boot_params.
#include "guest_abi.h"

        .section .text.entry, "ax"
        .code64
        .globl _start
        .type _start, @function
_start:
#ifdef GUEST_FIRST_BYTE
        // Before anything else, so the VMM can time its "first guest instruction".
        movw $UART_COM1, %dx
        movb $GUEST_FIRST_BYTE, %al
        outb %al, %dx
#endif
        cli
        cld
        movq $boot_stack_top, %rsp
        xorl %ebp, %ebp
        movq %rsi, %rbx                 // boot_params, kept across the bss clear

        // Zero .bss (the stacks live in .stack, outside it).
        movq $__bss_start, %rdi
        movq $__bss_end, %rcx
        subq %rdi, %rcx
        xorl %eax, %eax
        rep stosb

        movq %rbx, %rdi
        call lib_init
        call main
        call reset
1:      cli
        hlt
        jmp 1b
        .size _start, . - _start

// Exception stubs: push a dummy error code where the CPU pushes none, then the vector.
        .text
.macro ISR_NOERR vector
isr_\vector:
        pushq $0
        pushq $\vector
        jmp isr_common
.endm
.macro ISR_ERR vector
isr_\vector:
        pushq $\vector
        jmp isr_common
.endm

        ISR_NOERR 0
        ISR_NOERR 1
        ISR_NOERR 2
        ISR_NOERR 3
        ISR_NOERR 4
        ISR_NOERR 5
        ISR_NOERR 6
        ISR_NOERR 7
        ISR_ERR   8
        ISR_NOERR 9
        ISR_ERR   10
        ISR_ERR   11
        ISR_ERR   12
        ISR_ERR   13
        ISR_ERR   14
        ISR_NOERR 15
        ISR_NOERR 16
        ISR_ERR   17
        ISR_NOERR 18
        ISR_NOERR 19
        ISR_NOERR 20
        ISR_ERR   21
        ISR_NOERR 22
        ISR_NOERR 23
        ISR_NOERR 24
        ISR_NOERR 25
        ISR_NOERR 26
        ISR_NOERR 27
        ISR_NOERR 28
        ISR_ERR   29
        ISR_ERR   30
        ISR_NOERR 31

// Frame handed to C: vector, error code, then what the CPU pushed (rip, cs, rflags, rsp, ss).
isr_common:
        movq %rsp, %rdi
        andq $-16, %rsp
        call exception_handler          // does not return
1:      cli
        hlt
        jmp 1b

        .section .rodata
        .balign 8
        .globl isr_table
isr_table:
        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad isr_\v
        .endr

        .section .stack, "aw", @nobits
        .balign 16
boot_stack:
        .skip BOOT_STACK_SIZE
        .globl boot_stack_top
boot_stack_top:

        .section .note.GNU-stack, "", @progbits
