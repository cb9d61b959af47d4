/* The script each instance runs, and how many instances a test has. */
#include "multitest.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The helper every instance gets. The driver on the host acts on the lines it prints; their
 * formats are the protocol (SKIP, NEXT, BROADCAST m, SET name = repr, WAIT_FOR_REBOOT f ms,
 * OUTPUT_METRIC d). It must run on MicroPython and on CPython alike. */
static const char HELPER[] =
	"import sys\n"
	"\n"
	"\n"
	"class multitest:\n"
	"    # one protocol line, flushed at once: the host reads it while this script runs\n"
	"    @staticmethod\n"
	"    def _say(*words):\n"
	"        print(*words)\n"
	"        multitest.flush()\n"
	"\n"
	"    @staticmethod\n"
	"    def flush():\n"
	"        try:\n"
	"            sys.stdout.flush()\n"
	"        except AttributeError:\n"
	"            pass  # MicroPython builds without a flush method write unbuffered\n"
	"\n"
	"    @staticmethod\n"
	"    def skip():\n"
	"        multitest._say(\"SKIP\")\n"
	"        raise SystemExit\n"
	"\n"
	"    @staticmethod\n"
	"    def next():\n"
	"        multitest._say(\"NEXT\")\n"
	"\n"
	"    @staticmethod\n"
	"    def broadcast(msg):\n"
	"        multitest._say(\"BROADCAST\", msg)\n"
	"\n"
	"    @staticmethod\n"
	"    def wait(msg):\n"
	"        # the host writes every other instance's BROADCAST line to this console\n"
	"        want = \"BROADCAST \" + msg\n"
	"        while sys.stdin.readline().rstrip() != want:\n"
	"            pass\n"
	"\n"
	"    @staticmethod\n"
	"    def globals(**values):\n"
	"        for name in values:\n"
	"            print(\"SET {} = {!r}\".format(name, values[name]))\n"
	"        multitest.flush()\n"
	"\n"
	"    @staticmethod\n"
	"    def get_network_ip():\n"
	"        try:\n"
	"            return nic.ifconfig()[0]\n"
	"        except Exception:\n"
	"            pass\n"
	"        try:\n"
	"            import network\n"
	"            if hasattr(network, \"WLAN\"):\n"
	"                return network.WLAN().ifconfig()[0]\n"
	"            return network.LAN().ifconfig()[0]\n"
	"        except Exception:\n"
	"            return HOST_IP\n"
	"\n"
	"    @staticmethod\n"
	"    def expect_reboot(resume, delay_ms=0):\n"
	"        multitest._say(\"WAIT_FOR_REBOOT\", resume, delay_ms)\n"
	"\n"
	"    @staticmethod\n"
	"    def output_metric(data):\n"
	"        multitest._say(\"OUTPUT_METRIC\", data)\n"
	"\n";

int mt_count_instances(const struct buf *test)
{
	static const char pre[] = "def instance";
	const size_t plen = sizeof pre - 1;
	long max = -1;
	const uint8_t *p = test->data, *end = test->data + test->len;
	while (p && p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		const uint8_t *le = nl ? nl : end;
		/* the line starts with "def instance", digits, "():" (what follows does not matter) */
		if ((size_t)(le - p) > plen && memcmp(p, pre, plen) == 0) {
			const uint8_t *d = p + plen;
			long v = 0;
			int digits = 0;
			while (d < le && *d >= '0' && *d <= '9') {
				if (v > 1000000)
					return -1;
				v = v * 10 + (*d - '0');
				d++;
				digits++;
			}
			if (digits && le - d >= 3 && memcmp(d, "():", 3) == 0 && v > max)
				max = v;
		}
		p = nl ? nl + 1 : NULL;
	}
	if (max >= MT_MAX_INSTANCES)
		return -1;
	return (int)(max + 1);
}

void mt_build_script(const struct buf *test, const char *globals, const char *func, int cpython,
		     struct buf *script)
{
	buf_reset(script);
	/* CPython runs in the test's folder: its own folder must not shadow modules */
	if (cpython)
		buf_adds(script, "import sys\nsys.path.remove('')\n\n");
	/* the test first, so that traceback line numbers on a board are the file's */
	buf_add(script, test->data, test->len);
	buf_adds(script, "\n\n");
	buf_adds(script, HELPER);
	buf_adds(script, globals);
	buf_printf(script, "\n%s()\nmultitest.flush()\n", func);
}

void mt_host_ip_global(const struct buf *test, struct buf *globals)
{
	if (!test->len || !memmem(test->data, test->len, "get_network_ip", 14))
		return;
	/* the address the host would use to reach the internet; connecting a UDP socket sends nothing */
	char ip[INET_ADDRSTRLEN] = "127.0.0.1";
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s >= 0) {
		struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(80)};
		struct sockaddr_in me;
		socklen_t len = sizeof me;
		if (inet_pton(AF_INET, "8.8.8.8", &to.sin_addr) == 1 &&
		    connect(s, (struct sockaddr *)&to, sizeof to) == 0 &&
		    getsockname(s, (struct sockaddr *)&me, &len) == 0 &&
		    !inet_ntop(AF_INET, &me.sin_addr, ip, sizeof ip))
			snprintf(ip, sizeof ip, "127.0.0.1");
		if (close(s) != 0)
			tb_warn_errno("close");
	}
	buf_printf(globals, "HOST_IP = '%s'\n", ip);
}
