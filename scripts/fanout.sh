#!/bin/bash
# fanout: `make test` on several benches at once over ssh (GNU parallel, one job per bench, each line
# tagged with its bench), then each bench's result tree brought back and merged into one run whose
# boards are <bench>:<board>, reported by scripts/report.sh.
#
# usage: scripts/fanout.sh --benches FILE [--ssh CMD] [--run NAME] [--results DIR] [--] [MAKE-ARGS...]
#
# Exit: the highest status of the benches and of the local work: 0 every bench passed, 1 a test failed,
# 2 usage or a bad benches file, 3 a bench was busy or some of its tests did not run, 4 local trouble
# (a tool missing, cannot write the results, the merged report failed), 5 a bench could not be reached,
# could not run its tests, or its results did not come back.
set -eu
shopt -s nullglob
export LC_ALL=C
prog=fanout
here=$(cd "$(dirname "$0")" && pwd)

synopsis='usage: fanout.sh --benches FILE [--ssh CMD] [--run NAME] [--results DIR] [--] [MAKE-ARGS...]'

usage() {
	cat <<EOF
$synopsis

Run the tests on every bench of FILE at the same time, each in its own checkout of this project:
  cd FOLDER && make test TESTBED=<bench> RUN=NAME MAKE-ARGS... ; make report RUN=NAME
through ssh, with GNU parallel (one job per bench; each output line begins with the bench's name and a
TAB). Then each bench's results/NAME/ comes back (a tar stream over ssh) into
DIR/NAME/.benches/<bench>/, every board folder of it is copied to DIR/NAME/<bench>:<board>/ (hard
links where possible), and scripts/report.sh makes the merged reports: DIR/NAME/summary.json,
junit.xml and boards.jsonl list the boards of every bench side by side. A bench whose results did not
come back has no <bench>:* folder in the merged run. At the end, one line per bench on stdout:
  fanout: <bench>: status <N>, <what happened>, <M> board(s) returned

Options:
  -b, --benches FILE  the benches, one a line: <bench> <sshlogin> <remote project folder>, separated by
                      spaces or TABs; blank lines and lines beginning with # are ignored. <bench> is the
                      TESTBED name (letters, digits, _ . -); <sshlogin> is GNU parallel's, one or more
                      words ([user@]host, or "ssh -p 2222 host" with its own ssh command), an N/ prefix
                      is dropped (one job per bench), no @hostgroup/ prefix (fanout sets them); the
                      folder is relative to the login folder (~/ is dropped), no spaces. Example:
                        au_dpgeorge_1  tb@bench-au.example.org  testbed-micropython
                        ch_maerki_1    ssh -p 2222 bench-ch     /srv/testbed-micropython
  --ssh CMD           the ssh command (default ssh), e.g. "ssh -o ConnectTimeout=10"
  --run NAME          the run, here and on every bench (default fanout)
  --results DIR       the local results folder (default results)
  -h, --help          this help
MAKE-ARGS are given to every bench's make test, e.g. TESTS="basics/ misc/" GROUPS=STANDARD; TESTBED= and
RUN= are set by fanout. Needs GNU parallel, jq and tar here; perl, make, tar and a POSIX login shell on
the benches.

Status of a bench: 0 passed, 1 a test failed (make test: Error 1), 3 busy or some tests did not run
(Error 3), 5 not reached (ssh exit 255), no project folder, make test failed otherwise, or its results
did not come back.
Exit status: the highest of the benches' and: 0 all passed, 1 a test failed, 2 usage or a bad benches
file, 3 a bench busy, 4 local trouble (a tool missing, cannot write, the merged report failed), 5 a
bench not reached or its results lost.
EOF
}

# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
usage_error() {
	echo "$synopsis" >&2
	die 2 "$@"
}

benches='' ssh=ssh run=fanout results=results
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	-b | --benches | --ssh | --run | --results)
		[ $# -ge 2 ] || usage_error "option '$1' needs a value"
		case $1 in
		-b | --benches) benches=$2 ;;
		--ssh) ssh=$2 ;;
		--run) run=$2 ;;
		--results) results=$2 ;;
		esac
		shift 2
		;;
	--benches=*) benches=${1#*=} && shift ;;
	--ssh=*) ssh=${1#*=} && shift ;;
	--run=*) run=${1#*=} && shift ;;
	--results=*) results=${1#*=} && shift ;;
	--)
		shift
		break
		;;
	-?*) usage_error "unknown option '$1'" ;;
	*) break ;;
	esac
