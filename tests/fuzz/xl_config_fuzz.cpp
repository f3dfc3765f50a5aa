// Fuzz target: arbitrary text as an xl.cfg file (a user's config is untrusted input), then resolved to
// a DomainConfig. Parsing and resolving succeed or fail with an error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/domain_config_resolver.hpp"
#include "config/xl_config_parser.hpp"
#include "config/xl_key_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    nimbus::XlConfigFile file;
    if (!nimbus::XlConfigParser::parse(text, "fuzz.cfg", file))
        return 0;
    nimbus::XlKeyReader reader(file);
    for (const auto& key : file.keys()) {
        if (file.find(key) == nullptr)
            __builtin_trap();  // every key listed must be found
        (void)reader.number(key, 0, 1000);
        (void)reader.string_list(key);
    }
    std::vector<std::string> warnings, notices;
    (void)nimbus::resolve_domain_config(file, "/etc/xen", warnings, notices);
    return 0;
}
