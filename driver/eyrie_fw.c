// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: firmware image, mailbox and boot handshake.
 *
 * The image is checked here before it reaches the device (so a bad file is
 * reported by name without touching the board) and again by the device's
 * boot ROM, which alone knows the build id it runs. The image stays in
 * memory so recovery after a reset can boot again without the filesystem.
 */
#include <linux/crc32.h>
#include <linux/delay.h>
#include <linux/firmware.h>
#include <linux/io.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "eyrie_drv.h"

#define EYRIE_MBOX(field) (EYRIE_CTRL_OFF_MAILBOX + offsetof(struct eyrie_hw_mailbox, field))

const char *eyrie_mbox_result_name(u32 result)
{
	switch (result) {
	case EYRIE_MBOX_OK:
		return "ok";
	case EYRIE_MBOX_PENDING:
		return "pending";
	case EYRIE_MBOX_ERR_BAD_CMD:
		return "unknown mailbox command";
	case EYRIE_MBOX_ERR_FW_MAGIC:
		return "bad firmware magic";
	case EYRIE_MBOX_ERR_FW_SIZE:
		return "bad firmware size or header";
	case EYRIE_MBOX_ERR_FW_CRC:
		return "firmware payload CRC mismatch";
	case EYRIE_MBOX_ERR_FW_ABI:
		return "firmware ABI version not supported by the device";
	case EYRIE_MBOX_ERR_FW_BUILD_ID:
		return "firmware build id differs from the build the device runs";
	case EYRIE_MBOX_ERR_STATE:
		return "command not valid in the device's state";
	default:
		return "unknown result";
	}
}

/* Checks the header against the file; returns 0 or -EINVAL after logging why. */
static int eyrie_fw_check(struct eyrie_device *edev, const u8 *data, size_t size)
{
	struct eyrie_fw_header hdr;
	u32 crc;

	if (size < sizeof(hdr)) {
		eyrie_err(edev, "firmware %s: %zu bytes, shorter than its %zu-byte header; reinstall the firmware package\n",
			  eyrie_fw_name, size, sizeof(hdr));
		return -EINVAL;
	}
	memcpy(&hdr, data, sizeof(hdr));
	if (hdr.magic != EYRIE_FW_MAGIC) {
		eyrie_err(edev, "firmware %s: bad magic 0x%08x (expected 0x%08x \"EYFW\"): not an Eyrie firmware image\n",
			  eyrie_fw_name, hdr.magic, EYRIE_FW_MAGIC);
		return -EINVAL;
	}
	if (hdr.header_version != EYRIE_FW_HEADER_VERSION ||
	    hdr.header_size != sizeof(hdr)) {
		eyrie_err(edev, "firmware %s: header version %u size %u, this driver reads version %u size %zu\n",
			  eyrie_fw_name, hdr.header_version, hdr.header_size,
			  EYRIE_FW_HEADER_VERSION, sizeof(hdr));
		return -EINVAL;
	}
	if ((u64)hdr.payload_size + sizeof(hdr) != size) {
		eyrie_err(edev, "firmware %s: header says %u payload bytes but the file has %zu: truncated or corrupted file\n",
			  eyrie_fw_name, hdr.payload_size, size - sizeof(hdr));
		return -EINVAL;
	}
	if (size > EYRIE_FW_MAX_SIZE || size > edev->bar2_size - EYRIE_FW_LOAD_OFFSET) {
		eyrie_err(edev, "firmware %s: %zu bytes, more than the %llu bytes of the device's load area\n",
			  eyrie_fw_name, size,
			  min_t(u64, EYRIE_FW_MAX_SIZE, edev->bar2_size - EYRIE_FW_LOAD_OFFSET));
		return -EINVAL;
	}
	crc = ~crc32_le(~0u, data + sizeof(hdr), hdr.payload_size);
	if (crc != hdr.payload_crc32) {
		eyrie_err(edev, "firmware %s: payload CRC-32 0x%08x, header says 0x%08x: corrupted file, reinstall it\n",
			  eyrie_fw_name, crc, hdr.payload_crc32);
		return -EINVAL;
	}
	if (hdr.abi_major != EYRIE_FW_ABI_MAJOR) {
		eyrie_err(edev, "firmware %s: ABI %u.%u, this driver needs ABI %u.x: install the firmware matching this driver\n",
			  eyrie_fw_name, hdr.abi_major, hdr.abi_minor, EYRIE_FW_ABI_MAJOR);
		return -EINVAL;
	}
	edev->fw.version = hdr.fw_version;
	edev->fw.abi = (u32)hdr.abi_major << 16 | hdr.abi_minor;
	memcpy(edev->fw.build_id, hdr.build_id, sizeof(edev->fw.build_id));
	edev->fw.image_size = size;
	return 0;
}

