// `nimbus img`: the subcommand and its verbs.
#include "cli/img_command.hpp"

namespace nimbus::cli {

void add_img_command(CLI::App& app, int& status)
{
    CLI::App* img = app.add_subcommand("img", "Create, inspect and check disk images (qemu-img's verbs)");
    img->require_subcommand(1);
    add_img_create(*img, status);
    add_img_info(*img, status);
    add_img_check(*img, status);
    add_img_snapshot(*img, status);
    add_img_convert(*img, status);
    add_img_map(*img, status);
    add_img_compare(*img, status);
    add_img_measure(*img, status);
    add_img_resize(*img, status);
    add_img_bench(*img, status);
    add_img_rebase(*img, status);
    add_img_commit(*img, status);
}

}  // namespace nimbus::cli
