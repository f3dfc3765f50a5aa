// I8042: status, command byte, a few controller commands and the reset line.
#include "devices/legacy/i8042.hpp"

#include "base/log.hpp"

namespace nimbus {

namespace {
constexpr std::uint8_t READ_COMMAND_BYTE = 0x20;
constexpr std::uint8_t WRITE_COMMAND_BYTE = 0x60;
constexpr std::uint8_t DISABLE_AUX = 0xa7;
constexpr std::uint8_t ENABLE_AUX = 0xa8;
constexpr std::uint8_t TEST_AUX = 0xa9;
constexpr std::uint8_t SELF_TEST = 0xaa;
constexpr std::uint8_t TEST_KEYBOARD = 0xab;
constexpr std::uint8_t DISABLE_KEYBOARD = 0xad;
constexpr std::uint8_t ENABLE_KEYBOARD = 0xae;
constexpr std::uint8_t READ_OUTPUT_PORT = 0xd0;
constexpr std::uint8_t WRITE_OUTPUT_PORT = 0xd1;
constexpr std::uint8_t PULSE_FIRST = 0xf0;  // 0xf0-0xff pulse output-port bits 0-3 low
constexpr std::uint8_t SELF_TEST_PASSED = 0x55;
constexpr std::uint8_t COMMAND_BYTE_KEYBOARD_DISABLED = 0x10;
constexpr std::uint8_t COMMAND_BYTE_AUX_DISABLED = 0x20;
constexpr std::uint8_t OUTPUT_PORT_RESET = 0x01;  // active low
}  // namespace

void I8042::read(std::uint64_t offset, std::span<std::uint8_t> data)
{
    std::lock_guard guard(m_lock);
    for (std::size_t i = 0; i < data.size(); ++i)
        data[i] = read_port(offset + i);
}

void I8042::write(std::uint64_t offset, std::span<const std::uint8_t> data)
{
    bool reset = false;
    {
        std::lock_guard guard(m_lock);
        for (std::size_t i = 0; i < data.size(); ++i)
            reset = write_port(offset + i, data[i]) || reset;
    }
    if (reset) {
        log::debug("i8042: reset line pulsed");
        m_control.request_exit(VmExitReason::Reset);
    }
}

std::uint8_t I8042::read_port(std::uint64_t offset)
{
    if (offset == COMMAND)
        return m_status;
    if (offset == DATA) {
        m_status &= static_cast<std::uint8_t>(~STATUS_OUTPUT_FULL);
        return m_output;
    }
    return 0xff;
}

bool I8042::write_port(std::uint64_t offset, std::uint8_t value)
{
    if (offset == COMMAND) {
        m_status |= STATUS_LAST_WAS_COMMAND;
        m_pending_command.reset();
        return run_command(value);
    }
    if (offset != DATA)
        return false;
    m_status &= static_cast<std::uint8_t>(~STATUS_LAST_WAS_COMMAND);
    const auto command = m_pending_command;
    m_pending_command.reset();
    if (command == WRITE_COMMAND_BYTE) {
        m_command_byte = value;
        m_status = static_cast<std::uint8_t>((m_status & ~STATUS_SYSTEM) | (value & STATUS_SYSTEM));
    } else if (command == WRITE_OUTPUT_PORT) {
        m_output_port = value;
        return (value & OUTPUT_PORT_RESET) == 0;
    }
    // Bytes for the keyboard itself go nowhere: no keyboard is attached.
    return false;
}

bool I8042::run_command(std::uint8_t command)
{
    auto reply = [this](std::uint8_t byte) {
        m_output = byte;
        m_status |= STATUS_OUTPUT_FULL;
    };
    switch (command) {
    case READ_COMMAND_BYTE: reply(m_command_byte); return false;
    case WRITE_COMMAND_BYTE:
    case WRITE_OUTPUT_PORT: m_pending_command = command; return false;
    case READ_OUTPUT_PORT: reply(m_output_port); return false;
    case SELF_TEST:
        m_status |= STATUS_SYSTEM;
        reply(SELF_TEST_PASSED);
        return false;
    case TEST_KEYBOARD:
    case TEST_AUX: reply(0x00); return false;
    case DISABLE_KEYBOARD: m_command_byte |= COMMAND_BYTE_KEYBOARD_DISABLED; return false;
    case ENABLE_KEYBOARD: m_command_byte &= static_cast<std::uint8_t>(~COMMAND_BYTE_KEYBOARD_DISABLED); return false;
    case DISABLE_AUX: m_command_byte |= COMMAND_BYTE_AUX_DISABLED; return false;
    case ENABLE_AUX: m_command_byte &= static_cast<std::uint8_t>(~COMMAND_BYTE_AUX_DISABLED); return false;
    default: break;
    }
    // 0xf0-0xff pulse the output-port bits that are clear in the low nibble; bit 0 is reset.
    if (command >= PULSE_FIRST)
        return (command & OUTPUT_PORT_RESET) == 0;
    log::debug("i8042: command {:#04x} ignored", command);
    return false;
}

}  // namespace nimbus
