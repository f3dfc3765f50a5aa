/* hello: the smallest guest. start.S has already written '!' (first-instruction timing). */
#include "lib.h"

#define CMDLINE_PRINT_LIMIT 0x10000 /* the VMM's cmdline area; stop even without a NUL */

int main(void)
{
    /* The newline ends the line that start.S's '!' opened. */
    uart_puts("\nnimbus test guest: hello\ncmdline: ");
    const char *line = cmdline();
    for (size_t i = 0; i < CMDLINE_PRINT_LIMIT && line[i] != '\0'; i++)
        uart_putc(line[i]);
    uart_putc('\n');
    return 0;
}
