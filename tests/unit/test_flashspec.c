/* Unit tests: the JSON reader (tools/lib/jsonval.c) and mp-flash's board specs and flasher command
 * lines (tools/mp-flash/spec.c, flasher.c) for every shipped board, against the command lines of the
 * reference (boards/README.md). Run from the top of the project. */
#include "jsonval.h"
#include "mp-flash.h"
#include "tap.h"
#include "udevutil.h"

#include <stdlib.h>
#include <string.h>

static void json_cases(void)
{
	struct jv v;
	size_t line = 0, col = 0;
	const char *good = "{\"a\": [1, -2.5e1, true, false, null, \"x\\u00e9\\ud83d\\ude00\"],\n \"b\": {\"c\": \"\"}, \"a\": 7}";
	CHECK(jv_parse(good, strlen(good), &v, &line, &col) == 0, "a nested document parses");
	double d = 0;
	CHECK(jv_num(&v, "a", &d) == 0 && d == 7, "a repeated key: the last one counts");
	const struct jv *arr = &v.items[0];
	CHECK(arr->type == JV_ARRAY && arr->n == 6 && arr->items[1].number == -25, "array members and numbers");
	CHECK(arr->items[2].type == JV_BOOL && arr->items[2].boolean && arr->items[4].type == JV_NULL, "literals");
	CHECK(strcmp(arr->items[5].string, "x\xc3\xa9\xf0\x9f\x98\x80") == 0, "\\u escapes and surrogate pairs to UTF-8");
	CHECK(jv_str(jv_get(&v, "b"), "c") && strcmp(jv_str(jv_get(&v, "b"), "c"), "") == 0, "an empty string");
	CHECK(jv_get(&v, "b")->line == 2, "values know their line (%zu)", jv_get(&v, "b")->line);
	CHECK(jv_str(&v, "missing") == NULL && jv_num(&v, "b", &d) == -1, "absent and mistyped members");
	jv_free(&v);

	static const struct {
		const char *text;
		size_t line, col;
	} bad[] = {
		{"", 1, 1},           {"{", 1, 2},          {"{\"a\" 1}", 1, 6},   {"[1,]", 1, 4},
		{"\n\n  [1 2]", 3, 6}, {"\"\\ud800\"", 1, 8}, {"{} x", 1, 4},      {"[01x]", 1, 4},
		{"\"a\nb\"", 1, 4},   {"tru", 1, 1},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int rc = jv_parse(bad[i].text, strlen(bad[i].text), &v, &line, &col);
		CHECK(rc == -1 && line == bad[i].line && col == bad[i].col, "bad JSON %zu refused at %zu:%zu (got %zu:%zu)",
		      i, bad[i].line, bad[i].col, line, col);
	}
	char deep[200];
	memset(deep, '[', sizeof deep);
	CHECK(jv_parse(deep, sizeof deep, &v, &line, &col) == -1, "nesting deeper than 64 is refused");
}

static char *cmdline(const char *board, const char *fw, const char *tty, long bus, long dev, const char *serial)
{
	struct board_spec s;
	char *path = malloc(strlen(board) + 20);
	sprintf(path, "boards/%s.json", board);
	char *text = NULL;
	if (spec_load(path, &s) == 0) {
		char **argv = flasher_argv(&s, NULL, fw, tty, bus, dev, serial);
		text = argv_text(argv);
		argv_free(argv);
	}
	spec_free(&s);
	free(path);
	return text;
}

