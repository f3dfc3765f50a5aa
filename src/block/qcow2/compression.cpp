// Compressed clusters: zlib with a 4 KiB window and no header (QEMU's choice), zstd frames.
#include "block/qcow2/compression.hpp"

#include <zlib.h>
#include <zstd.h>

namespace nimbus::qcow2 {

namespace {

constexpr int ZLIB_WINDOW_BITS = -12;

Result<void> inflate_cluster(std::span<const std::uint8_t> in, std::span<std::uint8_t> out)
{
    z_stream stream{};
    if (inflateInit2(&stream, ZLIB_WINDOW_BITS) != Z_OK)
        return fail("decompress cluster", "inflateInit2 failed");
    stream.next_in = const_cast<Bytef*>(in.data());
    stream.avail_in = static_cast<uInt>(in.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    int status = inflate(&stream, Z_FINISH);
    inflateEnd(&stream);
    if ((status != Z_STREAM_END && status != Z_BUF_ERROR) || stream.avail_out != 0)
        return fail("decompress cluster", "zlib data is malformed or too short");
    return {};
}

Result<void> zstd_decompress_cluster(std::span<const std::uint8_t> in, std::span<std::uint8_t> out)
{
    ZSTD_DCtx* context = ZSTD_createDCtx();
    if (context == nullptr)
        return fail("decompress cluster", "ZSTD_createDCtx failed");
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    ZSTD_outBuffer output{out.data(), out.size(), 0};
    std::size_t status = 0;
    while (output.pos < output.size && input.pos < input.size) {
        status = ZSTD_decompressStream(context, &output, &input);
        if (ZSTD_isError(status))
            break;
        if (status == 0)
            break;
    }
    ZSTD_freeDCtx(context);
    if (ZSTD_isError(status) || output.pos != output.size)
        return fail("decompress cluster", "zstd data is malformed or too short");
    return {};
}

}  // namespace

Result<void> decompress_cluster(CompressionType type, std::span<const std::uint8_t> in, std::span<std::uint8_t> out)
{
    return type == CompressionType::Zstd ? zstd_decompress_cluster(in, out) : inflate_cluster(in, out);
}

Result<std::vector<std::uint8_t>> compress_cluster(CompressionType type, std::span<const std::uint8_t> in)
{
    std::vector<std::uint8_t> out(in.size());
    if (type == CompressionType::Zstd) {
        std::size_t size = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
        if (ZSTD_isError(size))
            return std::vector<std::uint8_t>{};
        out.resize(size);
        return out;
    }
    z_stream stream{};
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, ZLIB_WINDOW_BITS, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return fail("compress cluster", "deflateInit2 failed");
    stream.next_in = const_cast<Bytef*>(in.data());
    stream.avail_in = static_cast<uInt>(in.size());
    stream.next_out = out.data();
    stream.avail_out = static_cast<uInt>(out.size());
    int status = deflate(&stream, Z_FINISH);
    std::size_t produced = out.size() - stream.avail_out;
    deflateEnd(&stream);
    if (status != Z_STREAM_END)
        return std::vector<std::uint8_t>{};
    out.resize(produced);
    return out;
}

}  // namespace nimbus::qcow2
