#!/bin/bash
# The short soak of `make check`: one round of the corpus's basics/ and misc/ on 4 virtual boards that
# fail at random moments (a fixed seed, 2 faults in 100 programs per kind): every test accounted for
# once per board, the tests no fault touched at their manifest verdicts, nothing left behind.
# `make soak` is the long one (16 boards, 10 minutes).
set -eu
export LC_ALL=C
cd "$(dirname "$0")/../.."
. tests/lib.sh
RUN=soak-short-$$
tb_extra_cleanup='rm -rf "results/$RUN"'
require jq node
require_vboards
if ! make -s tools >"$tmp/make" 2>&1; then
	notok "make tools failed: $(tail -c 600 "$tmp/make")"
	finish
fi
# a hang (injected, or misc/'s endless loops) costs one deadline: a short one here
export MICROPY_TEST_TIMEOUT=5
st=0
SOAK_RUN=$RUN SOAK_SEED=4242 SOAK_TESTS="basics misc" BIN=build/bin timeout 900 bash scripts/soak.sh 1 4 0.02 \
	>"$tmp/o" 2>&1 || st=$?
cat "$tmp/o"
last=$(tail -n 1 "$tmp/o")
expect "the soak ended clean" "$st" 0
case $last in
*" 0 faults injected"*) notok "no fault was injected: $last" ;;
*"faults injected"*) ok "faults were injected and the bench went on" ;;
*) notok "no summary: $last" ;;
esac
has "no result lost, no wrong verdict" "$tmp/o" "lost 0, wrong verdicts 0, processes left 0, locks left 0"
finish
