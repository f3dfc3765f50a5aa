// uart: register offsets and bits of the 8250/16550A UART, as the guest driver sees them.
#pragma once

#include <cstdint>

namespace nimbus::uart {

// Register offsets from the base port; DLL/DLM replace RBR/THR and IER while LCR.DLAB is set.
inline constexpr std::uint64_t RBR = 0, THR = 0, DLL = 0;
inline constexpr std::uint64_t IER = 1, DLM = 1;
inline constexpr std::uint64_t IIR = 2, FCR = 2;
inline constexpr std::uint64_t LCR = 3;
inline constexpr std::uint64_t MCR = 4;
inline constexpr std::uint64_t LSR = 5;
inline constexpr std::uint64_t MSR = 6;
inline constexpr std::uint64_t SCR = 7;

inline constexpr std::uint8_t IER_ERBFI = 0x01;  // received data available
inline constexpr std::uint8_t IER_ETBEI = 0x02;  // transmitter holding register empty
inline constexpr std::uint8_t IER_ELSI = 0x04;   // receiver line status
inline constexpr std::uint8_t IER_EDSSI = 0x08;  // modem status
inline constexpr std::uint8_t IER_MASK = 0x0f;   // the upper bits do not exist on a 16550A

inline constexpr std::uint8_t IIR_NONE = 0x01;
inline constexpr std::uint8_t IIR_MODEM_STATUS = 0x00;
inline constexpr std::uint8_t IIR_THR_EMPTY = 0x02;
inline constexpr std::uint8_t IIR_RX_DATA = 0x04;
inline constexpr std::uint8_t IIR_LINE_STATUS = 0x06;
inline constexpr std::uint8_t IIR_ID_MASK = 0x0f;
inline constexpr std::uint8_t IIR_FIFO_ENABLED = 0xc0;

inline constexpr std::uint8_t FCR_ENABLE_FIFO = 0x01;
inline constexpr std::uint8_t FCR_CLEAR_RX = 0x02;
inline constexpr std::uint8_t FCR_CLEAR_TX = 0x04;

inline constexpr std::uint8_t LCR_DLAB = 0x80;

inline constexpr std::uint8_t MCR_DTR = 0x01;
inline constexpr std::uint8_t MCR_RTS = 0x02;
inline constexpr std::uint8_t MCR_OUT1 = 0x04;
inline constexpr std::uint8_t MCR_OUT2 = 0x08;  // gates the IRQ line on a PC
inline constexpr std::uint8_t MCR_LOOP = 0x10;
inline constexpr std::uint8_t MCR_MASK = 0x1f;

inline constexpr std::uint8_t LSR_DATA_READY = 0x01;
inline constexpr std::uint8_t LSR_OVERRUN = 0x02;
inline constexpr std::uint8_t LSR_THR_EMPTY = 0x20;
inline constexpr std::uint8_t LSR_TX_EMPTY = 0x40;

inline constexpr std::uint8_t MSR_DCTS = 0x01;
inline constexpr std::uint8_t MSR_DDSR = 0x02;
inline constexpr std::uint8_t MSR_TERI = 0x04;
inline constexpr std::uint8_t MSR_DDCD = 0x08;
inline constexpr std::uint8_t MSR_CTS = 0x10;
inline constexpr std::uint8_t MSR_DSR = 0x20;
inline constexpr std::uint8_t MSR_RI = 0x40;
inline constexpr std::uint8_t MSR_DCD = 0x80;

}  // namespace nimbus::uart
