// SPDX-License-Identifier: MIT
/*
 * The kmd shim: an Eyrie board behind the eyrie kernel driver, reached
 * through the DRM accel node /dev/accel/accelN (uapi/drm/eyrie_accel.h).
 * One open file is one device context (its own device MMU address space),
 * as one emu handle is.
 *
 * Buffers are GEM objects: BO_CREATE maps them into the context and names
 * their device address, BO_INFO gives the mmap offset. A job is one SUBMIT
 * with an out-syncobj; waits block on the syncobj (absolute deadlines, any
 * number of waiters) and then read the job's record with WAIT, which holds
 * status, failing command, cycles and energy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

#include "core/internal.h"
#include "shim/kmd.h"

static struct kmd_shim *kmd(struct eyr_shim *s)
{
	return (struct kmd_shim *)s;
}

int eyr_kmd_ioctl(const struct kmd_shim *k, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(k->fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

/* ---- open, query, close ---- */

static int check_version(struct kmd_shim *k)
{
	drmVersionPtr v = drmGetVersion(k->fd);
	char name[32];
	int major, minor;

	if (!v)
		return eyr_error(-ENODEV, "%s is not a DRM device node: not an Eyrie board",
				 k->path);
	snprintf(name, sizeof(name), "%.*s", v->name_len, v->name);
	major = v->version_major;
	minor = v->version_minor;
	drmFreeVersion(v);
	if (strcmp(name, EYR_DRM_DRIVER_NAME))
		return eyr_error(-ENODEV,
				 "%s belongs to DRM driver '%s', not to '%s': not an Eyrie board",
				 k->path, name, EYR_DRM_DRIVER_NAME);
	if (major != EYRIE_UAPI_VERSION_MAJOR || minor < EYRIE_UAPI_VERSION_MINOR)
		return eyr_error(-EPROTO,
				 "%s: the eyrie driver speaks uAPI %d.%d, this libaccel needs %d.%d or a later 1.x; %s",
				 k->path, major, minor, EYRIE_UAPI_VERSION_MAJOR,
				 EYRIE_UAPI_VERSION_MINOR,
				 major < EYRIE_UAPI_VERSION_MAJOR ||
				 (major == EYRIE_UAPI_VERSION_MAJOR && minor < EYRIE_UAPI_VERSION_MINOR) ?
				 "the driver is too old: install the eyrie module of this release (make install DKMS_INSTALL=1, docs/install.md)" :
				 "the driver is newer than this library: install the matching libaccel");
	return 0;
}

static int query(struct kmd_shim *k, uint32_t type, void *out, uint32_t size,
		 const char *what)
{
	struct drm_eyrie_query q = {
		.type = type, .size = size, .ptr = (uintptr_t)out,
	};
	int err;

	memset(out, 0, size);
	err = eyr_kmd_ioctl(k, DRM_IOCTL_EYRIE_QUERY, &q);
	if (err)
		return eyr_kmd_error(k, err, what);
	if (q.size < size)
		return eyr_error(-EPROTO,
				 "kmd: %s on %s: the driver returned %u of %u bytes; the eyrie driver is too old for this libaccel (install the module of this release, docs/install.md)",
				 what, k->path, q.size, size);
	return 0;
}

static int kmd_open(const char *name, const struct accel_device_opts *opts,
		    struct eyr_shim **out)
{
	struct kmd_shim *k;
	int err;

