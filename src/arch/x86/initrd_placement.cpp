// InitrdPlacement: highest aligned fit between the kernel and the lower of the two limits.
#include "arch/x86/initrd_placement.hpp"

#include <algorithm>

namespace nimbus::x86 {

Result<std::uint64_t> place_initrd(std::uint64_t initrd_size, const InitrdLimits& limits)
{
    // initrd_addr_max is inclusive; saturate so 0xFFFFFFFFFFFFFFFF cannot wrap to 0.
    std::uint64_t addr_limit = limits.initrd_addr_max == UINT64_MAX ? UINT64_MAX : limits.initrd_addr_max + 1;
    std::uint64_t top = std::min(limits.low_ram_end, addr_limit);
    std::uint64_t bottom = (limits.kernel_end + INITRD_ALIGNMENT - 1) & ~(INITRD_ALIGNMENT - 1);
    if (initrd_size <= top && bottom <= top) {
        std::uint64_t address = (top - initrd_size) & ~(INITRD_ALIGNMENT - 1);
        if (address >= bottom)
            return address;
    }
    return fail("place initrd", "initrd of {} bytes does not fit in guest memory between {:#x} and {:#x}", initrd_size,
                limits.kernel_end, top);
}

}  // namespace nimbus::x86
