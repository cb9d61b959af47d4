#!/bin/sh
# A virtual bench: N vboards with their ports at DIR/vb0 .. DIR/vb<N-1>.
#
# usage: scripts/vbench.sh start N [TYPE] [DIR]   start N boards of TYPE (wasm, microbit; default wasm)
#        scripts/vbench.sh stop [DIR]             stop every board started in DIR, remove links
#        scripts/vbench.sh status [DIR]           one line per board: port, pid, state
#        scripts/vbench.sh cycle NAME [DIR]       power-cycle board NAME (vb3): its port once it is back
# DIR defaults to results/vbench. Beside each link: vbI.pid (vboard's pid) and vbI.log (its output).
# Environment: VBOARD (default build/bin/vboard), VBOARD_ARGS (more vboard options, e.g. "--baud 115200";
# {i} stands for the board's number),
# VBOARD_READY_TIMEOUT (seconds to wait for each board, default 20), WATCH_PID (start: the boards are
# stopped when that process is gone, even if it was killed: a run that dies leaves no board behind).
# Exit: 0 ok, 1 a board did not start or stop, 2 usage.
set -eu

prog=vbench
top=$(cd "$(dirname "$0")/.." && pwd)
VBOARD=${VBOARD:-$top/build/bin/vboard}
VBOARD_ARGS=${VBOARD_ARGS:-}
timeout=${VBOARD_READY_TIMEOUT:-20}

usage() {
	echo "usage: scripts/vbench.sh start N [TYPE] [DIR] | stop [DIR] | status [DIR] | cycle NAME [DIR]" >&2
	exit 2
}

is_count() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ "$1" -ge 1 ] && [ "$1" -le 256 ]
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

alive() { # PIDFILE
	[ -f "$1" ] && pid=$(cat "$1") && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# start_one DIR I TYPE: returns when its ready line is there; 1 on failure (message printed)
start_one() {
	dir=$1 i=$2 type=$3
	link=$dir/vb$i
	if alive "$dir/vb$i.pid"; then
		echo "$prog: cannot start $link: already running (pid $(cat "$dir/vb$i.pid")); stop it first" >&2
		return 1
	fi
	rm -f "$dir/vb$i.log"
	# {i} in VBOARD_ARGS stands for the board's number (a fault log or seed of its own)
	args=$(printf '%s' "$VBOARD_ARGS" | sed "s/{i}/$i/g")
	# its own session: a closing terminal or make's process group does not take the board with it
	# shellcheck disable=SC2086
	if command -v setsid >/dev/null 2>&1; then
		setsid "$VBOARD" --type "$type" --link "$link" --pidfile "$dir/vb$i.pid" $args \
			>"$dir/vb$i.log" 2>&1 </dev/null &
	else
		"$VBOARD" --type "$type" --link "$link" --pidfile "$dir/vb$i.pid" $args \
			>"$dir/vb$i.log" 2>&1 </dev/null &
	fi
	bg=$!
	t0=$(now_ms)
	while ! grep -qx "vboard: ready $link" "$dir/vb$i.log" 2>/dev/null; do
		if ! kill -0 "$bg" 2>/dev/null; then
			echo "$prog: cannot start $link: vboard exited: $(grep -v '^vboard: ready' "$dir/vb$i.log" | head -n 3)" >&2
			return 1
		fi
		if [ $(($(now_ms) - t0)) -ge $((timeout * 1000)) ]; then
			echo "$prog: cannot start $link: no ready line within $timeout s (see $dir/vb$i.log)" >&2
			kill -TERM "$bg" 2>/dev/null || :
			return 1
		fi
		sleep 0.05
	done
	echo "$prog: $link ready ($type, pid $(cat "$dir/vb$i.pid"), $(($(now_ms) - t0)) ms)"
}

cmd_start() {
	if [ $# -lt 1 ] || [ $# -gt 3 ]; then usage; fi
	n=$1 type=${2:-wasm} dir=${3:-results/vbench}
	is_count "$n" || {
		echo "$prog: N must be a number from 1 to 256: '$n'" >&2
		exit 2
	}
	case $type in
	wasm | microbit) ;;
	*)
		echo "$prog: unknown board type '$type' (wasm or microbit)" >&2
		exit 2
		;;
	esac
	if [ ! -x "$VBOARD" ]; then
		echo "$prog: cannot run '$VBOARD': build it with 'make build/bin/vboard' (or set VBOARD)" >&2
		exit 1
	fi
	mkdir -p "$dir"
	started=""
	i=0
	while [ "$i" -lt "$n" ]; do
		if ! start_one "$dir" "$i" "$type"; then
			if [ -n "$started" ]; then
				echo "$prog: stopping the boards this command started" >&2
				# shellcheck disable=SC2086
				stop_pidfiles $started >/dev/null
			fi
			exit 1
		fi
		started="$started $dir/vb$i.pid"
		i=$((i + 1))
	done
	if [ -n "${WATCH_PID:-}" ]; then
		# a watchdog in a session of its own (as the boards): it outlives a SIGKILL of the run's group.
		# It stops the boards it saw started (their pids, not the folder: a next run may use the same
		# folder), and ends by itself once they are gone
		pids=""
		for f in $started; do pids="$pids $(cat "$f")"; done
		# shellcheck disable=SC2016
		setsid sh -c 'w=$1; shift
			alive() { for p; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
			while kill -0 "$w" 2>/dev/null && alive "$@"; do sleep 1; done
			alive "$@" || exit 0
			kill -TERM "$@" 2>/dev/null; sleep 3; kill -KILL "$@" 2>/dev/null; exit 0' \
			watchdog "$WATCH_PID" $pids >/dev/null 2>&1 </dev/null &
	fi
}

# cycle NAME [DIR]: a power cycle (SIGUSR1: the board process starts again); prints the port when the
# board's banner is there again
cmd_cycle() {
	[ $# -ge 1 ] && [ $# -le 2 ] || usage
	name=$1 dir=${2:-results/vbench}
	case $name in vb[0-9]*) ;; *) echo "$prog: no board '$name' (vb0, vb1, ...)" >&2; exit 2 ;; esac
	alive "$dir/$name.pid" || { echo "$prog: $dir/$name is not running" >&2; exit 1; }
	# done when vboard has said so in its log: the signal is taken asynchronously, and what a client
	# sends before the new board process starts is dropped with the old one
	n0=$(grep -c '^vboard: power cycle$' "$dir/$name.log" 2>/dev/null || true)
	kill -USR1 "$pid"
	t0=$(now_ms)
	while [ ! -e "$dir/$name" ] ||
		[ "$(grep -c '^vboard: power cycle$' "$dir/$name.log" 2>/dev/null || true)" -le "${n0:-0}" ]; do
		if [ $(($(now_ms) - t0)) -ge $((timeout * 1000)) ]; then
			echo "$prog: $dir/$name did not come back within $timeout s (see $dir/$name.log)" >&2
			exit 1
		fi
		sleep 0.05
	done
	echo "$dir/$name"
}

