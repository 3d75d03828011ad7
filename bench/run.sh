#!/bin/bash
# make bench: every benchmark in bench/ side by side with its peers, in one
# run; results in bench/results/latest.json and latest.md.
#   bench/run.sh [--quick] [NAME...]      (NAME: unpack, runtime, ...)
set -u
cd "$(dirname "$0")"
[ "${1:-}" = --quick ] && { export QUICK=1; shift; }
names=("$@")
[ ${#names[@]} -gt 0 ] || mapfile -t names < <(ls *.sh | grep -v -e '^lib.sh$' -e '^run.sh$' | sed 's/\.sh$//')
mkdir -p results
out=results/latest.json.tmp
: > "$out"
for n in "${names[@]}"; do
	echo "bench: $n" >&2
	bash "$n.sh" | tee -a "$out" >&2 || echo "bench: $n failed" >&2
done
jq -s --arg date "$(date -u +%FT%TZ)" --arg host "$(uname -nr) $(nproc) cores $(awk '/MemTotal/{printf "%d GiB", $2/1048576}' /proc/meminfo)" \
	'{date: $date, machine: $host, results: .}' "$out" > results/latest.json
rm -f "$out"
{
	echo "# Benchmark results"
	echo
	jq -r '"Measured \(.date) on \(.machine)."' results/latest.json
	echo
	echo "| what | servin | peer | ratio | target | met? |"
	echo "| --- | --- | --- | --- | --- | --- |"
	jq -r '.results[] | if .skipped then "| \(.what) | — | — | — | — | skipped: \(.skipped) |"
		else "| \(.what) | \(.servin) \(.unit) | \(if .peer then "\(.peer): \(.peer_value) \(.unit)" else "—" end) | \(.ratio // "—") | \(if .peer then "≤ \(.target)" else "≤ \(.target) \(.unit)" end) | \(if .met then "yes" else "**no**" end) |" end' results/latest.json
} > results/latest.md
cat results/latest.md
