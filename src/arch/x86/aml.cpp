// AML encoder: byte layouts from ACPI 6.5 sections 6.4 (resources) and 20.2 (AML grammar).
#include "arch/x86/aml.hpp"

#include <initializer_list>

namespace nimbus::x86::aml {

namespace {

constexpr std::uint8_t ZERO_OP = 0x00;
constexpr std::uint8_t ONE_OP = 0x01;
constexpr std::uint8_t NAME_OP = 0x08;
constexpr std::uint8_t BYTE_PREFIX = 0x0A;
constexpr std::uint8_t WORD_PREFIX = 0x0B;
constexpr std::uint8_t DWORD_PREFIX = 0x0C;
constexpr std::uint8_t QWORD_PREFIX = 0x0E;
constexpr std::uint8_t SCOPE_OP = 0x10;
constexpr std::uint8_t BUFFER_OP = 0x11;
constexpr std::uint8_t PACKAGE_OP = 0x12;
constexpr std::uint8_t DUAL_NAME_PREFIX = 0x2E;
constexpr std::uint8_t MULTI_NAME_PREFIX = 0x2F;
constexpr std::uint8_t EXT_OP_PREFIX = 0x5B;
constexpr std::uint8_t DEVICE_OP = 0x82;  // after EXT_OP_PREFIX
constexpr std::uint8_t ROOT_CHAR = '\\';
constexpr std::uint8_t STRING_PREFIX = 0x0D;
constexpr std::uint8_t METHOD_OP = 0x14;
constexpr std::uint8_t LOCAL0_OP = 0x60;
constexpr std::uint8_t ARG0_OP = 0x68;
constexpr std::uint8_t STORE_OP = 0x70;
constexpr std::uint8_t AND_OP = 0x7B;
constexpr std::uint8_t NOTIFY_OP = 0x86;
constexpr std::uint8_t LEQUAL_OP = 0x93;
constexpr std::uint8_t IF_OP = 0xA0;
constexpr std::uint8_t NULL_NAME = 0x00;
constexpr std::uint8_t OP_REGION_OP = 0x80;  // after EXT_OP_PREFIX
constexpr std::uint8_t FIELD_OP = 0x81;      // after EXT_OP_PREFIX

// Small resource descriptor tags: type << 3 | length of the data after the tag byte.
constexpr std::uint8_t IRQ_NO_FLAGS_TAG = 0x04 << 3 | 2;
constexpr std::uint8_t IO_TAG = 0x08 << 3 | 7;
constexpr std::uint8_t END_TAG = 0x0F << 3 | 1;
// Large resource descriptors: the tag byte, then a 16-bit length of the data after it.
constexpr std::uint8_t MEMORY32_FIXED_TAG = 0x86;
constexpr std::uint16_t MEMORY32_FIXED_LENGTH = 9;
constexpr std::uint8_t EXTENDED_INTERRUPT_TAG = 0x89;
constexpr std::uint16_t EXTENDED_INTERRUPT_LENGTH = 6;  // flags, count, one DWord
constexpr std::uint8_t INTERRUPT_CONSUMER = 1u << 0;
constexpr std::uint8_t IO_DECODE_16 = 1;

void append_le(Bytes& out, std::uint64_t value, unsigned byte_count)
{
    for (unsigned i = 0; i < byte_count; ++i)
        out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

// An opcode (one or two bytes), its PkgLength, then `name` and `terms` inside the package.
Bytes package(std::initializer_list<std::uint8_t> opcode, std::string_view path, const Bytes& terms)
{
    Bytes name_bytes = name_string(path);
    Bytes out(opcode);
    append(out, pkg_length(name_bytes.size() + terms.size()));
    append(out, name_bytes);
    append(out, terms);
    return out;
}

// One byte holds values up to 63; longer forms put the low nibble in the lead byte (whose top two
// bits count the bytes that follow) and 8 more bits in each following byte.
Bytes encoded_length(std::size_t value)
{
    if (value <= 0x3F)
        return {static_cast<std::uint8_t>(value)};
    std::size_t follow = 1;
    while (value > (std::size_t{1} << (4 + 8 * follow)) - 1)
        ++follow;
    Bytes out{static_cast<std::uint8_t>(follow << 6 | (value & 0x0F))};
    append_le(out, value >> 4, static_cast<unsigned>(follow));
    return out;
}

std::uint8_t hex_digit(char c)
{
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'A' + 10);
}

}  // namespace

Bytes pkg_length(std::size_t body_length)
{
    // The total counts the PkgLength's own bytes: pick the smallest form that still holds it.
    std::size_t follow = 0;
    while (body_length + 1 + follow > (std::size_t{1} << (follow == 0 ? 6 : 4 + 8 * follow)) - 1)
        ++follow;
    return encoded_length(body_length + 1 + follow);
}

Bytes name_string(std::string_view path)
{
    Bytes out;
    if (!path.empty() && path.front() == ROOT_CHAR) {
        out.push_back(ROOT_CHAR);
        path.remove_prefix(1);
    }
    Bytes segments;
    std::size_t count = 0;
    while (!path.empty()) {
        const std::size_t dot = path.find('.');
        std::string_view segment = path.substr(0, dot);
        path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
        for (std::size_t i = 0; i < 4; ++i)
            segments.push_back(static_cast<std::uint8_t>(i < segment.size() ? segment[i] : '_'));
        ++count;
    }
    if (count == 2) {
        out.push_back(DUAL_NAME_PREFIX);
    } else if (count > 2) {
        out.push_back(MULTI_NAME_PREFIX);
        out.push_back(static_cast<std::uint8_t>(count));
    }
    append(out, segments);
    return out;
}

Bytes integer(std::uint64_t value)
{
    if (value == 0)
        return {ZERO_OP};
    if (value == 1)
        return {ONE_OP};
    Bytes out;
    if (value <= 0xFF) {
        out.push_back(BYTE_PREFIX);
        append_le(out, value, 1);
    } else if (value <= 0xFFFF) {
        out.push_back(WORD_PREFIX);
        append_le(out, value, 2);
    } else if (value <= 0xFFFF'FFFF) {
        out.push_back(DWORD_PREFIX);
        append_le(out, value, 4);
    } else {
        out.push_back(QWORD_PREFIX);
        append_le(out, value, 8);
    }
    return out;
}

Bytes eisa_id(std::string_view id)
{
    // Letters as 5-bit values ('A' = 1) packed big-endian into the first two bytes, then the
    // product number's four hex digits as two bytes in reading order.
    const auto letter = [&](std::size_t i) { return static_cast<unsigned>(id[i] - '@') & 0x1F; };
    const unsigned vendor = letter(0) << 10 | letter(1) << 5 | letter(2);
    return {DWORD_PREFIX, static_cast<std::uint8_t>(vendor >> 8), static_cast<std::uint8_t>(vendor),
            static_cast<std::uint8_t>(hex_digit(id[3]) << 4 | hex_digit(id[4])),
            static_cast<std::uint8_t>(hex_digit(id[5]) << 4 | hex_digit(id[6]))};
}

Bytes name(std::string_view path, const Bytes& value)
{
    Bytes out{NAME_OP};
    append(out, name_string(path));
    append(out, value);
    return out;
}

Bytes scope(std::string_view path, const Bytes& terms)
{
    return package({SCOPE_OP}, path, terms);
}

Bytes device(std::string_view path, const Bytes& terms)
{
    return package({EXT_OP_PREFIX, DEVICE_OP}, path, terms);
}

Bytes buffer(const Bytes& data)
{
    Bytes size = integer(data.size());
    Bytes out{BUFFER_OP};
    append(out, pkg_length(size.size() + data.size()));
    append(out, size);
    append(out, data);
    return out;
}

Bytes package(const std::vector<Bytes>& elements)
{
    Bytes body{static_cast<std::uint8_t>(elements.size())};  // NumElements
    for (const Bytes& element : elements)
        append(body, element);
    Bytes out{PACKAGE_OP};
    append(out, pkg_length(body.size()));
    append(out, body);
    return out;
}

Bytes string(std::string_view text)
{
    Bytes out{STRING_PREFIX};
    out.insert(out.end(), text.begin(), text.end());
    out.push_back(0);
    return out;
}

Bytes arg(unsigned index)
{
    return {static_cast<std::uint8_t>(ARG0_OP + index)};
}

Bytes local(unsigned index)
{
    return {static_cast<std::uint8_t>(LOCAL0_OP + index)};
}

Bytes method(std::string_view path, unsigned arg_count, MethodSync sync, const Bytes& terms)
{
    // MethodFlags: ArgCount in bits 0-2, SerializeFlag in bit 3, SyncLevel 0 in bits 4-7.
    Bytes body{static_cast<std::uint8_t>(arg_count | static_cast<unsigned>(sync) << 3)};
    append(body, terms);
    return package({METHOD_OP}, path, body);
}

Bytes if_then(const Bytes& predicate, const Bytes& terms)
{
    Bytes out{IF_OP};
    append(out, pkg_length(predicate.size() + terms.size()));
    append(out, predicate);
    append(out, terms);
    return out;
}

Bytes logical_equal(const Bytes& left, const Bytes& right)
{
    Bytes out{LEQUAL_OP};
    append(out, left);
    append(out, right);
    return out;
}

Bytes bitwise_and(const Bytes& left, const Bytes& right)
{
    Bytes out{AND_OP};
    append(out, left);
    append(out, right);
    out.push_back(NULL_NAME);
    return out;
}

Bytes store(const Bytes& value, const Bytes& target)
{
    Bytes out{STORE_OP};
    append(out, value);
    append(out, target);
    return out;
}

Bytes notify(const Bytes& target, const Bytes& value)
{
    Bytes out{NOTIFY_OP};
    append(out, target);
    append(out, value);
    return out;
}

Bytes operation_region(std::string_view path, RegionSpace space, std::uint64_t offset, std::uint64_t length)
{
    Bytes out{EXT_OP_PREFIX, OP_REGION_OP};
    append(out, name_string(path));
    out.push_back(static_cast<std::uint8_t>(space));
    append(out, integer(offset));
    append(out, integer(length));
    return out;
}

Bytes field(std::string_view region, FieldAccess access, FieldUpdate update, const std::vector<FieldUnit>& units)
{
    // FieldFlags: AccessType in bits 0-3, LockRule (0: NoLock) in bit 4, UpdateRule in bits 5-6.
    Bytes body{static_cast<std::uint8_t>(static_cast<unsigned>(access) | static_cast<unsigned>(update) << 5)};
    for (const FieldUnit& unit : units) {
        append(body, name_string(unit.name));  // a NamedField: NameSeg, then its width as a PkgLength
        append(body, encoded_length(unit.bits));
    }
    return package({EXT_OP_PREFIX, FIELD_OP}, region, body);
}

Bytes io(std::uint16_t minimum, std::uint16_t maximum, std::uint8_t alignment, std::uint8_t length)
{
    Bytes out{IO_TAG, IO_DECODE_16};
    append_le(out, minimum, 2);
    append_le(out, maximum, 2);
    out.push_back(alignment);
    out.push_back(length);
    return out;
}

Bytes irq_no_flags(std::uint8_t irq)
{
    Bytes out{IRQ_NO_FLAGS_TAG};
    append_le(out, std::uint64_t{1} << irq, 2);  // a mask of IRQs 0-15
    return out;
}

Bytes memory32_fixed(MemoryAccess access, std::uint32_t base, std::uint32_t length)
{
    Bytes out{MEMORY32_FIXED_TAG};
    append_le(out, MEMORY32_FIXED_LENGTH, 2);
    out.push_back(static_cast<std::uint8_t>(access));
    append_le(out, base, 4);
    append_le(out, length, 4);
    return out;
}

Bytes extended_interrupt(Trigger trigger, Polarity polarity, std::uint32_t gsi)
{
    // Flags: consumer in bit 0, edge in bit 1, active low in bit 2; sharing and wake bits 0.
    Bytes out{EXTENDED_INTERRUPT_TAG};
    append_le(out, EXTENDED_INTERRUPT_LENGTH, 2);
    out.push_back(static_cast<std::uint8_t>(INTERRUPT_CONSUMER | static_cast<unsigned>(trigger) << 1 |
                                            static_cast<unsigned>(polarity) << 2));
    out.push_back(1);  // interrupt table length
    append_le(out, gsi, 4);
    return out;
}

Bytes resource_template(const Bytes& descriptors)
{
    Bytes data = descriptors;
    data.push_back(END_TAG);
    data.push_back(0);
    return buffer(data);
}

void append(Bytes& out, const Bytes& term)
{
    out.insert(out.end(), term.begin(), term.end());
}

}  // namespace nimbus::x86::aml
