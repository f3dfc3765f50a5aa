// The disk spec scanner: libxlutil's flex rules evaluated by hand, longest match first.
#include "config/xl_disk_spec_parser.hpp"

#include <array>
#include <cstdlib>

namespace nimbus {

namespace {

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_alnum_lower(char c) { return is_lower(c) || (c >= '0' && c <= '9'); }
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n'; }

// Bytes up to (not including) the next newline: flex's `.*`.
std::size_t rest_of_line(std::string_view text, std::size_t from)
{
    std::size_t end = text.find('\n', from);
    return (end == std::string_view::npos ? text.size() : end) - from;
}

// Rules in libxlutil's order. Keyword rules are `KEY=[^,]*,?` unless noted.
enum class Rule {
    Blank, Format, Cdrom, DevtypeCdrom, DevtypeDisk, Devtype, Access, Backend, Backendtype, Vdev, Script,
    DirectIoSafe, Discard, NoDiscard, Colo, NoColo, ColoHost, ColoPort, ColoExport, ActiveDisk, HiddenDisk,
    Specification, Target, UnknownParameter, PrefixFormat, PrefixScript, PrefixPlain, PrefixUnknown,
    Positional, Other
};

struct KeywordRule final {
    Rule rule;
    std::string_view text;  // "format=" (takes a value) or "cdrom" (a flag)
};

constexpr std::array kKeywordRules{
    KeywordRule{Rule::Format, "format="},         KeywordRule{Rule::Cdrom, "cdrom"},
    KeywordRule{Rule::DevtypeCdrom, "devtype=cdrom"}, KeywordRule{Rule::DevtypeDisk, "devtype=disk"},
    KeywordRule{Rule::Devtype, "devtype="},       KeywordRule{Rule::Access, "access="},
    KeywordRule{Rule::Backend, "backend="},       KeywordRule{Rule::Backendtype, "backendtype="},
    KeywordRule{Rule::Vdev, "vdev="},             KeywordRule{Rule::Script, "script="},
    KeywordRule{Rule::DirectIoSafe, "direct-io-safe"}, KeywordRule{Rule::Discard, "discard"},
    KeywordRule{Rule::NoDiscard, "no-discard"},   KeywordRule{Rule::Colo, "colo"},
    KeywordRule{Rule::NoColo, "no-colo"},         KeywordRule{Rule::ColoHost, "colo-host="},
    KeywordRule{Rule::ColoPort, "colo-port="},    KeywordRule{Rule::ColoExport, "colo-export="},
    KeywordRule{Rule::ActiveDisk, "active-disk="}, KeywordRule{Rule::HiddenDisk, "hidden-disk="},
    KeywordRule{Rule::Specification, "specification="},
};

constexpr std::array<std::string_view, 4> kFormatPrefixes{"raw", "qcow", "qcow2", "vhd"};
constexpr std::array<std::string_view, 4> kScriptPrefixes{"iscsi", "nbd", "enbd", "drbd"};
constexpr std::array<std::string_view, 7> kPlainPrefixes{"tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy"};

struct Match final {
    Rule rule = Rule::Other;
    std::size_t head = 0;   // what yytext holds
    std::size_t total = 0;  // what counts for the longest match (head plus trailing context)
};

// Length of `[a-z][a-z0-9]*:` at `at`, or 0.
std::size_t prefix_length(std::string_view text, std::size_t at)
{
    if (at >= text.size() || !is_lower(text[at]))
        return 0;
    std::size_t end = at + 1;
    while (end < text.size() && is_alnum_lower(text[end]))
        ++end;
    return end < text.size() && text[end] == ':' ? end + 1 - at : 0;
}

template <std::size_t N>
bool one_of(std::string_view word, const std::array<std::string_view, N>& words)
{
    for (auto candidate : words)
        if (candidate == word)
            return true;
    return false;
}

Match longest_match(std::string_view text, std::size_t at)
{
    Match best;
    auto offer = [&](Rule rule, std::size_t head, std::size_t total) {
        if (total > best.total) // strictly longer: ties keep the earlier rule
            best = Match{rule, head, total};
    };
    std::string_view rest = text.substr(at);

    std::size_t blanks = 0;
    while (blanks < rest.size() && is_blank(rest[blanks]))
        ++blanks;
    if (blanks > 0) {
        std::size_t context = blanks < rest.size() ? 1 + rest_of_line(rest, blanks + 1) : 0;
        offer(Rule::Blank, blanks, blanks + context);
    }
    for (const auto& keyword : kKeywordRules) {
        if (!rest.starts_with(keyword.text))
            continue;
        std::size_t length = keyword.text.size();
        if (keyword.text.back() == '=') {
            std::size_t comma = rest.find(',', length);
            length = comma == std::string_view::npos ? rest.size() : comma;
        }
        if (length < rest.size() && rest[length] == ',')
            ++length;
        offer(keyword.rule, length, length);
    }
    if (rest.starts_with("target="))
        offer(Rule::Target, 7 + rest_of_line(rest, 7), 7 + rest_of_line(rest, 7));
    if (!rest.empty() && is_lower(rest[0])) {
        std::size_t end = 1;
        while (end < rest.size() && (is_alnum_lower(rest[end]) || rest[end] == '-'))
            ++end;
        if (end + 1 < rest.size() && rest[end] == '=' && rest[end + 1] != ',') {
            end += 2;
            if (end < rest.size() && rest[end] == ',')
                ++end;
            offer(Rule::UnknownParameter, end, end);
        }
    }
    if (std::size_t prefix = prefix_length(rest, 0); prefix > 0) {
        std::string_view name = rest.substr(0, prefix - 1);
        std::size_t whole = prefix + rest_of_line(rest, prefix);
        if (one_of(name, kFormatPrefixes))
            offer(Rule::PrefixFormat, prefix, whole);
        if (one_of(name, kScriptPrefixes))
            offer(Rule::PrefixScript, prefix, whole);
        if (one_of(name, kPlainPrefixes))
            offer(Rule::PrefixPlain, prefix, whole);
        // `[a-z][a-z0-9]*:` followed by a non-alphanumeric (and the rest of the line) or nothing.
        std::size_t context = prefix < rest.size() && !is_alnum_lower(rest[prefix]) ? 1 + rest_of_line(rest, prefix + 1) : 0;
        offer(Rule::PrefixUnknown, prefix, prefix + context);
    }
    std::size_t plain = 0;
    while (plain < rest.size() && rest[plain] != '=' && rest[plain] != ',')
        ++plain;
    if (plain < rest.size() && rest[plain] == ',')
        offer(Rule::Positional, plain + 1, plain + 1);
    else if (plain > 0)
        offer(Rule::Positional, plain, plain);
    if (best.total == 0)
        best = Match{Rule::Other, 1, 1};
    return best;
}

std::string strip(std::string_view text, char last)
{
    if (!text.empty() && text.back() == last)
        text.remove_suffix(1);
    return std::string(text);
}

// atoi(), as xl reads colo-port.
long leading_integer(const std::string& text)
{
    return std::strtol(text.c_str(), nullptr, 10);
}

}  // namespace

const char* to_string(XlDiskFormat format)
{
    switch (format) {
    case XlDiskFormat::Unknown: return "unknown";
    case XlDiskFormat::Qcow: return "qcow";
    case XlDiskFormat::Qcow2: return "qcow2";
    case XlDiskFormat::Vhd: return "vhd";
    case XlDiskFormat::Raw: return "raw";
    case XlDiskFormat::Empty: return "empty";
    case XlDiskFormat::Qed: return "qed";
    }
    return "unknown";
}

Result<XlDiskSpec> XlDiskSpecParser::parse(std::string_view spec)
{
    XlDiskSpecParser parser(spec);
    TRY(parser.scan());
    TRY(parser.finish());
    return parser.m_disk;
}

std::unexpected<Error> XlDiskSpecParser::error(std::string_view what, std::string_view near) const
{
    if (near.empty())
        return std::unexpected(make_error(fmt::format("disk spec '{}'", m_spec), std::string(what)));
    return std::unexpected(make_error(fmt::format("disk spec '{}'", m_spec), fmt::format("{} near '{}'", what, near)));
}

Result<void> XlDiskSpecParser::scan()
{
    // Like xl, most errors let the scan go on (only the first is reported); an unknown prefix, too
    // many positional parameters and bad syntax end it.
    std::optional<Error> first_error;
    auto note = [&](Result<void> result) {
        if (!result && !first_error)
            first_error = std::move(result).error();
    };
    std::size_t at = 0;
    while (at < m_spec.size()) {
        Match match = longest_match(m_spec, at);
        std::string_view text = m_spec.substr(at, match.head);
        auto value_of = [&] {
            std::string stripped = strip(text, ',');
            return stripped.substr(stripped.find('=') + 1);
        };
        bool stop = false;
        switch (match.rule) {
        case Rule::Blank: break;
        case Rule::Format: note(set_format(value_of())); break;
        case Rule::Cdrom:
        case Rule::DevtypeCdrom: m_disk.cdrom = true; break;
        case Rule::DevtypeDisk: m_disk.cdrom = false; break;
        case Rule::Devtype: note(error("unknown value for devtype (cdrom or disk)", text)); break;
        case Rule::Access: note(set_access(value_of())); break;
        case Rule::Backend: note(save(m_disk.backend_domain, "backend respecified", value_of())); break;
        case Rule::Backendtype: note(keyword("backendtype", value_of())); break;
        case Rule::Vdev: note(save(m_disk.vdev, "vdev respecified", value_of())); break;
        case Rule::Script: note(save(m_disk.script, "script respecified", value_of())); break;
        case Rule::DirectIoSafe: m_disk.direct_io_safe = true; break;
        case Rule::Discard: m_disk.discard = true; break;
        case Rule::NoDiscard: m_disk.discard = false; break;
        case Rule::Colo:
        case Rule::NoColo:
        case Rule::ColoHost:
        case Rule::ColoExport:
        case Rule::ActiveDisk:
        case Rule::HiddenDisk: m_disk.colo = true; break;
        case Rule::ColoPort:
            if (leading_integer(value_of()) == 0)
                note(error("unknown value for colo-port", value_of()));
            m_disk.colo = true;
            break;
        case Rule::Specification: note(keyword("specification", value_of())); break;
        case Rule::Target: note(save(m_disk.target, "target respecified", strip(text.substr(7), ','))); break;
        case Rule::UnknownParameter: note(error("unknown parameter", text)); break;
        case Rule::PrefixFormat:
            m_disk.had_deprecated_prefix = true;
            note(set_format(strip(text, ':')));
            break;
        case Rule::PrefixScript:
            m_disk.had_deprecated_prefix = true;
            note(save(m_disk.script, "script respecified", "block-" + strip(text, ':')));
            break;
        case Rule::PrefixPlain: m_disk.had_deprecated_prefix = true; break;
        case Rule::PrefixUnknown:
            note(error("unknown deprecated disk prefix", text));
            stop = true;
            break;
        case Rule::Positional:
            if (!first_error) {
                auto result = positional(strip(text, ','));
                stop = !result && result.error().detail.starts_with("too many positional");
                note(std::move(result));
            }
            break;
        case Rule::Other:
            // Like xl, a stray character is ignored when it is the spec's last byte (xl exits the
            // process on one followed by a newline; that is an error here).
            if (at + 1 == m_spec.size())
                break;
            if (m_spec[at + 1] == '\n')
                return error("bad disk syntax (a stray character before a newline)", m_spec.substr(at, 1));
            note(error("bad disk syntax", m_spec.substr(at, rest_of_line(m_spec, at))));
            stop = true;
            break;
        }
        if (stop)
            break;
        at += match.head;
    }
    if (first_error)
        return std::unexpected(std::move(*first_error));
    return {};
}

Result<void> XlDiskSpecParser::positional(std::string value)
{
    if (!m_disk.target)
        return save(m_disk.target, "target respecified", value);
    if (!m_disk.had_deprecated_prefix && m_disk.format == XlDiskFormat::Unknown) {
        if (m_disk.target->empty() && TRY(vdev_and_devtype(value))) {
            m_disk.format = XlDiskFormat::Empty;
            return {};
        }
        return set_format(value);
    }
    if (!m_disk.vdev) {
        if (TRY(vdev_and_devtype(value)))
            return {};
        return save(m_disk.vdev, "vdev respecified", value);
    }
    if (!m_disk.access_set) {
        m_disk.access_set = true;
        return set_access(value);
    }
    return error("too many positional parameters (target,format,vdev,access)", value);
}

Result<bool> XlDiskSpecParser::vdev_and_devtype(const std::string& value)
{
    // The deprecated VDEV:TYPE form (hdc:cdrom).
    std::size_t colon = value.rfind(':');
    if (colon == std::string::npos)
        return false;
    TRY(save(m_disk.vdev, "vdev respecified", value.substr(0, colon)));
    std::string type = value.substr(colon + 1);
    if (type == "cdrom")
        m_disk.cdrom = true;
    else if (type == "disk")
        m_disk.cdrom = false;
    else
        return error("unknown deprecated type (cdrom or disk)", type);
    return true;
}

Result<void> XlDiskSpecParser::save(std::optional<std::string>& field, const char* what, const std::string& value)
{
    // xl lets a set value be replaced only while it is empty.
    if (field && !field->empty())
        return error(what, value);
    field = value;
    return {};
}

Result<void> XlDiskSpecParser::set_format(const std::string& value)
{
    XlDiskFormat format;
    if (value.empty() || value == "raw")
        format = XlDiskFormat::Raw;
    else if (value == "qcow")
        format = XlDiskFormat::Qcow;
    else if (value == "qcow2")
        format = XlDiskFormat::Qcow2;
    else if (value == "vhd")
        format = XlDiskFormat::Vhd;
    else if (value == "empty")
        format = XlDiskFormat::Empty;
    else if (value == "qed")
        format = XlDiskFormat::Qed;
    else
        return error("unknown value for format (raw, qcow, qcow2, vhd, qed, empty)", value);
    // xl lets the format be repeated but not changed (format=raw,qcow2:... is an error).
    if (m_disk.format != XlDiskFormat::Unknown && m_disk.format != format)
        return error("format respecified", value);
    m_disk.format = format;
    return {};
}

Result<void> XlDiskSpecParser::set_access(const std::string& value)
{
    if (value == "r" || value == "ro")
        m_disk.readwrite = false;
    else if (value == "rw" || value == "w" || value.empty())
        m_disk.readwrite = true;
    else
        return error("unknown value for access (r, ro, w, rw)", value);
    return {};
}

Result<void> XlDiskSpecParser::keyword(std::string_view key, const std::string& value)
{
    if (key == "backendtype") {
        if (value == "phy") m_disk.backend = XlDiskBackend::Phy;
        else if (value == "tap") m_disk.backend = XlDiskBackend::Tap;
        else if (value == "qdisk") m_disk.backend = XlDiskBackend::Qdisk;
        else if (value == "standalone") m_disk.backend = XlDiskBackend::Standalone;
        else return error("unknown value for backendtype (phy, tap, qdisk, standalone)", value);
        return {};
    }
    if (value == "xen") m_disk.specification = XlDiskSpecification::Xen;
    else if (value == "virtio") m_disk.specification = XlDiskSpecification::Virtio;
    else return error("unknown value for specification (xen, virtio)", value);
    return {};
}

Result<void> XlDiskSpecParser::finish()
{
    if (m_disk.format == XlDiskFormat::Unknown)
        m_disk.format = XlDiskFormat::Raw;
    if (m_disk.cdrom) {
        m_disk.removable = true;
        m_disk.readwrite = false;
        if (!m_disk.target || m_disk.target->empty())
            m_disk.format = XlDiskFormat::Empty;
    }
    if (!m_disk.vdev)
        return error("no vdev specified", {});
    if (!m_disk.target && !m_disk.removable)
        return error("no target specified (and the device is not removable)", {});
    return {};
}

}  // namespace nimbus
