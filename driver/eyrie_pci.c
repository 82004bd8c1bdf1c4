// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: PCI probe and removal.
 *
 * The emulated board is QEMU's ivshmem-doorbell, whose PCI ID any other
 * ivshmem user shares: the control-page magic at BAR2 offset 0 is checked
 * through a temporary mapping before anything is claimed, so somebody
 * else's device is left exactly as it was.
 */
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>

#include <drm/drm_drv.h>
#include <drm/drm_managed.h>

#include "eyrie_drv.h"

#define EYRIE_CTRL(field) offsetof(struct eyrie_hw_ctrl, field)

/* Looks at BAR2 without claiming it: is this one of ours? */
static int eyrie_pci_identify(struct pci_dev *pdev)
{
	void __iomem *ctrl;
	u32 magic, hw_version;

	if (!(pci_resource_flags(pdev, 2) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 2) < EYRIE_BAR2_MIN_SIZE ||
	    !(pci_resource_flags(pdev, 0) & IORESOURCE_MEM) ||
	    pci_resource_len(pdev, 0) < 0x10)
		return -ENODEV;
	ctrl = pci_iomap_range(pdev, 2, 0, EYRIE_CTRL_OFF_DESC);
	if (!ctrl)
		return -ENODEV;
	magic = readl(ctrl + EYRIE_CTRL(magic));
	hw_version = readl(ctrl + EYRIE_CTRL(hw_version));
	pci_iounmap(pdev, ctrl);

	if (magic != EYRIE_CTRL_MAGIC) {
		dev_dbg(&pdev->dev, "BAR2 starts with 0x%08x, not the Eyrie magic: not ours\n",
			magic);
		return -ENODEV;
	}
	if (hw_version >> 16 != EYRIE_HW_VERSION_MAJOR) {
		dev_err(&pdev->dev, "Eyrie hardware interface %u.%u, this driver speaks %u.x: update the driver\n",
			hw_version >> 16, hw_version & 0xffff, EYRIE_HW_VERSION_MAJOR);
		return -ENODEV;
	}
	return 0;
}

static void eyrie_drm_release(struct drm_device *drm, void *arg)
{
	struct eyrie_device *edev = arg;

	eyrie_sched_fini(edev);
	destroy_workqueue(edev->reset_wq);
	eyrie_fw_release(edev);
	xa_destroy(&edev->contexts);
	xa_destroy(&edev->user_contexts);
}

/* Registered before anything can fail after it, so no failed probe leaks it. */
static void eyrie_coredump_release(struct drm_device *drm, void *arg)
{
	eyrie_coredump_fini(arg);
}

/*
 * devres, after the rings exist and so released before them: a probe that
 * fails once the firmware may run (bus mastering on) stops the device
 * before its rings are freed. Removal has stopped it already.
 */
static void eyrie_quiesce(void *arg)
{
	struct eyrie_device *edev = arg;
	u32 result;

	if (READ_ONCE(edev->unplugged) || pci_dev_is_disconnected(edev->pdev))
		return;
	if (eyrie_ctrl_read32(edev, EYRIE_CTRL(status)) != EYRIE_DEV_STATUS_RESET)
		eyrie_mbox_cmd(edev, EYRIE_MBOX_RESET, 0, 0, 500, &result);
	pci_clear_master(edev->pdev);
}

