/* virtio: finds the virtio-mmio devices named on the command line and drives them with its own
 * polling driver: 64 bytes from virtio-rng, a line out of virtio-console, input lines echoed. */
#include "lib.h"
#include "virtio_driver.h"

#define DEVICE_CONSOLE 3
#define DEVICE_ENTROPY 4
#define RNG_BYTES 64
#define RECEIVE_BUFFER_SIZE 64
#define LINE_CAPACITY 128
#define POLL_LIMIT 3000000 /* polls of a used ring before giving up (seconds under emulation) */

static struct virtq g_rng_queues[1];
static struct virtq g_console_queues[2]; /* 0: receiveq, 1: transmitq */
static uint8_t g_rng_buffer[RNG_BYTES];
static uint8_t g_receive_buffers[VIRTIO_QUEUE_SIZE][RECEIVE_BUFFER_SIZE];
static char g_transmit_buffer[64];

struct line {
    char text[LINE_CAPACITY + 1];
    size_t length;
    char previous;
};

static void put_byte_hex(uint8_t value)
{
    static const char hex[] = "0123456789abcdef";
    uart_putc(hex[value >> 4]);
    uart_putc(hex[value & 0xf]);
}

static void fail_init(const char *name, int step)
{
    uart_puts(name);
    uart_puts(": initialisation failed at step ");
    uart_put_dec((uint64_t)-step);
    uart_putc('\n');
}

static void test_rng(uintptr_t base)
{
    struct virtio_device rng;
    int step = virtio_init(&rng, base, g_rng_queues, 1);
    if (step < 0) {
        fail_init("virtio-rng", step);
        return;
    }
    virtio_offer(&rng, 0, 0, g_rng_buffer, RNG_BYTES, 1);
    uint32_t length = 0;
    if (virtio_wait_used(&rng, 0, &length, POLL_LIMIT) != 0) {
        uart_puts("virtio-rng: timeout\n");
        return;
    }
    uart_puts("virtio-rng: ");
    uart_put_dec(length);
    uart_puts(" bytes: ");
    int all_equal = 1;
    for (uint32_t i = 0; i < length && i < RNG_BYTES; i++) {
        put_byte_hex(g_rng_buffer[i]);
        if (g_rng_buffer[i] != g_rng_buffer[0])
            all_equal = 0;
    }
    uart_putc('\n');
    uart_puts(length == RNG_BYTES && !all_equal ? "virtio-rng: ok\n" : "virtio-rng: bad bytes\n");
    uint32_t interrupt = virtio_read32(&rng, VIRTIO_MMIO_INTERRUPT_STATUS);
    uart_puts("virtio-rng: interrupt status ");
    uart_put_hex(interrupt, 1);
    uart_putc('\n');
    virtio_write32(&rng, VIRTIO_MMIO_INTERRUPT_ACK, interrupt);
}

/* Adds `c` to the line; prints "<source>: got <line>" at its end and resets on "quit". */
static void take_char(struct line *line, const char *source, char c)
{
    if (c == '\r' || c == '\n') {
        int second_half_of_crlf = (c == '\n' && line->previous == '\r');
        line->previous = c;
        if (second_half_of_crlf)
            return;
        line->text[line->length] = '\0';
        uart_puts(source);
        uart_puts(": got ");
        uart_puts(line->text);
        uart_putc('\n');
        if (strcmp(line->text, "quit") == 0) {
            uart_puts("virtio: bye\n");
            reset();
        }
        line->length = 0;
        return;
    }
    line->previous = c;
    if (line->length < LINE_CAPACITY)
        line->text[line->length++] = c;
}

static int start_console(struct virtio_device *console, uintptr_t base)
{
    int step = virtio_init(console, base, g_console_queues, 2);
    if (step < 0) {
        fail_init("virtio-console", step);
        return -1;
    }
    for (int slot = 0; slot < VIRTIO_QUEUE_SIZE; slot++)
        virtio_offer(console, 0, slot, g_receive_buffers[slot], RECEIVE_BUFFER_SIZE, 1);
    static const char hello[] = "virtio-console: hello from hvc0\n";
    memcpy(g_transmit_buffer, hello, sizeof(hello) - 1);
    virtio_offer(console, 1, 0, g_transmit_buffer, sizeof(hello) - 1, 0);
    uint32_t length = 0;
    if (virtio_wait_used(console, 1, &length, POLL_LIMIT) != 0) {
        uart_puts("virtio-console: transmit timeout\n");
        return -1;
    }
    uart_puts("virtio-console: transmitted\n");
    return 0;
}

int main(void)
{
    uintptr_t rng_base = 0, console_base = 0;
    uart_puts("virtio: ready\n");
    for (int n = 0;; n++) {
        uintptr_t base = virtio_cmdline_device(cmdline(), n);
        if (base == 0)
            break;
        uint32_t id = virtio_probe(base);
        uart_puts("virtio: device ");
        uart_put_dec(id);
        uart_puts(" at ");
        uart_put_hex(base, 8);
        uart_putc('\n');
        if (id == DEVICE_ENTROPY && rng_base == 0)
            rng_base = base;
        if (id == DEVICE_CONSOLE && console_base == 0)
            console_base = base;
    }
    if (rng_base != 0)
        test_rng(rng_base);

    struct virtio_device console;
    int have_console = console_base != 0 && start_console(&console, console_base) == 0;
    struct line uart_line = {{0}, 0, 0}, console_line = {{0}, 0, 0};
    uart_puts("virtio: waiting for input\n");
    for (;;) {
        if (uart_can_read())
            take_char(&uart_line, "uart", uart_getc());
        if (!have_console)
            continue;
        uint32_t length = 0;
        int slot = virtio_poll_used(&console, 0, &length);
        if (slot < 0 || slot >= VIRTIO_QUEUE_SIZE)
            continue;
        for (uint32_t i = 0; i < length && i < RECEIVE_BUFFER_SIZE; i++)
            take_char(&console_line, "virtio-console", (char)g_receive_buffers[slot][i]);
        virtio_offer(&console, 0, slot, g_receive_buffers[slot], RECEIVE_BUFFER_SIZE, 1);
    }
}
