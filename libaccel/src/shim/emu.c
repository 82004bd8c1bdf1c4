// SPDX-License-Identifier: MIT
/*
 * The emu shim: the in-process emulated board. The sim's host platform
 * (eyrie_simhost.h) plays the kernel driver's part -- DMA memory with bus
 * addresses, firmware boot through the mailbox, device page tables, rings,
 * doorbells, completions from the MSI-X callback -- so the command streams
 * and the device see exactly what they would see behind the kernel driver.
 * This file maps the shim interface onto it: one device context per handle
 * (as one open file is one context under the driver) and fences that
 * remember their completion, since the host platform reports each job once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/internal.h"
#include "eyrie_simhost.h"
#include "shim/shim.h"

/* How long close waits for jobs in flight before resetting the device. */
#define EMU_CLOSE_DRAIN_MS	10000u
/* simhost waits take unsigned milliseconds; "forever" waits in slices. */
#define EMU_WAIT_SLICE_MS	1000u
/* How long a reset waits for submitters to leave the rings (see reset). */
#define EMU_RESET_EXCLUDE_MS	2000u

struct eyr_shim_fence {
	uint64_t tag;
	bool ended;
	bool waiter;			/* a thread is inside eyrie_simhost_wait */
	struct eyr_job_result result;
	struct eyr_shim_fence *next_orphan;
};

struct emu_shim {
	struct eyr_shim base;
	struct eyrie_simhost *host;
	uint32_t ctx_id;
	pthread_mutex_t lock;		/* fences' state, orphans, bo serials */
	pthread_cond_t ended;		/* a fence ended or its waiter left */
	/*
	 * Submits hold it shared, a reset exclusively: a job queued while the
	 * board reboots would land in a ring the reboot then clears, and never
	 * end. Writers first, so a steady stream of submits cannot starve a
	 * reset.
	 */
	pthread_rwlock_t reset_lock;
	struct eyr_shim_fence *orphans;
	uint32_t next_handle;
	/* For telemetry events (event_counts): atomics, read by its thread. */
	uint64_t resets;
	int last_reset_err;
};

static struct emu_shim *emu(struct eyr_shim *s)
{
	return (struct emu_shim *)s;
}

static void result_from_cqe(struct eyr_job_result *r, const struct eyrie_hw_cqe *c)
{
	r->status = c->status;
	r->err_cmd_index = c->err_cmd_index;
	r->err_detail = c->err_detail;
	r->cycles = c->cycles;
	r->energy_fj = c->energy_fj;
	r->start_ns = c->start_ns;
	r->end_ns = c->end_ns;
}

/*
 * Board parameters in the device name: "emu:rows=8,cols=8,glb=64k,
 * clock_mhz=400,stall". They let any program (accelctl included) try
 * another array without code; accel_device_opts fields override them.
 */
