// Fuzz target: an arbitrary file handed to the ELF and bzImage loaders (a user's --kernel is untrusted
// input too). Loading either succeeds inside guest memory or fails with an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <span>

#include "arch/x86/bzimage_loader.hpp"
#include "arch/x86/elf_loader.hpp"
#include "memory/guest_memory.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static auto memory = nimbus::GuestMemory::create(32 << 20);
    std::span<const std::uint8_t> file(data, size);
    (void)nimbus::x86::load_elf_kernel(*memory, file);
    (void)nimbus::x86::load_bzimage(*memory, file);
    return 0;
}
