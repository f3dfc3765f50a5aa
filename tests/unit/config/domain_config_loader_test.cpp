// load_domain_config: the seed's guest1.cfg, overrides, paths, the command line, and every error path.
#include "config/domain_config_loader.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "tests/unit/block/block_test_support.hpp"

namespace nimbus {
namespace {

constexpr const char* kSeedGuest = R"(name="guest1"
vcpus=1
memory=1024
builder="pv"
disk = ['tap:aio:/home/artem/guest1.img,xvdb1,w', 'tap:aio:/home/artem/guest1.swap,xvdb2,w']
kernel="/boot/vmlinuz-5.3.0-28-generic"
ramdisk="/boot/initrd.img-5.3.0-28-generic"
root="/dev/xvdb1 rw"
vif = [ '' ]
extra='xencons=tty'
)";

class LoaderTest : public ::testing::Test {
protected:
    std::string write(const std::string& text, const std::string& name = "guest.cfg")
    {
        std::string path = m_dir.file(name);
        std::ofstream(path) << text;
        return path;
    }
    Result<LoadedConfig> load(const std::string& text, std::vector<std::string> overrides = {})
    {
        return load_domain_config(write(text), overrides);
    }
    std::string error_of(const std::string& text, std::vector<std::string> overrides = {})
    {
        auto result = load(text, std::move(overrides));
        EXPECT_FALSE(result) << text;
        return result ? std::string() : result.error().message();
    }
    static bool has(const std::vector<std::string>& lines, const std::string& part)
    {
        for (const auto& line : lines)
            if (line.find(part) != std::string::npos)
                return true;
        return false;
    }