static int parse_name(const char *name, struct eyrie_sim_config *cfg)
{
	const char *p = strchr(name, ':');

	while (p && *++p) {
		char key[32], *end;
		unsigned long long v = 0;
		size_t klen = strcspn(p, "=,");
		bool has_value = p[klen] == '=';

		if (klen == 0 || klen >= sizeof(key))
			goto bad;
		memcpy(key, p, klen);
		key[klen] = '\0';
		p += klen;
		if (has_value) {
			errno = 0;
			v = strtoull(p + 1, &end, 10);
			if (end == p + 1 || errno)
				goto bad;
			if (*end == 'k' || *end == 'K')
				v <<= 10, end++;
			else if (*end == 'm' || *end == 'M')
				v <<= 20, end++;
			if (*end && *end != ',')
				goto bad;
			p = end;
		}
		if (!strcmp(key, "stall") && !has_value)
			cfg->caps_set |= EYRIE_CAP_DEBUG_STALL;
		/* the fixed-point requantization only, as before CAP_FP32_REQUANT */
		else if (!strcmp(key, "no_fp32_requant") && !has_value)
			cfg->caps_clear |= EYRIE_CAP_FP32_REQUANT;
		else if (!strcmp(key, "rows") && has_value && v >= 1 && v <= UINT16_MAX)
			cfg->desc.pe_rows = (uint16_t)v;
		else if (!strcmp(key, "cols") && has_value && v >= 1 && v <= UINT16_MAX)
			cfg->desc.pe_cols = (uint16_t)v;
		else if (!strcmp(key, "glb") && has_value && v >= 1 && v <= UINT32_MAX)
			cfg->desc.glb_bytes = (uint32_t)v;
		else if (!strcmp(key, "clock_mhz") && has_value && v >= 1 && v <= UINT32_MAX / 1000)
			cfg->desc.clock_khz = (uint32_t)v * 1000;
		/* Thermal model (an accelerated one heats up in milliseconds). */
		else if (!strcmp(key, "tau_ms") && has_value && v >= 1 && v <= UINT32_MAX)
			cfg->desc.thermal_tau_ms = (uint32_t)v;
		else if (!strcmp(key, "r_c_per_w") && has_value && v >= 1 && v <= UINT32_MAX / 1000)
			cfg->desc.thermal_r_mc_per_w = (uint32_t)v * 1000;
		else if (!strcmp(key, "throttle_c") && has_value && v >= 1 && v <= INT32_MAX / 1000)
			cfg->desc.throttle_mc = (int32_t)v * 1000;
		else
			goto bad;
		if (*p != ',')
			break;
	}
	return 0;
bad:
	return eyr_error(-EINVAL,
			 "device '%s': bad board parameter; use emu:rows=R,cols=C,glb=BYTES[k|m],clock_mhz=F,stall,no_fp32_requant,tau_ms=T,r_c_per_w=R,throttle_c=C",
			 name);
}

static int emu_open(const char *name, const struct accel_device_opts *opts,
		    struct eyr_shim **out)
{
	struct eyrie_sim_config cfg = { .sz = sizeof(cfg) };
	struct eyrie_simhost_opts hopts = { .sz = sizeof(hopts) };
	char errbuf[512] = "";
	struct emu_shim *e;
	int err;

	/* The board's shape: the model's defaults unless the caller asks. */
	eyrie_sim_default_desc(&cfg.desc);
	err = parse_name(name, &cfg);
	if (err)
		return err;
	if (EYR_OPTS_GET(opts, emu_pe_rows, 0))
		cfg.desc.pe_rows = (uint16_t)opts->emu_pe_rows;
	if (EYR_OPTS_GET(opts, emu_pe_cols, 0))
		cfg.desc.pe_cols = (uint16_t)opts->emu_pe_cols;
	if (EYR_OPTS_GET(opts, emu_glb_bytes, 0))
		cfg.desc.glb_bytes = opts->emu_glb_bytes;
	if (EYR_OPTS_GET(opts, emu_clock_khz, 0))
		cfg.desc.clock_khz = opts->emu_clock_khz;
	cfg.caps_set |= EYR_OPTS_GET(opts, emu_caps_set, 0);
	cfg.caps_clear |= EYR_OPTS_GET(opts, emu_caps_clear, 0);
	cfg.realtime = EYR_OPTS_GET(opts, emu_realtime, false);
	cfg.telemetry_period_us = EYR_OPTS_GET(opts, emu_telemetry_period_us, 0);

	e = calloc(1, sizeof(*e));
	if (!e)
		return eyr_error(-ENOMEM, "emu: out of memory");
	e->base.ops = &eyr_shim_emu_ops;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->ended, NULL);
	{
		pthread_rwlockattr_t attr;

		pthread_rwlockattr_init(&attr);
		pthread_rwlockattr_setkind_np(&attr,
					      PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&e->reset_lock, &attr);
		pthread_rwlockattr_destroy(&attr);
	}

	hopts.sim_cfg = &cfg;
	hopts.errbuf = errbuf;
	hopts.errbuf_len = sizeof(errbuf);
	err = eyrie_simhost_open(&hopts, &e->host);
	if (err) {
		err = eyr_error(err, "emu: cannot start the emulated board: %s",
				errbuf[0] ? errbuf : strerror(-err));
		goto fail;
	}
	err = eyrie_simhost_ctx_create(e->host, &e->ctx_id);
	if (err) {
		err = eyr_error(err, "emu: cannot create a device context: %s",
				eyrie_simhost_errmsg(e->host));
		eyrie_simhost_close(e->host);
		goto fail;
	}
	eyr_info("emu: board up, firmware %s, context %u",
		 eyrie_simhost_fw_path(e->host), e->ctx_id);
	*out = &e->base;
	return 0;
