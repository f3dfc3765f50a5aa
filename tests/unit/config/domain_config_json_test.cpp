// domain_config_to_json: every field under its documented name.
#include "config/domain_config_json.hpp"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

TEST(DomainConfigJson, EveryField)
{
    DomainConfig config;
    config.name = "guest1";
    config.uuid = "01234567-89ab-cdef-0123-456789abcdef";
    config.type = GuestType::Hvm;
    config.vcpus = 2;
    config.maxvcpus = 4;
    config.memory_mib = 1024;
    config.maxmem_mib = 2048;
    config.kernel = "/k";
    config.ramdisk = "/r";
    config.cmdline = "root=/dev/vda console=ttyS0";
    config.serial = "pty";
    config.on_reboot = EventAction::RenameRestart;
    config.on_crash = EventAction::CoredumpRestart;
    config.config_path = "/etc/xen/guest1.cfg";
    config.disks.push_back(DiskConfig{"/img", DiskFormat::Qcow2, "xvdb1", DiskAccess::ReadOnly, true, "/dev/vda", 1, 1});
    VifConfig vif;
    vif.mac = "00:16:3e:00:00:01";
    config.vifs.push_back(vif);

    nlohmann::json json = domain_config_to_json(config);
    EXPECT_EQ(json["name"], "guest1");
    EXPECT_EQ(json["uuid"], config.uuid);
    EXPECT_EQ(json["type"], "hvm");
    EXPECT_EQ(json["vcpus"], 2);
    EXPECT_EQ(json["maxvcpus"], 4);
    EXPECT_EQ(json["memory_mib"], 1024);
    EXPECT_EQ(json["maxmem_mib"], 2048);
    EXPECT_EQ(json["kernel"], "/k");
    EXPECT_EQ(json["ramdisk"], "/r");
    EXPECT_EQ(json["cmdline"], "root=/dev/vda console=ttyS0");
    EXPECT_EQ(json["serial"], "pty");
    EXPECT_EQ(json["on_poweroff"], "destroy");
    EXPECT_EQ(json["on_reboot"], "rename-restart");
    EXPECT_EQ(json["on_crash"], "coredump-restart");
    EXPECT_EQ(json["config_path"], "/etc/xen/guest1.cfg");
    ASSERT_EQ(json["disks"].size(), 1u);
    EXPECT_EQ(json["disks"][0]["target"], "/img");
    EXPECT_EQ(json["disks"][0]["format"], "qcow2");
    EXPECT_EQ(json["disks"][0]["vdev"], "xvdb1");
    EXPECT_EQ(json["disks"][0]["access"], "ro");
    EXPECT_EQ(json["disks"][0]["cdrom"], true);
    EXPECT_EQ(json["disks"][0]["guest_device"], "/dev/vda");
    EXPECT_EQ(json["disks"][0]["xen_disk_index"], 1);
    EXPECT_EQ(json["disks"][0]["xen_partition"], 1);
    ASSERT_EQ(json["vifs"].size(), 1u);
    EXPECT_EQ(json["vifs"][0]["mac"], "00:16:3e:00:00:01");
    EXPECT_EQ(json["vifs"][0]["bridge"], "xenbr0");
    for (const char* key : {"ip", "model", "rate", "script", "vifname", "type"})
        EXPECT_EQ(json["vifs"][0][key], "") << key;
    EXPECT_EQ(json.size(), 17u);
}

TEST(DomainConfigJson, EnumNames)
{
    EXPECT_STREQ(to_string(GuestType::Pv), "pv");
    EXPECT_STREQ(to_string(GuestType::Pvh), "pvh");
    EXPECT_STREQ(to_string(EventAction::Preserve), "preserve");
    EXPECT_STREQ(to_string(EventAction::SoftReset), "soft-reset");
    EXPECT_STREQ(to_string(EventAction::CoredumpDestroy), "coredump-destroy");
    EXPECT_STREQ(to_string(EventAction::Restart), "restart");
}

}  // namespace
}  // namespace nimbus
