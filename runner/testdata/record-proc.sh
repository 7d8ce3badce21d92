#!/bin/sh
# Records the /proc snapshots the sampler tests read: a small process tree
# (a shell with a CPU-burning child and a sleeping one), twice, one second
# apart. Run from runner/testdata: ./record-proc.sh
set -eu
sh -c 'yes > /dev/null & sleep 30 & wait' &
root=$!
sleep 0.5
snap() {
	dir=$1
	rm -rf "$dir"
	mkdir -p "$dir/sys/kernel"
	cp /proc/stat /proc/meminfo "$dir/"
	# Two processors are enough to test parsing.
	awk 'BEGIN{RS="";ORS="\n\n"} NR<=2' /proc/cpuinfo > "$dir/cpuinfo"
	cp /proc/sys/kernel/osrelease "$dir/sys/kernel/"
	for pid in $root $(cat /proc/$root/task/*/children); do
		mkdir -p "$dir/$pid"
		cp /proc/$pid/stat "$dir/$pid/stat"
		for t in /proc/$pid/task/*; do
			mkdir -p "$dir/$pid/task/${t##*/}"
			cp "$t/children" "$dir/$pid/task/${t##*/}/children"
		done
	done
	echo "$root" > "$dir/ROOT"
}
snap proc-t0
sleep 1
snap proc-t1
pkill -P "$root" || true
kill "$root" 2>/dev/null || true
