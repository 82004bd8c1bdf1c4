// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: DRM accel driver, ioctl table, file lifecycle, module.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>

#include <drm/drm_accel.h>
#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_prime.h>

#include "eyrie_drv.h"

unsigned int eyrie_job_timeout_ms = 5000;
module_param_named(job_timeout_ms, eyrie_job_timeout_ms, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms, "Time a job may run before the device is reset (default 5000)");

unsigned int eyrie_boot_timeout_ms = 10000;
module_param_named(boot_timeout_ms, eyrie_boot_timeout_ms, uint, 0644);
MODULE_PARM_DESC(boot_timeout_ms, "Firmware boot handshake timeout (default 10000)");

unsigned int eyrie_ban_threshold = 3;
module_param_named(ban_threshold, eyrie_ban_threshold, uint, 0644);
MODULE_PARM_DESC(ban_threshold, "Hangs after which a context is banned, 0 never (default 3)");

unsigned int eyrie_ctx_mem_limit_mb;
module_param_named(ctx_mem_limit_mb, eyrie_ctx_mem_limit_mb, uint, 0644);
MODULE_PARM_DESC(ctx_mem_limit_mb, "Buffer memory one context may map, MiB (default 0: half of RAM)");

unsigned int eyrie_queue_entries = 256;
module_param_named(queue_entries, eyrie_queue_entries, uint, 0444);
MODULE_PARM_DESC(queue_entries, "Entries per hardware ring, power of two (default 256)");

unsigned int eyrie_pin_limit_mb;
module_param_named(pin_limit_mb, eyrie_pin_limit_mb, uint, 0644);
MODULE_PARM_DESC(pin_limit_mb, "Buffer memory all contexts together may map, MiB (default 0: half of RAM)");

unsigned int eyrie_contexts_per_user = 1024;
module_param_named(contexts_per_user, eyrie_contexts_per_user, uint, 0644);
MODULE_PARM_DESC(contexts_per_user, "Open files (contexts) one user may hold per device, 0 no limit (default 1024)");

char *eyrie_fw_name = EYRIE_FW_NAME;
module_param_named(firmware, eyrie_fw_name, charp, 0444);
MODULE_PARM_DESC(firmware, "Firmware image under /lib/firmware (default " EYRIE_FW_NAME ")");

static int eyrie_open(struct drm_device *drm, struct drm_file *file)
{
	struct eyrie_device *edev = to_eyrie(drm);
	struct eyrie_ctx *ctx;
	int idx;

	if (!drm_dev_enter(drm, &idx))
		return -ENODEV;
	ctx = eyrie_ctx_create(edev);
	drm_dev_exit(idx);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	file->driver_priv = ctx;
	return 0;
}

static void eyrie_postclose(struct drm_device *drm, struct drm_file *file)
{
	struct eyrie_ctx *ctx = file->driver_priv;

	/* Every handle is closed by now: the context maps nothing any more. */
	eyrie_ctx_destroy_entities(ctx);
	file->driver_priv = NULL;
	eyrie_ctx_put(ctx);
}

static const struct drm_ioctl_desc eyrie_ioctls[] = {
	DRM_IOCTL_DEF_DRV(EYRIE_QUERY, eyrie_ioctl_query, 0),
	DRM_IOCTL_DEF_DRV(EYRIE_BO_CREATE, eyrie_ioctl_bo_create, 0),
	DRM_IOCTL_DEF_DRV(EYRIE_BO_INFO, eyrie_ioctl_bo_info, 0),
	DRM_IOCTL_DEF_DRV(EYRIE_SUBMIT, eyrie_ioctl_submit, 0),
	DRM_IOCTL_DEF_DRV(EYRIE_WAIT, eyrie_ioctl_wait, 0),
};

/* DEFINE_DRM_ACCEL_FOPS() plus fdinfo, which the 6.12 accel macro leaves out. */
static const struct file_operations eyrie_fops = {
	.owner = THIS_MODULE,
	DRM_ACCEL_FOPS,
	.show_fdinfo = drm_show_fdinfo,
};

const struct drm_driver eyrie_drm_driver = {
	.driver_features = DRIVER_COMPUTE_ACCEL | DRIVER_GEM | DRIVER_SYNCOBJ,
	.open = eyrie_open,
	.postclose = eyrie_postclose,
	.gem_create_object = eyrie_gem_create_object,
	.gem_prime_import = eyrie_gem_prime_import,
	.gem_prime_import_sg_table = drm_gem_shmem_prime_import_sg_table,
	.show_fdinfo = eyrie_show_fdinfo,
	.ioctls = eyrie_ioctls,
	.num_ioctls = ARRAY_SIZE(eyrie_ioctls),
	.fops = &eyrie_fops,
	.name = EYRIE_DRIVER_NAME,
	.desc = EYRIE_DRIVER_DESC,
	.major = EYRIE_UAPI_VERSION_MAJOR,
	.minor = EYRIE_UAPI_VERSION_MINOR,
};

static int __init eyrie_init(void)
{
	int ret;

	ret = eyrie_ctx_module_init();
	if (ret)
		return ret;
	ret = eyrie_genl_register();
	if (ret)
		goto err_ctx;
	ret = eyrie_pci_register();
	if (ret)
		goto err_genl;
	return 0;

err_genl:
	eyrie_genl_unregister();
err_ctx:
	eyrie_ctx_module_exit();
	return ret;
}

static void __exit eyrie_exit(void)
{
	eyrie_pci_unregister();
	eyrie_ctx_module_exit();
	eyrie_genl_unregister();
}

module_init(eyrie_init);
module_exit(eyrie_exit);

MODULE_AUTHOR("Eyrie project");
MODULE_DESCRIPTION(EYRIE_DRIVER_DESC);
MODULE_LICENSE("GPL");
MODULE_FIRMWARE(EYRIE_FW_NAME);