    testing::TempDir m_dir;
};

constexpr const char* kMinimal = "name='g'\nkernel='vmlinux'\n";

TEST_F(LoaderTest, SeedGuestConfigVerbatim)
{
    auto loaded = load(kSeedGuest);
    ASSERT_TRUE(loaded) << loaded.error().message();
    const DomainConfig& config = loaded->config;
    EXPECT_EQ(config.name, "guest1");
    EXPECT_EQ(config.type, GuestType::Pv);
    EXPECT_EQ(config.vcpus, 1u);
    EXPECT_EQ(config.memory_mib, 1024u);
    EXPECT_EQ(config.kernel, "/boot/vmlinuz-5.3.0-28-generic");
    EXPECT_EQ(config.ramdisk, "/boot/initrd.img-5.3.0-28-generic");
    ASSERT_EQ(config.disks.size(), 2u);
    EXPECT_EQ(config.disks[0].target, "/home/artem/guest1.img");
    EXPECT_EQ(config.disks[0].vdev, "xvdb1");
    EXPECT_EQ(config.disks[0].guest_device, "/dev/vda");
    EXPECT_EQ(config.disks[0].format, DiskFormat::Raw);
    EXPECT_EQ(config.disks[0].access, DiskAccess::ReadWrite);
    EXPECT_EQ(config.disks[1].guest_device, "/dev/vdb");
    ASSERT_EQ(config.vifs.size(), 1u);
    EXPECT_EQ(config.vifs[0].bridge, "xenbr0");
    EXPECT_EQ(config.cmdline, "root=/dev/vda rw xencons=tty console=ttyS0");
    EXPECT_TRUE(has(loaded->notices, "builder=pv: booted under KVM by direct kernel boot"));
    EXPECT_TRUE(has(loaded->notices, "root=/dev/xvdb1 is disk '/home/artem/guest1.img', which the guest sees as /dev/vda"));
    EXPECT_TRUE(has(loaded->notices, "console=ttyS0 added"));
    EXPECT_TRUE(loaded->warnings.empty());
    EXPECT_EQ(config.config_path, m_dir.file("guest.cfg"));
}

TEST_F(LoaderTest, RelativePathsAndOverrides)
{
    auto loaded = load(std::string(kMinimal) + "ramdisk='../initrd'\ndisk=['img/root.qcow2,qcow2,xvda,r']\nmemory=256\n",
                       {"memory=2048", "vcpus=2", "disk+=['/abs.img,raw,xvdc']", "cmdline=\"console=hvc0 quiet\""});
    ASSERT_TRUE(loaded) << loaded.error().message();
    const DomainConfig& config = loaded->config;
    std::string folder = m_dir.file("");
    EXPECT_EQ(config.kernel, folder + "vmlinux");
    EXPECT_EQ(config.ramdisk, std::filesystem::path(folder + "../initrd").lexically_normal().string());
    ASSERT_EQ(config.disks.size(), 2u);
    EXPECT_EQ(config.disks[0].target, folder + "img/root.qcow2");
    EXPECT_EQ(config.disks[0].format, DiskFormat::Qcow2);
    EXPECT_EQ(config.disks[0].access, DiskAccess::ReadOnly);
    EXPECT_EQ(config.disks[1].target, "/abs.img");
    EXPECT_EQ(config.memory_mib, 2048u);
    EXPECT_EQ(config.vcpus, 2u);
    EXPECT_EQ(config.cmdline, "console=hvc0 quiet");
    EXPECT_FALSE(has(loaded->notices, "console=ttyS0 added"));
}

TEST_F(LoaderTest, DeviceOrderFollowsVdevIndexThenConfigOrder)
{
    auto loaded = load(std::string(kMinimal) +
                       "disk=['/c,raw,xvdc','/b2,raw,xvdb2','/a,raw,hda','/b1,raw,xvdb1']\nroot='/dev/xvdb2'\n");
    ASSERT_TRUE(loaded) << loaded.error().message();
    const auto& disks = loaded->config.disks;
    ASSERT_EQ(disks.size(), 4u);
    EXPECT_EQ(disks[0].target, "/a");
    EXPECT_EQ(disks[1].target, "/b1");
    EXPECT_EQ(disks[2].target, "/b2");
    EXPECT_EQ(disks[3].target, "/c");
    EXPECT_EQ(disks[3].guest_device, "/dev/vdd");
    EXPECT_EQ(loaded->config.cmdline, "root=/dev/vdc console=ttyS0");
}

TEST_F(LoaderTest, DefaultsAndXlNumbers)
{
    auto loaded = load(std::string(kMinimal) + "memory='0x100'\nvcpus=\"02\"\ntype='pvh'\non_reboot='destroy'\non_crash='preserve'\n"
                                               "uuid='01234567-89ab-cdef-0123-456789ABCDEF'\nserial='pty'\nextra='quiet'\n");
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->config.memory_mib, 256u);
    EXPECT_EQ(loaded->config.vcpus, 2u);
    EXPECT_EQ(loaded->config.type, GuestType::Pvh);
    EXPECT_EQ(loaded->config.on_reboot, EventAction::Destroy);
    EXPECT_EQ(loaded->config.on_crash, EventAction::Preserve);
    EXPECT_EQ(loaded->config.on_poweroff, EventAction::Destroy);
    EXPECT_EQ(loaded->config.cmdline, "quiet console=ttyS0");
    EXPECT_EQ(loaded->config.serial, "pty");
    EXPECT_TRUE(loaded->notices.size() == 1u);  // pvh: no boot-method notice
}

