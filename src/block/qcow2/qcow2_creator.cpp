// Qcow2Creator: header, refcount table, refcount blocks and an empty L1 table, then preallocation
// through the engine itself.
#include "block/qcow2/qcow2_creator.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "base/unique_fd.hpp"
#include "block/disk_image_factory.hpp"
#include "block/qcow2/big_endian.hpp"
#include "block/qcow2/header.hpp"
#include "block/qcow2/image_file.hpp"
#include "block/qcow2/qcow2_image.hpp"

namespace nimbus::qcow2 {

namespace {

std::vector<FeatureName> qemu_feature_names()
{
    return {{0, 0, "dirty bit"},          {0, 1, "corrupt bit"},          {0, 2, "external data file"},
            {0, 3, "compression type"},   {0, 4, "extended L2 entries"},  {1, 0, "lazy refcounts"},
            {2, 0, "bitmaps"},            {2, 1, "raw external data"}};
}

}  // namespace

Result<void> Qcow2Creator::validate(const std::string& path, CreateOptions& options)
{
    const std::string what = "create " + path;
    if (options.version != 2 && options.version != 3)
        return fail(what, "compat must be 0.10 or 1.1");
    if (options.cluster_bits < MIN_CLUSTER_BITS || options.cluster_bits > MAX_CLUSTER_BITS)
        return fail(what, "cluster_size must be a power of two between 512 and 2M");
    if (options.refcount_order > MAX_REFCOUNT_ORDER)
        return fail(what, "refcount_bits must be a power of two up to 64");
    if (options.version == 2 && options.refcount_order != DEFAULT_REFCOUNT_ORDER)
        return fail(what, "refcount_bits other than 16 need compat=1.1");
    if (options.version == 2 && options.lazy_refcounts)
        return fail(what, "lazy_refcounts need compat=1.1");
    if (options.version == 2 && options.compression_type != CompressionType::Zlib)
        return fail(what, "compression_type zstd needs compat=1.1");
    if (!options.backing_file.empty()) {
        if (options.preallocation != Preallocation::Off)
            return fail(what, "preallocation with a backing file is not supported");
        std::filesystem::path backing(options.backing_file);
        if (backing.is_relative())
            backing = std::filesystem::path(path).parent_path() / backing;
        if (!options.backing_format) {
            DiskFormat format = TRY(probe_format(backing.string()));
            options.backing_format = format == DiskFormat::Qcow2 ? "qcow2" : "raw";
        }
        if (*options.backing_format != "raw" && *options.backing_format != "qcow2")
            return fail(what, "backing format '{}' is not supported (raw or qcow2)", *options.backing_format);
        auto image = open_disk_image(backing.string(),
                                     *options.backing_format == "qcow2" ? DiskFormat::Qcow2 : DiskFormat::Raw,
                                     DiskAccess::ReadOnly);
        if (!image)
            return fail(what, "backing file: {}", image.error().message());
        if (!options.size)
            options.size = (*image)->size();
    }
    if (!options.size)
        return fail(what, "a size is needed without a backing file");
    if (*options.size % 512 != 0)
        return fail(what, "size {} is not a multiple of 512", *options.size);
    if (*options.size > MAX_VIRTUAL_SIZE)
        return fail(what, "size {} is too large", *options.size);
    if (Header::l1_entries_for(*options.size, options.cluster_bits) * 8 > MAX_L1_BYTES)
        return fail(what, "size {} needs an L1 table above 32 MiB; use a larger cluster_size", *options.size);
    return {};
}

Result<void> Qcow2Creator::write_skeleton(int fd, const std::string& path, const CreateOptions& options)
{
    Header header;
    header.version = options.version;
    header.cluster_bits = options.cluster_bits;
    header.size = *options.size;
    header.refcount_order = options.refcount_order;
    header.header_length = options.version == 3 ? V3_HEADER_LENGTH_WITH_COMPRESSION : V2_HEADER_LENGTH;
    header.compression_type = options.compression_type;
    if (options.compression_type != CompressionType::Zlib)
        header.incompatible_features |= INCOMPAT_COMPRESSION;
    if (options.lazy_refcounts)
        header.compatible_features |= COMPAT_LAZY_REFCOUNTS;
    header.backing_file = options.backing_file;
    header.backing_format = options.backing_file.empty() ? std::nullopt : options.backing_format;
    if (options.version == 3)
        header.feature_names = qemu_feature_names();

    const std::uint64_t cluster = 1ull << options.cluster_bits;
    const std::uint64_t per_block = cluster * 8 / (1u << options.refcount_order);
    std::uint64_t l1_entries = Header::l1_entries_for(header.size, options.cluster_bits);
    std::uint64_t l1_clusters = std::max<std::uint64_t>(1, (l1_entries * 8 + cluster - 1) / cluster);
    std::uint64_t table_clusters = 1;
    std::uint64_t blocks = 1;
    while (true) {
        std::uint64_t total = 1 + table_clusters + blocks + l1_clusters;
        std::uint64_t need_blocks = (total + per_block - 1) / per_block;
        std::uint64_t need_table = (need_blocks * 8 + cluster - 1) / cluster;
        if (need_blocks <= blocks && need_table <= table_clusters)
            break;
        blocks = std::max(blocks, need_blocks);
        table_clusters = std::max(table_clusters, need_table);
    }
    const std::uint64_t total = 1 + table_clusters + blocks + l1_clusters;
    header.refcount_table_offset = cluster;
    header.refcount_table_clusters = static_cast<std::uint32_t>(table_clusters);
    header.l1_table_offset = (1 + table_clusters + blocks) * cluster;
    header.l1_size = static_cast<std::uint32_t>(l1_entries);

    std::vector<std::uint8_t> image(total * cluster, 0);
    std::vector<std::uint8_t> header_cluster = TRY(header.encode());
    std::copy(header_cluster.begin(), header_cluster.end(), image.begin());
    std::span<std::uint8_t> bytes(image);
    for (std::uint64_t block = 0; block < blocks; ++block)
        store_be64(bytes, cluster + block * 8, (1 + table_clusters + block) * cluster);
    const std::uint32_t refcount_bits = 1u << options.refcount_order;
    for (std::uint64_t index = 0; index < total; ++index) {
        std::uint64_t block_start = (1 + table_clusters + index / per_block) * cluster;
        std::uint64_t bit = (index % per_block) * refcount_bits;
        if (refcount_bits >= 8)
            store_be(bytes, block_start + bit / 8, refcount_bits / 8, 1);
        else
            bytes[block_start + bit / 8] = static_cast<std::uint8_t>(bytes[block_start + bit / 8] | (1u << (bit % 8)));
    }
    ImageFile file(UniqueFd(::dup(fd)), path);
    TRY(file.write_at(0, image));
    return file.sync();
}

Result<void> Qcow2Creator::preallocate(const std::string& path, const CreateOptions& options)
{
    std::uint64_t data_start = 0;
    std::uint64_t data_end = 0;
    {
        auto image = TRY(Qcow2Image::open(path, OpenMode{.read_only = false}));
        TRY(image->preallocate_metadata());
        data_end = image->host_end();
        data_start = 0;
    }
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd.valid())
        return fail_errno("open " + path);
    ImageFile file(std::move(fd), path);
    if (options.preallocation == Preallocation::Metadata) {
        if (::ftruncate(file.fd(), static_cast<off_t>(data_end)) < 0)
            return fail_errno("truncate " + path);
    } else if (options.preallocation == Preallocation::Falloc) {
        TRY(file.allocate(data_start, data_end));
    } else {
        std::uint64_t have = TRY(file.file_size());
        std::vector<std::uint8_t> zeros(1u << 20, 0);
        for (std::uint64_t at = have; at < data_end; at += zeros.size())
            TRY(file.write_at(at, std::span(zeros).first(std::min<std::uint64_t>(zeros.size(), data_end - at))));
    }
    return file.sync();
}

Result<void> Qcow2Creator::create(const std::string& path, const CreateOptions& requested)
{
    CreateOptions options = requested;
    TRY(validate(path, options));
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd.valid())
        return fail_errno("create " + path);
    auto result = write_skeleton(fd.get(), path, options);
    fd.reset();
    if (result && options.preallocation != Preallocation::Off)
        result = preallocate(path, options);
    if (!result)
        ::unlink(path.c_str());
    return result;
}

}  // namespace nimbus::qcow2
