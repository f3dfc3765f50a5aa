/* A minimal polling virtio-mmio driver for the test guests. */
#include "virtio_driver.h"

#include "lib.h"

#define MMIO_MAGIC_VALUE 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_QUEUE_DESC_LOW 0x080
#define MMIO_QUEUE_DESC_HIGH 0x084
#define MMIO_QUEUE_DRIVER_LOW 0x090
#define MMIO_QUEUE_DRIVER_HIGH 0x094
#define MMIO_QUEUE_DEVICE_LOW 0x0a0
#define MMIO_QUEUE_DEVICE_HIGH 0x0a4

#define STATUS_ACKNOWLEDGE 1
#define STATUS_DRIVER 2
#define STATUS_DRIVER_OK 4
#define STATUS_FEATURES_OK 8

uint32_t virtio_read32(struct virtio_device *device, uint32_t offset)
{
    return mmio_read32(device->base + offset);
}

void virtio_write32(struct virtio_device *device, uint32_t offset, uint32_t value)
{
    mmio_write32(device->base + offset, value);
}

static uint64_t parse_hex(const char *s, const char **end)
{
    uint64_t value = 0;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (;; s++) {
        char c = *s;
        int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0)
            break;
        value = value * 16 + (uint64_t)digit;
    }
    *end = s;
    return value;
}

uintptr_t virtio_cmdline_device(const char *cmdline, int n)
{
    static const char key[] = "virtio_mmio.device=";
    size_t key_length = sizeof(key) - 1;
    for (const char *p = cmdline; *p; p++) {
        if ((p != cmdline && p[-1] != ' ') || memcmp(p, key, key_length) != 0)
            continue;
        if (n-- > 0)
            continue;
        const char *at = p + key_length;
        while (*at && *at != '@' && *at != ' ')
            at++;
        if (*at != '@')
            return 0;
        const char *end;
        return (uintptr_t)parse_hex(at + 1, &end);
    }
    return 0;
}

uint32_t virtio_probe(uintptr_t base)
{
    if (mmio_read32(base + MMIO_MAGIC_VALUE) != 0x74726976 || mmio_read32(base + MMIO_VERSION) != 2)
        return 0;
    return mmio_read32(base + MMIO_DEVICE_ID);
}

int virtio_init(struct virtio_device *device, uintptr_t base, struct virtq *queues, int queue_count)
{
    return virtio_init_features(device, base, queues, queue_count, 0, NULL);
}

