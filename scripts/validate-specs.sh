#!/bin/sh
# validate-specs: check the board specs (boards/*.json), the bench inventories (testbeds/*.json) and
# the udev rules (udev/*.rules); print each problem as FILE:LINE: MESSAGE.
#
# usage: scripts/validate-specs.sh [--boards DIR] [FILE...]
#
# Without FILEs it checks boards/*.json testbeds/*.json udev/*.rules of this checkout. A file's kind
# comes from its folder (boards/, testbeds/) or its name (*.rules); otherwise a JSON object with a
# "tentacles" field is an inventory and any other JSON file a board spec. An inventory's board names
# are looked up in the specs of DIR (default: the boards/ folder next to the inventory's folder).
# Formats: boards/README.md, testbeds/README.md. Line numbers point at the offending key or value
# (found by searching the text: approximate when a key repeats); JSON syntax errors carry jq's line.
# Exit: 0 no problem, 1 problems found, 2 usage (unknown option, unreadable file).
# shellcheck disable=SC2016 # the jq programs in single quotes hold $variables of jq, not of the shell
set -eu
export LC_ALL=C

prog=validate-specs
synopsis="usage: validate-specs.sh [--boards DIR] [FILE...]"
US=$(printf '\037')
RS_=$(printf '\036')

usage() {
	cat <<EOF
$synopsis

Check board specs, bench inventories and udev rules; print each problem as FILE:LINE: MESSAGE.

  FILE           boards/*.json, testbeds/*.json or *.rules (default: all of this checkout's)
  --boards DIR   the board specs an inventory's board names refer to (default: the boards/
                 folder next to the inventory's folder)
  -h, --help     this help

Exit status: 0 no problem, 1 problems found, 2 usage.
EOF
}

boards_opt=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--boards) [ $# -ge 2 ] || { echo "$prog: option '--boards' needs a folder" >&2; echo "$synopsis" >&2; exit 2; }
		boards_opt=$2; shift 2 ;;
	--boards=*) boards_opt=${1#--boards=}; shift ;;
	--) shift; break ;;
	-*) echo "$prog: unknown option '$1'" >&2; echo "$synopsis" >&2; exit 2 ;;
	*) break ;;
	esac
done
if [ -n "$boards_opt" ] && [ ! -d "$boards_opt" ]; then
	echo "$prog: cannot read folder '$boards_opt'" >&2
	exit 2
fi
[ -z "$boards_opt" ] || boards_opt=$(cd "$boards_opt" && pwd)
if [ $# -eq 0 ]; then
	cd "$(dirname "$0")/.."
	set --
	for f in boards/*.json testbeds/*.json udev/*.rules; do
		if [ -e "$f" ]; then set -- "$@" "$f"; fi
	done
	[ $# -gt 0 ] || { echo "$prog: no spec files found in $(pwd)" >&2; exit 2; }
fi
for f in "$@"; do
	if [ ! -f "$f" ] || [ ! -r "$f" ]; then
		echo "$prog: cannot read '$f'" >&2
		exit 2
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
: >"$tmp/serials"
problems=0

report() {
	printf "%s\037%s\037%s\n" "$1" "$2" "$3" >>"$tmp/report"
	problems=$((problems + 1))
}

# line_of FILE KEYS NEEDLE OCC: the line of the key path KEYS (keys joined by \036, each searched as
# "key": after the previous one; the last one's OCC-th occurrence), then of the string "NEEDLE" after
# it; the last line found when something is missing; 1 when nothing is
line_of() {
	awk -v keys="$2" -v needle="$3" -v occ="$4" '
	BEGIN { n = (keys == "") ? 0 : split(keys, K, "\036"); i = 1; line = 1
		if (n == 0 && needle == "") exit }
	{
		s = $0; off = 0
		while (i <= n) {
			p = "\"" K[i] "\""
			pos = index(substr(s, off + 1), p)
			if (pos == 0) break
			off = off + pos - 1 + length(p)
			if (substr(s, off + 1) !~ /^[ \t]*:/) continue
			if (i == n && occ > 1) { occ--; continue }
			i++; line = NR
		}
		if (i > n) {
			if (needle == "") exit
			if (index(substr(s, off + 1), "\"" needle "\"")) { line = NR; exit }
		}
	}
	END { print line }' "$1"
}

# report the problems of a jq checker (in $tmp/probs): lines FILE \037 KEYS \037 NEEDLE \037 OCC \037 MESSAGE
emit() {
	while IFS=$US read -r file keys needle occ msg; do
		report "$file" "$(line_of "$file" "$keys" "$needle" "$occ")" "$msg"
	done <"$tmp/probs"
}

JQ_COMMON='
def prob($p; $n; $o; $m): {p: $p, n: $n, o: $o, m: $m};
def prob($p; $m): prob($p; ""; 1; $m);
def probv($p; $n; $m): prob($p; $n; 1; $m);
def dotted($p): $p | map(tostring) | join(".");
def show: if type == "string" then . else tojson end;
def vidpid: type == "string" and test("^[0-9a-f]{4}:[0-9a-f]{4}$");
def posint: type == "number" and . > 0 and . == floor;
def hexnum: type == "string" and test("^0x[0-9a-fA-F]+$");
def nonempty_string: type == "string" and length > 0;
def strings_list: type == "array" and all(.[]; type == "string");
# unknown($o; $allowed; $p): a problem per field of object $o not in $allowed
def unknown($o; $allowed; $p):
	$o | keys_unsorted[] | select(IN($allowed[]) | not) | prob($p + [.]; "unknown field \u0027\(dotted($p + [.]))\u0027");
# required($o; $fields; $p): a problem per field of $fields missing from object $o
def required($o; $fields; $p):
	$fields[] | select(. as $k | $o | has($k) | not) | prob($p; "missing field \u0027\(dotted($p + [.]))\u0027");
def out: "\(input_filename)\u001f\(.p | map(strings) | join("\u001e"))\u001f\(.n)\u001f\(.o)\u001f\(.m | gsub("\n"; " "))";
'

# board spec checks; $fname: the file name without .json
JQ_BOARD='
def programs: ["picotool", "esptool", "dfu-util", "bossac", "teensy_loader_cli", "none"];
def fw_ext: {"picotool": "uf2", "esptool": "bin", "dfu-util": "dfu", "bossac": "bin", "teensy_loader_cli": "hex"};
def flasher_fields: {
	"picotool": ["program", "timeout_s"],
	"dfu-util": ["program", "timeout_s"],
	"esptool": ["program", "chip", "baud", "offset", "write_flash_args", "timeout_s"],
	"bossac": ["program", "offset", "args", "timeout_s"],
	"teensy_loader_cli": ["program", "mcu", "args", "exclusive", "timeout_s"],
	"none": ["program"]};
def flasher_required: {"esptool": ["chip", "baud", "offset"], "bossac": ["offset"], "teensy_loader_cli": ["mcu"]};
def ports: ["rp2", "stm32", "esp32", "esp8266", "nrf", "samd", "mimxrt", "webassembly", "microbit", "unix"];
def features: ["MCU", "EXTMOD", "WLAN", "BLE"];
def fields: ["name", "micropython_board", "variants", "port", "features", "usb", "flasher", "boot", "timing",
	"firmware", "perfbench", "filesystem", "skip", "octobus"];
def mandatory: ["name", "micropython_board", "variants", "port", "features", "usb", "flasher", "boot", "timing",
	"firmware", "skip"];
def obj($b; $k): if ($b | has($k)) and ($b[$k] | type) != "object"
	then prob([$k]; "\u0027\($k)\u0027 must be an object, got \($b[$k] | tojson)") else empty end;

(input_filename | sub(".*/"; "") | sub("\\.json$"; "")) as $fname
| . as $b
| if type != "object" then prob([]; "a board spec must be a JSON object")
  else
  ($b.flasher | if type == "object" then .program else null end) as $prog
  | (($prog | type) == "string" and ($prog | IN(programs[]))) as $known_prog
  | unknown($b; fields; []),
    required($b; mandatory; []),
    (obj($b; "usb"), obj($b; "flasher"), obj($b; "boot"), obj($b; "timing"), obj($b; "firmware"), obj($b; "perfbench")),
    # name
    (select($b | has("name")) | $b.name
      | if (type != "string") or (test("^[A-Z][A-Z0-9_]*$") | not) then
          prob(["name"]; "name must be an upper-case board name (A-Z, 0-9, _), got \(tojson)")
        elif . != $fname then prob(["name"]; "name \u0027\(.)\u0027 does not match the file name \u0027\($fname).json\u0027")
        else empty end),
    (select($b | has("micropython_board")) | $b.micropython_board
      | select((type != "string") or (test("^[A-Za-z][A-Za-z0-9_]*$") | not))
      | prob(["micropython_board"]; "micropython_board must be a MicroPython BOARD name, got \(tojson)")),
    # variants
    (select($b | has("variants")) | $b.variants
      | if (type != "array") or length == 0 then prob(["variants"]; "variants must be a non-empty list of variant names (\"\" is the default build)")
        else (.[] | select((type != "string") or (test("^[A-Z0-9_]*$") | not))
                  | probv(["variants"]; show; "bad variant \(tojson) (upper-case letters, digits, _; \"\" for the default build)")),
             (group_by(.) | .[] | select(length > 1) | .[0] | probv(["variants"]; show; "variant \(tojson) listed twice"))
        end),
    # port
    (select($b | has("port")) | $b.port | select(IN(ports[]) | not)
      | probv(["port"]; show; "unknown port \(tojson) (one of \(ports | join(", ")))")),
    # features
    (select($b | has("features")) | $b.features
      | if (type != "array") or length == 0 then prob(["features"]; "features must be a non-empty list of \(features | join(", "))")
        else (.[] | select(IN(features[]) | not) | probv(["features"]; show; "unknown feature \u0027\(show)\u0027 (one of \(features | join(", ")))")),
             (group_by(.) | .[] | select(length > 1) | .[0] | probv(["features"]; show; "feature \u0027\(show)\u0027 listed twice"))
        end),
    # usb
    ($b.usb | objects | . as $u
      | unknown($u; ["boot", "app", "boot_event"]; ["usb"]),
        required($u; ["boot", "app"]; ["usb"]),
        (("boot", "app") as $k | select($u | has($k)) | $u[$k]
          | if . == null then
              if $k == "boot" and $known_prog and ($prog | IN("picotool", "dfu-util", "bossac", "teensy_loader_cli"))
                then prob(["usb", "boot"]; "usb.boot must be a VID:PID: flasher \u0027\($prog)\u0027 waits for the boot device")
              elif $k == "app" and $prog != "none" then prob(["usb", "app"]; "usb.app must be a VID:PID (null only for virtual boards)")
              else empty end
            elif vidpid | not then prob(["usb", $k]; "bad VID:PID \(tojson) in usb.\($k) (want 4 lowercase hex digits, colon, 4 more, e.g. 2e8a:0005)")
            else empty end),
        (select($u | has("boot_event")) | $u.boot_event | select(IN("add", "bind") | not)
          | prob(["usb", "boot_event"]; "usb.boot_event must be \"add\" or \"bind\", got \(tojson)"))),
    # flasher
    ($b.flasher | objects | . as $f
      | if ($f | has("program") | not) then prob(["flasher"]; "missing field \u0027flasher.program\u0027")
        elif $known_prog | not then
          prob(["flasher", "program"]; "unknown flasher \($prog | tojson) (one of \(programs | join(", ")))")
        else
          unknown($f; flasher_fields[$prog]; ["flasher"]),
          required($f; (flasher_required[$prog] // []); ["flasher"]),
          (select($f | has("chip")) | $f.chip | select((type != "string") or (test("^esp(8266|32[a-z0-9]*)$") | not))
            | prob(["flasher", "chip"]; "flasher.chip must be an esptool chip name (esp32, esp32c3, esp32s3, esp8266, ...), got \(tojson)")),
          (select($f | has("baud")) | $f.baud | select(posint | not)
            | prob(["flasher", "baud"]; "flasher.baud must be a positive integer, got \(tojson)")),
          (select($f | has("offset")) | $f.offset | select(hexnum | not)
            | prob(["flasher", "offset"]; "flasher.offset must be a hex string like \"0x1000\", got \(tojson)")),
          (("write_flash_args", "args") as $k | select($f | has($k)) | $f[$k] | select(strings_list | not)
            | prob(["flasher", $k]; "flasher.\($k) must be a list of strings")),
          (select($f | has("mcu")) | $f.mcu | select(nonempty_string | not)
            | prob(["flasher", "mcu"]; "flasher.mcu must be a teensy_loader_cli MCU name, got \(tojson)")),
          (select($f | has("exclusive")) | $f.exclusive | select(type != "boolean")
            | prob(["flasher", "exclusive"]; "flasher.exclusive must be true or false, got \(tojson)")),
          (select($f | has("timeout_s")) | $f.timeout_s | select((type != "number") or . <= 0)
            | prob(["flasher", "timeout_s"]; "flasher.timeout_s must be a number > 0, got \(tojson)"))
        end),
    # boot
    ($b.boot | objects | . as $o
      | unknown($o; ["relay", "sequence"]; ["boot"]),
        required($o; ["relay", "sequence"]; ["boot"]),
        (select($o | has("relay")) | $o.relay | select(. != null and ((posint | not) or . > 7))
          | prob(["boot", "relay"]; "boot.relay must be a relay number 1..7 or null, got \(tojson)")),
        (select($o | has("sequence")) | $o.sequence
          | if . == "hold" or . == "none" then empty
            elif type == "array" and length > 0 and all(.[]; posint) then empty
            else prob(["boot", "sequence"]; "boot.sequence must be \"hold\", \"none\" or a list of pulse durations in ms, got \(tojson)") end),
        (select(($o.sequence // "none") != "none" and ($o | has("relay")) and $o.relay == null)
          | prob(["boot", "relay"]; "boot.sequence \($o.sequence | tojson) needs a boot.relay"))),
    # timing
    ($b.timing | objects | . as $t
      | unknown($t; ["udev_wait_s", "settle_s", "app_wait_s"]; ["timing"]),
        required($t; ["udev_wait_s", "settle_s"]; ["timing"]),
        (("udev_wait_s", "settle_s", "app_wait_s") as $k | select($t | has($k)) | $t[$k]
          | select((type != "number") or . < 0)
          | prob(["timing", $k]; "timing.\($k) must be a number >= 0 (seconds), got \(tojson)"))),
    # firmware
    ($b.firmware | objects | . as $w
      | unknown($w; ["ext", "build_file"]; ["firmware"]),
        required($w; ["ext"]; ["firmware"]),
        (select($w | has("ext")) | $w.ext
          | if . == null then (select($prog != "none") | prob(["firmware", "ext"]; "firmware.ext may be null only for virtual boards (flasher none)"))
            elif IN("uf2", "bin", "dfu", "hex") | not then prob(["firmware", "ext"]; "unknown firmware.ext \(tojson) (one of uf2, bin, dfu, hex)")
            elif $known_prog and $prog != "none" and . != fw_ext[$prog] then
              prob(["firmware", "ext"]; "firmware.ext \u0027\(.)\u0027 does not fit flasher \u0027\($prog)\u0027 (it takes .\(fw_ext[$prog]))")
            else empty end),
        # build_file: where a port puts the firmware when not build-<BUILD>/firmware.<ext>
        (select($w | has("build_file")) | $w.build_file
          | if (type != "string") or (test("^[A-Za-z0-9_./{}-]+$") | not) or test("^/|\\.\\.") then
              prob(["firmware", "build_file"]; "firmware.build_file must be a relative path inside ports/<port>/ (letters, digits, _ . - / and {BUILD}), got \(tojson)")
            elif ($w.ext | type) == "string" and (endswith(".\($w.ext)") | not) then
              prob(["firmware", "build_file"]; "firmware.build_file \(tojson) must end in .\($w.ext) (the firmware.ext)")
            else empty end)),
    # perfbench
    ($b.perfbench | objects | . as $q
      | unknown($q; ["mhz", "heap_kb"]; ["perfbench"]),
        required($q; ["mhz", "heap_kb"]; ["perfbench"]),
        (("mhz", "heap_kb") as $k | select($q | has($k)) | $q[$k] | select(posint | not)
          | prob(["perfbench", $k]; "perfbench.\($k) must be a positive integer, got \(tojson)"))),
    # skip
    (select($b | has("skip")) | $b.skip
      | if type != "array" then prob(["skip"]; "skip must be a list of {\"test\": ..., \"reason\": ...}")
        else .[] | if type != "object" then prob(["skip"]; "a skip rule must be an object {\"test\": ..., \"reason\": ...}, got \(tojson)")
          else . as $r
            | unknown($r; ["test", "reason"]; ["skip"]),
              (("test", "reason") as $k | select(($r[$k] | nonempty_string) | not)
                | prob(["skip"]; "skip rule \($r | tojson): \u0027\($k)\u0027 must be a non-empty string"))
          end
        end),
    # filesystem
    (select($b | has("filesystem")) | $b.filesystem
      | select(. != null and ((type != "string") or (test("^(/[^/\\r\\n]*)+$|^/$") | not)))
      | prob(["filesystem"]; "filesystem must be null or an absolute folder on the board (/, /flash), got \(tojson)")),
    # octobus
    (select($b | has("octobus")) | $b.octobus | select(. != null and type != "object")
      | prob(["octobus"]; "octobus must be null or an object, got \(tojson)"))
  end
| out
'

# inventory checks; $fname: the file name without .json, $boards: {NAME: {variants, program}}
JQ_INVENTORY='
def hw_versions: ["v0.3", "v0.5", "v0.6", "v0.7", "virtual"];
. as $i
| if type != "object" then prob([]; "an inventory must be a JSON object")
  else
    unknown($i; ["name", "reference_board", "tentacles"]; []),
    required($i; ["name", "reference_board", "tentacles"]; []),
    (select($i | has("name")) | $i.name
      | if type != "string" then prob(["name"]; "name must be a string, got \(tojson)")
        elif . != $fname then prob(["name"]; "name \u0027\(.)\u0027 does not match the file name \u0027\($fname).json\u0027")
        else empty end),
    (select($i | has("reference_board")) | $i.reference_board | select((type != "string") or (. as $r | $boards | has($r) | not))
      | prob(["reference_board"]; "reference_board \(tojson) has no board spec")),
    (select($i | has("tentacles")) | $i.tentacles
      | if type != "object" then prob(["tentacles"]; "tentacles must be an object: serial -> {board, hw_version}")
        else to_entries[] | .key as $s | .value as $t
          | (select($s | test("^[0-9a-f]{16}$") | not)
              | prob(["tentacles", $s]; "tentacle serial \u0027\($s)\u0027 is not 16 lowercase hex digits")),
            (if ($t | type) != "object" then prob(["tentacles", $s]; "tentacle \u0027\($s)\u0027 must be an object {board, hw_version}")
             else
              unknown($t; ["board", "hw_version", "variant"]; ["tentacles", $s]),
              required($t; ["board", "hw_version"]; ["tentacles", $s]),
              (if ($t.board | type) == "string" then $boards[$t.board] else null end) as $spec
              | (select($t | has("board")) | $t.board | select($spec == null)
                  | probv(["tentacles", $s, "board"]; show; "board \(tojson) of tentacle \u0027\($s)\u0027 has no board spec")),
                (select($t | has("hw_version")) | $t.hw_version
                  | if IN(hw_versions[]) | not then
                      probv(["tentacles", $s, "hw_version"]; show; "unknown hw_version \(tojson) (one of \(hw_versions | join(", ")))")
                    elif $spec.program != null and ((. == "virtual") != ($spec.program == "none")) then
                      probv(["tentacles", $s, "hw_version"]; show;
                        if . == "virtual" then "hw_version \"virtual\" needs a virtual board, not \u0027\($t.board)\u0027"
                        else "virtual board \u0027\($t.board)\u0027 needs hw_version \"virtual\"" end)
                    else empty end),
                (select($t | has("variant")) | $t.variant
                  | select($spec.variants != null and (IN($spec.variants[]) | not))
                  | probv(["tentacles", $s, "variant"]; show; "variant \(tojson) is not a variant of board \u0027\($t.board)\u0027 (\($spec.variants | map(tojson) | join(", ")))"))
             end)
        end)
  end
| out
'

# repeated keys, which jq would silently collapse (keeping the last); needs the streaming parser
JQ_DUPLICATES='
[inputs] as $ev
| ([$ev[] | select(.[0][0] == "tentacles"
      and ((length == 1 and (.[0] | length) == 3) or (length == 2 and (.[0] | length) == 2)))
    | .[0][1]]) as $serials
| ([$serials | group_by(.)[] | select(length > 1)]) as $dup
| ($dup | map(.[0])) as $dupset
| ($dup[] | .[0] as $s | range(2; length + 1)
    | prob(["tentacles", $s]; ""; .; "duplicate tentacle serial \u0027\($s)\u0027 (jq keeps only the last entry)")),
  ([$ev[] | select(length == 2) | .[0]
    | select((.[0] == "tentacles" and (.[1] | IN($dupset[]))) | not)]
    | group_by(.)[] | select(length > 1) | .[0]
    | prob(.; ""; 2; "duplicate key \u0027\(dotted(.))\u0027 (jq keeps only the last)"))
| out
'

# board_map DIR: {NAME: {variants, program}} of the specs in DIR that parse (cached per folder)
board_map() {
	key=$(printf '%s' "$1" | cksum | cut -d' ' -f1)
	if [ ! -f "$tmp/boards.$key" ]; then
		for b in "$1"/*.json; do
			[ -f "$b" ] || continue
			jq -c 'select(type == "object" and (.name | type) == "string")
				| {(.name): {variants: (.variants | if type == "array" then . else [] end),
				             program: (.flasher | if type == "object" then .program else null end)}}' \
				"$b" 2>/dev/null ||
				jq -n -c --arg n "$(basename "$b" .json)" '{($n): {variants: null, program: null}}' # broken: reported on its own
		done | jq -s -c 'add // {}' >"$tmp/boards.$key"
	fi
	cat "$tmp/boards.$key"
}

# parses FILE: whether it holds one JSON value; a problem otherwise
parses() {
	f=$1
	if ! n=$(jq -s length "$f" 2>"$tmp/err"); then
		msg=$(sed -n 's/^jq: error[^:]*: //; s/^parse error: //p' "$tmp/err" | head -n 1)
		line=$(printf '%s\n' "$msg" | sed -n 's/.* at line \([0-9][0-9]*\), column [0-9][0-9]*$/\1/p')
		msg=$(printf '%s\n' "$msg" | sed 's/ at line [0-9][0-9]*, column [0-9][0-9]*$//')
		report "$f" "${line:-1}" "invalid JSON: ${msg:-jq cannot parse it}"
		return 1
	fi
	if [ "$n" != 1 ]; then
		report "$f" 1 "invalid JSON: want one value, found $n"
		return 1
	fi
	jq -n -r --stream "$JQ_COMMON$JQ_DUPLICATES" "$f" >"$tmp/probs"
	emit
}

check_inventory() {
	f=$1
	bdir=$boards_opt
	[ -n "$bdir" ] || bdir=$(dirname "$(dirname "$f")")/boards
	board_map "$bdir" >"$tmp/map"
	jq -r --slurpfile boards "$tmp/map" "$JQ_COMMON"'
		(input_filename | sub(".*/"; "") | sub("\\.json$"; "")) as $fname | $boards[0] as $boards
		| '"$JQ_INVENTORY" "$f" >"$tmp/probs"
	emit
	jq -r '.tentacles | objects | keys_unsorted[]' "$f" | while read -r s; do
		printf '%s\037%s\037%s\n' "$s" "$f" "$(line_of "$f" "tentacles$RS_$s" "" 1)"
	done >>"$tmp/serials"
}

# udev rules: udevadm verify when this udev has it, then a syntax check of our own: every rule is
# comma-separated KEY{attr}OP"value" pairs with known keys and operators
check_rules() {
	f=$1
	if command -v udevadm >/dev/null 2>&1 && udevadm verify --help >/dev/null 2>&1; then
		if ! udevadm verify "$f" >"$tmp/err" 2>&1; then
			report "$f" 1 "udevadm verify failed: $(tr '\n' ' ' <"$tmp/err")"
		fi
	fi
	awk '
	function bad(msg) { sub(/[ \t]+$/, "", msg); printf "%s\037%s\n", start, msg }
	BEGIN {
		split("ACTION DEVPATH KERNEL KERNELS NAME SYMLINK SUBSYSTEM SUBSYSTEMS DRIVER DRIVERS ATTR ATTRS " \
		      "SYSCTL ENV CONST TAG TAGS TEST PROGRAM RESULT OWNER GROUP MODE SECLABEL OPTIONS RUN LABEL " \
		      "GOTO IMPORT", k, " ")
		for (i in k) known[k[i]] = 1
	}
	{
		if (cont == "") start = NR
		line = cont $0
		if (line ~ /\\$/) { cont = substr(line, 1, length(line) - 1); next }
		cont = ""
		if (line ~ /^[ \t]*(#|$)/) next
		rest = line; n = 0
		while (rest !~ /^[ \t]*$/) {
			if (!match(rest, /^[ \t]*[A-Z][A-Z_]*(\{[^}]+\})?[ \t]*(==|!=|\+=|-=|:=|=)[ \t]*"([^"\\]|\\.)*"[ \t]*/)) {
				sub(/^[ \t]*/, "", rest); bad("not a KEY==\"value\" / KEY=\"value\" pair: " substr(rest, 1, 40)); next
			}
			pair = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
			key = pair; sub(/^[ \t]*/, "", key); sub(/[{ \t=!+:-].*$/, "", key)
			if (!(key in known)) bad("unknown udev key \047" key "\047")
			n++
			if (rest ~ /^,/) { rest = substr(rest, 2); if (rest ~ /^[ \t]*$/) { bad("trailing comma"); next } }
			else if (rest !~ /^[ \t]*$/) { sub(/^[ \t]*/, "", rest); bad("missing comma before: " substr(rest, 1, 40)); next }
		}
	}
	END { if (cont != "") { bad("line continuation at the end of the file") } }' "$f" >"$tmp/rules"
	while IFS=$US read -r line msg; do
		report "$f" "$line" "$msg"
	done <"$tmp/rules"
}

: >"$tmp/report"
nargs=$#
for f in "$@"; do
	case $f in
	*.rules) check_rules "$f"; continue ;;
	esac
	parses "$f" || continue
	case $(basename "$(dirname "$f")") in
	boards) kind=board ;;
	testbeds) kind=inventory ;;
	*) kind=$(jq -r 'if type == "object" and has("tentacles") then "inventory" else "board" end' "$f") ;;
	esac
	if [ "$kind" = board ]; then
		set -- "$@" "$f" # checked together below: one jq for every board spec
	else
		check_inventory "$f"
	fi
done
shift "$nargs"
if [ $# -gt 0 ]; then
	jq -r "$JQ_COMMON$JQ_BOARD" "$@" >"$tmp/probs"
	emit
fi

# a tentacle serial in two inventories
awk -F "$US" '
	!($1 in first) { first[$1] = $2; next }
	first[$1] != $2 { printf "%s\037%s\037tentacle serial \047%s\047 also in \047%s\047\n", $2, $3, $1, first[$1] }
' "$tmp/serials" >"$tmp/cross"
while IFS=$US read -r f line msg; do
	report "$f" "$line" "$msg"
done <"$tmp/cross"

sort -s -t "$US" -k1,1 -k2,2n "$tmp/report" | tr "$US" : | sed 's/:/: /2'
[ "$problems" -eq 0 ] || exit 1
exit 0