	(void)opts;		/* its fields shape the emulated board only */
	k = calloc(1, sizeof(*k));
	if (!k)
		return eyr_error(-ENOMEM, "kmd: out of memory");
	k->base.ops = &eyr_shim_kmd_ops;
	k->tail = &k->head;
	if ((size_t)snprintf(k->path, sizeof(k->path), "%s", name) >= sizeof(k->path)) {
		free(k);
		return eyr_error(-ENAMETOOLONG, "device path '%s' is too long", name);
	}
	k->fd = open(name, O_RDWR | O_CLOEXEC);
	if (k->fd < 0) {
		err = -errno;
		k->fd = -1;
		eyr_kmd_error(k, err, "open");
		free(k);
		return err;
	}
	err = check_version(k);
	if (!err)
		err = query(k, DRM_EYRIE_QUERY_DEVICE_INFO, &k->info, sizeof(k->info),
			    "device info query");
	if (err) {
		close(k->fd);
		free(k);
		return err;
	}
	pthread_mutex_init(&k->lock, NULL);
	pthread_mutex_init(&k->submit_lock, NULL);
	eyr_info("kmd: %s open, uAPI %u.%u, firmware %u.%u, %u queues",
		 k->path, k->info.uapi_version >> 16, k->info.uapi_version & 0xffff,
		 k->info.fw_version >> 16, k->info.fw_version & 0xffff,
		 k->info.num_queues);
	*out = &k->base;
	return 0;
}

/* The uAPI's named device description as the hardware contract's struct. */
static void kmd_desc(const struct drm_eyrie_device_desc *in, struct eyrie_hw_desc *out)
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
	_Static_assert(sizeof(in->energy_fj) == sizeof(out->energy_fj), "energy levels");
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
	_Static_assert(sizeof(in->reserved) == sizeof(out->reserved), "reserved words");
	memcpy(out->reserved, in->reserved, sizeof(out->reserved));
}

static int kmd_query(struct eyr_shim *s, struct eyr_shim_info *out)
{
	const struct drm_eyrie_device_info *in = &kmd(s)->info;

	memset(out, 0, sizeof(*out));
	kmd_desc(&in->desc, &out->desc);
	out->hw_version = in->hw_version;
	out->fw_version = in->fw_version;
	out->fw_abi = in->fw_abi;
	memcpy(out->fw_build_id, in->fw_build_id, sizeof(out->fw_build_id));
	out->caps = in->caps;
	out->num_queues = in->num_queues;
	out->va_start = in->va_start;
	out->va_size = in->va_size;
	/* The uAPI carries no serial (board_serial stays empty); the PCI slot
	 * identifies the board (accel_device_board_info). */
	return 0;
}

/* ---- fences: collecting results ---- */

/*
 * Half the driver's record window (DEVICE_INFO job_records), so results are
 * collected long before their records are reused; a driver that predates
 * the field reports 0 and kept 1024 records.
 */
static unsigned int max_uncollected(const struct kmd_shim *k)
{
	return k->info.job_records > 1 ? k->info.job_records / 2 : KMD_MAX_UNCOLLECTED;
}

/*
 * Reads the job's record once its syncobj has signalled (lock held). The
 * record outlives the syncobj wait only for KMD_MAX_UNCOLLECTED jobs, which
 * is why every ended fence is collected in seqno order.
 */
static int collect(struct kmd_shim *k, struct eyr_shim_fence *f)
{
	struct drm_eyrie_wait w = { .seqno = f->seqno, .timeout_ns = 0 };
	int err;

	if (f->ended)
		return 0;
	err = eyr_kmd_ioctl(k, DRM_IOCTL_EYRIE_WAIT, &w);
	if (err == -ETIME)
		return -ETIMEDOUT;
	if (err)
		return eyr_kmd_error(k, err, "reading a job's result (WAIT)");
	f->result.status = w.status;
	f->result.err_cmd_index = w.err_cmd_index;
	f->result.err_detail = w.err_detail;
	f->result.cycles = w.cycles;
	f->result.energy_fj = w.energy_fj;
	f->result.start_ns = w.start_ns;
	f->result.end_ns = w.end_ns;
	f->ended = true;
	return 0;
}

/* Drops one reference; the last frees the fence and its syncobj (lock held). */
static void fence_put(struct kmd_shim *k, struct eyr_shim_fence *f)
{
	if (--f->refs)
		return;
	if (f->syncobj)
		drmSyncobjDestroy(k->fd, f->syncobj);
	free(f);
}

