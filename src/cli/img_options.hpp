// `-o name=value,...` options of `img create` and `img convert`, as qemu-img takes them.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "block/qcow2/create_options.hpp"

namespace nimbus::cli {

Result<qcow2::Preallocation> parse_preallocation(const std::string& value);
// Each list is "name=value,name=value"; later names override earlier ones.
Result<std::map<std::string, std::string>> split_options(const std::vector<std::string>& lists);
// qcow2's options (compat, cluster_size, refcount_bits, preallocation, lazy_refcounts,
// compression_type, backing_file, backing_fmt, size) into CreateOptions.
Result<qcow2::CreateOptions> qcow2_options(const std::map<std::string, std::string>& options);

}  // namespace nimbus::cli
