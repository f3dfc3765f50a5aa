// Image sizes as qemu-img writes them: "10G" in, "10 GiB" out.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.hpp"

namespace nimbus::cli {

// Bytes from a number with an optional suffix: b, k/K, M, G, T, P, E (powers of 1024).
Result<std::uint64_t> parse_image_size(const std::string& text);
// "2 MiB", "1.5 GiB", "512 B", as qemu-img prints sizes.
std::string human_image_size(std::uint64_t bytes);

}  // namespace nimbus::cli
