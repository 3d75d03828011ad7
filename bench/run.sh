#!/bin/bash
# make bench: every benchmark in bench/ side by side with its peers, in one
# run; results in bench/results/latest.json and latest.md.
#   bench/run.sh [--quick] [NAME...]      (NAME: unpack, runtime, ...)
set -u
cd "$(dirname "$0")"
[ "${1:-}" = --quick ] && { export QUICK=1; shift; }
names=("$@")
all=0
[ ${#names[@]} -gt 0 ] || all=1
# The start-time benchmarks go first: the others create and delete
# thousands of files (1,000 containers, whole images), and this machine's
# disk (ext4, online discard) creates files several times slower for
# minutes after a mass deletion, which a `run` (a few directories and a
# log file per container) then measures, for servin and podman alike.
# runtime after network: crun needs hugetlb bound to a v1 hierarchy, and
# the one containers.sh just unmounted may not be gone yet.
first=(containers network runtime)
[ $all = 0 ] || mapfile -t names < <(printf '%s\n' "${first[@]}"; ls *.sh | grep -v -e '^lib.sh$' -e '^run.sh$' |
	sed 's/\.sh$//' | grep -vxF -e containers -e network -e runtime)
mkdir -p results
load_start=$(cut -d' ' -f1 /proc/loadavg)
out=results/latest.json.tmp
: > "$out"
t_all=$SECONDS
took=
for n in "${names[@]}"; do
	echo "bench: $n" >&2
	t=$SECONDS
	bash "$n.sh" | tee -a "$out" >&2 || echo "bench: $n failed" >&2
	took="$took, $n $((SECONDS - t)) s"
done
took="$((SECONDS - t_all)) s in all (${took#, })"
jq -s --arg date "$(date -u +%FT%TZ)" --arg host "$(uname -nr) $(nproc) cores $(awk '/MemTotal/{printf "%d GiB", $2/1048576}' /proc/meminfo)" \
	'{date: $date, machine: $host, results: .}' "$out" > results/latest.json
rm -f "$out"
{
	echo "# Benchmark results"
	echo
	jq -r '"Measured \(.date) on \(.machine)."' results/latest.json
	echo "The run took $took."
	echo "Load average (1 min) $load_start at the start, $(cut -d' ' -f1 /proc/loadavg) at the end (the benchmarks' own load included)."
	echo
	echo "| what | servin | peer | ratio | target | met? |"
	echo "| --- | --- | --- | --- | --- | --- |"
	jq -r '.results[] | if .skipped then "| \(.what) | — | — | — | — | skipped: \(.skipped) |"
		else "| \(.what) | \(.servin) \(.unit) | \(if .peer then "\(.peer): \(.peer_value) \(.unit)" else "—" end) | \(.ratio // "—") | \(if .peer then "≤ \(.target)" else "≤ \(.target) \(.unit)" end) | \(if .met then "yes" else "**no**" end) |" end' results/latest.json
} > results/latest.md
# A chart of the ratios against their targets (log scale: below 1 is
# servin faster than its peer).
if command -v gnuplot >/dev/null; then
	jq -r '.results[] | select(.ratio != null) | "\(.id) \(.ratio) \(.target)"' results/latest.json > results/latest.dat
	if [ -s results/latest.dat ]; then
		gnuplot <<'GP'
set terminal pngcairo size 1100,600 noenhanced
set output 'results/latest.png'
set title 'servin / peer time ratio (bars) against target (line); lower is better'
set style data histograms
set style fill solid 0.6 border -1
set logscale y
set xtics rotate by -35 font ",8"
set ylabel 'ratio'
set key top left
plot 'results/latest.dat' using 2:xtic(1) title 'measured' lc rgb '#3465a4', \
     '' using 0:3 with points pt 5 ps 1.5 lc rgb '#cc0000' title 'target'
GP
	fi
	rm -f results/latest.dat
	[ -f results/latest.png ] && echo "chart: bench/results/latest.png" >&2
fi
# The README's performance section holds the same table.
readme=../README.md
# (only a run of every benchmark replaces it)
if [ $all = 1 ] && grep -q '^<!-- bench:begin -->' "$readme"; then
	awk -v table=results/latest.md '
		/^<!-- bench:begin -->/ { print; while ((getline l < table) > 0) if (l !~ /^# /) print l; skip = 1; next }
		/^<!-- bench:end -->/ { skip = 0 }
		!skip' "$readme" > "$readme.tmp" && mv "$readme.tmp" "$readme"
fi
cat results/latest.md
