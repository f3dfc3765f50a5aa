// XlDiskSpecParser: xl-disk-configuration forms with xlu_disk_parse's results, and its errors.
#include "config/xl_disk_spec_parser.hpp"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

XlDiskSpec ok(std::string_view spec)
{
    auto result = XlDiskSpecParser::parse(spec);
    EXPECT_TRUE(result) << spec << ": " << result.error().message();
    return result ? *result : XlDiskSpec{};
}

std::string error_of(std::string_view spec)
{
    auto result = XlDiskSpecParser::parse(spec);
    EXPECT_FALSE(result) << "accepted: " << spec;
    return result ? std::string() : result.error().message();
}

TEST(XlDiskSpecParser, DeprecatedPrefixSkipsTheFormatSlot)
{
    auto disk = ok("tap:aio:/home/artem/guest1.img,xvdb1,w");
    EXPECT_EQ(disk.target, "/home/artem/guest1.img");
    EXPECT_EQ(disk.vdev, "xvdb1");
    EXPECT_EQ(disk.format, XlDiskFormat::Raw);
    EXPECT_TRUE(disk.readwrite);
    EXPECT_TRUE(disk.had_deprecated_prefix);
    EXPECT_EQ(ok("tap:qcow2:/a,xvda,r").format, XlDiskFormat::Qcow2);
    EXPECT_FALSE(ok("tap:qcow2:/a,xvda,r").readwrite);
    EXPECT_EQ(ok("phy:/dev/vg/lv,xvda,w").target, "/dev/vg/lv");
    EXPECT_EQ(ok("file:/a,xvda").vdev, "xvda");
    EXPECT_EQ(ok("aio:/a,xvda").target, "/a");
    EXPECT_EQ(ok("qcow:/a,xvda").format, XlDiskFormat::Qcow);
    EXPECT_EQ(ok("vhd:/a,xvda").format, XlDiskFormat::Vhd);
    EXPECT_EQ(ok("iscsi:/a,xvda").script, "block-iscsi");
    EXPECT_EQ(ok("file:phy:/a,xvda").target, "/a");
    EXPECT_EQ(ok("/a,raw,phy:/x").vdev, "/x");  // a prefix mid-spec still counts, as in xl
}

TEST(XlDiskSpecParser, PositionalAndKeyForms)
{
    auto disk = ok("/a.img,qcow2,xvda,ro");
    EXPECT_EQ(disk.format, XlDiskFormat::Qcow2);
    EXPECT_FALSE(disk.readwrite);
    disk = ok("format=qcow2,vdev=xvdb,access=ro,target=/x,y=z");
    EXPECT_EQ(disk.target, "/x,y=z");  // target= swallows the rest
    EXPECT_EQ(disk.vdev, "xvdb");
    EXPECT_EQ(disk.format, XlDiskFormat::Qcow2);
    EXPECT_EQ(ok("/a,,xvda").format, XlDiskFormat::Raw);
    EXPECT_EQ(ok("/a,raw,xvda,w,").vdev, "xvda");
    EXPECT_EQ(ok("vdev=xvda,raw").target, "raw");
    EXPECT_EQ(ok("vdev=,vdev=xvdb,/a").vdev, "xvdb");  // an empty value may be respecified
    EXPECT_FALSE(ok("/a,raw,xvda,rw,access=r").readwrite);
    EXPECT_EQ(ok("backendtype=qdisk,/a,raw,xvda").backend, XlDiskBackend::Qdisk);
    EXPECT_EQ(ok("specification=virtio,/a,raw,xvda").specification, XlDiskSpecification::Virtio);
    EXPECT_EQ(ok("script=block-x,/a,raw,xvda").script, "block-x");
    EXPECT_EQ(ok("\t/a,,xvda").target, "/a");  // leading blanks skipped
    EXPECT_EQ(ok(" /a ,raw,xvda").target, "/a ");  // trailing ones kept
    EXPECT_EQ(ok("/a,raw,\nxvda").vdev, "xvda");
    EXPECT_EQ(ok(" a\nb,raw,xvda").target, " a\nb");
    EXPECT_EQ(ok("1a:/x,raw,xvda").target, "1a:/x");
    EXPECT_EQ(ok(",,,").vdev, "");
    EXPECT_TRUE(ok("discard,/a,,xvda").discard.value_or(false));
    EXPECT_TRUE(ok("colo-port=12,/a,,xvda").colo);
}

TEST(XlDiskSpecParser, Cdroms)
{
    auto disk = ok(",hdc:cdrom,r");
    EXPECT_EQ(disk.target, "");
    EXPECT_EQ(disk.vdev, "hdc");
    EXPECT_EQ(disk.format, XlDiskFormat::Empty);
    EXPECT_TRUE(disk.cdrom);
    EXPECT_TRUE(disk.removable);
    EXPECT_FALSE(disk.readwrite);
    disk = ok("/x.iso,raw,hdc,cdrom");
    EXPECT_TRUE(disk.cdrom);
    EXPECT_EQ(disk.format, XlDiskFormat::Raw);
    EXPECT_TRUE(ok("/a,raw,xvda,devtype=cdrom").cdrom);
    EXPECT_TRUE(ok("/a,raw,xvda:cdrom").cdrom);
    EXPECT_FALSE(ok("devtype=disk,/a,raw,xvda").cdrom);
    EXPECT_EQ(ok(",hdc:disk").format, XlDiskFormat::Empty);
    EXPECT_FALSE(ok("devtype=cdrom,vdev=hdc").target.has_value());
}

