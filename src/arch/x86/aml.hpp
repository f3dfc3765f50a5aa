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

// DefString: a NUL-terminated ASCII string ("ACPI0013"). Precondition: no NUL inside.
Bytes string(std::string_view text);

// ArgN and LocalN objects. Preconditions: index < 7 for args, < 8 for locals.
Bytes arg(unsigned index);
Bytes local(unsigned index);

enum class MethodSync : std::uint8_t { NotSerialized = 0, Serialized = 1 };
// DefMethod: Method (name, arg_count, serialization) { terms }. Precondition: arg_count < 8.
Bytes method(std::string_view name, unsigned arg_count, MethodSync sync, const Bytes& terms);

// DefIfElse without an Else: If (predicate) { terms }.
Bytes if_then(const Bytes& predicate, const Bytes& terms);

// DefLEqual: (left == right), a logical result.
Bytes logical_equal(const Bytes& left, const Bytes& right);

// DefAnd: (left & right) with no target (NullName), as `Local0 & One` in an expression.
Bytes bitwise_and(const Bytes& left, const Bytes& right);

// DefStore: target = value, where target is a name_string, local() or arg().
Bytes store(const Bytes& value, const Bytes& target);

// DefNotify: Notify (target, value); target a name_string such as "\_SB.PWRB".
Bytes notify(const Bytes& target, const Bytes& value);

enum class RegionSpace : std::uint8_t { SystemMemory = 0, SystemIo = 1 };
// DefOpRegion: OperationRegion (name, space, offset, length).
Bytes operation_region(std::string_view name, RegionSpace space, std::uint64_t offset, std::uint64_t length);

enum class FieldAccess : std::uint8_t { Any = 0, Byte = 1, Word = 2, DWord = 3 };
enum class FieldUpdate : std::uint8_t { Preserve = 0, WriteAsOnes = 1, WriteAsZeros = 2 };
struct FieldUnit {
    std::string_view name;  // one NameSeg, 1 to 4 characters
    std::uint32_t bits;     // Precondition: 1 .. 0x0FFFFFFF
};
// DefField: Field (region, access, NoLock, update) { units in order from bit 0 }.
Bytes field(std::string_view region, FieldAccess access, FieldUpdate update, const std::vector<FieldUnit>& units);

// Resource descriptors (ACPI 6.5 section 6.4), concatenated and passed to resource_template.
// IO (Decode16, min, max, alignment, length): a 16-bit decoded I/O port range.
Bytes io(std::uint16_t minimum, std::uint16_t maximum, std::uint8_t alignment, std::uint8_t length);
// IRQNoFlags () {irq}: an ISA IRQ, edge-triggered and active high. Precondition: irq < 16.
Bytes irq_no_flags(std::uint8_t irq);

// Memory32Fixed (ReadWrite or ReadOnly, base, length).
enum class MemoryAccess : std::uint8_t { ReadOnly = 0, ReadWrite = 1 };
Bytes memory32_fixed(MemoryAccess access, std::uint32_t base, std::uint32_t length);
// Interrupt (ResourceConsumer, trigger, polarity, Exclusive) {gsi}: one extended interrupt.
enum class Trigger : std::uint8_t { Level = 0, Edge = 1 };
enum class Polarity : std::uint8_t { ActiveHigh = 0, ActiveLow = 1 };
Bytes extended_interrupt(Trigger trigger, Polarity polarity, std::uint32_t gsi);

// ResourceTemplate () { descriptors }: a buffer ending in the End Tag, whose checksum byte is 0
// ("the resource data is treated as if the checksum operation succeeded"), as iasl emits.
Bytes resource_template(const Bytes& descriptors);

// Appends `term` to `out`, for building term lists.
void append(Bytes& out, const Bytes& term);

}  // namespace nimbus::x86::aml
