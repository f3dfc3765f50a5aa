// Qcow2Creator: writes a new, empty qcow2 image (optionally preallocated, optionally over a backing file).
#pragma once

#include <string>

#include "base/error.hpp"
#include "block/qcow2/create_options.hpp"

namespace nimbus::qcow2 {

class Qcow2Creator final {
public:
    // Never replaces an existing file; on failure nothing is left behind.
    static Result<void> create(const std::string& path, const CreateOptions& options);

private:
    static Result<void> validate(const std::string& path, CreateOptions& options);
    static Result<void> write_skeleton(int fd, const std::string& path, const CreateOptions& options);
    static Result<void> preallocate(const std::string& path, const CreateOptions& options);
};

}  // namespace nimbus::qcow2
