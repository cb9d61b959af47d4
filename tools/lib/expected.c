#include "expected.h"
#include "fileio.h"
#include "runcmd.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

int expected_sandbox;

int expected_sandbox_from_env(void)
{
	const char *v = getenv("MICROPY_EXP_SANDBOX");
	if (!v || !*v)
		return 0;
	if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0) {
		tb_warn("invalid value for MICROPY_EXP_SANDBOX: '%s' (1: CPython in a sandbox, 0: not)", v);
		return -1;
	}
	expected_sandbox = *v == '1';
	return 0;
}

static void sandbox_warn(const char *test_path, const char *why)
{
	tb_warn("no sandbox for CPython%s%s%s: %s; for trusted tests only, the sandbox can be turned off "
		"(--no-sandbox or MICROPY_EXP_SANDBOX=0)",
		test_path ? " (expected output of '" : "", test_path ? test_path : "", test_path ? "')" : "", why);
}

int expected_sandbox_check(void)
{
	char why[1024];
	if (runcmd_sandbox_check(why, sizeof why) == 0)
		return 0;
	sandbox_warn(NULL, why);
	return -1;
}

char *expected_file(const char *test_path, const char *emit)
{
	char *p = tb_xasprintf("%s.%s.exp", test_path, emit ? emit : "bytecode");
	if (file_exists(p))
		return p;
	free(p);
	p = tb_xasprintf("%s.exp", test_path);
	if (file_exists(p))
		return p;
	free(p);
	return NULL;
}

int expected_cpython(const char *python, const char *test_path, long timeout_ms, struct buf *out)
{
	char *abs = realpath(test_path, NULL);
	if (!abs) {
		tb_warn_errno("cannot find '%s'", test_path);
		return EXPECTED_IOERR;
	}
	char *dir = tb_xstrdup(abs);
	*strrchr(dir, '/') = 0;
	char *argv[] = {(char *)python, "-BS", abs, NULL};
	char *env[] = {"PYTHONIOENCODING=utf-8", NULL};
	char why[PATH_MAX + 1024];
	int status = 0, rc = EXPECTED_OK;
	int (*run)(char *const[], const char *, char *const[], long, struct buf *, int *, char *, size_t) =
		expected_sandbox ? runcmd_capture_sandboxed : runcmd_capture;
	switch (run(argv, *dir ? dir : "/", env, timeout_ms, out, &status, why, sizeof why)) {
	case RUNCMD_OK:
		break;
	case RUNCMD_NOSANDBOX:
		sandbox_warn(test_path, why);
		rc = EXPECTED_NOSANDBOX;
		break;
	case RUNCMD_NOEXEC:
		tb_warn("%s, for the expected output of '%s' (install python3 or give an .exp file)", why, test_path);
		rc = EXPECTED_NOPYTHON;
		break;
	case RUNCMD_TIMEOUT:
		tb_warn("CPython did not finish '%s' within %ld s", test_path, timeout_ms / 1000);
		rc = EXPECTED_TIMEOUT;
		break;
	default:
		tb_warn("%s", why);
		rc = EXPECTED_IOERR;
	}
	if (rc == EXPECTED_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		struct buf crash = BUF_INIT;
		buf_adds(&crash, "CPYTHON3 CRASH:\n");
		buf_add(&crash, out->data, out->len);
		buf_free(out);
		*out = crash;
	}
	free(dir);
	free(abs);
	return rc;
}

int expected_get(const char *test_path, const char *emit, const char *python, long timeout_ms,
		 struct buf *out, char **source)
{
	char *exp = expected_file(test_path, emit);
	if (exp) {
		if (file_read(exp, out) != 0) {
			tb_warn_errno("cannot read '%s'", exp);
			free(exp);
			return EXPECTED_IOERR;
		}
		if (source)
			*source = exp;
		else
			free(exp);
		return EXPECTED_OK;
	}
	if (source)
		*source = tb_xstrdup("cpython");
	return expected_cpython(python, test_path, timeout_ms, out);
}
