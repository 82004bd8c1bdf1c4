#!/bin/bash
# make bench-cpu: float inference of the generated float networks on the CPU,
# libaccel (accelctl run --cpu: the fast float path, OpenBLAS sgemm) against
# ONNX Runtime, both on one thread, interleaved in the same run: ROUNDS
# rounds, each timing accelctl then ONNX Runtime on every network (two
# untimed warm-up runs, then the median of ITERATIONS runs); the figure is
# the median of the rounds' medians. Prints figures; never fails on a
# timing (only when a side cannot run at all).
#
#   bench/cpu/bench-cpu.sh MODEL_DIR ACCELCTL [ITERATIONS [ROUNDS]]
set -u
models=$1 accelctl=$2 iters=${3:-10} rounds=${4:-3}
here=$(dirname "$0")
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

median() {
	python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print("%.3f" % statistics.median(v) if v else "")' "$@"
}

printf '%-26s %14s %14s %8s\n' network accelctl_ms ort_ms ratio
status=0
for m in "$models"/*-float.onnx; do
	[ -e "$m" ] || continue
	in=${m%.onnx}.input.pb
	name=$(basename "$m" .onnx)
	as=() os=()
	for _ in $(seq "$rounds"); do
		a=$("$accelctl" --json run "$m" --cpu --warmup 2 --iterations "$iters" --input "$in" 2>/dev/null |
			python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["total"]["host_ms_median"])' 2>/dev/null)
		o=$(node "$here/ort-time.js" "$m" "$in" "$iters" 2>/dev/null | awk '/^ms_median/ { print $2 }')
		[ -n "$a" ] && as+=("$a")
		[ -n "$o" ] && os+=("$o")
	done
	a=$(median "${as[@]}") o=$(median "${os[@]}")
	if [ -z "$a" ] || [ -z "$o" ]; then
		status=1
		printf '%-26s %14s %14s %8s\n' "$name" "${a:-failed}" "${o:-failed}" -
		continue
	fi
	printf '%-26s %14s %14s %8s\n' "$name" "$a" "$o" "$(python3 -c "print('%.2f' % ($a / $o))")"
done
echo "(ms per inference: median over $rounds interleaved rounds of the median of $iters runs" \
     "after 2 warm-up runs; ratio = accelctl / ONNX Runtime; one thread each:" \
     "OPENBLAS_NUM_THREADS=1, ORT intra-op 1)"
exit $status