fail:
	pthread_rwlock_destroy(&e->reset_lock);
	pthread_cond_destroy(&e->ended);
	pthread_mutex_destroy(&e->lock);
	free(e);
	return err;
}

/* Collects orphans that have ended (lock held). wait_ms bounds each wait. */
static void reap_orphans(struct emu_shim *e, unsigned int wait_ms)
{
	struct eyr_shim_fence **link = &e->orphans;

	while (*link) {
		struct eyr_shim_fence *f = *link;
		struct eyrie_hw_cqe cqe;

		if (!f->ended && !f->waiter &&
		    eyrie_simhost_wait(e->host, f->tag, wait_ms, &cqe) == 0)
			f->ended = true;
		if (f->ended && !f->waiter) {
			*link = f->next_orphan;
			free(f);
		} else {
			link = &f->next_orphan;
		}
	}
}

/*
 * The reset itself, excluding submits. A submitter blocked on a full ring
 * behind a job that never ends (a STALL until reset) would hold the lock
 * shared forever; after EMU_RESET_EXCLUDE_MS the reset goes ahead anyway,
 * since it is what frees that ring.
 */
static int reset_exclusive(struct emu_shim *e)
{
	struct timespec dl;
	bool locked;
	int err;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += EMU_RESET_EXCLUDE_MS / 1000;
	locked = pthread_rwlock_timedwrlock(&e->reset_lock, &dl) == 0;
	if (!locked)
		eyr_warn("emu: submitters still blocked on a full ring after %u ms; resetting anyway",
			 EMU_RESET_EXCLUDE_MS);
	err = eyrie_simhost_reset(e->host);
	if (locked)
		pthread_rwlock_unlock(&e->reset_lock);
	__atomic_store_n(&e->last_reset_err, err, __ATOMIC_RELAXED);
	__atomic_add_fetch(&e->resets, 1, __ATOMIC_RELEASE);
	return err;
}

static int emu_drain(struct eyr_shim *s, unsigned int timeout_ms)
{
	struct emu_shim *e = emu(s);
	struct eyrie_sim *sim = eyrie_simhost_sim(e->host);

	if (eyrie_sim_quiesce(sim, timeout_ms) == 0)
		return 0;
	eyr_warn("emu: jobs still running after %u ms; resetting the device",
		 timeout_ms);
	reset_exclusive(e);
	eyrie_sim_quiesce(sim, timeout_ms);
	return -ETIMEDOUT;
}

static void emu_close(struct eyr_shim *s)
{
	struct emu_shim *e = emu(s);

	pthread_mutex_lock(&e->lock);
	reap_orphans(e, EMU_CLOSE_DRAIN_MS);
	if (e->orphans) {
		eyr_warn("emu: jobs still running after %u ms at close; resetting the device",
			 EMU_CLOSE_DRAIN_MS);
		reset_exclusive(e);
		reap_orphans(e, EMU_CLOSE_DRAIN_MS);
	}
	while (e->orphans) {	/* the device lost them: nothing left to wait for */
		struct eyr_shim_fence *f = e->orphans;

		e->orphans = f->next_orphan;
		free(f);
	}
	pthread_mutex_unlock(&e->lock);
	eyrie_simhost_ctx_destroy(e->host, e->ctx_id);
	eyrie_simhost_close(e->host);
	pthread_rwlock_destroy(&e->reset_lock);
	pthread_cond_destroy(&e->ended);
	pthread_mutex_destroy(&e->lock);
	free(e);
}

static int emu_query(struct eyr_shim *s, struct eyr_shim_info *out)
{
	const struct eyrie_hw_ctrl *ctrl = eyrie_simhost_ctrl(emu(s)->host);
	const struct eyrie_hw_mailbox *mbox = (const void *)
		((const char *)ctrl + EYRIE_CTRL_OFF_MAILBOX);

	memset(out, 0, sizeof(*out));
	out->desc = ctrl->desc;
	out->hw_version = ctrl->hw_version;
	out->caps = ctrl->caps;
	memcpy(out->board_serial, ctrl->board_serial, sizeof(out->board_serial));
	out->fw_version = mbox->fw_version;
	out->fw_abi = mbox->fw_abi;
	memcpy(out->fw_build_id, mbox->fw_build_id, sizeof(out->fw_build_id));
	out->num_queues = EYRIE_SIMHOST_QUEUES;
	out->va_start = 0;
	out->va_size = 1ull << EYRIE_VA_BITS;
	return 0;
}