int virtio_init_features(struct virtio_device *device, uintptr_t base, struct virtq *queues, int queue_count,
                         uint32_t wanted, uint32_t *offered)
{
    device->base = base;
    device->device_id = virtio_probe(base);
    device->queue_count = queue_count;
    if (device->device_id == 0)
        return -1;
    virtio_write32(device, VIRTIO_MMIO_STATUS, 0);
    virtio_write32(device, VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE);
    virtio_write32(device, VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    virtio_write32(device, MMIO_DEVICE_FEATURES_SEL, 1);
    if ((virtio_read32(device, MMIO_DEVICE_FEATURES) & 1) == 0) /* VIRTIO_F_VERSION_1 is bit 32 */
        return -2;
    virtio_write32(device, MMIO_DEVICE_FEATURES_SEL, 0);
    uint32_t low = virtio_read32(device, MMIO_DEVICE_FEATURES);
    if (offered)
        *offered = low;
    virtio_write32(device, MMIO_DRIVER_FEATURES_SEL, 0);
    virtio_write32(device, MMIO_DRIVER_FEATURES, low & wanted);
    virtio_write32(device, MMIO_DRIVER_FEATURES_SEL, 1);
    virtio_write32(device, MMIO_DRIVER_FEATURES, 1);
    virtio_write32(device, VIRTIO_MMIO_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if ((virtio_read32(device, VIRTIO_MMIO_STATUS) & STATUS_FEATURES_OK) == 0)
        return -3;
    for (int index = 0; index < queue_count; index++) {
        struct virtq *queue = &queues[index];
        device->queues[index] = queue;
        memset(queue, 0, sizeof(*queue));
        virtio_write32(device, MMIO_QUEUE_SEL, (uint32_t)index);
        if (virtio_read32(device, MMIO_QUEUE_READY) != 0)
            return -4;
        if (virtio_read32(device, MMIO_QUEUE_NUM_MAX) < VIRTIO_QUEUE_SIZE)
            return -5;
        virtio_write32(device, MMIO_QUEUE_NUM, VIRTIO_QUEUE_SIZE);
        uint64_t desc = (uint64_t)(uintptr_t)queue->desc;
        uint64_t avail = (uint64_t)(uintptr_t)&queue->avail;
        uint64_t used = (uint64_t)(uintptr_t)&queue->used;
        virtio_write32(device, MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
        virtio_write32(device, MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
        virtio_write32(device, MMIO_QUEUE_DRIVER_LOW, (uint32_t)avail);
        virtio_write32(device, MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(avail >> 32));
        virtio_write32(device, MMIO_QUEUE_DEVICE_LOW, (uint32_t)used);
        virtio_write32(device, MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(used >> 32));
        virtio_write32(device, MMIO_QUEUE_READY, 1);
    }
    virtio_write32(device, VIRTIO_MMIO_STATUS,
                   STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    if ((virtio_read32(device, VIRTIO_MMIO_STATUS) & 0x40) != 0) /* DEVICE_NEEDS_RESET */
        return -6;
    return 0;
}

void virtio_offer_chain(struct virtio_device *device, int queue_index, int head, const struct virtio_buffer *buffers,
                        int count)
{
    struct virtq *queue = device->queues[queue_index];
    for (int i = 0; i < count; i++) {
        struct virtq_desc *desc = &queue->desc[head + i];
        desc->addr = (uint64_t)(uintptr_t)buffers[i].address;
        desc->len = buffers[i].length;
        desc->flags = (uint16_t)((buffers[i].writable ? VIRTIO_DESC_F_WRITE : 0) |
                                 (i + 1 < count ? VIRTIO_DESC_F_NEXT : 0));
        desc->next = (uint16_t)(head + i + 1);
    }
    uint16_t idx = queue->avail.idx;
    queue->avail.ring[idx % VIRTIO_QUEUE_SIZE] = (uint16_t)head;
    __atomic_store_n(&queue->avail.idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    virtio_write32(device, MMIO_QUEUE_NOTIFY, (uint32_t)queue_index);
}

void virtio_offer(struct virtio_device *device, int queue_index, int slot, void *buffer, uint32_t length,
                  int writable)
{
    struct virtq *queue = device->queues[queue_index];
    queue->desc[slot].addr = (uint64_t)(uintptr_t)buffer;
    queue->desc[slot].len = length;
    queue->desc[slot].flags = writable ? VIRTIO_DESC_F_WRITE : 0;
    queue->desc[slot].next = 0;
    uint16_t idx = queue->avail.idx;
    queue->avail.ring[idx % VIRTIO_QUEUE_SIZE] = (uint16_t)slot;
    /* The descriptor and ring entry are visible before the index that publishes them. */
    __atomic_store_n(&queue->avail.idx, (uint16_t)(idx + 1), __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    virtio_write32(device, MMIO_QUEUE_NOTIFY, (uint32_t)queue_index);
}

int virtio_poll_used(struct virtio_device *device, int queue_index, uint32_t *length)
{
    struct virtq *queue = device->queues[queue_index];
    uint16_t used = __atomic_load_n(&queue->used.idx, __ATOMIC_ACQUIRE);
    if (used == queue->last_used)
        return -1;
    struct virtq_used_elem element = queue->used.ring[queue->last_used % VIRTIO_QUEUE_SIZE];
    queue->last_used++;
    *length = element.len;
    return (int)element.id;
}

int virtio_wait_used(struct virtio_device *device, int queue, uint32_t *length, uint32_t limit)
{
    for (uint32_t i = 0; i < limit; i++) {
        int id = virtio_poll_used(device, queue, length);
        if (id >= 0)
            return id;
        cpu_relax();
    }
    return -1;
}