# stop_pidfiles FILE...: SIGTERM each live vboard, SIGKILL after 3 s; remove the pidfiles and links
stop_pidfiles() {
	pids=""
	for f in "$@"; do
		if alive "$f"; then
			kill -TERM "$pid" 2>/dev/null || :
			pids="$pids $pid"
		fi
	done
	t0=$(now_ms)
	left=$pids
	while [ -n "$left" ]; do
		still=""
		for p in $left; do
			kill -0 "$p" 2>/dev/null && still="$still $p"
		done
		left=$still
		[ -n "$left" ] || break
		if [ $(($(now_ms) - t0)) -ge 3000 ]; then
			for p in $left; do
				echo "$prog: pid $p did not stop on SIGTERM: killing it" >&2
				kill -KILL "$p" 2>/dev/null || :
			done
			break
		fi
		sleep 0.05
	done
	# what a killed vboard could not remove
	for f in "$@"; do
		rm -f "$f"
		[ -L "${f%.pid}" ] && rm -f "${f%.pid}"
	done
	if [ -n "$pids" ]; then
		# shellcheck disable=SC2086
		set -- $pids
		echo "$prog: stopped $# board(s)"
	fi
	return 0
}

cmd_stop() {
	[ $# -le 1 ] || usage
	dir=${1:-results/vbench}
	[ -d "$dir" ] || return 0
	files=""
	for f in "$dir"/vb*.pid; do
		[ -f "$f" ] && files="$files $f"
	done
	# shellcheck disable=SC2086
	[ -z "$files" ] || stop_pidfiles $files
	for l in "$dir"/vb*; do
		[ -L "$l" ] && rm -f "$l"
	done
	return 0
}

cmd_status() {
	[ $# -le 1 ] || usage
	dir=${1:-results/vbench}
	found=0
	for f in "$dir"/vb*.pid; do
		[ -f "$f" ] || continue
		found=1
		link=${f%.pid}
		if alive "$f"; then
			echo "$link pid $pid running -> $(readlink "$link" 2>/dev/null || echo '(no link)')"
		else
			echo "$link pid $(cat "$f" 2>/dev/null) dead"
		fi
	done
	[ "$found" = 1 ] || echo "$prog: no boards in $dir"
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
status) cmd_status "$@" ;;
cycle) cmd_cycle "$@" ;;
-h | --help)
	sed -n '2,13s/^# \{0,1\}//p' "$0"
	;;
*) usage ;;
esac
