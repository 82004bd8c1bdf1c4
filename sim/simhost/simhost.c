/* SPDX-License-Identifier: MIT */
/*
 * In-process host platform: the kernel driver's part on top of the device
 * model (eyrie_simhost.h). Boot, contexts, buffers, queues, completions.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "simhost_internal.h"

#ifndef EYRIE_FW_BUILD_PATH
#define EYRIE_FW_BUILD_PATH ""
#endif
#define FW_SYSTEM_PATH	"/lib/firmware/" EYRIE_FW_NAME
#define VA_BASE		0x100000ull	/* 1 MiB: VA 0 stays unmapped */
#define MBOX_TIMEOUT_MS	5000u

#define MBOX_OFF(f)	(EYRIE_CTRL_OFF_MAILBOX + offsetof(struct eyrie_hw_mailbox, f))
#define QREG_OFF(q, f)	(EYRIE_CTRL_OFF_QUEUES + (q) * sizeof(struct eyrie_hw_queue_regs) + \
			 offsetof(struct eyrie_hw_queue_regs, f))

static void set_err(struct eyrie_simhost *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
}

const char *eyrie_simhost_errmsg(struct eyrie_simhost *h)
{
	return h->err;
}

static uint32_t bar_rd(struct eyrie_simhost *h, size_t off)
{
	return __atomic_load_n((uint32_t *)(h->bar2 + off), __ATOMIC_ACQUIRE);
}

static void bar_wr(struct eyrie_simhost *h, size_t off, uint32_t v)
{
	__atomic_store_n((uint32_t *)(h->bar2 + off), v, __ATOMIC_RELEASE);
}

static void bar_wr64(struct eyrie_simhost *h, size_t off, uint64_t v)
{
	bar_wr(h, off, (uint32_t)v);
	bar_wr(h, off + 4, (uint32_t)(v >> 32));
}