/* Drops collected fences from the list's head (lock held). */
static void trim(struct kmd_shim *k)
{
	while (k->head && k->head->ended) {
		struct eyr_shim_fence *f = k->head;

		k->head = f->next;
		if (!k->head)
			k->tail = &k->head;
		k->uncollected--;
		f->next = NULL;
		fence_put(k, f);
	}
}

/* Waits on f's syncobj until deadline (CLOCK_MONOTONIC ns, INT64_MAX forever). */
static int wait_syncobj(struct kmd_shim *k, uint32_t syncobj, int64_t deadline)
{
	uint32_t handle = syncobj;
	int ret = drmSyncobjWait(k->fd, &handle, 1, deadline, 0, NULL);

	if (ret == -ETIME || ret == -ETIMEDOUT)
		return -ETIMEDOUT;
	if (ret)
		return eyr_kmd_error(k, ret, "waiting for a job (syncobj wait)");
	return 0;
}

/*
 * Waits for the oldest uncollected fence until deadline and collects it.
 * Returns 0 (also when nothing is listed), -ETIMEDOUT or an error.
 */
static int collect_oldest(struct kmd_shim *k, int64_t deadline)
{
	struct eyr_shim_fence *f;
	int err;

	pthread_mutex_lock(&k->lock);
	trim(k);
	f = k->head;
	if (!f) {
		pthread_mutex_unlock(&k->lock);
		return 0;
	}
	f->refs++;		/* its owner may free it meanwhile */
	pthread_mutex_unlock(&k->lock);
	err = wait_syncobj(k, f->syncobj, deadline);
	pthread_mutex_lock(&k->lock);
	if (!err)
		err = collect(k, f);
	fence_put(k, f);
	trim(k);
	pthread_mutex_unlock(&k->lock);
	return err;
}

/* ---- buffers ---- */

/*
 * Maps a GEM handle of this file for the CPU and lists it: BO_INFO gives
 * the size, device address, flags and mmap offset. Closes the handle on
 * failure.
 */
static int bo_adopt(struct kmd_shim *k, uint32_t handle, struct eyr_shim_bo **out)
{
	struct drm_eyrie_bo_info info = { .handle = handle };
	struct kmd_bo *kb;
	void *cpu;
	int err;

	err = eyr_kmd_ioctl(k, DRM_IOCTL_EYRIE_BO_INFO, &info);
	if (err) {
		eyr_kmd_error(k, err, "buffer info (BO_INFO)");
		goto close_handle;
	}
	cpu = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, k->fd,
		   (off_t)info.mmap_offset);
	if (cpu == MAP_FAILED) {
		err = -errno;
		eyr_kmd_error(k, err, "buffer mmap");
		goto close_handle;
	}
	kb = calloc(1, sizeof(*kb));
	if (!kb) {
		munmap(cpu, info.size);
		err = eyr_error(-ENOMEM, "kmd: out of memory");
		goto close_handle;
	}
	kb->bo.size = info.size;
	kb->bo.device_addr = info.device_addr;
	kb->bo.cpu = cpu;
	kb->bo.flags = (info.flags & DRM_EYRIE_BO_DEVICE_RO) ? EYR_BO_DEVICE_RO : 0;
	kb->bo.handle = handle;
	pthread_mutex_lock(&k->lock);
	kb->next = k->bos;
	if (k->bos)
		k->bos->prev = kb;
	k->bos = kb;
	pthread_mutex_unlock(&k->lock);
	*out = &kb->bo;
	return 0;
close_handle:
	drmCloseBufferHandle(k->fd, handle);
	return err;
}

static int kmd_bo_alloc(struct eyr_shim *s, uint64_t size, uint32_t flags,
			struct eyr_shim_bo **out)
{
	struct kmd_shim *k = kmd(s);
	struct drm_eyrie_bo_create c = {
		.size = size,
		.flags = (flags & EYR_BO_DEVICE_RO) ? DRM_EYRIE_BO_DEVICE_RO : 0,
	};
	int err;

