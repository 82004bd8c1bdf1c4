// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: DRM_IOCTL_EYRIE_QUERY.
 *
 * Size/pointer pattern: ptr == 0 asks for the size; otherwise the kernel
 * writes min(size, its own size) bytes and reports how many it wrote, so an
 * older binary with a smaller struct keeps working when the struct grows.
 */
#include <linux/uaccess.h>

#include <drm/drm_drv.h>

#include "eyrie_drv.h"

/* The device's description, by name: the uAPI does not carry eyrie_hw.h. */
static void eyrie_query_desc(const struct eyrie_hw_desc *in, struct drm_eyrie_device_desc *out)
{
	unsigned int i;

	out->pe_rows = in->pe_rows;
	out->pe_cols = in->pe_cols;
	out->rf_ifmap_words = in->rf_ifmap_words;
	out->rf_filter_words = in->rf_filter_words;
	out->rf_psum_words = in->rf_psum_words;
	out->word_bits_act = in->word_bits_act;
	out->word_bits_psum = in->word_bits_psum;
	out->num_queues = in->num_queues;
	out->glb_bytes = in->glb_bytes;
	out->stream_bytes = in->stream_bytes;
	out->clock_khz = in->clock_khz;
	out->dram_bytes_per_cycle = in->dram_bytes_per_cycle;
	out->glb_bytes_per_cycle = in->glb_bytes_per_cycle;
	out->noc_words_per_cycle = in->noc_words_per_cycle;
	BUILD_BUG_ON(ARRAY_SIZE(out->energy_fj) != EYRIE_ACCESS_LEVELS);
	for (i = 0; i < EYRIE_ACCESS_LEVELS; i++)
		out->energy_fj[i] = in->energy_fj[i];
	out->static_mw = in->static_mw;
	out->queue_max_entries = in->queue_max_entries;
	out->max_cmds_per_job = in->max_cmds_per_job;
	out->thermal_r_mc_per_w = in->thermal_r_mc_per_w;
	out->thermal_tau_ms = in->thermal_tau_ms;
	out->ambient_mc = in->ambient_mc;
	out->throttle_mc = in->throttle_mc;
	out->crit_mc = in->crit_mc;
	out->throttle_clock_khz = in->throttle_clock_khz;
	/* Words the uAPI does not name yet go on as the device reports them. */
	BUILD_BUG_ON(sizeof(out->reserved) != sizeof(in->reserved));
	memcpy(out->reserved, in->reserved, sizeof(out->reserved));
}

static void eyrie_query_device_info(struct eyrie_device *edev, struct eyrie_ctx *ctx,
				    struct drm_eyrie_device_info *info)
{
	struct pci_dev *pdev = edev->pdev;

	info->uapi_version = EYRIE_UAPI_VERSION_MAJOR << 16 | EYRIE_UAPI_VERSION_MINOR;
	info->hw_version = edev->hw_version;
	info->fw_version = edev->fw.version;
	info->fw_abi = edev->fw.abi;
	memcpy(info->fw_build_id, edev->fw.build_id, sizeof(info->fw_build_id));
	info->num_queues = edev->num_queues;
	info->caps = edev->caps;
	info->va_size = EYRIE_VA_END;
	info->va_start = EYRIE_VA_START;
	info->mem_limit = ctx->mem_limit;
	eyrie_query_desc(&edev->desc, &info->desc);
	info->pci_domain = pci_domain_nr(pdev->bus);
	info->pci_bus = pdev->bus->number;
	info->pci_dev = PCI_SLOT(pdev->devfn);
	info->pci_func = PCI_FUNC(pdev->devfn);
	info->pci_vendor = pdev->vendor;
	info->pci_device = pdev->device;
	info->job_records = EYRIE_JOB_RECORDS;
}

static int eyrie_query_telemetry(struct eyrie_device *edev, struct drm_file *file,
				 struct drm_eyrie_telemetry *out)
{
	struct eyrie_hw_telemetry t;
	int ret;

	ret = eyrie_read_telemetry_for(edev, eyrie_telemetry_privileged_file(file->filp), &t);
	if (ret)
		return ret;
	out->timestamp_ns = t.timestamp_ns;
	BUILD_BUG_ON(ARRAY_SIZE(out->energy_fj) != EYRIE_ENERGY_DOMAINS);
	memcpy(out->energy_fj, t.energy_fj, sizeof(out->energy_fj));
	out->busy_ns = t.busy_ns;
	out->cycles = t.cycles;
	out->jobs_completed = t.jobs_completed;
	out->power_mw = t.power_mw;
	out->temp_mc = t.temp_mc;
	out->util_permille = t.util_permille;
	out->clock_khz = t.clock_khz;
	out->flags = t.flags;
	out->throttle_events = t.throttle_events;
	return 0;
}

static void eyrie_query_context(struct eyrie_ctx *ctx, struct drm_eyrie_context_info *info)
{
	info->ctx_id = ctx->id;
	info->flags = READ_ONCE(ctx->banned) ? DRM_EYRIE_CTX_F_BANNED : 0;
	info->jobs_submitted = atomic64_read(&ctx->jobs_submitted);
	info->jobs_completed = atomic64_read(&ctx->jobs_completed);
	info->jobs_failed = atomic64_read(&ctx->jobs_failed);
	info->busy_ns = atomic64_read(&ctx->busy_ns);
	info->energy_fj = atomic64_read(&ctx->energy_fj);
	mutex_lock(&ctx->lock);
	info->mem_used = ctx->mem_used;
	mutex_unlock(&ctx->lock);
}

int eyrie_ioctl_query(struct drm_device *drm, void *data, struct drm_file *file)
{
	struct eyrie_device *edev = to_eyrie(drm);
	struct eyrie_ctx *ctx = file->driver_priv;
	struct drm_eyrie_query *args = data;
	union {
		struct drm_eyrie_device_info info;
		struct drm_eyrie_telemetry telem;
		struct drm_eyrie_context_info ctx;
	} *out;
	u32 size, len;
	int ret = 0, idx;

	if (args->flags || args->pad)
		return -EINVAL;
	switch (args->type) {
	case DRM_EYRIE_QUERY_DEVICE_INFO:
		size = sizeof(out->info);
		break;
	case DRM_EYRIE_QUERY_TELEMETRY:
		size = sizeof(out->telem);
		break;
	case DRM_EYRIE_QUERY_CONTEXT:
		size = sizeof(out->ctx);
		break;
	default:
		return -EINVAL;
	}
	if (!args->ptr) {
		args->size = size;
		return 0;
	}
	if (!args->size)
		return -EINVAL;

	out = kzalloc(sizeof(*out), GFP_KERNEL);
	if (!out)
		return -ENOMEM;
	if (!drm_dev_enter(drm, &idx)) {
		kfree(out);
		return -ENODEV;
	}
	switch (args->type) {
	case DRM_EYRIE_QUERY_DEVICE_INFO:
		eyrie_query_device_info(edev, ctx, &out->info);
		break;
	case DRM_EYRIE_QUERY_TELEMETRY:
		ret = eyrie_query_telemetry(edev, file, &out->telem);
		break;
	case DRM_EYRIE_QUERY_CONTEXT:
		eyrie_query_context(ctx, &out->ctx);
		break;
	}
	drm_dev_exit(idx);

	if (!ret) {
		len = min(args->size, size);
		if (copy_to_user(u64_to_user_ptr(args->ptr), out, len))
			ret = -EFAULT;
		else
			args->size = len;
	}
	kfree(out);
	return ret;
}
