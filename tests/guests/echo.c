/* echo: reads lines from the UART by polling and prints each back; "quit" resets. */
#include "lib.h"

#define LINE_CAPACITY 256 /* longer lines are truncated, the rest is read and dropped */

int main(void)
{
    char line[LINE_CAPACITY + 1];
    size_t length = 0;
    char previous = 0;

    uart_puts("echo: ready\n");
    for (;;) {
        char c = uart_getc();
        if (c == '\r' || c == '\n') {
            /* "\r\n" is one line end, not an empty line after the first. */
            int second_half_of_crlf = (c == '\n' && previous == '\r');
            previous = c;
            if (second_half_of_crlf)
                continue;
            line[length] = '\0';
            uart_puts("echo: ");
            uart_puts(line);
            uart_putc('\n');
            if (strcmp(line, "quit") == 0) {
                uart_puts("echo: bye\n");
                reset();
            }
            length = 0;
            continue;
        }
        previous = c;
        if (length < LINE_CAPACITY)
            line[length++] = c;
    }
}