TEST_F(LoaderTest, WarningsForUnknownIgnoredAndLenientKeys)
{
    auto loaded = load(std::string(kMinimal) + "foo_bar=1\nvnc=1\npci=[]\nmaxmem=1024\nmemory=512\nmaxvcpus=4\n"
                                               "cmdline='x'\nroot='/dev/xvda'\nserial='file:/tmp/x'\ndisk=[',hdc:cdrom,r']\n"
                                               "vif=['mtu=9000']\ntype='hvm'\nbuilder='hvm'\n");
    ASSERT_TRUE(loaded) << loaded.error().message();
    const auto& warnings = loaded->warnings;
    EXPECT_TRUE(has(warnings, "guest.cfg:3:1: unknown key 'foo_bar' ignored")) << warnings.size();
    EXPECT_TRUE(has(warnings, "vnc= is not supported by nimbus and is ignored"));
    EXPECT_TRUE(has(warnings, "pci is empty; ignored"));
    EXPECT_TRUE(has(warnings, "no ballooning"));
    EXPECT_TRUE(has(warnings, "no CPU hotplug"));
    EXPECT_TRUE(has(warnings, "root= and extra= are ignored"));
    EXPECT_TRUE(has(warnings, "serial='file:/tmp/x' ignored"));
    EXPECT_TRUE(has(warnings, "empty cdrom drive"));
    EXPECT_TRUE(has(warnings, "mtu= is not supported"));
    EXPECT_TRUE(has(warnings, "builder= ignored because type= is set"));
    EXPECT_TRUE(has(loaded->notices, "type=hvm: booted under KVM by direct kernel boot"));
    EXPECT_TRUE(loaded->config.disks.empty());
}

TEST_F(LoaderTest, FileErrors)
{
    auto missing = load_domain_config(m_dir.file("absent.cfg"), {});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().message().find("open config file " + m_dir.file("absent.cfg")), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + std::string(1 << 20, '\n')).find("larger than"), std::string::npos);
    auto directory = load_domain_config(m_dir.file(""), {});
    ASSERT_FALSE(directory);
    EXPECT_NE(directory.error().message().find("read config file"), std::string::npos) << directory.error().message();
    EXPECT_EQ(error_of("name='g'\nkernel=vmlinux\n"),
              m_dir.file("guest.cfg") + ":2:8: expected a value (a quoted string, a number or a '[' list), found a key name 'vmlinux'");
}

TEST_F(LoaderTest, OverrideErrors)
{
    EXPECT_EQ(error_of(kMinimal, {"memory"}), "override 'memory': not KEY=VALUE");
    EXPECT_EQ(error_of(kMinimal, {"name=guest2"}),
              "override 'name=guest2':1:6: expected a value (a quoted string, a number or a '[' list), found a key name 'guest2'");
    EXPECT_NE(error_of(kMinimal, {"memory=x1"}).find("override 'memory=x1':1:8: expected a value"), std::string::npos);
    // Each override is a line of its own, as xl appends it: a stray last character is an error there.
    EXPECT_NE(error_of(kMinimal, {"memory=1@"}).find("override 'memory=1@':1:9: unexpected '@'"), std::string::npos);
    EXPECT_TRUE(load(kMinimal, {"memory=64 # a comment"}));
}

TEST_F(LoaderTest, KeyErrors)
{
    std::string file = m_dir.file("guest.cfg");
    EXPECT_EQ(error_of("kernel='k'\n"), "config: name= is missing (every guest needs a name)");
    EXPECT_EQ(error_of("name='g'\n"), "config: kernel= is missing: nimbus boots guests only by direct kernel boot (no firmware, no bootloader)");
    EXPECT_EQ(error_of("name='a/b'\nkernel='k'\n").substr(0, file.size() + 14), file + ":1:1: name: 'a");
    EXPECT_NE(error_of("name='123'\nkernel='k'\n").find("all digits"), std::string::npos);
    EXPECT_NE(error_of("name=''\nkernel='k'\n").find("1 to 64"), std::string::npos);
    EXPECT_NE(error_of("name='..'\nkernel='k'\n").find("not a usable name"), std::string::npos);
    EXPECT_NE(error_of("name=['g']\nkernel='k'\n").find("name: expected a single value, found a list"), std::string::npos);
    EXPECT_EQ(error_of(std::string(kMinimal) + "type='xen'\n"), file + ":3:1: type: 'xen' is not pv, pvh or hvm");
    EXPECT_NE(error_of(std::string(kMinimal) + "builder='foo'\n").find("builder: 'foo' is not"), std::string::npos);
    EXPECT_EQ(error_of(std::string(kMinimal) + "memory='1G'\n"), file + ":3:1: memory: '1G' is not a number");
    EXPECT_EQ(error_of(std::string(kMinimal) + "memory=0\n"), file + ":3:1: memory: 0 is outside 1..16777216");
    EXPECT_NE(error_of(std::string(kMinimal) + "memory='99999999999999999999'\n").find("out of range"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "memory=[1]\n").find("memory: expected a number, found a list"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "memory=1\nmemory+=2\n").find("+= cannot be used with a number"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "vcpus=256\n").find("vcpus: 256 is outside 1..255"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "vcpus=2\nmaxvcpus=1\n").find("maxvcpus: 1 is less than vcpus=2"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "memory=512\nmaxmem=256\n").find("maxmem: 256 MiB is less than memory=512 MiB"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "on_crash='explode'\n").find("on_crash: 'explode' is not destroy"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "uuid='1234'\n").find("uuid: '1234' is not a UUID"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "uuid='0123456789ab-cdef-0123-456789abcdef0'\n").find("not a UUID"), std::string::npos);
    EXPECT_NE(error_of("name='g'\nkernel=''\n").find("kernel= is missing"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "serial=[['pty']]\n").find("serial: expected a single value, found a list"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "cmdline=['x']\n").find("cmdline: expected a single value"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "vif='bridge=br0'\n").find("vif: expected a list"), std::string::npos);
}