static void deadline_ms(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* --- completions (MSI-X callback, device thread) ------------------------- */

static void drop_inflight(struct eyrie_simhost *h, uint64_t tag)
{
	for (size_t i = 0; i < h->ninflight; i++) {
		if (h->inflight[i].tag == tag) {
			h->inflight[i] = h->inflight[--h->ninflight];
			return;
		}
	}
}

static void store_done(struct eyrie_simhost *h, const struct eyrie_hw_cqe *cqe)
{
	if (sh_grow((void **)&h->done, &h->capdone, h->ndone, sizeof(*cqe)))
		return;	/* out of memory: the waiter times out */
	h->done[h->ndone++] = *cqe;
	drop_inflight(h, cqe->tag);
}

static void consume_cq(struct eyrie_simhost *h, unsigned int q)
{
	struct sh_queue *sq = &h->q[q];
	struct eyrie_hw_cqe *ring = (struct eyrie_hw_cqe *)sq->cq.cpu;

	for (;;) {
		struct eyrie_hw_cqe *e = &ring[sq->cq_head];
		uint16_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

		if ((flags & EYRIE_CQE_F_PHASE) != (sq->cq_phase ? EYRIE_CQE_F_PHASE : 0))
			break;
		store_done(h, e);
		sq->cq_head = (sq->cq_head + 1) % sq->entries;
		if (!sq->cq_head)
			sq->cq_phase ^= 1;
	}
	bar_wr(h, QREG_OFF(q, cq_head), sq->cq_head);
}

static void on_irq(void *opaque, unsigned int vector)
{
	struct eyrie_simhost *h = opaque;

	pthread_mutex_lock(&h->lock);
	if (vector >= 1 && vector - 1 < EYRIE_SIMHOST_QUEUES && h->q[vector - 1].entries)
		consume_cq(h, vector - 1);
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
}

/* --- mailbox --------------------------------------------------------------- */

int eyrie_simhost_mailbox(struct eyrie_simhost *h, uint32_t cmd, uint64_t arg0,
			  uint64_t arg1, unsigned int timeout_ms)
{
	struct timespec dl;
	uint32_t seq;
	int rc = 0;

	pthread_mutex_lock(&h->mbox_lock);
	seq = bar_rd(h, MBOX_OFF(done_seq)) + 1;
	bar_wr(h, MBOX_OFF(cmd), cmd);
	bar_wr64(h, MBOX_OFF(arg0), arg0);
	bar_wr64(h, MBOX_OFF(arg1), arg1);
	bar_wr(h, MBOX_OFF(seq), seq);
	eyrie_sim_doorbell(h->sim, EYRIE_VECTOR_ADMIN);
	deadline_ms(&dl, timeout_ms);
	pthread_mutex_lock(&h->lock);
	while (bar_rd(h, MBOX_OFF(done_seq)) != seq) {
		if (pthread_cond_timedwait(&h->cond, &h->lock, &dl) == ETIMEDOUT &&
		    bar_rd(h, MBOX_OFF(done_seq)) != seq) {
			rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
	if (!rc)
		rc = (int)bar_rd(h, MBOX_OFF(result));
	else
		set_err(h, "mailbox command %u got no answer in %u ms", cmd, timeout_ms);
	pthread_mutex_unlock(&h->mbox_lock);
	return rc;
}

/* --- queues ---------------------------------------------------------------- */

static int queues_alloc(struct eyrie_simhost *h, uint32_t entries)
{
	for (unsigned int q = 0; q < EYRIE_SIMHOST_QUEUES; q++) {
		struct sh_queue *sq = &h->q[q];

		if (sh_mem_alloc(&h->mem, (uint64_t)entries * sizeof(struct eyrie_hw_sqe),
				 &sq->sq) ||
		    sh_mem_alloc(&h->mem, (uint64_t)entries * sizeof(struct eyrie_hw_cqe),
				 &sq->cq))
			return -ENOMEM;
		sq->entries = entries;
	}
	return 0;
}

/* Programs and enables the queues (after every boot). Lock held. */
static void queues_enable(struct eyrie_simhost *h)
{
	uint32_t log2 = 0;

	while ((1u << log2) < h->q[0].entries)
		log2++;
	for (unsigned int q = 0; q < EYRIE_SIMHOST_QUEUES; q++) {
		struct sh_queue *sq = &h->q[q];

		memset(sq->cq.cpu, 0, sq->cq.len);
		sq->sq_tail = 0;
		sq->cq_head = 0;
		sq->cq_phase = 1;
		bar_wr64(h, QREG_OFF(q, sq_base), sq->sq.bus);
		bar_wr64(h, QREG_OFF(q, cq_base), sq->cq.bus);
		bar_wr(h, QREG_OFF(q, log2_entries), log2);
		bar_wr(h, QREG_OFF(q, priority), q == EYRIE_SIMHOST_QUEUE_HIGH ? 1 : 0);
		bar_wr(h, QREG_OFF(q, sq_tail), 0);
		bar_wr(h, QREG_OFF(q, cq_head), 0);
		bar_wr(h, QREG_OFF(q, ctl), EYRIE_QUEUE_CTL_ENABLE);
	}
}

/* Every job still in flight completes as aborted (the device lost it). */
static void abort_inflight(struct eyrie_simhost *h)
{
	while (h->ninflight) {
		struct eyrie_hw_cqe cqe;

		memset(&cqe, 0, sizeof(cqe));
		cqe.tag = h->inflight[0].tag;
		cqe.status = EYRIE_JOB_ERR_ABORTED;
		cqe.err_cmd_index = EYRIE_CMD_INDEX_NONE;
		store_done(h, &cqe);
	}
	pthread_cond_broadcast(&h->cond);
}

/* --- boot ------------------------------------------------------------------ */

static const char *mbox_result_text(int r)
{
	switch (r) {
	case EYRIE_MBOX_ERR_FW_MAGIC: return "bad magic, header version or payload format";
	case EYRIE_MBOX_ERR_FW_SIZE: return "size fields do not match the image";
	case EYRIE_MBOX_ERR_FW_CRC: return "payload CRC-32 mismatch (corrupt image)";
	case EYRIE_MBOX_ERR_FW_ABI: return "firmware ABI not supported by this device";
	case EYRIE_MBOX_ERR_FW_BUILD_ID:
		return "build id differs from the device model's firmware (rebuild: make firmware)";
	case EYRIE_MBOX_ERR_STATE: return "device not in a state to boot";
	default: return "mailbox error";
	}
}

int eyrie_simhost_boot_image(struct eyrie_simhost *h, const void *image, size_t len)
{
	int r;

	if (len > EYRIE_FW_MAX_SIZE || len > h->bar2_size - EYRIE_FW_LOAD_OFFSET) {
		set_err(h, "firmware image of %zu bytes exceeds the %u-byte load window",
			len, (unsigned int)EYRIE_FW_MAX_SIZE);
		return -EFBIG;
	}
	/* Submits wait until the queues are back (no job lost in between). */
	pthread_mutex_lock(&h->lock);
	h->rebooting++;
	pthread_mutex_unlock(&h->lock);
	r = eyrie_simhost_mailbox(h, EYRIE_MBOX_RESET, 0, 0, MBOX_TIMEOUT_MS);
	if (r >= 0) {
		pthread_mutex_lock(&h->lock);
		abort_inflight(h);
		pthread_mutex_unlock(&h->lock);
		memcpy(h->bar2 + EYRIE_FW_LOAD_OFFSET, image, len);
		r = eyrie_simhost_mailbox(h, EYRIE_MBOX_BOOT, EYRIE_FW_LOAD_OFFSET, len,
					  MBOX_TIMEOUT_MS);
	}
	if (r > 0) {
		set_err(h, "device refused firmware image: %s (mailbox result %d)",
			mbox_result_text(r), r);
	} else if (r == 0 &&
		   bar_rd(h, offsetof(struct eyrie_hw_ctrl, status)) != EYRIE_DEV_STATUS_READY) {
		set_err(h, "firmware booted but the device is not READY");
		r = -EIO;
	}
	pthread_mutex_lock(&h->lock);
	if (r == EYRIE_MBOX_OK)
		queues_enable(h);
	h->rebooting--;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->lock);
	return r;
}

static int read_image(struct eyrie_simhost *h, const char *path)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -EIO;
	}
	h->fw_image = malloc(n ? (size_t)n : 1);
	if (!h->fw_image || fread(h->fw_image, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	h->fw_len = (size_t)n;
	snprintf(h->fw_path, sizeof(h->fw_path), "%s", path);
	return 0;
}

static int find_image(struct eyrie_simhost *h, const char *explicit_path)
{
	const char *env = getenv("EYRIE_FW_PATH");
	const char *cands[3] = { env, EYRIE_FW_BUILD_PATH, FW_SYSTEM_PATH };
	int rc;

	if (explicit_path) {
		rc = read_image(h, explicit_path);
		if (rc)
			set_err(h, "cannot read firmware image %s: %s", explicit_path,
				strerror(-rc));
		return rc;
	}
	for (int i = 0; i < 3; i++) {
		if (!cands[i] || !cands[i][0])
			continue;
		if (!read_image(h, cands[i]))
			return 0;
		if (i == 0) {
			set_err(h, "cannot read firmware image $EYRIE_FW_PATH=%s: %s",
				env, strerror(errno));
			return -ENOENT;
		}
	}
	set_err(h, "no firmware image found (looked in $EYRIE_FW_PATH, %s, %s): "
		"build it with `make firmware` or set EYRIE_FW_PATH",
		EYRIE_FW_BUILD_PATH[0] ? EYRIE_FW_BUILD_PATH : "(no build tree)",
		FW_SYSTEM_PATH);
	return -ENOENT;
}

/* --- open / close ---------------------------------------------------------- */

void eyrie_simhost_close(struct eyrie_simhost *h)
{
	if (!h)
		return;
	if (h->sim)
		eyrie_sim_destroy(h->sim);
	for (size_t i = 0; i < h->nctxs; i++)
		sh_ctx_free(&h->mem, h->ctxs[i]);
	free(h->ctxs);
	free(h->inflight);
	free(h->done);
	free(h->fw_image);
	sh_mem_fini(&h->mem);
	pthread_mutex_destroy(&h->lock);
	pthread_mutex_destroy(&h->mbox_lock);
	pthread_cond_destroy(&h->cond);
	free(h);
}

int eyrie_simhost_open(const struct eyrie_simhost_opts *opts,
		       struct eyrie_simhost **out)
{
	struct eyrie_sim_config cfg;
	struct eyrie_sim_host host;
	struct eyrie_simhost *h;
	uint32_t entries = 256;
	pthread_condattr_t ca;
	int rc;

	if (!out || (opts && opts->sz < sizeof(*opts)))
		return -EINVAL;
	if (opts && opts->queue_entries)
		entries = opts->queue_entries;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_init(&h->mbox_lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cond, &ca);
	pthread_condattr_destroy(&ca);
	h->next_ctx_id = 1;
	rc = sh_mem_init(&h->mem);
	if (rc)
		goto fail;
	if (opts && opts->sim_cfg) {
		cfg = *opts->sim_cfg;
	} else {
		memset(&cfg, 0, sizeof(cfg));
		cfg.sz = sizeof(cfg);
	}
	cfg.sz = sizeof(cfg);
	if (entries < 2 || (entries & (entries - 1)) ||
	    entries > (cfg.desc.queue_max_entries ? cfg.desc.queue_max_entries : 4096)) {
		set_err(h, "queue_entries %u: must be a power of two in [2, queue_max_entries]",
			entries);
		rc = -EINVAL;
		goto fail;
	}
	rc = find_image(h, opts ? opts->fw_path : NULL);
	if (rc)
		goto fail;
	host.dma_map = sh_dma_map;
	host.irq = on_irq;
	host.opaque = h;
	rc = eyrie_sim_create(&cfg, &host, &h->sim);
	if (rc) {
		set_err(h, "cannot create the device model: %s (check the configuration)",
			strerror(-rc));
		goto fail;
	}
	h->bar2 = eyrie_sim_bar2(h->sim);
	h->bar2_size = eyrie_sim_bar2_size(h->sim);
	h->ctrl = (struct eyrie_hw_ctrl *)h->bar2;
	if (h->ctrl->desc.num_queues < EYRIE_SIMHOST_QUEUES) {
		set_err(h, "device has %u queues, the host platform needs %u",
			h->ctrl->desc.num_queues, EYRIE_SIMHOST_QUEUES);
		rc = -ENODEV;
		goto fail;
	}
	rc = queues_alloc(h, entries);
	if (rc) {
		set_err(h, "out of memory for the queue rings");
		goto fail;
	}
	rc = eyrie_simhost_boot_image(h, h->fw_image, h->fw_len);
	if (rc > 0) {
		char msg[sizeof(h->err)];

		snprintf(msg, sizeof(msg), "%.4000s: %.1000s", h->fw_path, h->err);
		memcpy(h->err, msg, sizeof(h->err));
		rc = -EIO;
	}
	if (rc)
		goto fail;
	*out = h;
	return 0;
fail:
	if (opts && opts->errbuf && opts->errbuf_len)
		snprintf(opts->errbuf, opts->errbuf_len, "%s",
			 h->err[0] ? h->err : strerror(-rc));
	eyrie_simhost_close(h);
	return rc;
}

const struct eyrie_hw_ctrl *eyrie_simhost_ctrl(struct eyrie_simhost *h)
{
	return h->ctrl;
}

const char *eyrie_simhost_fw_path(struct eyrie_simhost *h)
{
	return h->fw_path;
}

struct eyrie_sim *eyrie_simhost_sim(struct eyrie_simhost *h)
{
	return h->sim;
}

int eyrie_simhost_reset(struct eyrie_simhost *h)
{
	int r = eyrie_simhost_boot_image(h, h->fw_image, h->fw_len);

	return r > 0 ? -EIO : r;
}

/* --- contexts and buffers -------------------------------------------------- */

static struct sh_ctx *ctx_find(struct eyrie_simhost *h, uint32_t id, size_t *idx)
{
	for (size_t i = 0; i < h->nctxs; i++) {
		if (h->ctxs[i]->id == id) {
			if (idx)
				*idx = i;
			return h->ctxs[i];
		}
	}
	return NULL;
}

int eyrie_simhost_ctx_create(struct eyrie_simhost *h, uint32_t *ctx_id)
{
	struct sh_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	if (sh_mem_alloc(&h->mem, EYRIE_PAGE_SIZE, &c->root)) {
		free(c);
		return -ENOMEM;
	}
	c->next_va = VA_BASE;
	pthread_mutex_lock(&h->lock);
	if (sh_grow((void **)&h->ctxs, &h->capctxs, h->nctxs, sizeof(*h->ctxs))) {
		pthread_mutex_unlock(&h->lock);
		sh_ctx_free(&h->mem, c);
		return -ENOMEM;
	}
	c->id = h->next_ctx_id++;
	h->ctxs[h->nctxs++] = c;
	*ctx_id = c->id;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

int eyrie_simhost_ctx_destroy(struct eyrie_simhost *h, uint32_t ctx_id)
{
	struct sh_ctx *c;
	size_t i;

	pthread_mutex_lock(&h->lock);
	c = ctx_find(h, ctx_id, &i);
	if (!c) {
		pthread_mutex_unlock(&h->lock);
		set_err(h, "context %u does not exist", ctx_id);
		return -ENOENT;
	}
	h->ctxs[i] = h->ctxs[--h->nctxs];
	pthread_mutex_unlock(&h->lock);
	sh_ctx_free(&h->mem, c);
	return 0;
}

int eyrie_simhost_bo_alloc(struct eyrie_simhost *h, uint32_t ctx_id,
			   uint64_t size, uint32_t flags, void **cpu, uint64_t *va)
{
	struct sh_ctx *c;
	struct sh_bo bo;
	int rc;

	if (!size || (flags & ~EYRIE_SIMHOST_BO_DEVICE_RO)) {
		set_err(h, "bo_alloc: size must be > 0 and flags known (got %#x)", flags);
		return -EINVAL;
	}
	rc = sh_mem_alloc(&h->mem, size, &bo.r);
	if (rc) {
		set_err(h, "bo_alloc: out of memory for %llu bytes",
			(unsigned long long)size);
		return rc;
	}
	pthread_mutex_lock(&h->lock);
	c = ctx_find(h, ctx_id, NULL);
	if (!c || c->next_va + bo.r.len >= (1ull << EYRIE_VA_BITS) ||
	    sh_grow((void **)&c->bos, &c->capbos, c->nbos, sizeof(bo))) {
		pthread_mutex_unlock(&h->lock);
		sh_mem_free(&h->mem, &bo.r);
		set_err(h, c ? "bo_alloc: device address space of context %u full" :
			"bo_alloc: context %u does not exist", ctx_id);
		return c ? -ENOSPC : -ENOENT;
	}
	bo.va = c->next_va;
	bo.size = bo.r.len;
	for (uint64_t off = 0; off < bo.r.len; off += EYRIE_PAGE_SIZE) {
		rc = sh_ctx_map(&h->mem, c, bo.va + off, bo.r.bus + off,
				!(flags & EYRIE_SIMHOST_BO_DEVICE_RO));
		if (rc) {
			for (uint64_t o = 0; o < off; o += EYRIE_PAGE_SIZE)
				sh_ctx_unmap(c, &h->mem, bo.va + o);
			pthread_mutex_unlock(&h->lock);
			sh_mem_free(&h->mem, &bo.r);
			set_err(h, "bo_alloc: out of memory for page tables");
			return rc;
		}
	}
	/* One unmapped guard page between buffers. */
	c->next_va += bo.r.len + EYRIE_PAGE_SIZE;
	c->bos[c->nbos++] = bo;
	pthread_mutex_unlock(&h->lock);
	*cpu = bo.r.cpu;
	*va = bo.va;
	return 0;
}

int eyrie_simhost_bo_free(struct eyrie_simhost *h, uint32_t ctx_id, uint64_t va)
{
	struct sh_ctx *c;
	struct sh_bo bo;

	pthread_mutex_lock(&h->lock);
	c = ctx_find(h, ctx_id, NULL);
	for (size_t i = 0; c && i < c->nbos; i++) {
		if (c->bos[i].va != va)
			continue;
		bo = c->bos[i];
		c->bos[i] = c->bos[--c->nbos];
		for (uint64_t off = 0; off < bo.r.len; off += EYRIE_PAGE_SIZE)
			sh_ctx_unmap(c, &h->mem, bo.va + off);
		pthread_mutex_unlock(&h->lock);
		sh_mem_free(&h->mem, &bo.r);
		return 0;
	}
	pthread_mutex_unlock(&h->lock);
	set_err(h, "bo_free: no buffer at VA %#llx in context %u",
		(unsigned long long)va, ctx_id);
	return -ENOENT;
}

/* --- jobs ------------------------------------------------------------------ */

int eyrie_simhost_submit(struct eyrie_simhost *h, uint32_t ctx_id,
			 unsigned int queue, uint64_t cmdbuf_va,
			 uint32_t cmd_count, uint64_t *tag)
{
	struct eyrie_hw_sqe sqe;
	struct sh_queue *sq;
	struct sh_ctx *c;

	if (queue >= EYRIE_SIMHOST_QUEUES) {
		set_err(h, "submit: queue %u does not exist (0 normal, 1 high)", queue);
		return -EINVAL;
	}
	sq = &h->q[queue];
	pthread_mutex_lock(&h->lock);
	while (h->rebooting)
		pthread_cond_wait(&h->cond, &h->lock);
	if (bar_rd(h, QREG_OFF(queue, ctl)) != EYRIE_QUEUE_CTL_ENABLE) {
		pthread_mutex_unlock(&h->lock);
		set_err(h, "submit: the device is not running (firmware refused or "
			"reset failed): reset or reopen the device");
		return -EIO;
	}
	c = ctx_find(h, ctx_id, NULL);
	if (!c) {
		pthread_mutex_unlock(&h->lock);
		set_err(h, "submit: context %u does not exist", ctx_id);
		return -ENOENT;
	}
	while ((sq->sq_tail + 1) % sq->entries == bar_rd(h, QREG_OFF(queue, sq_head))) {
		struct timespec dl;

		deadline_ms(&dl, 10);
		pthread_cond_timedwait(&h->cond, &h->lock, &dl);
	}
	if (sh_grow((void **)&h->inflight, &h->capinflight, h->ninflight,
		    sizeof(*h->inflight))) {
		pthread_mutex_unlock(&h->lock);
		return -ENOMEM;
	}
	memset(&sqe, 0, sizeof(sqe));
	sqe.tag = ++h->next_tag;
	sqe.cmdbuf_addr = cmdbuf_va;
	sqe.pt_root = c->root.bus;
	sqe.cmd_count = cmd_count;
	sqe.ctx_id = ctx_id;
	memcpy(sq->sq.cpu + (size_t)sq->sq_tail * sizeof(sqe), &sqe, sizeof(sqe));
	h->inflight[h->ninflight].tag = sqe.tag;
	h->inflight[h->ninflight++].queue = queue;
	sq->sq_tail = (sq->sq_tail + 1) % sq->entries;
	bar_wr(h, QREG_OFF(queue, sq_tail), sq->sq_tail);
	*tag = sqe.tag;
	pthread_mutex_unlock(&h->lock);
	eyrie_sim_doorbell(h->sim, EYRIE_VECTOR_QUEUE(queue));
	return 0;
}

static int take_done(struct eyrie_simhost *h, uint64_t tag, struct eyrie_hw_cqe *cqe)
{
	for (size_t i = 0; i < h->ndone; i++) {
		if (h->done[i].tag == tag) {
			if (cqe)
				*cqe = h->done[i];
			h->done[i] = h->done[--h->ndone];
			return 1;
		}
	}
	return 0;
}

static int is_inflight(const struct eyrie_simhost *h, uint64_t tag)
{
	for (size_t i = 0; i < h->ninflight; i++)
		if (h->inflight[i].tag == tag)
			return 1;
	return 0;
}

int eyrie_simhost_wait(struct eyrie_simhost *h, uint64_t tag,
		       unsigned int timeout_ms, struct eyrie_hw_cqe *cqe)
{
	struct timespec dl;
	int rc = 0;

	deadline_ms(&dl, timeout_ms);
	pthread_mutex_lock(&h->lock);
	while (!take_done(h, tag, cqe)) {
		if (!is_inflight(h, tag)) {
			rc = -ENOENT;
			break;
		}
		if (pthread_cond_timedwait(&h->cond, &h->lock, &dl) == ETIMEDOUT) {
			if (!take_done(h, tag, cqe))
				rc = -ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
	if (rc == -ENOENT)
		set_err(h, "wait: job %llu unknown or already waited for",
			(unsigned long long)tag);
	else if (rc)
		set_err(h, "wait: job %llu not complete after %u ms",
			(unsigned long long)tag, timeout_ms);
	return rc;
}

/* --- telemetry, faults, log ------------------------------------------------ */

int eyrie_simhost_telemetry(struct eyrie_simhost *h, struct eyrie_hw_telemetry *out)
{
	const struct eyrie_hw_telemetry *t =
		(const struct eyrie_hw_telemetry *)(h->bar2 + EYRIE_CTRL_OFF_TELEMETRY);

	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned int tries = 1;; tries++) {
		uint32_t s1 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE), s2;

		if (!(s1 & 1)) {
			memcpy(out, (const void *)t, sizeof(*out));
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			s2 = __atomic_load_n(&t->seq, __ATOMIC_RELAXED);
			if (s1 == s2) {
				out->seq = s1;
				return 0;
			}
		}
		/*
		 * The publisher is mid-write: on a loaded host it may have been
		 * preempted there, so after a short spin let it run (sleep)
		 * rather than spin it out of its core; give up after 2 s.
		 */
		if (tries % 64 == 0) {
			struct timespec nap = { 0, 20000 };

			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec - t0.tv_sec > 2)
				break;
			nanosleep(&nap, NULL);
		}
	}
	set_err(h, "telemetry: the block never became stable");
	return -EAGAIN;
}

void eyrie_simhost_fault(struct eyrie_simhost *h, struct eyrie_hw_fault *out)
{
	const struct eyrie_hw_fault *f =
		(const struct eyrie_hw_fault *)(h->bar2 + EYRIE_CTRL_OFF_FAULT);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(out, (const void *)f, sizeof(*out));
}

size_t eyrie_simhost_log_read(struct eyrie_simhost *h, uint64_t *pos, char *buf,
			      size_t len)
{
	const struct eyrie_hw_log *log =
		(const struct eyrie_hw_log *)(h->bar2 + EYRIE_CTRL_OFF_LOG);
	const uint8_t *data = (const uint8_t *)(log + 1);
	uint64_t head = __atomic_load_n(&log->head, __ATOMIC_ACQUIRE);
	size_t n = 0;

	if (!len)
		return 0;
	if (head - *pos > EYRIE_LOG_RING_BYTES)
		*pos = head - EYRIE_LOG_RING_BYTES;
	while (*pos < head && n + 1 < len)
		buf[n++] = (char)data[(*pos)++ % EYRIE_LOG_RING_BYTES];
	buf[n] = 0;
	return n;
}
