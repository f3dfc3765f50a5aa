// XlVifSpecParser: defaults, every field, and the errors naming spec and field.
#include "config/xl_vif_spec_parser.hpp"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

TEST(XlVifSpecParser, EmptySpecIsOneDefaultNic)
{
    std::vector<std::string> warnings;
    auto vif = XlVifSpecParser::parse("", warnings);
    ASSERT_TRUE(vif);
    EXPECT_EQ(vif->bridge, "xenbr0");
    EXPECT_EQ(vif->mac, "");
    EXPECT_TRUE(warnings.empty());
}

TEST(XlVifSpecParser, EveryField)
{
    std::vector<std::string> warnings;
    auto vif = XlVifSpecParser::parse("mac=00:16:3E:12:34:56, bridge=br0,ip=10.0.0.2,model=e1000,rate=10Mb/s@50ms,"
                                      "script=vif-bridge,vifname=guest1.0,type=ioemu,,mtu=1500",
                                      warnings);
    ASSERT_TRUE(vif) << vif.error().message();
    EXPECT_EQ(vif->mac, "00:16:3E:12:34:56");
    EXPECT_EQ(vif->bridge, "br0");
    EXPECT_EQ(vif->ip, "10.0.0.2");
    EXPECT_EQ(vif->model, "e1000");
    EXPECT_EQ(vif->rate, "10Mb/s@50ms");
    EXPECT_EQ(vif->script, "vif-bridge");
    EXPECT_EQ(vif->vifname, "guest1.0");
    EXPECT_EQ(vif->type, "ioemu");
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("mtu= is not supported"), std::string::npos);
}

TEST(XlVifSpecParser, Rates)
{
    EXPECT_TRUE(XlVifSpecParser::valid_rate("100B/s"));
    EXPECT_TRUE(XlVifSpecParser::valid_rate("1Gb/s@20us"));
    EXPECT_TRUE(XlVifSpecParser::valid_rate("5Kb/s@1s"));
    EXPECT_FALSE(XlVifSpecParser::valid_rate("Mb/s"));
    EXPECT_FALSE(XlVifSpecParser::valid_rate("10Mb"));
    EXPECT_FALSE(XlVifSpecParser::valid_rate("10Mb/s@"));
    EXPECT_FALSE(XlVifSpecParser::valid_rate("10Mb/s@5h"));
    EXPECT_FALSE(XlVifSpecParser::valid_rate("0b/s"));
    EXPECT_FALSE(XlVifSpecParser::valid_rate("1B/s@4295s"));
    EXPECT_TRUE(XlVifSpecParser::valid_rate("1B/s@010ms"));
    EXPECT_FALSE(XlVifSpecParser::valid_rate("10Tb/s"));
}

TEST(XlVifSpecParser, Errors)
{
    std::vector<std::string> warnings;
    auto error_of = [&](std::string_view spec) {
        auto vif = XlVifSpecParser::parse(spec, warnings);
        EXPECT_FALSE(vif) << spec;
        return vif ? std::string() : vif.error().message();
    };
    EXPECT_EQ(error_of("bridge"), "vif spec 'bridge': 'bridge' is not KEY=VALUE");
    EXPECT_EQ(error_of("mac=00:16:3e:12:34"), "vif spec 'mac=00:16:3e:12:34': field mac: '00:16:3e:12:34' is not six hex octets like 00:16:3e:12:34:56");
    EXPECT_EQ(error_of("mac=01:16:3e:12:34:56"), "vif spec 'mac=01:16:3e:12:34:56': field mac: '01:16:3e:12:34:56' is a multicast address");
    EXPECT_EQ(error_of("bridge="), "vif spec 'bridge=': field bridge: empty");
    EXPECT_NE(error_of("rate=fast").find("field rate: 'fast'"), std::string::npos);
    EXPECT_NE(error_of("vifname=0123456789abcdef").find("field vifname"), std::string::npos);
    EXPECT_NE(error_of("type=tap").find("field type: 'tap' is not vif or ioemu"), std::string::npos);
    EXPECT_NE(error_of("colour=red").find("unknown field 'colour'"), std::string::npos);
}

}  // namespace
}  // namespace nimbus