	err = eyr_kmd_ioctl(k, DRM_IOCTL_EYRIE_BO_CREATE, &c);
	if (err == -EDQUOT)
		return eyr_error(err,
				 "kmd: a %llu-byte buffer would exceed this context's buffer memory limit of %llu bytes on %s; free buffers, or raise the eyrie module parameter ctx_mem_limit_mb (/sys/module/eyrie/parameters/ctx_mem_limit_mb)",
				 (unsigned long long)size,
				 (unsigned long long)k->info.mem_limit, k->path);
	if (err == -EINVAL)
		return eyr_error(err,
				 "kmd: buffer of %llu bytes refused by the driver on %s (size 0 or larger than the device address space of %llu bytes)",
				 (unsigned long long)size, k->path,
				 (unsigned long long)k->info.va_size);
	if (err)
		return eyr_kmd_error(k, err, "buffer create (BO_CREATE)");
	return bo_adopt(k, c.handle, out);
}

static void kmd_bo_free(struct eyr_shim *s, struct eyr_shim_bo *bo)
{
	struct kmd_shim *k = kmd(s);
	struct kmd_bo *kb = (struct kmd_bo *)bo;

	if (!bo)
		return;
	pthread_mutex_lock(&k->lock);
	if (kb->prev)
		kb->prev->next = kb->next;
	else
		k->bos = kb->next;
	if (kb->next)
		kb->next->prev = kb->prev;
	pthread_mutex_unlock(&k->lock);
	munmap(bo->cpu, bo->size);
	/* Jobs still using it hold their own reference in the kernel. */
	if (drmCloseBufferHandle(k->fd, bo->handle))
		eyr_warn("kmd: closing buffer handle %u on %s: %s", bo->handle,
			 k->path, strerror(errno));
	free(kb);
}

/* ---- sharing: PRIME (dma-buf) ---- */

static int kmd_bo_export(struct eyr_shim *s, struct eyr_shim_bo *bo, int *fd)
{
	struct kmd_shim *k = kmd(s);

	if (drmPrimeHandleToFD(k->fd, bo->handle, DRM_CLOEXEC | DRM_RDWR, fd))
		return eyr_kmd_error(k, -errno, "buffer export (PRIME handle to fd)");
	return 0;
}

static int kmd_bo_import(struct eyr_shim *s, int fd, struct eyr_shim_bo **out)
{
	struct kmd_shim *k = kmd(s);
	uint32_t handle;
	bool ours = false;

	if (drmPrimeFDToHandle(k->fd, fd, &handle)) {
		int err = -errno;

		if (err == -EBADF || err == -EINVAL)
			return eyr_error(err,
					 "kmd: buffer import on %s: fd %d is not a dma-buf (%s); pass a descriptor from accel_buffer_export_fd",
					 k->path, fd, strerror(-err));
		return eyr_kmd_error(k, err, "buffer import (PRIME fd to handle)");
	}
	/* DRM hands back the same handle for this file's own buffers. */
	pthread_mutex_lock(&k->lock);
	for (struct kmd_bo *kb = k->bos; kb && !ours; kb = kb->next)
		ours = kb->bo.handle == handle;
	pthread_mutex_unlock(&k->lock);
	if (ours)
		return eyr_error(-EEXIST,
				 "kmd: buffer import on %s: the dma-buf is a buffer of this same handle (GEM handle %u); use that buffer itself",
				 k->path, handle);
	return bo_adopt(k, handle, out);
}

/* ---- jobs ---- */

static int kmd_submit(struct eyr_shim *s, const struct eyr_shim_submit *args,
		      struct eyr_shim_fence **out)
{
	struct kmd_shim *k = kmd(s);
	struct drm_eyrie_submit sub = {
		.cmdbuf_addr = args->cmdbuf_addr,
		.cmd_count = args->cmd_count,
		.queue = args->queue,
	};
	struct eyr_shim_fence *f;
	uint32_t *handles = NULL;
	int err;

