#!/bin/bash
# make bench-cpu: float inference of the generated float networks on the CPU,
# libaccel (accelctl run --cpu: OpenBLAS for Conv/Gemm/MatMul) against ONNX
# Runtime, both on one thread, in the same run. Prints figures; never fails
# on a timing (only when a side cannot run at all).
#
#   bench/cpu/bench-cpu.sh MODEL_DIR ACCELCTL [ITERATIONS]
set -u
models=$1 accelctl=$2 iters=${3:-5}
here=$(dirname "$0")
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
printf '%-26s %14s %14s %8s\n' network accelctl_ms ort_ms ratio
status=0
for m in "$models"/*-float.onnx; do
	[ -e "$m" ] || continue
	in=${m%.onnx}.input.pb
	name=$(basename "$m" .onnx)
	a=$("$accelctl" --json run "$m" --cpu --iterations "$iters" --input "$in" 2>/dev/null |
		python3 -c 'import json,sys; print("%.3f" % json.load(sys.stdin)["total"]["host_ms_per_inference"])' 2>/dev/null)
	o=$(node "$here/ort-time.js" "$m" "$in" "$iters" 2>/dev/null | awk '/^ms_per_inference/ { print $2 }')
	if [ -z "$a" ] || [ -z "$o" ]; then
		status=1
		printf '%-26s %14s %14s %8s\n' "$name" "${a:-failed}" "${o:-failed}" -
		continue
	fi
	printf '%-26s %14s %14s %8s\n' "$name" "$a" "$o" "$(python3 -c "print('%.2f' % ($a / $o))")"
done
echo "(ms per inference, mean of $iters after a warm-up; ratio = accelctl / ONNX Runtime;" \
     "one thread each: OPENBLAS_NUM_THREADS=1, ORT intra-op 1)"
exit $status
