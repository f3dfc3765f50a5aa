/* block: drives the first virtio-blk device on the command line with the guest's own driver: reads
 * the host's pattern, writes, flushes, GET_ID, DISCARD, WRITE_ZEROES, and a read past the end. With a
 * read-only disk it checks that a write fails and leaves the sectors as they were. */
#include "lib.h"
#include "virtio_driver.h"

#define DEVICE_BLOCK 2
#define F_RO (1u << 5)
#define F_BLK_SIZE (1u << 6)
#define F_FLUSH (1u << 9)
#define F_DISCARD (1u << 13)
#define F_WRITE_ZEROES (1u << 14)
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define T_DISCARD 11
#define T_WRITE_ZEROES 13
#define POLL_LIMIT 3000000
#define BLOCK 4096

struct header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
struct segment {
    uint64_t sector;
    uint32_t sectors;
    uint32_t flags;
};

static struct virtq g_queue[1];
static struct virtio_device g_disk;
static struct header g_header;
static struct segment g_segment;
static uint8_t g_data[BLOCK] __attribute__((aligned(4096)));
static volatile uint8_t g_status;

/* The host's image pattern (tests/integration/guest_block.sh): byte o = (o % 251) ^ (o / 512). */
static uint8_t host_byte(uint64_t offset)
{
    return (uint8_t)((offset % 251) ^ ((offset >> 9) & 0xff));
}

/* The guest's own data for sectors 8-15. */
static uint8_t guest_byte(uint64_t index)
{
    return (uint8_t)((index * 3) ^ 0x5a);
}

static void say(const char *what, uint64_t value)
{
    uart_puts("block: ");
    uart_puts(what);
    uart_put_dec(value);
    uart_putc('\n');
}

/* One request: header, optional data (device-writable for IN and GET_ID), status. Returns the status. */
static int request(uint32_t type, uint64_t sector, void *data, uint32_t length)
{
    g_header.type = type;
    g_header.reserved = 0;
    g_header.sector = sector;
    g_status = 0xff;
    int writable = type == T_IN || type == T_GET_ID;
    struct virtio_buffer chain[3] = {{&g_header, sizeof(g_header), 0}, {data, length, writable},
                                     {(void *)&g_status, 1, 1}};
    if (length == 0) {
        chain[1] = chain[2];
        virtio_offer_chain(&g_disk, 0, 0, chain, 2);
    } else {
        virtio_offer_chain(&g_disk, 0, 0, chain, 3);
    }
    uint32_t used = 0;
    if (virtio_wait_used(&g_disk, 0, &used, POLL_LIMIT) < 0) {
        uart_puts("block: timeout\n");
        return -1;
    }
    return g_status;
}

/* Compares g_data with what sectors [sector, sector + 8) should hold; prints the first mismatch. */
static int check(const char *what, uint64_t sector, int expect_zero, int guest_data)
{
    for (uint64_t i = 0; i < BLOCK; i++) {
        uint8_t want = expect_zero ? 0 : guest_data ? guest_byte(i) : host_byte(sector * 512 + i);
        if (g_data[i] != want) {
            uart_puts("block: ");
            uart_puts(what);
            say(" mismatch at byte ", i);
            return 0;
        }
    }
    uart_puts("block: ");
    uart_puts(what);
    uart_puts(" ok\n");
    return 1;
}

static int read_block(uint64_t sector)
{
    memset(g_data, 0xee, BLOCK);
    return request(T_IN, sector, g_data, BLOCK);
}

static void run(int read_only)
{
    say("read status ", (uint64_t)read_block(0));
    check("read", 0, 0, 0);

    for (uint64_t i = 0; i < BLOCK; i++)
        g_data[i] = guest_byte(i);
    say("write status ", (uint64_t)request(T_OUT, 8, g_data, BLOCK));
    read_block(8);
    check(read_only ? "unchanged" : "read back", 8, 0, !read_only);
    say("flush status ", (uint64_t)request(T_FLUSH, 0, 0, 0));

    memset(g_data, 0, 32);
    say("get-id status ", (uint64_t)request(T_GET_ID, 0, g_data, 20));
    g_data[20] = 0;
    uart_puts("block: id ");
    uart_puts((const char *)g_data);
    uart_putc('\n');
    if (read_only)
        return;

    g_segment = (struct segment){64, 64, 0};
    say("discard status ", (uint64_t)request(T_DISCARD, 0, &g_segment, sizeof(g_segment)));
    read_block(64);
    check("discarded", 64, 1, 0);
    g_segment = (struct segment){128, 8, 0};
    say("write-zeroes status ", (uint64_t)request(T_WRITE_ZEROES, 0, &g_segment, sizeof(g_segment)));
    read_block(128);
    check("zeroed", 128, 1, 0);
}

int main(void)
{
    uart_puts("block: ready\n");
    uintptr_t base = 0;
    for (int n = 0; base == 0; n++) {
        uintptr_t candidate = virtio_cmdline_device(cmdline(), n);
        if (candidate == 0)
            break;
        if (virtio_probe(candidate) == DEVICE_BLOCK)
            base = candidate;
    }
    if (base == 0) {
        uart_puts("block: no device\n");
        reset();
    }
    uint32_t offered = 0;
    int step = virtio_init_features(&g_disk, base, g_queue, 1, F_RO | F_BLK_SIZE | F_FLUSH | F_DISCARD | F_WRITE_ZEROES,
                                    &offered);
    if (step < 0) {
        say("initialisation failed at step ", (uint64_t)-step);
        reset();
    }
    uint64_t capacity = virtio_read32(&g_disk, 0x100) | (uint64_t)virtio_read32(&g_disk, 0x104) << 32;
    say("capacity ", capacity);
    say("block size ", virtio_read32(&g_disk, 0x114));
    int read_only = (offered & F_RO) != 0;
    say("read-only ", (uint64_t)read_only);
    run(read_only);
    /* The last sector and one beyond it. */
    say("past end status ", (uint64_t)request(T_IN, capacity - 1, g_data, 1024));
    uart_puts("block: done\n");
    reset();
}
