/* SPDX-License-Identifier: MIT */
/*
 * NetAdapt's loop (Yang et al., ECCV 2018) over a float ONNX model, with the
 * device's measured look-up table as its cost and a least-squares
 * reconstruction (He et al., ICCV 2017) in place of short-term fine-tuning:
 *
 *   while the model's figure is above the budget:
 *     target = max(budget, figure - step x original figure)
 *     for each prunable channel space (adapt_space.h):
 *       the fewest channels to remove so that the LUT says target is met,
 *       the filters of least L2 norm removed, every consumer's weights
 *       refitted to the original model's outputs on the calibration set
 *     keep the proposal whose output agrees best with the original's
 *     (top-1 agreement, then output SQNR)
 *
 * BatchNormalizations are folded into their convs first (adapt_fold.h): the
 * adapted model has none.
 */
#ifndef ACCELCTL_ADAPT_ENGINE_H
#define ACCELCTL_ADAPT_ENGINE_H

#include <stdbool.h>

#include "adapt_data.h"
#include "adapt_space.h"
#include "lut.h"

struct adapt_layer {
	char name[128];
	uint32_t c, m;			/* current channels (FC: inputs, outputs) */
};

struct adapt_iter {
	int iteration;
	double target, figure;		/* LUT figure after the iteration (metric) */
	double reported;		/* the same in report_metric */
	int proposals;
	bool met;			/* the chosen proposal reached target */
	char chosen[256];		/* the pruned space's producers */
	int removed, kept;
	int reconstructed, skipped;	/* consumers refitted / left as pruned */
	struct agreement agr;		/* on the calibration set (what chose it) */
	bool has_eval;
	struct agreement eval_agr;	/* on the held-out set (adapt_opts.eval) */
	bool has_measured;		/* adapt_opts.measure_each */
	struct accel_layer_stats measured; /* the device's, conv/FC layers summed */
	const struct adapt_layer *layers;
	int n_layers;
};

struct adapt_opts {
	enum lut_metric metric;		/* what the loop shrinks (LUT_MACS: the proxy) */
	double budget;			/* in the metric's LUT unit (fJ, cycles, words) */
	enum lut_metric report_metric;	/* also reported per iteration */
	double step;			/* share of the original figure per iteration */
	bool reconstruct;		/* least-squares refit of the consumers */
	double ridge;			/* lambda = ridge x trace(A^T A) / k */
	int max_ls_inputs;		/* larger consumers are not refitted */
	int ls_rows;			/* rows sampled per consumer */
	int max_iterations;
	/*
	 * Held-out samples (NULL: none): the chosen model's agreement with the
	 * original on them is reported per iteration; they choose nothing.
	 */
	const struct calib *eval;
	/*
	 * The device's measurement of the conv/FC layers at the channel counts
	 * layers[] gives, summed into *sum: 0, or -1 (the callback reported
	 * why). NULL: none. With it, the loop ends only when the device, not
	 * only the LUT, says the budget is met: where the LUT's interpolation
	 * is under the measurement, the loop goes on with the budget lowered
	 * by the gap (not for LUT_MACS, which the LUT counts exactly).
	 * measure_each: every iteration is measured (adapt_iter.measured).
	 */
	int (*measure)(void *ctx, const struct adapt_layer *layers, int n,
		       struct accel_layer_stats *sum);
	bool measure_each;
	void (*progress)(void *ctx, const char *what);
	void (*iteration)(void *ctx, const struct adapt_iter *it);
	void *ctx;
};

#define ADAPT_OPTS_DEFAULTS { .step = 0.05, .reconstruct = true, .ridge = 1e-2, \
			      .max_ls_inputs = 1152, .ls_rows = 2048, .max_iterations = 200 }

struct adapt_result {
	Onnx__ModelProto *model;	/* the adapted model (ox_free) */
	double original, final, minimum; /* LUT figures (metric) */
	double reported_original, reported_final; /* in report_metric */
	struct agreement agr;
	struct agreement eval_agr;	/* with adapt_opts.eval */
	int iterations;
	int bn_folded;			/* BatchNormalizations folded first */
	int corrections;		/* times the device's measurement sent the loop on */
	double gap;			/* measured - LUT at the last such time (metric) */
};

enum adapt_status {
	ADAPT_OK = 0,
	ADAPT_ERROR = -1,		/* message in err */
	ADAPT_UNREACHABLE = -2,		/* budget below the minimum (res->minimum) */
};

/* The model's LUT figure (its conv/FC layers at their current channels). */
int adapt_figure(const Onnx__GraphProto *g, const struct lut *lut, enum lut_metric metric,
		 double *fig, char *err, size_t errlen);

int adapt_run(const Onnx__ModelProto *orig, const struct lut *lut, const struct calib *cal,
	      const struct adapt_opts *o, struct adapt_result *res, char *err, size_t errlen);

#endif /* ACCELCTL_ADAPT_ENGINE_H */