static int eyrie_request_irqs(struct eyrie_device *edev)
{
	struct pci_dev *pdev = edev->pdev;
	unsigned int i, want = 1 + edev->num_queues;
	int ret, nvec;

	nvec = pci_alloc_irq_vectors(pdev, want, want, PCI_IRQ_MSIX);
	if (nvec < 0) {
		eyrie_err(edev, "need %u MSI-X vectors (%d); the emulated board needs -device ivshmem-doorbell,vectors=%u\n",
			  want, nvec, EYRIE_NUM_VECTORS);
		return nvec;
	}
	edev->num_vectors = nvec;
	ret = devm_request_irq(&pdev->dev, pci_irq_vector(pdev, EYRIE_VECTOR_ADMIN),
			       eyrie_admin_irq, 0, "eyrie-admin", edev);
	if (ret)
		return ret;
	for (i = 0; i < edev->num_queues; i++) {
		/* Jobs complete in the vector's thread (eyrie_queue_irq()). */
		ret = devm_request_threaded_irq(&pdev->dev,
						pci_irq_vector(pdev, EYRIE_VECTOR_QUEUE(i)),
						eyrie_queue_irq, eyrie_queue_irq_thread, 0,
						edev->queue[i].name, &edev->queue[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Brings a device that is not waiting for firmware back to RESET first.
 * Bus mastering stays off until it is there: a device a previous driver
 * left wedged (or kexec, or firmware tools left running) may still hold
 * page tables and buffers that are freed and reused memory by now.
 */
static int eyrie_boot(struct eyrie_device *edev)
{
	u32 status = eyrie_ctrl_read32(edev, EYRIE_CTRL(status));
	u32 result;
	int ret;

	pci_clear_master(edev->pdev);
	if (status != EYRIE_DEV_STATUS_RESET) {
		eyrie_info(edev, "device is %s at probe; resetting it first\n",
			   eyrie_dev_status_name(status));
		ret = eyrie_mbox_cmd(edev, EYRIE_MBOX_RESET, 0, 0, eyrie_boot_timeout_ms, &result);
		if (ret || result != EYRIE_MBOX_OK) {
			eyrie_err(edev, "device did not accept RESET (%d, %s)\n", ret,
				  ret ? "no answer" : eyrie_mbox_result_name(result));
			return ret ?: -EIO;
		}
	}
	pci_set_master(edev->pdev);
	return eyrie_fw_boot(edev);
}

static int eyrie_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct eyrie_device *edev;
	struct drm_device *drm;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	/*
	 * Whatever left the device running (firmware tools, the BIOS, a
	 * previous driver) does not get to DMA into memory while this probe
	 * allocates; eyrie_boot() turns bus mastering on at RESET.
	 */
	pci_clear_master(pdev);
	ret = eyrie_pci_identify(pdev);
	if (ret)
		return ret;

	edev = devm_drm_dev_alloc(&pdev->dev, &eyrie_drm_driver, struct eyrie_device, drm);
	if (IS_ERR(edev))
		return PTR_ERR(edev);
	drm = &edev->drm;
	edev->pdev = pdev;
	pci_set_drvdata(pdev, edev);
	mutex_init(&edev->mbox_lock);
	mutex_init(&edev->reset_lock);
	mutex_init(&edev->coarse_lock);
	init_waitqueue_head(&edev->mbox_wq);
	xa_init_flags(&edev->contexts, XA_FLAGS_ALLOC1);
	xa_init(&edev->user_contexts);
	mutex_init(&edev->bo_lock);
	INIT_LIST_HEAD(&edev->bos);
	INIT_LIST_HEAD(&edev->genl_link);
	eyrie_reset_init(edev);
	ret = drmm_add_action_or_reset(drm, eyrie_coredump_release, edev);
	if (ret)
		return ret;

	edev->bar0 = pcim_iomap_region(pdev, 0, EYRIE_DRIVER_NAME);
	if (IS_ERR(edev->bar0))
		return PTR_ERR(edev->bar0);
	edev->bar2 = pcim_iomap_region(pdev, 2, EYRIE_DRIVER_NAME);
	if (IS_ERR(edev->bar2))
		return PTR_ERR(edev->bar2);
	edev->bar2_size = pci_resource_len(pdev, 2);

	/* A page-table entry holds bus address bits 51:12. */
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(EYRIE_DMA_BITS));
	if (ret)
		ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(32));
	if (ret) {
		eyrie_err(edev, "no usable DMA mask\n");
		return ret;
	}
	/*
	 * The device MMU maps every 4 KiB page of a segment on its own, so a
	 * DMA segment may be of any length. The GEM helpers merge contiguous
	 * pages into long segments, and with the PCI default limit (64 KiB)
	 * the DMA API debug reports each one as longer than the device takes.
	 */
	dma_set_max_seg_size(&pdev->dev, UINT_MAX);

	/* Someone (firmware tools, a previous driver) may have used the mailbox. */
	edev->mbox_seq = eyrie_ctrl_read32(edev, EYRIE_CTRL_OFF_MAILBOX +
					   offsetof(struct eyrie_hw_mailbox, seq));
	/* Faults from before this probe are not ours to report. */
	edev->fault_count_seen = eyrie_ctrl_read32(edev, EYRIE_CTRL_OFF_FAULT +
						   offsetof(struct eyrie_hw_fault, count));
	edev->hw_version = eyrie_ctrl_read32(edev, EYRIE_CTRL(hw_version));
	edev->caps = eyrie_ctrl_read64(edev, EYRIE_CTRL(caps));
	edev->doorbell_peer = eyrie_ctrl_read32(edev, EYRIE_CTRL(doorbell_peer));
	memcpy_fromio(&edev->desc, edev->bar2 + EYRIE_CTRL_OFF_DESC, sizeof(edev->desc));
	edev->num_queues = min_t(u32, edev->desc.num_queues, EYRIE_SCHED_QUEUES);
	if (!edev->num_queues || edev->desc.num_queues > EYRIE_MAX_QUEUES) {
		eyrie_err(edev, "device describes %u queues, expected 1..%u\n",
			  edev->desc.num_queues, EYRIE_MAX_QUEUES);
		return -ENODEV;
	}

	edev->reset_wq = alloc_ordered_workqueue("eyrie-reset", 0);
	if (!edev->reset_wq)
		return -ENOMEM;
	ret = eyrie_queues_init(edev);
	if (ret)
		goto err_wq;
	ret = devm_add_action_or_reset(&pdev->dev, eyrie_quiesce, edev);
	if (ret)
		goto err_wq;
	ret = eyrie_request_irqs(edev);
	if (ret)
		goto err_wq;
	ret = eyrie_fw_load(edev);
	if (ret)
		goto err_wq;
	ret = eyrie_boot(edev);
	if (ret)
		goto err_fw;
	ret = eyrie_sched_init(edev);
	if (ret)
		goto err_fw;
	ret = drmm_add_action_or_reset(drm, eyrie_drm_release, edev);
	if (ret)
		return ret;
	eyrie_queues_enable(edev);
	WRITE_ONCE(edev->ready, true);

	ret = drm_dev_register(drm, 0);
	if (ret) {
		WRITE_ONCE(edev->ready, false);
		eyrie_queues_disable(edev);
		return ret;
	}
	WRITE_ONCE(edev->events_enabled, true);
	eyrie_debugfs_init(edev);
	ret = eyrie_hwmon_init(edev);
	if (ret)
		eyrie_err(edev, "hwmon registration failed (%d); sensors will not show the board\n",
			  ret);
	eyrie_genl_add_device(edev);

	eyrie_info(edev, "%s: hw %u.%u, firmware %s version %u.%u ABI %u.%u build %*phN, %u queues of %u entries, %ux%u PEs\n",
		   pci_name(pdev), edev->hw_version >> 16, edev->hw_version & 0xffff,
		   eyrie_fw_name, edev->fw.version >> 16, edev->fw.version & 0xffff,
		   edev->fw.abi >> 16, edev->fw.abi & 0xffff,
		   (int)sizeof(edev->fw.build_id), edev->fw.build_id,
		   edev->num_queues, edev->queue[0].entries, edev->desc.pe_rows,
		   edev->desc.pe_cols);
	return 0;

err_fw:
	eyrie_fw_release(edev);
err_wq:
	destroy_workqueue(edev->reset_wq);
	return ret;
}

static void eyrie_remove(struct pci_dev *pdev)
{
	struct eyrie_device *edev = pci_get_drvdata(pdev);
	unsigned int i, contexts, table_pages, bos, imports;
	u32 result;
	int ret;

	eyrie_genl_remove_device(edev);
	WRITE_ONCE(edev->events_enabled, false);
	drm_dev_unplug(&edev->drm);
	WRITE_ONCE(edev->ready, false);
	WRITE_ONCE(edev->unplugged, true);
	flush_workqueue(edev->reset_wq);

	/*
	 * Stop the device and fail what it was running: nobody will complete
	 * it. Whatever RESET answered, bus mastering goes off before anything
	 * is freed: a device that did not reset may still be writing into the
	 * jobs' pages and page tables (probe turns it on again once the device
	 * is back at RESET).
	 */
	if (!pci_dev_is_disconnected(pdev)) {
		ret = eyrie_mbox_cmd(edev, EYRIE_MBOX_RESET, 0, 0, 500, &result);
		if (ret || result != EYRIE_MBOX_OK)
			drm_warn(&edev->drm, "RESET on removal: %s\n",
				 ret ? "no answer" : eyrie_mbox_result_name(result));
	}
	pci_clear_master(pdev);
	eyrie_queues_disable(edev);
	/* No interrupt may queue work on a device that is going away. */
	for (i = 0; i < 1 + edev->num_queues; i++)
		disable_irq(pci_irq_vector(pdev, i));
	cancel_work_sync(&edev->event_work);
	for (i = 0; i < edev->num_queues; i++)
		eyrie_queue_abort_all(&edev->queue[i]);

	/*
	 * Open files keep their contexts and BOs for as long as they like,
	 * but not the device's DMA memory: page tables and buffer mappings
	 * go now, with no job left on the device and none able to start.
	 */
	contexts = eyrie_ctx_release_tables(edev, &table_pages);
	bos = eyrie_gem_unmap_all(edev, &imports);
	if (contexts || bos || imports)
		drm_info(&edev->drm,
			 "removed with %u open contexts: freed %u page-table pages, unmapped %u buffers and %u imports\n",
			 contexts, table_pages, bos, imports);
}

static const struct pci_device_id eyrie_pci_ids[] = {
	{ PCI_DEVICE(EYRIE_PCI_VENDOR_FPGA, EYRIE_PCI_DEVICE_FPGA) },
	{ PCI_DEVICE(EYRIE_PCI_VENDOR_IVSHMEM, EYRIE_PCI_DEVICE_IVSHMEM) },
	{ }
};
MODULE_DEVICE_TABLE(pci, eyrie_pci_ids);

static struct pci_driver eyrie_pci_driver = {
	.name = EYRIE_DRIVER_NAME,
	.id_table = eyrie_pci_ids,
	.probe = eyrie_probe,
	.remove = eyrie_remove,
};

int eyrie_pci_register(void)
{
	return pci_register_driver(&eyrie_pci_driver);
}

void eyrie_pci_unregister(void)
{
	pci_unregister_driver(&eyrie_pci_driver);
}
