/* libFuzzer target: regex .exp translation and matching on arbitrary patterns and output.
 * The input is split at the first 0xff byte: .exp text before it, output after. */
#include "regexexp.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep = memchr(data, 0xff, size);
	size_t exp_len = sep ? (size_t)(sep - data) : size;
	const uint8_t *out = sep ? sep + 1 : data + size;
	size_t out_len = sep ? size - exp_len - 1 : 0;
	struct buf r = BUF_INIT;
	regexexp_apply(data, exp_len, out, out_len, &r);
	/* every output line is kept, replaced, or folded into "########": never more lines than the
	 * output had plus one per pattern */
	size_t lines = 0;
	for (size_t i = 0; i < r.len; i++)
		lines += r.data[i] == '\n';
	size_t in_lines = 1, pats = 1;
	for (size_t i = 0; i < out_len; i++)
		in_lines += out[i] == '\n';
	for (size_t i = 0; i < exp_len; i++)
		pats += data[i] == '\n';
	if (lines > in_lines + pats)
		abort();
	buf_free(&r);
	return 0;
}
