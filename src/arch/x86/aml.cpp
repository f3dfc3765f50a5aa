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

// Small resource descriptor tags: type << 3 | length of the data after the tag byte.
constexpr std::uint8_t IRQ_NO_FLAGS_TAG = 0x04 << 3 | 2;
constexpr std::uint8_t IO_TAG = 0x08 << 3 | 7;
constexpr std::uint8_t END_TAG = 0x0F << 3 | 1;
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

std::uint8_t hex_digit(char c)
{
    return static_cast<std::uint8_t>(c <= '9' ? c - '0' : c - 'A' + 10);
}

}  // namespace

Bytes pkg_length(std::size_t body_length)
{
    // One byte holds totals up to 63; longer forms put the low nibble in the lead byte (whose
    // top two bits count the bytes that follow) and 8 more bits in each following byte.
    if (body_length + 1 <= 0x3F)
        return {static_cast<std::uint8_t>(body_length + 1)};
    std::size_t follow = 1;
    while (body_length + 1 + follow > (std::size_t{1} << (4 + 8 * follow)) - 1)
        ++follow;
    const std::size_t total = body_length + 1 + follow;
    Bytes out{static_cast<std::uint8_t>(follow << 6 | (total & 0x0F))};
    append_le(out, total >> 4, static_cast<unsigned>(follow));
    return out;
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