	if (args->queue >= k->info.num_queues)
		return eyr_error(-EINVAL, "kmd: queue %u does not exist on %s (%u queues: 0 normal, 1 high)",
				 args->queue, k->path, k->info.num_queues);
	if (args->bo_count > UINT32_MAX)
		return eyr_error(-E2BIG, "kmd: a job may name at most %u buffers",
				 UINT32_MAX);
	if (args->bo_count) {
		handles = malloc(args->bo_count * sizeof(*handles));
		if (!handles)
			return eyr_error(-ENOMEM, "kmd: out of memory");
		for (size_t i = 0; i < args->bo_count; i++)
			handles[i] = args->bos[i]->handle;
	}
	sub.bo_handles = (uintptr_t)handles;
	sub.bo_count = (uint32_t)args->bo_count;

	f = calloc(1, sizeof(*f));
	if (!f) {
		free(handles);
		return eyr_error(-ENOMEM, "kmd: out of memory");
	}
	if (drmSyncobjCreate(k->fd, 0, &f->syncobj)) {
		err = eyr_kmd_error(k, -errno, "syncobj create");
		free(f);
		free(handles);
		return err;
	}
	sub.out_syncobj = f->syncobj;

	pthread_mutex_lock(&k->submit_lock);
	for (;;) {
		bool room;

		pthread_mutex_lock(&k->lock);
		trim(k);
		room = k->uncollected < max_uncollected(k);
		pthread_mutex_unlock(&k->lock);
		if (room) {
			err = eyr_kmd_ioctl(k, DRM_IOCTL_EYRIE_SUBMIT, &sub);
			/* EBUSY: the driver's record ring is full of running jobs. */
			if (err != -EBUSY) {
				if (err)
					err = eyr_kmd_error(k, err, "job submit (SUBMIT)");
				break;
			}
		}
		err = collect_oldest(k, INT64_MAX);	/* message set */
		if (err)
			break;
	}
	if (!err) {
		f->seqno = sub.seqno;
		f->refs = 2;		/* the caller's and the list's */
		pthread_mutex_lock(&k->lock);
		*k->tail = f;
		k->tail = &f->next;
		k->uncollected++;
		pthread_mutex_unlock(&k->lock);
	}
	pthread_mutex_unlock(&k->submit_lock);
	free(handles);
	if (err) {
		drmSyncobjDestroy(k->fd, f->syncobj);
		free(f);
		return err;
	}
	*out = f;
	return 0;
}

static int kmd_wait(struct eyr_shim *s, struct eyr_shim_fence *f,
		    int64_t timeout_ns, struct eyr_job_result *res)
{
	struct kmd_shim *k = kmd(s);
	int64_t deadline;
	int err;

	pthread_mutex_lock(&k->lock);
	if (f->ended) {
		if (res)
			*res = f->result;
		pthread_mutex_unlock(&k->lock);
		return 0;
	}
	pthread_mutex_unlock(&k->lock);

	if (timeout_ns < 0)
		deadline = INT64_MAX;
	else if (timeout_ns > INT64_MAX - eyr_shim_mono_ns())
		deadline = INT64_MAX;
	else
		deadline = eyr_shim_mono_ns() + timeout_ns;
	err = wait_syncobj(k, f->syncobj, timeout_ns == 0 ? 0 : deadline);
	if (err)
		return err;
	pthread_mutex_lock(&k->lock);
	err = collect(k, f);
	if (!err && res)
		*res = f->result;
	trim(k);
	pthread_mutex_unlock(&k->lock);
	return err;
}

static void kmd_fence_free(struct eyr_shim *s, struct eyr_shim_fence *f)
{
	struct kmd_shim *k = kmd(s);

	if (!f)
		return;
	/* A listed fence lives on until its result is collected. */
	pthread_mutex_lock(&k->lock);
	fence_put(k, f);
	pthread_mutex_unlock(&k->lock);
}