done
make_args=("$@")

# ---- the arguments ----
[ -n "$benches" ] || usage_error "no benches file: give --benches FILE (lines '<bench> <sshlogin> <remote folder>')"
[[ $run =~ ^[A-Za-z0-9_][A-Za-z0-9_.+-]*$ ]] ||
	usage_error "bad run name '$run': letters, digits and _ . + - only"
[ -n "$ssh" ] || usage_error "--ssh is empty: give the ssh command"
[ -n "$results" ] || usage_error "--results is empty: give the local results folder"
nl='
'
for a in "${make_args[@]}"; do
	case $a in
	RUN=* | TESTBED=*) usage_error "'$a': fanout sets ${a%%=*}= itself (use --run NAME)" ;;
	*"$nl"*) usage_error "a make argument with a newline is not supported: '$a'" ;;
	esac
done

# ---- the benches file ----
[ -e "$benches" ] || usage_error "benches file '$benches' does not exist"
if [ ! -f "$benches" ] || [ ! -r "$benches" ]; then usage_error "cannot read benches file '$benches': not a readable file"; fi
names=() logins=() dirs=()
declare -A seen=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	line=${line%$'\r'}
	read -r -a f <<<"$line" || true
	[ ${#f[@]} -gt 0 ] || continue
	case ${f[0]} in '#'*) continue ;; esac
	where="'$benches' line $lineno"
	[ ${#f[@]} -ge 3 ] || die 2 "$where: expected '<bench> <sshlogin> <remote folder>', got '$line'"
	name=${f[0]}
	dir=${f[${#f[@]} - 1]}
	login="${f[*]:1:${#f[@]}-2}"
	[[ $name =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]*$ ]] ||
		die 2 "$where: bad bench name '$name': letters, digits and _ . - only"
	[ -z "${seen[$name]:-}" ] || die 2 "$where: bench '$name' is listed twice (line ${seen[$name]})"
	seen[$name]=$lineno
	[[ $login =~ ^[0-9]+/(.*)$ ]] && login=${BASH_REMATCH[1]}
	case $login in
	'') die 2 "$where: no sshlogin for bench '$name'" ;;
	@*) die 2 "$where: sshlogin '$login' has a @hostgroup/ prefix: fanout sets the hostgroups, remove it" ;;
	*,*) die 2 "$where: sshlogin '$login' has a comma: give one sshlogin a bench" ;;
	esac
	# shellcheck disable=SC2088 # a literal ~/ prefix is dropped
	case $dir in
	'~') dir=. ;;
	'~/'*) dir=${dir#'~/'} ;;
	esac
	[ -n "$dir" ] || dir=.
	names+=("$name") logins+=("$login") dirs+=("$dir")
done <"$benches"
[ ${#names[@]} -gt 0 ] || die 2 "'$benches' lists no bench (lines '<bench> <sshlogin> <remote folder>')"

for t in parallel jq tar; do
	command -v "$t" >/dev/null 2>&1 || die 4 "'$t' not found: install it (scripts/setup.sh, or apt-get install $t)"
done
read -r ssh_prog _ <<<"$ssh"
command -v "$ssh_prog" >/dev/null 2>&1 || die 4 "ssh command '$ssh_prog' not found (--ssh '$ssh')"

work=$(mktemp -d) || die 4 "cannot create a temporary folder"
stage= # beside the results: the trees that came back and the merged copies before their rename
trap 'rm -rf "$work" ${stage:+"$stage"}' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rd=${results%/}/$run
mkdir -p "$rd/.benches" 2>"$work/mkdir.err" || die 4 "cannot create '$rd/.benches': $(cat "$work/mkdir.err")"
stage=$rd/.benches/.stage.$$
mkdir "$stage" 2>"$work/mkdir.err" || die 4 "cannot create '$stage': $(cat "$work/mkdir.err")"

# q WORD: WORD quoted for a POSIX shell
q() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
# enc TEXT: TEXT as a printf format that prints it without an @ (GNU parallel's --hostgroups takes
# what follows an @ in an argument as hostgroups): the benches run eval "$(printf ARG)"
enc() {
	local s=${1//\\/\\\\}
	s=${s//%/%%}
	printf '%s' "${s//@/\\100}"
}

# the sshloginfile: each bench alone in a hostgroup named after it, one job slot
for i in "${!names[@]}"; do
	printf '@%s/1/%s\n' "${names[$i]}" "${logins[$i]}"
done >"$work/sshlogins"

margs=
for a in "${make_args[@]}"; do margs="$margs $(q "$a")"; done
groups=() runcmds=() fetchcmds=()
for i in "${!names[@]}"; do
	n=${names[$i]} d=$(q "${dirs[$i]}")
	groups+=("$n@$n")
	# 5: no project folder; otherwise make test's status (make says "Error N" for the driver's N)
	runcmds+=("$(enc "cd $d || exit 5; make test TESTBED=$(q "$n") RUN=$(q "$run")$margs; s=\$?; make -s report RUN=$(q "$run") >/dev/null; exit \$s")")
	fetchcmds+=("$(enc "cd $d && tar -cf - -C results $(q "$run")")")
done

# pexec LOG OPTIONS... -- GROUPS... -- COMMANDS...: one job per bench on its own hostgroup
pexec() {
	local log=$1
	shift
	local opts=()
	while [ "$1" != -- ]; do opts+=("$1") && shift; done
	shift
	local g=()
	while [ "$1" != -- ]; do g+=("$1") && shift; done
	shift
	# shellcheck disable=SC2016 # expanded on the bench
	parallel --hostgroups --sshloginfile "$work/sshlogins" --ssh "$ssh" --joblog "$log" "${opts[@]}" \
		'eval "$(printf {2})"' ::: "${g[@]}" :::+ "$@" </dev/null
}

# ---- 1. the tests, on every bench at once; stderr also kept to find make's "Error N" ----
echo "$prog: ${#names[@]} bench(es): ${names[*]}; run $run" >&2
{ pexec "$work/run.log" --tagstring '{1}' --line-buffer -- "${groups[@]}" -- "${runcmds[@]}" 2>&1 1>&3 3>&- |
	tee "$work/run.err" >&2; } 3>&1 || true
pst=${PIPESTATUS[0]:-0}

# joblog: Seq Host Starttime JobRuntime Send Receive Exitval Signal Command; Seq is the bench's index+1
declare -A exitval=() signal=()
while IFS=$'\t' read -r seq _ _ _ _ _ ev sig _; do
	[[ $seq =~ ^[0-9]+$ ]] || continue
	exitval[$((seq - 1))]=$ev signal[$((seq - 1))]=$sig
done <"$work/run.log" 2>/dev/null || true

# make_error BENCH: N of make's "*** [...test] Error N" line in the bench's output, or nothing
make_error() {
	awk -v b="$1" 'index($0, b "\t") == 1 {
		l = substr($0, length(b) + 2)
		if (l !~ /\*\*\* \[[^]]*\] Error [0-9]+$/) next
		t = l
		sub(/^.*\*\*\* \[/, "", t) # (a make below another says make[N]: *** [...])
		sub(/\].*$/, "", t)
		if (t == "test" || t ~ /: test$/) { n = l; sub(/.* Error /, "", n) }
	} END { print n }' "$work/run.err"
}

codes=() texts=()
fetch=()
for i in "${!names[@]}"; do
	ev=${exitval[$i]:-} sig=${signal[$i]:-0}
	if [ -z "$ev" ]; then
		codes[i]=5 texts[i]="did not run (parallel: exit $pst)"
	elif [ "$sig" != 0 ]; then
		codes[i]=5 texts[i]="stopped by signal $sig"
	elif [ "$ev" = 0 ]; then
		codes[i]=0 texts[i]=passed
	elif [ "$ev" = 255 ]; then
		codes[i]=5 texts[i]="not reached (ssh exit 255)"
	elif [ "$ev" = 5 ]; then
		codes[i]=5 texts[i]="no project folder '${dirs[$i]}' on the bench"
	elif [ "$ev" = 127 ]; then
		codes[i]=5 texts[i]="a command was not found (exit 127: ssh here, or make or perl on the bench)"
	else
		e=$(make_error "${names[$i]}")
		case $e in
		1) codes[i]=1 texts[i]="tests failed" ;;
		3) codes[i]=3 texts[i]="busy, or some tests did not run" ;;
		'') codes[i]=5 texts[i]="make test failed (exit $ev)" ;;
		*) codes[i]=5 texts[i]="make test failed (Error $e)" ;;
		esac
	fi
	# no fetch from a bench that was not reached or has no project folder
	case $ev in '' | 255 | 5) ;; *) fetch+=("$i") ;; esac
