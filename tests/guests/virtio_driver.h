/* A minimal polling virtio-mmio (version 2) driver for the test guests: split queues, no interrupts. */
#ifndef NIMBUS_GUEST_VIRTIO_DRIVER_H
#define NIMBUS_GUEST_VIRTIO_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_QUEUE_SIZE 8
#define VIRTIO_MAX_QUEUES 2
#define VIRTIO_DESC_F_NEXT 1
#define VIRTIO_DESC_F_WRITE 2

struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};

struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};

/* One queue in one 12 KiB block: descriptors, available ring, used ring (each page aligned). */
struct virtq {
    struct virtq_desc desc[VIRTIO_QUEUE_SIZE] __attribute__((aligned(4096)));
    struct {
        uint16_t flags;
        uint16_t idx;
        uint16_t ring[VIRTIO_QUEUE_SIZE];
        uint16_t used_event;
    } avail __attribute__((aligned(4096)));
    struct {
        uint16_t flags;
        uint16_t idx;
        struct virtq_used_elem ring[VIRTIO_QUEUE_SIZE];
        uint16_t avail_event;
    } used __attribute__((aligned(4096)));
    uint16_t last_used; /* driver-side: next used entry to look at */
};

struct virtio_device {
    uintptr_t base;
    uint32_t device_id;
    int queue_count;
    struct virtq *queues[VIRTIO_MAX_QUEUES];
};

/* Finds the n-th "virtio_mmio.device=<size>@<base>:<irq>" on the command line; 0 when absent. */
uintptr_t virtio_cmdline_device(const char *cmdline, int n);
/* Reads MagicValue, Version and DeviceID; returns the device id, or 0 for no (usable) device. */
uint32_t virtio_probe(uintptr_t base);
/* Reset, ACKNOWLEDGE, DRIVER, VERSION_1 only, FEATURES_OK, `queue_count` queues, DRIVER_OK.
 * Returns 0, or a negative step number on failure (printed by the caller). */
int virtio_init(struct virtio_device *device, uintptr_t base, struct virtq *queues, int queue_count);
/* virtio_init, but also accepting the device-specific feature bits 0-31 in `wanted` that the device
 * offers; *offered gets what the device offered in bits 0-31 (NULL: not wanted). */
int virtio_init_features(struct virtio_device *device, uintptr_t base, struct virtq *queues, int queue_count,
                         uint32_t wanted, uint32_t *offered);

struct virtio_buffer {
    void *address;
    uint32_t length;
    int writable;
};
/* Offers a chain of `count` buffers in descriptors head..head+count-1 and notifies the device. */
void virtio_offer_chain(struct virtio_device *device, int queue, int head, const struct virtio_buffer *buffers,
                        int count);
/* Offers one buffer (a single descriptor at index `slot`) and notifies the device. */
void virtio_offer(struct virtio_device *device, int queue, int slot, void *buffer, uint32_t length, int writable);
/* The next used element of `queue`, or -1 when there is none yet; *length gets its length. */
int virtio_poll_used(struct virtio_device *device, int queue, uint32_t *length);
/* Waits (up to ~`limit` polls) for a used element; -1 on timeout. */
int virtio_wait_used(struct virtio_device *device, int queue, uint32_t *length, uint32_t limit);
uint32_t virtio_read32(struct virtio_device *device, uint32_t offset);
void virtio_write32(struct virtio_device *device, uint32_t offset, uint32_t value);

#define VIRTIO_MMIO_INTERRUPT_STATUS 0x060
#define VIRTIO_MMIO_INTERRUPT_ACK 0x064
#define VIRTIO_MMIO_STATUS 0x070

#endif