static int kmd_drain(struct eyr_shim *s, unsigned int timeout_ms)
{
	struct kmd_shim *k = kmd(s);
	int64_t deadline = eyr_shim_mono_ns() + (int64_t)timeout_ms * 1000000;
	int err;

	for (;;) {
		bool empty;

		pthread_mutex_lock(&k->lock);
		trim(k);
		empty = !k->head;
		pthread_mutex_unlock(&k->lock);
		if (empty)
			return 0;
		err = collect_oldest(k, deadline);
		if (err)
			break;
	}
	/*
	 * Closing the file cancels what is still queued and the driver's
	 * timeout recovers the device from a job that hangs, so there is no
	 * reset here (which would need CAP_SYS_ADMIN, and hit other users).
	 */
	eyr_warn("kmd: jobs on %s still running after %u ms; closing the device cancels them",
		 k->path, timeout_ms);
	return err;
}

static void kmd_close(struct eyr_shim *s)
{
	struct kmd_shim *k = kmd(s);

	/* What is still listed was let go by its owner (the core frees jobs first). */
	while (k->head) {
		struct eyr_shim_fence *f = k->head;

		k->head = f->next;
		f->next = NULL;
		fence_put(k, f);
	}
	close(k->fd);		/* the kernel cancels jobs still queued */
	pthread_mutex_destroy(&k->submit_lock);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

/*
 * A full device reset is an administrator's debug action: the driver offers
 * it in debugfs (/sys/kernel/debug/accel/<slot>/reset, root only), not as
 * an ioctl any file holder could reach.
 */
static int kmd_reset(struct eyr_shim *s)
{
	struct kmd_shim *k = kmd(s);
	char slot[16], path[128];
	int fd, err = 0;

	eyr_kmd_slot_name(&k->info, slot, sizeof(slot));
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/reset", slot);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		err = -errno;
	else if (write(fd, "1\n", 2) < 0)
		err = -errno;
	if (fd >= 0)
		close(fd);
	if (err == -EPERM || err == -EACCES)
		return eyr_error(err,
				 "kmd: resetting %s needs root (CAP_SYS_ADMIN and debugfs access; the reset hits every process using the board); run e.g. sudo accelctl -d %s reset",
				 k->path, k->path);
	if (err == -ENOENT && access("/sys/kernel/debug/accel", X_OK))
		return eyr_error(err,
				 "kmd: resetting %s goes through debugfs, which is not mounted here: mount -t debugfs none /sys/kernel/debug",
				 k->path);
	if (err == -ENOENT)
		return eyr_error(err,
				 "kmd: %s has no reset file: the eyrie driver loaded predates uAPI 1.1 (update the module)",
				 path);
	if (err == -EIO)
		return eyr_error(err,
				 "kmd: the reset of %s failed: the device did not come back (wedged if it did not acknowledge the RESET: /sys/kernel/debug/accel/%s/queues says wedged: 1 and why, dmesg | grep eyrie too); it stays down until a reset succeeds: try accelctl reset again",
				 k->path, slot);
	if (err)
		return eyr_kmd_error(k, err, "device reset (debugfs reset)");
	return 0;
}

static int kmd_telemetry_read(struct eyr_shim *s, struct accel_telemetry *t)
{
	struct kmd_shim *k = kmd(s);
	struct drm_eyrie_telemetry hw;
	int err = query(k, DRM_EYRIE_QUERY_TELEMETRY, &hw, sizeof(hw),
			"telemetry query");

	if (err)
		return err;
	EYR_SHIM_TELEMETRY_FILL(t, &hw);
	t->sample_period_us = 0;	/* not in the uAPI's snapshot */
	return 0;
}

/* ---- board: node, driver, PCI, debugfs, firmware log ---- */

void eyr_kmd_slot_name(const struct drm_eyrie_device_info *info, char *buf,
		       size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%x", info->pci_domain & 0xffff,
		 info->pci_bus, info->pci_dev & 0x1f, info->pci_func & 7);
}

