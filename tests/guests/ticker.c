/* ticker: prints "tick N" on COM1 once a second (CMOS RTC), echoes typed keys, never stops. */
#include "lib.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_SECONDS 0x00
/* Between two RTC polls: ~40 ms under instruction emulation, so the guest does not spend the
   host's CPU on port exits; microseconds on hardware KVM. */
#define POLL_DELAY 20000

static uint8_t rtc_seconds(void)
{
    outb(CMOS_INDEX, CMOS_SECONDS);
    return inb(CMOS_DATA);
}

int main(void)
{
    uart_puts("ticker: ready\n");
    uint8_t last = rtc_seconds();
    uint64_t count = 0;
    for (;;) {
        delay_loop(POLL_DELAY);
        while (uart_can_read()) {
            char key = uart_getc();
            uart_puts("ticker: key ");
            uart_put_hex((uint8_t)key, 2);
            uart_putc('\n');
        }
        uint8_t now = rtc_seconds();
        if (now != last) {
            last = now;
            uart_puts("tick ");
            uart_put_dec(++count);
            uart_putc('\n');
        }
    }
}