int eyrie_fw_load(struct eyrie_device *edev)
{
	const struct firmware *fw;
	int ret;

	ret = request_firmware(&fw, eyrie_fw_name, edev->drm.dev);
	if (ret) {
		eyrie_err(edev, "cannot load firmware /lib/firmware/%s (%d): install it (make install puts it there) or pass firmware=<path under /lib/firmware>\n",
			  eyrie_fw_name, ret);
		return ret;
	}
	ret = eyrie_fw_check(edev, fw->data, fw->size);
	if (!ret) {
		edev->fw_image = kvmemdup(fw->data, fw->size, GFP_KERNEL);
		edev->fw_size = fw->size;
		if (!edev->fw_image)
			ret = -ENOMEM;
	}
	release_firmware(fw);
	return ret;
}

void eyrie_fw_release(struct eyrie_device *edev)
{
	kvfree(edev->fw_image);
	edev->fw_image = NULL;
}

/*
 * Runs one mailbox command and waits for done_seq to catch up. The
 * interrupt wakes us early; the periodic re-check covers a lost interrupt.
 */
int eyrie_mbox_cmd(struct eyrie_device *edev, u32 cmd, u64 arg0, u64 arg1,
		   unsigned int timeout_ms, u32 *result)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	u32 seq;
	int ret = -ETIMEDOUT;

	mutex_lock(&edev->mbox_lock);
	seq = ++edev->mbox_seq;
	eyrie_ctrl_write64(edev, EYRIE_MBOX(arg0), arg0);
	eyrie_ctrl_write64(edev, EYRIE_MBOX(arg1), arg1);
	eyrie_ctrl_write32(edev, EYRIE_MBOX(cmd), cmd);
	wmb();	/* arguments before the sequence number */
	eyrie_ctrl_write32(edev, EYRIE_MBOX(seq), seq);
	eyrie_doorbell(edev, EYRIE_VECTOR_ADMIN);

	for (;;) {
		if (eyrie_ctrl_read32(edev, EYRIE_MBOX(done_seq)) == seq) {
			rmb();	/* done_seq before result */
			*result = eyrie_ctrl_read32(edev, EYRIE_MBOX(result));
			ret = 0;
			break;
		}
		if (time_after(jiffies, deadline))
			break;
		wait_event_timeout(edev->mbox_wq,
				   eyrie_ctrl_read32(edev, EYRIE_MBOX(done_seq)) == seq,
				   msecs_to_jiffies(10));
	}
	mutex_unlock(&edev->mbox_lock);
	return ret;
}

/* Copies the image to BAR2 and runs the BOOT handshake. */
int eyrie_fw_boot(struct eyrie_device *edev)
{
	u32 result, status;
	int ret;

	memcpy_toio(edev->bar2 + EYRIE_FW_LOAD_OFFSET, edev->fw_image, edev->fw_size);
	ret = eyrie_mbox_cmd(edev, EYRIE_MBOX_BOOT, EYRIE_FW_LOAD_OFFSET, edev->fw_size,
			     eyrie_boot_timeout_ms, &result);
	status = eyrie_ctrl_read32(edev, offsetof(struct eyrie_hw_ctrl, status));
	if (ret) {
		eyrie_err(edev, "firmware %s: no answer to BOOT within %u ms (device status %s): is the device model (eyrie-sim) running? raise boot_timeout_ms on slow hosts\n",
			  eyrie_fw_name, eyrie_boot_timeout_ms, eyrie_dev_status_name(status));
		return ret;
	}
	if (result != EYRIE_MBOX_OK) {
		eyrie_err(edev, "firmware %s rejected by the device: %s (result %u, status %s)\n",
			  eyrie_fw_name, eyrie_mbox_result_name(result), result,
			  eyrie_dev_status_name(status));
		return -ENOEXEC;
	}
	if (status != EYRIE_DEV_STATUS_READY) {
		eyrie_err(edev, "firmware %s booted but the device is %s, not ready\n",
			  eyrie_fw_name, eyrie_dev_status_name(status));
		return -EIO;
	}
	edev->fw.abi = eyrie_ctrl_read32(edev, EYRIE_MBOX(fw_abi));
	edev->fw.version = eyrie_ctrl_read32(edev, EYRIE_MBOX(fw_version));
	memcpy_fromio(edev->fw.build_id, edev->bar2 + EYRIE_MBOX(fw_build_id),
		      sizeof(edev->fw.build_id));
	return 0;
}