static int kmd_board_info(struct eyr_shim *s, struct accel_board_info *out)
{
	struct kmd_shim *k = kmd(s);
	char dir[96];

	snprintf(out->node, sizeof(out->node), "%s", k->path);
	snprintf(out->driver, sizeof(out->driver), "%s", EYR_DRM_DRIVER_NAME);
	out->uapi_version = k->info.uapi_version;
	out->ctx_mem_limit = k->info.mem_limit;
	eyr_kmd_slot_name(&k->info, out->pci_slot, sizeof(out->pci_slot));
	out->pci_vendor = k->info.pci_vendor;
	out->pci_device = k->info.pci_device;
	out->has_pci = true;
	eyr_kmd_pci_fill(k->info.pci_domain, k->info.pci_bus, k->info.pci_dev,
			 k->info.pci_func, out);
	/* DRM names an accel device's debugfs directory after its PCI slot. */
	snprintf(dir, sizeof(dir), "/sys/kernel/debug/accel/%s", out->pci_slot);
	if (access(dir, R_OK | X_OK) == 0)
		snprintf(out->debugfs, sizeof(out->debugfs), "%s", dir);
	return 0;
}

static int kmd_fw_log(struct eyr_shim *s, char *buf, size_t len)
{
	struct kmd_shim *k = kmd(s);
	char slot[16], path[128];
	size_t used = 0;
	FILE *fp;

	eyr_kmd_slot_name(&k->info, slot, sizeof(slot));
	snprintf(path, sizeof(path), "/sys/kernel/debug/accel/%s/fw_log", slot);
	fp = fopen(path, "re");
	if (!fp) {
		int err = -errno;

		if (access("/sys/kernel/debug/accel", F_OK) && errno == ENOENT && err != -EACCES)
			return eyr_error(err,
					 "kmd: the firmware log of %s is in debugfs (%s), which is not mounted or not readable here: mount it (mount -t debugfs none /sys/kernel/debug) and run as root",
					 k->path, path);
		if (err == -EACCES || err == -EPERM)
			return eyr_error(err,
					 "kmd: cannot read %s (the firmware log of %s): debugfs is root-only; run as root",
					 path, k->path);
		return eyr_error(err,
				 "kmd: cannot read %s (the firmware log of %s): %s; this eyrie driver may not provide a firmware log",
				 path, k->path, strerror(-err));
	}
	/* Keep the newest bytes: slide the window as the file is read. */
	if (len == 0) {
		fclose(fp);
		return 0;
	}
	for (;;) {
		char chunk[4096];
		size_t n = fread(chunk, 1, sizeof(chunk), fp);

		if (n == 0)
			break;
		if (n >= len - 1) {
			memcpy(buf, chunk + n - (len - 1), len - 1);
			used = len - 1;
		} else {
			if (used + n > len - 1) {
				size_t drop = used + n - (len - 1);

				memmove(buf, buf + drop, used - drop);
				used -= drop;
			}
			memcpy(buf + used, chunk, n);
			used += n;
		}
	}
	fclose(fp);
	buf[used] = '\0';
	return (int)used;
}

const struct eyr_shim_ops eyr_shim_kmd_ops = {
	.name = "kmd",
	.open = kmd_open,
	.drain = kmd_drain,
	.close = kmd_close,
	.query = kmd_query,
	.bo_alloc = kmd_bo_alloc,
	.bo_free = kmd_bo_free,
	.submit = kmd_submit,
	.wait = kmd_wait,
	.fence_free = kmd_fence_free,
	.reset = kmd_reset,
	.telemetry_read = kmd_telemetry_read,
	.board_info = kmd_board_info,
	.fw_log = kmd_fw_log,
	.bo_export = kmd_bo_export,
	.bo_import = kmd_bo_import,
};
