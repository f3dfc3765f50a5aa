// XlConfigParser and XlConfigLexer: accepted syntax, values, and every error path.
#include "config/xl_config_parser.hpp"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

XlConfigFile parse_ok(std::string_view text)
{
    XlConfigFile file;
    auto result = XlConfigParser::parse(text, "t.cfg", file);
    EXPECT_TRUE(result) << text << " -> " << result.error().message();
    return file;
}

std::string parse_error(std::string_view text)
{
    XlConfigFile file;
    auto result = XlConfigParser::parse(text, "t.cfg", file);
    EXPECT_FALSE(result) << "accepted: " << text;
    return result ? std::string() : result.error().message();
}

std::string string_of(const XlConfigFile& file, const std::string& key)
{
    const XlSetting* setting = file.find(key);
    if (setting == nullptr || !setting->value.is_string())
        return "<none>";
    return setting->value.text();
}

TEST(XlConfigParser, SeedGuestConfig)
{
    auto file = parse_ok(R"(name="guest1"
vcpus=1
memory=1024
builder="pv"
disk = ['tap:aio:/home/artem/guest1.img,xvdb1,w', 'tap:aio:/home/artem/guest1.swap,xvdb2,w']
kernel="/boot/vmlinuz-5.3.0-28-generic"
ramdisk="/boot/initrd.img-5.3.0-28-generic"
root="/dev/xvdb1 rw"
vif = [ '' ]
extra='xencons=tty'
)");
    EXPECT_EQ(string_of(file, "name"), "guest1");
    EXPECT_EQ(string_of(file, "memory"), "1024");
    EXPECT_EQ(string_of(file, "extra"), "xencons=tty");
    const XlSetting* disk = file.find("disk");
    ASSERT_NE(disk, nullptr);
    ASSERT_TRUE(disk->value.is_list());
    ASSERT_EQ(disk->value.items().size(), 2u);
    EXPECT_EQ(disk->value.items()[1].text(), "tap:aio:/home/artem/guest1.swap,xvdb2,w");
    EXPECT_EQ(disk->value.items()[1].position().line, 5u);
    const XlSetting* vif = file.find("vif");
    ASSERT_EQ(vif->value.items().size(), 1u);
    EXPECT_EQ(vif->value.items()[0].text(), "");
    EXPECT_EQ(file.keys().size(), 10u);
}

TEST(XlConfigParser, SeparatorsCommentsAndLists)
{
    auto file = parse_ok("# comment\n  # indented\na=1;b=\"x\" # trailing\n;;\nc = [\n 1 ,\n [ 'y' , ] ,\n]\nd=[]");
    EXPECT_EQ(string_of(file, "a"), "1");
    EXPECT_EQ(string_of(file, "b"), "x");
    const XlSetting* c = file.find("c");
    ASSERT_EQ(c->value.items().size(), 2u);
    EXPECT_TRUE(c->value.items()[1].is_list());
    EXPECT_EQ(c->value.items()[1].items()[0].text(), "y");
    EXPECT_TRUE(file.find("d")->value.items().empty());
}

TEST(XlConfigParser, EscapesAsLibxlutil)
{
    auto file = parse_ok("a=\"q\\\"q\\t\\n\\\\\"\nb='it\\'s'\nc=\"\\101z\"\nd=\"\\a\\b\\f\\r\\v\"");
    EXPECT_EQ(string_of(file, "a"), "q\"q\t\n\\");
    EXPECT_EQ(string_of(file, "b"), "it's");
    EXPECT_EQ(string_of(file, "c"), "z");  // xl drops an octal escape's value
    EXPECT_EQ(string_of(file, "d"), "\a\b\f\r\v");
}

TEST(XlConfigParser, NumbersAreTextAndLastAssignmentWins)
{
    auto file = parse_ok("a=0x10\na=1a\nb=1\nb+=2\nl=[1]\nl+=[2,3]\ns+=\"y\"");
    EXPECT_EQ(string_of(file, "a"), "1a");
    EXPECT_EQ(string_of(file, "b"), "12");
    EXPECT_EQ(file.find("b")->operation, XlOperation::Add);
    EXPECT_EQ(file.find("l")->value.items().size(), 3u);
    EXPECT_EQ(string_of(file, "s"), "y");
}