static int emu_bo_alloc(struct eyr_shim *s, uint64_t size, uint32_t flags,
			struct eyr_shim_bo **out)
{
	struct emu_shim *e = emu(s);
	struct eyr_shim_bo *bo;
	uint32_t hflags = 0;
	int err;

	bo = calloc(1, sizeof(*bo));
	if (!bo)
		return eyr_error(-ENOMEM, "emu: out of memory");
	if (flags & EYR_BO_DEVICE_RO)
		hflags |= EYRIE_SIMHOST_BO_DEVICE_RO;
	err = eyrie_simhost_bo_alloc(e->host, e->ctx_id, size, hflags, &bo->cpu,
				     &bo->device_addr);
	if (err) {
		free(bo);
		return eyr_error(err, "emu: cannot allocate a %llu-byte buffer: %s",
				 (unsigned long long)size,
				 eyrie_simhost_errmsg(e->host));
	}
	bo->size = (size + EYRIE_PAGE_SIZE - 1) & ~(uint64_t)(EYRIE_PAGE_SIZE - 1);
	bo->flags = flags;
	pthread_mutex_lock(&e->lock);
	bo->handle = ++e->next_handle;
	pthread_mutex_unlock(&e->lock);
	*out = bo;
	return 0;
}

static void emu_bo_free(struct eyr_shim *s, struct eyr_shim_bo *bo)
{
	struct emu_shim *e = emu(s);

	if (!bo)
		return;
	if (eyrie_simhost_bo_free(e->host, e->ctx_id, bo->device_addr))
		eyr_warn("emu: freeing buffer va=0x%llx: %s",
			 (unsigned long long)bo->device_addr,
			 eyrie_simhost_errmsg(e->host));
	free(bo);
}

static int emu_submit(struct eyr_shim *s, const struct eyr_shim_submit *args,
		      struct eyr_shim_fence **out)
{
	struct emu_shim *e = emu(s);
	struct eyr_shim_fence *f;
	int err;

	if (args->queue >= EYRIE_SIMHOST_QUEUES)
		return eyr_error(-EINVAL, "emu: queue %u does not exist (0 normal, 1 high)",
				 args->queue);
	/* Orphans hold completion records in the host platform: collect them. */
	pthread_mutex_lock(&e->lock);
	if (e->orphans)
		reap_orphans(e, 0);
	pthread_mutex_unlock(&e->lock);

	f = calloc(1, sizeof(*f));
	if (!f)
		return eyr_error(-ENOMEM, "emu: out of memory");
	pthread_rwlock_rdlock(&e->reset_lock);
	err = eyrie_simhost_submit(e->host, e->ctx_id, args->queue,
				   args->cmdbuf_addr, args->cmd_count, &f->tag);
	pthread_rwlock_unlock(&e->reset_lock);
	if (err) {
		free(f);
		return eyr_error(err, "emu: submit failed: %s",
				 eyrie_simhost_errmsg(e->host));
	}
	*out = f;
	return 0;
}

