// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: fdinfo usage stats (Documentation/gpu/drm-usage-stats.rst).
 * drm-engine-<queue> is the time jobs of this file spent on each hardware
 * queue; the eyrie- keys carry what only this device measures.
 */
#include <drm/drm_file.h>
#include <drm/drm_print.h>

#include "eyrie_drv.h"

void eyrie_show_fdinfo(struct drm_printer *p, struct drm_file *file)
{
	struct eyrie_ctx *ctx = file->driver_priv;

	drm_printf(p, "drm-engine-normal:\t%lld ns\n",
		   atomic64_read(&ctx->engine_ns[DRM_EYRIE_QUEUE_NORMAL]));
	drm_printf(p, "drm-engine-high:\t%lld ns\n",
		   atomic64_read(&ctx->engine_ns[DRM_EYRIE_QUEUE_HIGH]));
	drm_printf(p, "eyrie-cycles:\t%lld\n", atomic64_read(&ctx->cycles));
	drm_show_memory_stats(p, file);
	drm_printf(p, "eyrie-context:\t%u\n", ctx->id);
	drm_printf(p, "eyrie-energy:\t%lld fJ\n", atomic64_read(&ctx->energy_fj));
	drm_printf(p, "eyrie-device-busy:\t%lld ns\n", atomic64_read(&ctx->busy_ns));
	drm_printf(p, "eyrie-jobs-submitted:\t%lld\n", atomic64_read(&ctx->jobs_submitted));
	drm_printf(p, "eyrie-jobs-completed:\t%lld\n", atomic64_read(&ctx->jobs_completed));
	drm_printf(p, "eyrie-jobs-failed:\t%lld\n", atomic64_read(&ctx->jobs_failed));
}
