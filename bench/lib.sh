# bench/lib.sh — shared by every benchmark. Each benchmark prints result
# lines (JSON) through `result`; bench/run.sh collects them into
# bench/results/latest.{json,md}.
#
#   . "$(dirname "$0")/lib.sh"
#   t=$(time_ms cmd args...)            # wall time of one run, in ms
#   alternate N name_a "cmd a" name_b "cmd b"   # A/B/A/B..., sets MED_a, MIN_a, MAX_a ...
#   result ID "what" servin_ms peer "peer name" peer_ms "target text" met(true/false)
set -u
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$BENCH_DIR/.." && pwd)
BIN=${SERVIN_BIN:-$TOP/build/bin}
QUICK=${QUICK:-0}
# Scratch space on the root filesystem (not tmpfs): unpacks must hit the disk.
SCRATCH=${BENCH_SCRATCH:-/var/tmp/servin-bench}
mkdir -p "$SCRATCH"

have() { command -v "$1" >/dev/null 2>&1; }

time_ms() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1 || { echo "bench: command failed: $*" >&2; echo -1; return 1; }
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}

# Median, min and max of the numbers given.
stats() {
	printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END {
		m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		printf "%s %s %s\n", m, a[1], a[NR] }'
}

# This disk creates files slowly for minutes after a mass deletion: every
# file-creating run gets a fresh directory after `sync` and a pause, and
# old directories are deleted in the background of a later phase.
fresh_dir() {
	local d
	d=$(mktemp -d "$SCRATCH/run.XXXXXX")
	echo "$d"
}
settle() { sync; sleep "${1:-2}"; }

# result ID WHAT SERVIN_MS PEER_NAME PEER_MS TARGET_RATIO(servin/peer must be <=) [NOTE]
# ratio = servin / peer (lower is better for servin). The unit is ms unless UNIT is set.
result() {
	local id=$1 what=$2 sv=$3 peer=$4 pm=$5 target=$6 note=${7:-} unit=${UNIT:-ms}
	local ratio met
	ratio=$(awk -v a="$sv" -v b="$pm" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "null" }')
	met=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r != "null" && r <= t) ? "true" : "false" }')
	printf '{"id":"%s","what":"%s","servin":%s,"peer":"%s","peer_value":%s,"ratio":%s,"target":%s,"met":%s,"unit":"%s","note":"%s"}\n' \
		"$id" "$what" "$sv" "$peer" "$pm" "$ratio" "$target" "$met" "$unit" "$note"
}

# result_abs ID WHAT VALUE UNIT TARGET_MAX [NOTE] — an absolute figure with no peer.
result_abs() {
	local met
	met=$(awk -v v="$3" -v t="$5" 'BEGIN { print (v <= t) ? "true" : "false" }')
	printf '{"id":"%s","what":"%s","servin":%s,"peer":null,"peer_value":null,"ratio":null,"target":%s,"met":%s,"unit":"%s","note":"%s"}\n' \
		"$1" "$2" "$3" "$5" "$met" "$4" "${6:-}"
}

# podman_conf DIR: podman reads DIR/containers.conf: its default ulimits
# pinned to what this host allows (root lacks CAP_SYS_RESOURCE; podman
# lowers its own nproc to 32768), cgroupfs, file events.
podman_conf() {
	cat > "$1/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=$(ulimit -Hn):$(ulimit -Hn)", "nproc=32768:32768"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
	export CONTAINERS_CONF=$1/containers.conf
}

# bench_image NAME: the path of a benchmark image (an OCI layout) built once
# from local files into $SCRATCH: ~170 MB in 5 layers, or with QUICK=1 two
# (busybox and /usr/lib/python3, ~20 MB) so that a quick run stays short.
bench_image() {
	local img=$SCRATCH/$1-image
	local layers=(--layer /usr/include --layer /usr/lib/python3 --layer /usr/share/locale --layer /usr/lib/gcc)
	if [ "$QUICK" = 1 ]; then
		img=$img-quick
		layers=(--layer /usr/lib/python3)
	fi
	[ -f "$img/index.json" ] ||
		"$TOP/tests/fixtures/mkimage.sh" busybox "${layers[@]}" --out "$img" --format layout --tag bench:1 >&2
	echo "$img"
}

# image_layers DIR: how many layers the OCI layout's image has.
image_layers() {
	jq '.layers | length' "$1/blobs/sha256/$(jq -r '.manifests[0].digest' "$1/index.json" | cut -d: -f2)"
}

skipped() { printf '{"id":"%s","what":"%s","skipped":"%s"}\n' "$1" "$2" "$3"; }