static int emu_wait(struct eyr_shim *s, struct eyr_shim_fence *f,
		    int64_t timeout_ns, struct eyr_job_result *res)
{
	struct emu_shim *e = emu(s);
	int64_t deadline = timeout_ns < 0 ? INT64_MAX : eyr_shim_mono_ns() + timeout_ns;
	int err = 0;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		int64_t left = deadline == INT64_MAX ? INT64_MAX : deadline - eyr_shim_mono_ns();

		if (f->ended)
			break;
		if (left <= 0 && timeout_ns != 0) {
			err = -ETIMEDOUT;
			break;
		}
		if (f->waiter) {
			/* Another thread is collecting it; wait for its news. */
			struct timespec ts;

			if (deadline == INT64_MAX) {
				pthread_cond_wait(&e->ended, &e->lock);
			} else {
				int64_t until;

				clock_gettime(CLOCK_REALTIME, &ts);
				until = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec +
					(left > 0 ? left : 0);
				ts.tv_sec = until / 1000000000;
				ts.tv_nsec = until % 1000000000;
				pthread_cond_timedwait(&e->ended, &e->lock, &ts);
			}
			if (timeout_ns == 0 && !f->ended) {
				err = -ETIMEDOUT;
				break;
			}
			continue;
		}
		{
			struct eyrie_hw_cqe cqe;
			unsigned int ms;
			int rc;

			if (left == INT64_MAX || left / 1000000 >= EMU_WAIT_SLICE_MS)
				ms = EMU_WAIT_SLICE_MS;
			else
				ms = (unsigned int)((left + 999999) / 1000000);
			f->waiter = true;
			pthread_mutex_unlock(&e->lock);
			rc = eyrie_simhost_wait(e->host, f->tag, ms, &cqe);
			pthread_mutex_lock(&e->lock);
			f->waiter = false;
			if (rc == 0) {
				result_from_cqe(&f->result, &cqe);
				f->ended = true;
			}
			pthread_cond_broadcast(&e->ended);
			if (rc && rc != -ETIMEDOUT) {
				err = eyr_error(rc, "emu: waiting for job %llu: %s",
						(unsigned long long)f->tag,
						eyrie_simhost_errmsg(e->host));
				break;
			}
			if (rc == -ETIMEDOUT && timeout_ns == 0) {
				err = -ETIMEDOUT;
				break;
			}
		}
	}
	if (f->ended && res)
		*res = f->result;
	pthread_mutex_unlock(&e->lock);
	return err;
}

static void emu_fence_free(struct eyr_shim *s, struct eyr_shim_fence *f)
{
	struct emu_shim *e = emu(s);

	if (!f)
		return;
	pthread_mutex_lock(&e->lock);
	if (f->ended && !f->waiter) {
		free(f);
	} else {
		/* Its owner let go before it ended: collect it later. */
		f->next_orphan = e->orphans;
		e->orphans = f;
	}
	pthread_mutex_unlock(&e->lock);
}

static int emu_reset(struct eyr_shim *s)
{
	struct emu_shim *e = emu(s);
	int err = reset_exclusive(e);

	if (err)
		return eyr_error(err, "emu: device reset failed: %s",
				 eyrie_simhost_errmsg(e->host));
	return 0;
}

static int emu_telemetry_read(struct eyr_shim *s, struct accel_telemetry *t)
{
	struct emu_shim *e = emu(s);
	struct eyrie_hw_telemetry hw;
	int err = eyrie_simhost_telemetry(e->host, &hw);

	if (err)
		return eyr_error(err, "emu: telemetry read failed: %s",
				 eyrie_simhost_errmsg(e->host));
	EYR_SHIM_TELEMETRY_FILL(t, &hw);
	t->sample_period_us = hw.sample_period_us;
	return 0;
}

static int emu_event_counts(struct eyr_shim *s, struct eyr_shim_event_counts *out)
{
	struct emu_shim *e = emu(s);
	struct eyrie_hw_fault fault;

	out->resets = __atomic_load_n(&e->resets, __ATOMIC_ACQUIRE);
	out->last_reset_err = __atomic_load_n(&e->last_reset_err, __ATOMIC_RELAXED);
	eyrie_simhost_fault(e->host, &fault);
	out->faults = fault.count;
	out->fault_ctx_id = fault.ctx_id;
	out->fault_addr = fault.addr;
	return 0;
}

/* The firmware's log ring, straight from the in-process control page. */
static int emu_fw_log(struct eyr_shim *s, char *buf, size_t len)
{
	return (int)eyr_fw_log_from_ring(eyrie_simhost_ctrl(emu(s)->host), buf, len);
}

const struct eyr_shim_ops eyr_shim_emu_ops = {
	.name = "emu",
	.open = emu_open,
	.drain = emu_drain,
	.close = emu_close,
	.query = emu_query,
	.bo_alloc = emu_bo_alloc,
	.bo_free = emu_bo_free,
	.submit = emu_submit,
	.wait = emu_wait,
	.fence_free = emu_fence_free,
	.reset = emu_reset,
	.telemetry_read = emu_telemetry_read,
	.event_counts = emu_event_counts,
	.fw_log = emu_fw_log,
};
