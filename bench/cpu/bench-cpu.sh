#!/bin/bash
# make bench-cpu: float inference of the generated float networks on the CPU,
# libaccel (accelctl run --cpu: the CPU plan's oneDNN primitives, the fast
# float path with OpenBLAS sgemm for the rest) against
# ONNX Runtime, both on one thread, interleaved in the same run: ROUNDS
# rounds, each timing accelctl then ONNX Runtime on every network (two
# untimed warm-up runs, then ITERATIONS runs). Per network and side: the
# median over the rounds of the median wall time of a run, and the same of
# the process CPU time of a run (on a loaded machine the wall time of the
# longer runs includes more of the other processes' time slices; CPU time
# does not). Prints figures; never fails on a timing (only when a side
# cannot run at all).
#
#   bench/cpu/bench-cpu.sh MODEL_DIR ACCELCTL [ITERATIONS [ROUNDS]]
set -u
models=$1 accelctl=$2 iters=${3:-10} rounds=${4:-3}
here=$(dirname "$0")
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

median() {
	python3 -c 'import statistics,sys; v=[float(x) for x in sys.argv[1:]]; print("%.3f" % statistics.median(v) if v else "")' "$@"
}
ratio() {
	python3 -c "print('%.2f' % ($1 / $2))"
}

printf '%-26s %10s %10s %6s %10s %10s %6s\n' network eyrie_ms ort_ms ratio eyrie_cpu ort_cpu ratio
status=0
for m in "$models"/*-float.onnx; do
	[ -e "$m" ] || continue
	in=${m%.onnx}.input.pb
	name=$(basename "$m" .onnx)
	aw=() ac=() ow=() oc=()
	for _ in $(seq "$rounds"); do
		r=$("$accelctl" --json run "$m" --cpu --warmup 2 --iterations "$iters" --input "$in" 2>/dev/null |
			python3 -c 'import json,sys; t=json.load(sys.stdin)["total"]; print("%.3f %.3f" % (t["host_ms_median"], t["host_cpu_ms_median"]))' 2>/dev/null)
		o=$(node "$here/ort-time.js" "$m" "$in" "$iters" 2>/dev/null |
			awk '/^ms_median/ { w = $2 } /^cpu_ms_median/ { c = $2 } END { if (w != "") print w, c }')
		if [ -n "$r" ]; then
			aw+=("${r% *}")
			ac+=("${r#* }")
		fi
		if [ -n "$o" ]; then
			ow+=("${o% *}")
			oc+=("${o#* }")
		fi
	done
	a=$(median "${aw[@]}") o=$(median "${ow[@]}")
	if [ -z "$a" ] || [ -z "$o" ]; then
		status=1
		printf '%-26s %10s %10s %6s\n' "$name" "${a:-failed}" "${o:-failed}" -
		continue
	fi
	a2=$(median "${ac[@]}") o2=$(median "${oc[@]}")
	printf '%-26s %10s %10s %6s %10s %10s %6s\n' "$name" "$a" "$o" "$(ratio "$a" "$o")" \
		"$a2" "$o2" "$(ratio "$a2" "$o2")"
done
echo "(ms per inference: median over $rounds interleaved rounds of the median of $iters runs" \
     "after 2 warm-up runs, wall time and process CPU time; ratio = Eyrie (accelctl) /" \
     "ONNX Runtime; one thread each: OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1 (oneDNN), ORT intra-op 1)"
exit $status
