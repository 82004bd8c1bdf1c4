#!/bin/bash
# ONNX backend node tests (Debian's libonnx-testdata) for the ops the model
# runner supports, each run with `accelctl run --test-dir` on a device (emu
# by default) and reported as TAP: pass/fail and where it ran (device, cpu or
# mixed). Every test is listed here by name: none is picked or dropped
# silently. The few the runner cannot support are listed in UNSUPPORTED with
# the reason; for those the test checks that the model is refused with a
# clear error (exit 3), and reports them as SKIP, never as passed.
#
#   tests/conformance/run-conformance.sh [ACCELCTL] [DEVICE]
set -u
accelctl=${1:-build/bin/accelctl}
device=${2:-emu}
data=${ONNX_NODE_TESTS:-/usr/share/libonnx-testdata/data/node}

TESTS="
test_add test_add_bcast test_add_uint8
test_averagepool_1d_default test_averagepool_2d_ceil test_averagepool_2d_default
test_averagepool_2d_pads test_averagepool_2d_pads_count_include_pad
test_averagepool_2d_precomputed_pads test_averagepool_2d_precomputed_pads_count_include_pad
test_averagepool_2d_precomputed_same_upper test_averagepool_2d_precomputed_strides
test_averagepool_2d_same_lower test_averagepool_2d_same_upper test_averagepool_2d_strides
test_averagepool_3d_default
test_clip test_clip_default_inbounds test_clip_default_int8_inbounds
test_clip_default_int8_max test_clip_default_int8_min test_clip_default_max
test_clip_default_min test_clip_example test_clip_inbounds test_clip_outbounds
test_clip_splitbounds
test_conv_with_autopad_same test_conv_with_strides_and_asymmetric_padding
test_conv_with_strides_no_padding test_conv_with_strides_padding
test_convinteger_with_padding test_convinteger_without_padding
test_dequantizelinear test_dequantizelinear_axis
test_flatten_axis0 test_flatten_axis1 test_flatten_axis2 test_flatten_axis3
test_flatten_default_axis test_flatten_negative_axis1 test_flatten_negative_axis2
test_flatten_negative_axis3 test_flatten_negative_axis4
test_gemm_all_attributes test_gemm_alpha test_gemm_beta test_gemm_default_matrix_bias
test_gemm_default_no_bias test_gemm_default_scalar_bias
test_gemm_default_single_elem_vector_bias test_gemm_default_vector_bias
test_gemm_default_zero_bias test_gemm_transposeA test_gemm_transposeB
test_globalaveragepool test_globalaveragepool_precomputed
test_matmul_2d test_matmul_3d test_matmul_4d test_matmulinteger
test_maxpool_1d_default test_maxpool_2d_ceil test_maxpool_2d_default
test_maxpool_2d_dilations test_maxpool_2d_pads test_maxpool_2d_precomputed_pads
test_maxpool_2d_precomputed_same_upper test_maxpool_2d_precomputed_strides
test_maxpool_2d_same_lower test_maxpool_2d_same_upper test_maxpool_2d_strides
test_maxpool_2d_uint8 test_maxpool_3d_default
test_maxpool_with_argmax_2d_precomputed_pads test_maxpool_with_argmax_2d_precomputed_strides
test_qlinearconv test_qlinearmatmul_2D test_qlinearmatmul_3D
test_quantizelinear test_quantizelinear_axis
test_relu
test_reshape_allowzero_reordered test_reshape_extended_dims test_reshape_negative_dim
test_reshape_negative_extended_dims test_reshape_one_dim test_reshape_reduced_dims
test_reshape_reordered_all_dims test_reshape_reordered_last_dims
test_reshape_zero_and_negative_dim test_reshape_zero_dim
"

# name: reason (the runner must refuse these with exit 3)
declare -A UNSUPPORTED=(
	[test_averagepool_3d_default]="3-D pooling (only 1-D and 2-D windows)"
	[test_maxpool_3d_default]="3-D pooling (only 1-D and 2-D windows)"
	[test_maxpool_with_argmax_2d_precomputed_pads]="MaxPool's Indices output"
	[test_maxpool_with_argmax_2d_precomputed_strides]="MaxPool's Indices output (storage_order=1)"
)

n=0
total=$(echo $TESTS | wc -w)
echo "1..$total"
for t in $TESTS; do
	n=$((n + 1))
	if [ ! -d "$data/$t" ]; then
		echo "not ok $n - $t: test directory missing from $data (libonnx-testdata changed?)"
		continue
	fi
	out=$("$accelctl" -d "$device" run --test-dir "$data/$t" 2>&1)
	rc=$?
	on=$(printf '%s\n' "$out" | sed -n 's/^ran on: \([a-z]*\).*/\1/p')
	if [ -n "${UNSUPPORTED[$t]:-}" ]; then
		if [ "$rc" -eq 3 ] && printf '%s' "$out" | grep -q "error: .*node"; then
			echo "ok $n - $t # SKIP unsupported: ${UNSUPPORTED[$t]} (refused cleanly)"
		else
			echo "not ok $n - $t: expected a clean refusal (exit 3), got exit $rc"
			printf '%s\n' "$out" | sed 's/^/# /' | head -5
		fi
		continue
	fi
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $t ($on)"
	else
		echo "not ok $n - $t (${on:-not run}, exit $rc)"
		printf '%s\n' "$out" | sed 's/^/# /' | head -8
	fi
done