TEST(XlDiskSpecParser, Errors)
{
    EXPECT_EQ(error_of("/a"), "disk spec '/a': no vdev specified");
    EXPECT_EQ(error_of(""), "disk spec '': no vdev specified");
    EXPECT_EQ(error_of("vdev=xvda"), "disk spec 'vdev=xvda': no target specified (and the device is not removable)");
    EXPECT_EQ(error_of("/a,xvda"), "disk spec '/a,xvda': unknown value for format (raw, qcow, qcow2, vhd, qed, empty) near 'xvda'");
    EXPECT_EQ(error_of("/a,raw,xvda,x"), "disk spec '/a,raw,xvda,x': unknown value for access (r, ro, w, rw) near 'x'");
    EXPECT_EQ(error_of("/a,,xvda,w,extra"),
              "disk spec '/a,,xvda,w,extra': too many positional parameters (target,format,vdev,access) near 'extra'");
    EXPECT_EQ(error_of("foo=x,/a,xvda"), "disk spec 'foo=x,/a,xvda': unknown parameter near 'foo=x,'");
    EXPECT_EQ(error_of("fmt=qcow,/a,xvda"), "disk spec 'fmt=qcow,/a,xvda': unknown parameter near 'fmt=q'");
    EXPECT_EQ(error_of("mode=r,/a,raw,xvda"), "disk spec 'mode=r,/a,raw,xvda': unknown parameter near 'mode=r,'");
    EXPECT_EQ(error_of("=,xvda"), "disk spec '=,xvda': bad disk syntax near '=,xvda'");
    EXPECT_EQ(error_of("x:/a,xvda"), "disk spec 'x:/a,xvda': unknown deprecated disk prefix near 'x:'");
    EXPECT_EQ(error_of("qed:/a,xvda"), "disk spec 'qed:/a,xvda': unknown deprecated disk prefix near 'qed:'");
    EXPECT_EQ(error_of("vdev=xvda,vdev=xvdb,/a"), "disk spec 'vdev=xvda,vdev=xvdb,/a': vdev respecified near 'xvdb'");
    EXPECT_EQ(error_of("/a,target=/b"), "disk spec '/a,target=/b': target respecified near '/b'");
    EXPECT_EQ(error_of("script=a,iscsi:/x,xvda"), "disk spec 'script=a,iscsi:/x,xvda': script respecified near 'block-iscsi'");
    EXPECT_EQ(error_of("backend=a,backend=b,/x,,xvda"), "disk spec 'backend=a,backend=b,/x,,xvda': backend respecified near 'b'");
    EXPECT_EQ(error_of("/a,raw,xvda:foo"), "disk spec '/a,raw,xvda:foo': unknown deprecated type (cdrom or disk) near 'foo'");
    EXPECT_EQ(error_of("vdev=hdc,devtype=cdromx"), "disk spec 'vdev=hdc,devtype=cdromx': unknown value for devtype (cdrom or disk) near 'devtype=cdromx'");
    EXPECT_NE(error_of("backendtype=foo,/a,raw,xvda").find("unknown value for backendtype"), std::string::npos);
    EXPECT_NE(error_of("specification=foo,/a,raw,xvda").find("unknown value for specification"), std::string::npos);
    EXPECT_NE(error_of("colo-port=x,/a,,xvda").find("unknown value for colo-port"), std::string::npos);
    EXPECT_NE(error_of("trusted,/a,,xvda").find("unknown value for format"), std::string::npos);  // not in xl 4.17
    EXPECT_NE(error_of("access=x,/a,,xvda").find("unknown value for access"), std::string::npos);
    EXPECT_NE(error_of("format=x,/a,xvda").find("unknown value for format"), std::string::npos);
    EXPECT_NE(error_of("phy:").find("no vdev"), std::string::npos);
    EXPECT_EQ(error_of("format=raw,qcow2:/x,xvda"), "disk spec 'format=raw,qcow2:/x,xvda': format respecified near 'qcow2'");
    EXPECT_EQ(error_of("/a,=\n"), "disk spec '/a,=\n': bad disk syntax (a stray character before a newline) near '='");
    // The first error is reported even when xl's scan goes on past it.
    EXPECT_EQ(error_of("foo=x,vdev=a,vdev=b"), "disk spec 'foo=x,vdev=a,vdev=b': unknown parameter near 'foo=x,'");
}

TEST(XlDiskSpecParser, XlQuirksKept)
{
    EXPECT_EQ(ok("/a,raw,xvda,=").vdev, "xvda");  // a stray last byte is ignored
    EXPECT_EQ(ok("format=raw,format=raw,/x,xvda").format, XlDiskFormat::Raw);  // repeating is fine
}

}  // namespace
}  // namespace nimbus
