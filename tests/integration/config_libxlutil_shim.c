/* config_libxlutil_shim: libxlutil's config, disk and rate parsers, printed canonically. */
#include "config_libxlutil_shim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxlutil.h>

static FILE *quiet(void)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    return sink;
}

static void put_text(FILE *out, const char *text)
{
    const unsigned char *p;
    fputc('"', out);
    for (p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
            fprintf(out, "\\x%02x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void put_value(XLU_Config *cfg, XLU_ConfigValue *value, FILE *out)
{
    if (xlu_cfg_value_type(value) == XLU_STRING) {
        char *text = NULL;
        xlu_cfg_value_get_string(cfg, value, &text, 1);
        put_text(out, text ? text : "");
    } else {
        XLU_ConfigList *list = NULL;
        int i;
        xlu_cfg_value_get_list(cfg, value, &list, 1);
        fputc('[', out);
        for (i = 0;; i++) {
            XLU_ConfigValue *item = xlu_cfg_get_listitem2(list, i);
            if (!item)
                break;
            if (i)
                fputs(", ", out);
            put_value(cfg, item, out);
        }
        fputc(']', out);
    }
}

int shim_cfg_dump(const char *data, int length, const char *const *keys, char **dump)
{
    XLU_Config *cfg = xlu_cfg_init(quiet(), "corpus");
    size_t size = 0;
    FILE *out;
    int rc;
    if (!cfg)
        return ENOMEM;
    rc = xlu_cfg_readdata(cfg, data, length);
    if (rc) {
        xlu_cfg_destroy(cfg);
        return rc;
    }
    out = open_memstream(dump, &size);
    for (; *keys; keys++) {
        const char *text = NULL;
        XLU_ConfigList *list = NULL;
        long number = 0;
        int e = xlu_cfg_get_string(cfg, *keys, &text, 1);
        fprintf(out, "%s: ", *keys);
        if (e == ESRCH) {
            fputs("unset\n", out);
            continue;
        }
        if (e == 0) {
            put_text(out, text);
        } else if (xlu_cfg_get_list(cfg, *keys, &list, NULL, 1) == 0) {
            int i;
            fputc('[', out);
            for (i = 0;; i++) {
                XLU_ConfigValue *item = xlu_cfg_get_listitem2(list, i);
                if (!item)
                    break;
                if (i)
                    fputs(", ", out);
                put_value(cfg, item, out);
            }
            fputc(']', out);
        } else {
            fputs("unreadable", out);
        }
        fprintf(out, "\n%s#: ", *keys);
        e = xlu_cfg_get_long(cfg, *keys, &number, 1);
        if (e == 0)
            fprintf(out, "%ld\n", number);
        else
            fprintf(out, "%s\n", e == ERANGE ? "ERANGE" : "EINVAL");
    }
    fclose(out);
    xlu_cfg_destroy(cfg);
    return 0;
}

int shim_disk_dump(const char *spec, char **dump)
{
    XLU_Config *cfg = xlu_cfg_init(quiet(), "disk");
    libxl_device_disk disk;
    size_t size = 0;
    FILE *out;
    int rc;
    if (!cfg)
        return ENOMEM;
    libxl_device_disk_init(&disk);
    rc = xlu_disk_parse(cfg, 1, &spec, &disk);
    if (rc == 0) {
        out = open_memstream(dump, &size);
        fputs("target=", out);
        if (disk.pdev_path)
            put_text(out, disk.pdev_path);
        else
            fputs("null", out);
        fputs(" vdev=", out);
        if (disk.vdev)
            put_text(out, disk.vdev);
        else
            fputs("null", out);
        fprintf(out, " format=%d readwrite=%d cdrom=%d removable=%d backend=%d specification=%d direct_io_safe=%d script=",
                (int)disk.format, disk.readwrite, disk.is_cdrom, disk.removable, (int)disk.backend,
                (int)disk.specification, (int)disk.direct_io_safe);
        if (disk.script)
            put_text(out, disk.script);
        else
            fputs("null", out);
        fputs(" backend_domain=", out);
        if (disk.backend_domname)
            put_text(out, disk.backend_domname);
        else
            fputs("null", out);
        fclose(out);
    }
    libxl_device_disk_dispose(&disk);
    xlu_cfg_destroy(cfg);
    return rc;
}

int shim_rate_ok(const char *rate)
{
    XLU_Config *cfg = xlu_cfg_init(quiet(), "rate");
    libxl_device_nic nic;
    int rc;
    libxl_device_nic_init(&nic);
    errno = 0; /* xlu_vif_parse_rate reads errno after strtoull without clearing it */
    rc = xlu_vif_parse_rate(cfg, rate, &nic);
    libxl_device_nic_dispose(&nic);
    xlu_cfg_destroy(cfg);
    return rc == 0;
}
