#!/bin/sh
# timeline: run a command and add one line about it to a board's timeline (the report's per-board
# picture of where the time went): {"event": EVENT, "start_ms": N, "end_ms": N, "status": N}, times in
# milliseconds since the epoch. The command's output and exit status pass through unchanged.
#
# usage: scripts/timeline.sh FILE EVENT CMD [ARG...]
#        scripts/timeline.sh FILE EVENT -c 'SHELL COMMAND'
# EVENT is a word: flash (bringing a DUT up: power, flashing), probe, recover. A line that cannot be
# written is reported on stderr and does not change the exit status: the timeline is for people.
# Exit: the command's status; 2 usage.
set -eu

case ${1:-} in
-h | --help)
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
esac
if [ $# -lt 3 ]; then
	echo "usage: timeline.sh FILE EVENT CMD [ARG...] | timeline.sh FILE EVENT -c 'COMMAND'" >&2
	exit 2
fi
file=$1 event=$2
shift 2
case $event in '' | *[!a-z_]*)
	echo "timeline: event '$event' must be a lower-case word" >&2
	exit 2
	;;
esac

now_ms() { date +%s%3N; }
start=$(now_ms)
st=0
if [ "$1" = -c ] && [ $# = 2 ]; then
	sh -c "$2" || st=$?
else
	"$@" || st=$?
fi
printf '{"event":"%s","start_ms":%s,"end_ms":%s,"status":%d}\n' "$event" "$start" "$(now_ms)" "$st" >>"$file" ||
	echo "timeline: cannot add to '$file'" >&2
exit "$st"
