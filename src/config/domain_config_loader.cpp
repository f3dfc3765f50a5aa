// load_domain_config: read, parse, apply overrides, check keys, resolve into a DomainConfig.
#include "config/domain_config_loader.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "config/domain_config_resolver.hpp"
#include "config/xl_config_parser.hpp"
#include "config/xl_key_policy.hpp"
#include "config/xl_key_reader.hpp"

namespace nimbus {

namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;

Result<std::string> read_config_text(const std::string& path)
{
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), std::fclose);
    if (!file)
        return fail_errno(fmt::format("open config file {}", path));
    std::string text;
    char buffer[8192];
    while (std::size_t got = std::fread(buffer, 1, sizeof buffer, file.get())) {
        text.append(buffer, got);
        if (text.size() > kMaxConfigBytes)
            return fail(fmt::format("read config file {}", path), "larger than {} bytes", kMaxConfigBytes);
    }
    if (std::ferror(file.get()))
        return fail_errno(fmt::format("read config file {}", path));
    return text;
}

bool is_empty_value(const XlValue& value)
{
    return value.is_list() ? value.items().empty() : value.text().empty();
}

Result<void> check_keys(const XlConfigFile& file, std::vector<std::string>& warnings)
{
    XlKeyReader reader(file);
    for (const auto& key : file.keys()) {
        XlKeyPolicy policy = key_policy(key);
        std::string where = reader.where(key);
        switch (policy.support) {
        case XlKeySupport::Used: break;
        case XlKeySupport::Unsupported:
            if (is_empty_value(file.find(key)->value)) {
                warnings.push_back(fmt::format("{}: {} is empty; ignored ({})", where, key, policy.reason));
                break;
            }
            return fail(where, "{}= is not supported by nimbus: {}", key, policy.reason);
        case XlKeySupport::Ignored:
            warnings.push_back(fmt::format("{}: {}= is not supported by nimbus and is ignored ({})", where, key, policy.reason));
            break;
        case XlKeySupport::Unknown:
            warnings.push_back(fmt::format("{}: unknown key '{}' ignored", where, key));
            break;
        }
    }
    return {};
}

}  // namespace

Result<LoadedConfig> load_domain_config(const std::string& path, std::span<const std::string> overrides)
{
    std::string text = TRY(read_config_text(path));
    XlConfigFile file;
    TRY(XlConfigParser::parse(text, path, file));
    for (const auto& override_text : overrides) {
        std::string source = fmt::format("override '{}'", override_text);
        if (override_text.find('=') == std::string::npos)
            return fail(source, "not KEY=VALUE");
        // xl appends each override to the file as a line of its own.
        TRY(XlConfigParser::parse(override_text + "\n", source, file));
    }

    LoadedConfig loaded;
    TRY(check_keys(file, loaded.warnings));
    std::error_code error;
    std::filesystem::path absolute = std::filesystem::absolute(path, error);
    if (error)
        return fail(fmt::format("resolve config path {}", path), "{}", error.message());
    absolute = absolute.lexically_normal();
    loaded.config = TRY(resolve_domain_config(file, absolute.parent_path(), loaded.warnings, loaded.notices));
    loaded.config.config_path = absolute.string();
    return loaded;
}

}  // namespace nimbus
