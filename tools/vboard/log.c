/* Messages to stderr: "vboard: ...", lowercase, no full stop. */
#include <stdarg.h>
#include <stdio.h>

#include "vboard.h"

bool vb_quiet;

static void vb_vlog(const char *fmt, va_list ap)
{
	fputs(VB_PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void vb_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vb_vlog(fmt, ap);
	va_end(ap);
}

void vb_event(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vb_vlog(fmt, ap);
	va_end(ap);
}

void vb_info(const char *fmt, ...)
{
	va_list ap;

	if (vb_quiet)
		return;
	va_start(ap, fmt);
	vb_vlog(fmt, ap);
	va_end(ap);
}