static void command_lines(void)
{
	static const struct {
		const char *board, *fw, *want;
	} cases[] = {
		{"RPI_PICO", "fw/firmware.uf2", "picotool load --update --bus 3 --address 17 --execute fw/firmware.uf2"},
		{"RPI_PICO2", "f.uf2", "picotool load --update --bus 3 --address 17 --execute f.uf2"},
		{"PYBV11", "f.dfu", "dfu-util --serial 3276378B3034 --download f.dfu"},
		{"NUCLEO_WB55", "f.dfu", "dfu-util --serial 3276378B3034 --download f.dfu"},
		{"ESP32_DEVKIT", "f.bin",
		 "esptool --port=/dev/ttyUSB0 --chip=esp32 --baud=460800 write-flash 0x1000 --no-progress --compress f.bin"},
		{"ESP32_C3_DEVKIT", "f.bin",
		 "esptool --port=/dev/ttyUSB0 --chip=esp32c3 --baud=921600 write-flash 0x0 --no-progress --compress f.bin"},
		{"ESP32_S3_DEVKIT", "f.bin",
		 "esptool --port=/dev/ttyUSB0 --chip=esp32s3 --baud=460800 write-flash 0x0 --no-progress --compress f.bin"},
		{"LOLIN_C3_MINI", "f.bin",
		 "esptool --port=/dev/ttyUSB0 --chip=esp32c3 --baud=460800 write-flash 0x0 --no-progress --compress f.bin"},
		{"LOLIN_D1_MINI", "f.bin",
		 "esptool --port=/dev/ttyUSB0 --chip=esp8266 --baud=1000000 write-flash 0x0 --no-progress --compress "
		 "--flash-size=4MB --flash-mode=dio f.bin"},
		{"ARDUINO_NANO_33", "f.bin",
		 "bossac --erase --write --info --usb-port --reset --offset=0x16000 --port /dev/ttyUSB0 f.bin"},
		{"ADA_ITSYBITSY_M0", "f.bin",
		 "bossac --erase --write --info --verify --reset --offset=0x2000 --port /dev/ttyUSB0 f.bin"},
		{"TEENSY40", "f.hex", "teensy_loader_cli --mcu=imxrt1062 -v -w f.hex"},
		{"RPI_PICO", "my firmware.uf2", "picotool load --update --bus 3 --address 17 --execute 'my firmware.uf2'"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = cmdline(cases[i].board, cases[i].fw, "/dev/ttyUSB0", 3, 17, "3276378B3034");
		CHECK(got && strcmp(got, cases[i].want) == 0, "%s: %s", cases[i].board, got ? got : "(spec not loaded)");
		free(got);
	}
}

static void spec_fields(void)
{
	struct board_spec s;
	CHECK(spec_load("boards/ARDUINO_NANO_33.json", &s) == 0 && s.seq == SEQ_PULSES && s.npulses == 3 &&
		      s.pulses[0] == 500 && s.pulses[2] == 100 && !s.boot_usb && s.boot_id == UDEVU_ID(0x2341, 0x005a),
	      "nRF52: double-tap pulses, boot tty 2341:005a");
	spec_free(&s);
	CHECK(spec_load("boards/TEENSY40.json", &s) == 0 && s.boot_bind && s.boot_usb && s.exclusive && s.seq == SEQ_HOLD,
	      "Teensy: bound boot device, exclusive flasher, relay held");
	spec_free(&s);
	CHECK(spec_load("boards/LOLIN_D1_MINI.json", &s) == 0 && s.boot_id == 0 && s.app_id == UDEVU_ID(0x1a86, 0x7523) &&
		      s.settle_ms == 1000,
	      "ESP8266: no boot device of its own, settle 1 s");
	spec_free(&s);
	CHECK(spec_load("boards/ESP32_S3_DEVKIT.json", &s) == 0 && s.timeout_ms == 60000 && s.udev_wait_ms == 6000 &&
		      s.settle_ms == 2000,
	      "ESP32-S3: 60 s flash limit, 6 s udev wait, 2 s settle");
	spec_free(&s);
	CHECK(spec_load("boards/VIRTUAL_WASM.json", &s) == 0 && strcmp(s.program, "none") == 0, "a virtual board: no flasher");
	spec_free(&s);
	CHECK(spec_load("boards/NO_SUCH_BOARD.json", &s) == -1, "a missing spec is an error");
	spec_free(&s);
}

int main(void)
{
	json_cases();
	command_lines();
	spec_fields();
	return tap_done();
}