done

# ---- 2. the result trees back, each a tar stream on stdout ----
mkdir -p "$work/fetch"
if [ ${#fetch[@]} -gt 0 ]; then
	fg=() fc=()
	for i in "${fetch[@]}"; do fg+=("${groups[$i]}") && fc+=("${fetchcmds[$i]}"); done
	pexec "$work/fetch.log" --results "$work/fetch/{1}" -- "${fg[@]}" -- "${fc[@]}" >/dev/null 2>"$work/fetch.err" || true
fi

local_trouble=0
returned=()
for i in "${!names[@]}"; do
	n=${names[$i]}
	returned[i]=no
	if [ ! -s "$work/fetch/$n" ]; then
		[ ! -s "$work/fetch/$n.err" ] || sed "s/^/$prog: $n: /" "$work/fetch/$n.err" | head -n 5 >&2
		continue
	fi
	new=$stage/new.$n
	rm -rf "$new" && mkdir -p "$new"
	if ! tar -xf "$work/fetch/$n" -C "$new" 2>"$work/tar.err" || [ ! -d "$new/$run" ]; then
		echo "$prog: $n: the results that came back cannot be unpacked: $(head -c 300 "$work/tar.err")" >&2
		rm -rf "$new"
		continue
	fi
	old=$stage/old.$n
	if { [ ! -e "$rd/.benches/$n" ] || mv "$rd/.benches/$n" "$old"; } && mv "$new/$run" "$rd/.benches/$n"; then
		returned[i]=yes
	else
		echo "$prog: $n: cannot store the results in '$rd/.benches/$n'" >&2
		local_trouble=4
	fi
	rm -rf "$old" "$new"
done

# ---- 3. the merged run: <bench>:<board> copies of every board folder that came back ----
is_board() { [ -f "$1/target.json" ] || [ -n "$(find "$1" -type f -name '*.py.json' -print -quit)" ]; }
boards=() total=0
for i in "${!names[@]}"; do
	n=${names[$i]}
	boards[i]=0
	for d in "$rd/$n:"*/; do rm -rf "${d%/}"; done
	[ "${returned[i]}" = yes ] || continue
	for d in "$rd/.benches/$n"/*/; do
		d=${d%/}
		is_board "$d" || continue
		b=${d##*/}
		tmpcopy=$stage/copy.$n:$b
		rm -rf "$tmpcopy"
		if ! cp -al "$d" "$tmpcopy" 2>/dev/null; then
			rm -rf "$tmpcopy"
			cp -Rp "$d" "$tmpcopy" 2>"$work/cp.err" || {
				echo "$prog: cannot copy '$d': $(head -c 300 "$work/cp.err")" >&2
				rm -rf "$tmpcopy"
				local_trouble=4
				continue
			}
		fi
		# the bench's report caches name the board without its bench: made again here
		rm -f "$tmpcopy/.report-cache" "$tmpcopy/.report-lines"
		mv "$tmpcopy" "$rd/$n:$b" || { local_trouble=4 && continue; }
		boards[i]=$((boards[i] + 1))
		total=$((total + 1))
	done
done

if [ $total -gt 0 ]; then
	rrc=0
	sh "$here/report.sh" "$rd" || rrc=$?
	case $rrc in
	0 | 1) ;;
	*)
		echo "$prog: the merged report of '$rd' failed (report.sh: exit $rrc)" >&2
		local_trouble=4
		;;
	esac
else
	echo "$prog: no bench returned results: no merged report" >&2
fi

# ---- the benches, one line each; the exit status is the highest ----
worst=$local_trouble
for i in "${!names[@]}"; do
	c=${codes[i]} t=${texts[i]}
	if [ "${returned[i]}" != yes ] && [ "$c" != 5 ]; then
		c=5 t="$t, but its results did not come back"
	fi
	[ "${boards[i]}" = 1 ] && s= || s=s
	echo "$prog: ${names[$i]}: status $c, $t, ${boards[i]} board$s returned"
	[ "$c" -le "$worst" ] || worst=$c
done
exit "$worst"