TEST(XlConfigParser, StrayLastByteIsIgnoredLikeXl)
{
    EXPECT_EQ(string_of(parse_ok("a=1\n@"), "a"), "1");
    EXPECT_EQ(string_of(parse_ok("a=1\n#"), "a"), "1");
}

TEST(XlConfigParser, ErrorsNamePositionAndExpectation)
{
    EXPECT_EQ(parse_error("a=1\nb=foo\n"), "t.cfg:2:3: expected a value (a quoted string, a number or a '[' list), found a key name 'foo'");
    EXPECT_EQ(parse_error("a 1"), "t.cfg:1:3: expected '=' or '+=' after the key, found a number '1'");
    EXPECT_EQ(parse_error("=1"), "t.cfg:1:1: expected a key name (lower-case letters, digits, '_'), found '='");
    EXPECT_EQ(parse_error("a=1 b=2"), "t.cfg:1:5: expected end of line or ';' after the value, found a key name 'b'");
    EXPECT_EQ(parse_error("a=[1 2]"), "t.cfg:1:6: expected ',' or ']' in the list, found a number '2'");
    EXPECT_EQ(parse_error("a=[,]"), "t.cfg:1:4: expected a value (a quoted string, a number or a '[' list), found ','");
    EXPECT_EQ(parse_error("a=\n"), "t.cfg:1:3: expected a value (a quoted string, a number or a '[' list), found end of line");
    EXPECT_EQ(parse_error("a=[1"), "t.cfg:1:5: expected ',' or ']' in the list, found end of input");
}

TEST(XlConfigParser, LexicalErrors)
{
    EXPECT_NE(parse_error("A=1\n").find("t.cfg:1:1: unexpected 'A'"), std::string::npos);
    EXPECT_NE(parse_error("a=1.5\n").find("t.cfg:1:4: unexpected '.'"), std::string::npos);
    EXPECT_NE(parse_error("a=-1\n").find("unexpected '-'"), std::string::npos);
    EXPECT_NE(parse_error("_a=1\n").find("unexpected '_'"), std::string::npos);
    EXPECT_NE(parse_error("a=1 #c").find("t.cfg:1:5: a '#' comment must end with a newline"), std::string::npos);
    EXPECT_NE(parse_error("a=\"x\nb=2").find("t.cfg:1:3: unterminated string"), std::string::npos);
    EXPECT_NE(parse_error("a='x").find("unterminated string"), std::string::npos);
    EXPECT_NE(parse_error("a=1\r\n").find("carriage return"), std::string::npos);
    EXPECT_NE(parse_error(std::string_view("a=1\0\n", 5)).find("byte 0x00"), std::string::npos);
    EXPECT_NE(parse_error(std::string_view("a=\"\0\"\n", 6)).find("NUL byte"), std::string::npos);
    EXPECT_NE(parse_error("a+1\n").find("unexpected '+'"), std::string::npos);
}

TEST(XlConfigParser, EscapeErrors)
{
    EXPECT_EQ(parse_error("a=\"\\x41\""), "t.cfg:1:4: \\x escapes are not accepted by xl");
    EXPECT_EQ(parse_error("a=\"ab\\q\""), "t.cfg:1:6: invalid escape \\q in a string");
    EXPECT_NE(parse_error("a=\"\\1\"").find("octal escape"), std::string::npos);
    EXPECT_NE(parse_error("a=\"\\19x\"").find("octal escape"), std::string::npos);
}

TEST(XlConfigParser, AddMismatchAndDepthLimit)
{
    EXPECT_EQ(parse_error("a=\"x\"\na+=[1]"),
              "t.cfg:2:1: 'a' += needs the same kind as its earlier value (a list to a list, a string to a string)");
    std::string deep = "a=" + std::string(70, '[') + std::string(70, ']');
    EXPECT_NE(parse_error(deep).find("nest at most 64"), std::string::npos);
}

}  // namespace
}  // namespace nimbus
