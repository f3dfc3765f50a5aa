/* config_libxlutil_shim: libxlutil's results as canonical text, for the differential test (C, so
 * the C++ test does not include libxl.h). */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Parses `data` with xlu_cfg_readdata. Returns 0 and sets *dump (malloc'd) to one line per key in
 * `keys` (NULL-terminated): "KEY: <value>" where value is "unset", "\"text\"" or "[v, v]", then
 * "KEY#: <number>|EINVAL|ERANGE" as xlu_cfg_get_long reads it; or returns libxlutil's error code. */
int shim_cfg_dump(const char *data, int length, const char *const *keys, char **dump);

/* Parses one disk spec with xlu_disk_parse. Returns 0 and sets *dump (malloc'd) to the fields, or
 * returns libxlutil's error code. */
int shim_disk_dump(const char *spec, char **dump);

/* 1 when xlu_vif_parse_rate accepts `rate`. */
int shim_rate_ok(const char *rate);

#ifdef __cplusplus
}
#endif
