// Fake: only the line scripts/firmware-id.sh reads the Python language version from.
static const MP_DEFINE_STR_OBJ(mp_sys_version_obj, "3.4.0; " MICROPY_BANNER_NAME_AND_VERSION);