TEST_F(LoaderTest, UnsupportedKeysAreErrors)
{
    std::string file = m_dir.file("guest.cfg");
    EXPECT_EQ(error_of(std::string(kMinimal) + "bootloader='pygrub'\n"),
              file + ":3:1: bootloader= is not supported by nimbus: nimbus boots only by direct kernel boot: set kernel= (and ramdisk=) instead");
    EXPECT_EQ(error_of(std::string(kMinimal) + "pci=['0000:01:00.0']\n"), file + ":3:1: pci= is not supported by nimbus: PCI passthrough is not supported");
    EXPECT_NE(error_of(std::string(kMinimal) + "usbdev=['hostbus=1']\n").find("USB passthrough"), std::string::npos);
}

TEST_F(LoaderTest, DiskAndVifErrorsNameEntryAndField)
{
    std::string file = m_dir.file("guest.cfg");
    EXPECT_EQ(error_of(std::string(kMinimal) + "disk=['/a,raw,xvda', '/b,vhd,xvdb']\n"),
              file + ":3:22: disk: field format: vhd images are not supported (raw and qcow2 are)");
    EXPECT_EQ(error_of(std::string(kMinimal) + "disk=['/a,bogus,xvda']\n"),
              file + ":3:7: disk: disk spec '/a,bogus,xvda': unknown value for format (raw, qcow, qcow2, vhd, qed, empty) near 'bogus'");
    EXPECT_NE(error_of(std::string(kMinimal) + "disk=['/a,raw,xvda1x']\n").find("field vdev: vdev 'xvda1x': not a Xen disk name"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "disk=['/a,raw,hde']\n").find("field vdev"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "disk=['/a,raw,xvda','/b,raw,hda']\n").find("used by two disk= entries"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "disk=['iscsi:/a,xvda']\n").find("field script: block scripts"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "disk=['colo,/a,raw,xvda']\n").find("COLO"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "disk='/a,raw,xvda'\n").find("disk: expected a list"), std::string::npos);
    EXPECT_NE(error_of(std::string(kMinimal) + "disk=[['/a']]\n").find("disk: expected a string in the list, found a list"), std::string::npos);
    EXPECT_EQ(error_of(std::string(kMinimal) + "vif=['bridge=br0,mac=zz']\n"),
              file + ":3:6: vif: vif spec 'bridge=br0,mac=zz': field mac: 'zz' is not six hex octets like 00:16:3e:12:34:56");
    EXPECT_NE(error_of(std::string(kMinimal) + "vif=['colour=red']\n").find("unknown field 'colour'"), std::string::npos);
}

}  // namespace
}  // namespace nimbus
