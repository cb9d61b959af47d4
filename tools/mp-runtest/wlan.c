/* --wlan-join: connect the board to the WLAN named by WLAN_SSID / WLAN_PASS in the environment before
 * network tests. The credentials go to the board inside the code and nowhere else: the byte trace is
 * off while it is sent, and no message or result names them. */
#include "boardfs.h"
#include "exitcodes.h"
#include "runtest.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JOIN_S 20 /* how long the board may take to connect */

int wlan_join(struct repl *r, const struct options *o)
{
	const char *ssid = getenv("WLAN_SSID"), *pass = getenv("WLAN_PASS");
	if (!ssid || !*ssid) {
		tb_warn("%s: --wlan-join needs WLAN_SSID (and WLAN_PASS) in the environment", o->board);
		return TB_EXIT_USAGE;
	}
	struct buf code = BUF_INIT, out = BUF_INIT;
	char why[256] = "";
	int rc = TB_EXIT_BOARD, verbose = r->verbose;
	buf_adds(&code, "import network, time\nw = network.WLAN(network.STA_IF)\nw.active(True)\nw.connect(");
	boardfs_bytes_literal(&code, (const uint8_t *)ssid, strlen(ssid));
	buf_adds(&code, ".decode(), ");
	boardfs_bytes_literal(&code, (const uint8_t *)(pass ? pass : ""), pass ? strlen(pass) : 0);
	buf_printf(&code, ".decode())\nfor i in range(%d):\n if w.isconnected():\n  break\n time.sleep_ms(100)\n"
			  "print(w.ifconfig()[0] if w.isconnected() else 'not connected')\n", JOIN_S * 10);
	if (repl_enter(r, 1, o->enter_timeout_ms) != REPL_OK) {
		tb_warn("%s: cannot join the WLAN: could not enter raw REPL (%s)", o->board, r->error);
		goto out;
	}
	r->verbose = 0; /* never trace the credentials */
	int e = boardfs_exec(r, buf_str(&code), (JOIN_S + 10) * 1000L, &out, why, sizeof why);
	r->verbose = verbose;
	if (e == -2 && strstr(why, "ImportError")) {
		tb_warn("%s: cannot join the WLAN: the firmware has no network module", o->board);
		rc = TB_EXIT_SETUP;
	} else if (e != 0) {
		tb_warn("%s: cannot join the WLAN: %s", o->board, e == -1 ? why : "the board raised an error");
	} else if (strncmp(buf_str(&out), "not connected", 13) == 0 || out.len == 0) {
		tb_warn("%s: cannot join the WLAN: not connected after %d s", o->board, JOIN_S);
	} else {
		while (out.len && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == '\r'))
			out.data[--out.len] = 0;
		if (!o->quiet)
			printf("%s: WLAN joined, address %s\n", o->board, buf_str(&out));
		rc = TB_EXIT_OK;
	}
out:
	/* the code held the credentials: wipe it before the memory is returned */
	if (code.data)
		memset(code.data, 0, code.cap);
	buf_free(&code);
	buf_free(&out);
	return rc;
}
