// A tiny AML encoder: just the objects a DSDT needs to describe fixed legacy devices.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace nimbus::x86::aml {

// Every encoder returns the bytes of one complete AML term (ACPI 6.5 chapter 20); callers
// concatenate them into a term list.
using Bytes = std::vector<std::uint8_t>;

// The largest value a 4-byte PkgLength can hold (28 bits), its own bytes included.
inline constexpr std::size_t MAX_PKG_LENGTH = 0x0FFF'FFFF;

// PkgLength for a package whose contents after the PkgLength are `body_length` bytes: the
// encoded value counts the PkgLength bytes themselves, so 1 to 4 bytes as the total needs.
// Precondition: body_length + 4 <= MAX_PKG_LENGTH.
Bytes pkg_length(std::size_t body_length);

// NameString from ASL spelling: an optional leading '\' (root), then 1..255 segments joined by
// '.', each 1 to 4 characters of [A-Z0-9_] (not starting with a digit) padded with '_' as iasl
// does, so "\\_SB.COM1" and "_SB_" both work. Precondition: `path` is such a name.
Bytes name_string(std::string_view path);

// The shortest integer encoding: ZeroOp, OneOp, then Byte/Word/DWord/QWord prefixed.
Bytes integer(std::uint64_t value);

// EisaId ("PNP0501"): three uppercase letters and four hex digits compressed into a DWord.
// Precondition: `id` has that form.
Bytes eisa_id(std::string_view id);

// DefName: Name (name, value).
Bytes name(std::string_view name, const Bytes& value);

// DefScope: Scope (name) { terms }.
Bytes scope(std::string_view name, const Bytes& terms);

// DefDevice: Device (name) { terms }.
Bytes device(std::string_view name, const Bytes& terms);

// DefBuffer: Buffer () { data }, its size as the shortest integer.
Bytes buffer(const Bytes& data);

// DefPackage: Package () { elements }, each already encoded (e.g. by integer()); at most 255.
Bytes package(const std::vector<Bytes>& elements);

// Resource descriptors (ACPI 6.5 section 6.4), concatenated and passed to resource_template.
// IO (Decode16, min, max, alignment, length): a 16-bit decoded I/O port range.
Bytes io(std::uint16_t minimum, std::uint16_t maximum, std::uint8_t alignment, std::uint8_t length);
// IRQNoFlags () {irq}: an ISA IRQ, edge-triggered and active high. Precondition: irq < 16.
Bytes irq_no_flags(std::uint8_t irq);

// ResourceTemplate () { descriptors }: a buffer ending in the End Tag, whose checksum byte is 0
// ("the resource data is treated as if the checksum operation succeeded"), as iasl emits.
Bytes resource_template(const Bytes& descriptors);

// Appends `term` to `out`, for building term lists.
void append(Bytes& out, const Bytes& term);

}  // namespace nimbus::x86::aml
