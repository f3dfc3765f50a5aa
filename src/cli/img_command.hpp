// `nimbus img`: qemu-img's verbs on disk images (create, info, check, snapshot, convert).
#pragma once

#include <CLI/CLI.hpp>

namespace nimbus::cli {

// Registers `img` and its verbs; a verb's callback stores the process exit status in `status`.
void add_img_command(CLI::App& app, int& status);

// One per verb, each in img_<verb>.cpp.
void add_img_create(CLI::App& img, int& status);
void add_img_info(CLI::App& img, int& status);
void add_img_check(CLI::App& img, int& status);
void add_img_snapshot(CLI::App& img, int& status);
void add_img_convert(CLI::App& img, int& status);
void add_img_map(CLI::App& img, int& status);
void add_img_compare(CLI::App& img, int& status);
void add_img_measure(CLI::App& img, int& status);
void add_img_resize(CLI::App& img, int& status);
void add_img_bench(CLI::App& img, int& status);
void add_img_rebase(CLI::App& img, int& status);
void add_img_commit(CLI::App& img, int& status);

}  // namespace nimbus::cli
