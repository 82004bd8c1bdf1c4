/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Eyrie accelerator: driver-wide types.
 *
 * One struct eyrie_device per board, one struct eyrie_ctx per open file
 * (its own device MMU address space), one struct eyrie_job per submission.
 */
#ifndef EYRIE_DRV_H
#define EYRIE_DRV_H

#include <linux/completion.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/refcount.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include <drm/drm_device.h>
#include <drm/drm_file.h>
#include <drm/drm_mm.h>
#include <drm/gpu_scheduler.h>

#include "eyrie_hw.h"
#include "drm/eyrie_accel.h"

/*
 * The module targets Debian's 6.12 kernel (mk/kernel.mk refuses other
 * releases). Its DRM scheduler calls (eyrie_job.c, eyrie_reset.c) are
 * those of Debian's 6.12 headers: drm_sched_init() takes a struct
 * drm_sched_init_args, drm_sched_job_init() a DRM client id,
 * drm_sched_start() no error code. Other 6.12.y releases and other kernels
 * differ in exactly these, so Kbuild looks for them in gpu_scheduler.h,
 * and a build against anything else stops here with the reason.
 */
#if !defined(EYRIE_SCHED_INIT_ARGS) || !defined(EYRIE_SCHED_JOB_CLIENT_ID) || \
	!defined(EYRIE_SCHED_START_NO_ERRNO)
#error "eyrie needs the DRM scheduler API of Debian's 6.12 headers (see eyrie_drv.h)"
#endif

#define EYRIE_DRIVER_NAME	"eyrie"
#define EYRIE_DRIVER_DESC	"Eyrie deep-learning accelerator"

/* Queues the driver drives: 0 normal, 1 high priority. */
#define EYRIE_SCHED_QUEUES	2
/* Completed-job records kept per context for DRM_IOCTL_EYRIE_WAIT. */
#define EYRIE_JOB_RECORDS	1024
/* Device VA handed out to BOs: [EYRIE_VA_START, 1 << EYRIE_VA_BITS). */
#define EYRIE_VA_START		0x100000ull
#define EYRIE_VA_END		BIT_ULL(EYRIE_VA_BITS)
/* Unmapped page after every BO so an overrun faults instead of hitting a neighbour. */
#define EYRIE_VA_GUARD		EYRIE_PAGE_SIZE
/* Per-submission bounds (beyond them: -EINVAL). */
#define EYRIE_MAX_JOB_BOS	4096
#define EYRIE_MAX_JOB_SYNCOBJS	256
/*
 * Jobs on the device at a time: one engine runs one job, so the scheduler
 * hands the device the next job only when the last one ended. A job's
 * timeout then measures its own run, never a wait behind another queue.
 */
#define EYRIE_JOBS_ON_DEVICE	1
/* Bytes preallocated for a devcoredump (the TDR path must not allocate). */
#define EYRIE_COREDUMP_BYTES	(4096 + EYRIE_LOG_RING_BYTES)
/* Used when the device description leaves max_cmds_per_job at 0. */
#define EYRIE_DEFAULT_MAX_CMDS	65536

/* Module parameters (eyrie_drv.c). */
extern unsigned int eyrie_job_timeout_ms;
extern unsigned int eyrie_boot_timeout_ms;
extern unsigned int eyrie_ban_threshold;
extern unsigned int eyrie_ctx_mem_limit_mb;
extern unsigned int eyrie_queue_entries;
extern unsigned int eyrie_pin_limit_mb;
extern unsigned int eyrie_contexts_per_user;
extern unsigned int eyrie_unpriv_period_us;
extern int eyrie_telemetry_gid;
extern char *eyrie_fw_name;

struct eyrie_device;
struct eyrie_job;
struct eyrie_genl_ports;

/* One page-table page: 512 little-endian entries in DMA-coherent memory. */
struct eyrie_pt {
	__le64 *entries;
	dma_addr_t dma;
	struct eyrie_pt **child;	/* NULL at L0 */
};

struct eyrie_mmu {
	struct device *dev;
	/*
	 * L2 table; NULL once the tables are freed (the context died) or
	 * detached (its device was removed while its file stayed open).
	 */
	struct eyrie_pt *root;
	struct eyrie_pt *detached;	/* removal: to free after eyrie_mmu_sync() */
	dma_addr_t root_dma;		/* for debugfs, which must not follow root */
	unsigned int table_pages;	/* pages used by the tables */
	/* Leaf entries currently valid; also cleared by the completion IRQ thread. */
	atomic64_t mapped_pages;
};

/* Per-queue hardware state: rings in host memory plus the scheduler. */
struct eyrie_queue {
	struct eyrie_device *edev;
	unsigned int index;
	char name[16];
	spinlock_t lock;		/* rings, inflight, counters */
	spinlock_t fence_lock;		/* hardware fences of this queue */
	struct eyrie_hw_sqe *sq;
	dma_addr_t sq_dma;
	struct eyrie_hw_cqe *cq;
	dma_addr_t cq_dma;
	u32 entries;
	u32 sq_tail;
	u32 cq_head;
	u32 phase;
	u32 generation;			/* bumped at every reset: stale tags are ignored */
	struct eyrie_job **inflight;	/* indexed by SQ slot */
	u32 inflight_count;
	u64 fence_context;
	u64 fence_seqno;
	u64 submitted;
	u64 completed;
	u64 irqs;			/* hard interrupts */
	u64 irq_thread_runs;		/* passes of the IRQ thread that completes jobs */
	u64 stale_cqes;
	u64 aborted;			/* jobs on the ring a reset aborted */
};

/* What the device (or the driver) said about one job. */
struct eyrie_job_result {
	u32 status;			/* enum eyrie_job_status */
	u32 err_cmd_index;
	u32 err_detail;
	u64 cycles;
	u64 energy_fj;
	u64 start_ns;
	u64 end_ns;
};

/* One slot of a context's ring of job records, indexed by seqno. */
struct eyrie_job_record {
	u64 seqno;			/* 0: never used */
	struct dma_fence *finished;	/* scheduler fence of the job */
	bool done;			/* result is valid */
	struct eyrie_job_result result;
};

/*
 * A BO mapped into a context: one per (context, object).
 *
 * A job may use only the BOs it lists in bo_handles: SUBMIT takes a use
 * (jobs) of each listed BO's live mapping under ctx->lock, or fails with
 * -ENOENT. When the file's last handle closes (closed), the page-table
 * entries go at once if no job uses the BO, else when the last such job
 * leaves the device (eyrie_job_complete(), before its fence signals, so
 * before the device can start another job); the device flushes its TLB at
 * every job start, so no later job reaches the pages. Pages stay pinned,
 * and the VA reserved, until the jobs that could still hold a translation
 * have ended (busy, snapshot taken when the entries went at close).
 */
struct eyrie_bo_map {
	struct list_head link;		/* ctx->mappings or ctx->zombies; ctx->lock */
	struct drm_mm_node node;	/* VA range, guard page included */
	struct drm_gem_object *obj;	/* reference held */
	u64 size;			/* bytes mapped (object size) */
	bool writable;
	unsigned int handles;		/* handles of the file naming it; ctx->lock */
	/* ctx->map_lock (also taken by the completion IRQ thread): */
	unsigned int jobs;		/* jobs listing it that have not left the device */
	bool closed;			/* last handle gone */
	bool unmapped;			/* page-table entries gone */
	/* Entries gone at close: the context's last jobs at that moment. */
	struct dma_fence *busy[EYRIE_SCHED_QUEUES];
};

/*
 * The pages a context's BOs pin, for ctx_mem_limit_mb. A BO's pages stay
 * pinned from its first mapping until the BO is freed (an mmap or a
 * dma-buf keeps it after its handles close), so the BO holds its charge,
 * and a reference to this, until its .free; the context may be gone by
 * then.
 */
struct eyrie_pin_account {
	refcount_t ref;
	atomic64_t bytes;
	u64 limit;
};

struct eyrie_ctx {
	struct kref ref;
	struct eyrie_device *edev;
	u32 id;
	kuid_t uid;			/* charged for contexts_per_user */
	pid_t pid;
	char comm[TASK_COMM_LEN];

	struct mutex lock;		/* mm, mappings, zombies, mmu, mem_used */
	spinlock_t map_lock;		/* eyrie_bo_map jobs, closed, unmapped */
	struct drm_mm mm;
	struct list_head mappings;
	struct list_head zombies;	/* handle closed, mapped until its jobs end */
	struct eyrie_mmu mmu;
	u64 mem_used;			/* bytes mapped now (QUERY) */
	u64 mem_limit;			/* for mem_used, and pins->bytes */
	struct eyrie_pin_account *pins;	/* what the BOs it mapped first pin */

	struct mutex submit_lock;	/* seqno order == push order, last_finished */
	struct drm_sched_entity entity[EYRIE_SCHED_QUEUES];
	struct dma_fence *last_finished[EYRIE_SCHED_QUEUES];
	u64 last_seqno;
	atomic_t jobs_inflight;

	spinlock_t rec_lock;		/* records */
	struct eyrie_job_record *records;

	atomic64_t jobs_submitted;
	atomic64_t jobs_completed;
	atomic64_t jobs_failed;
	atomic64_t busy_ns;
	atomic64_t energy_fj;
	atomic64_t cycles;
	atomic64_t engine_ns[EYRIE_SCHED_QUEUES];
	unsigned int hangs;
	bool banned;

	/* Drops the device reference off the scheduler's workqueues (eyrie_ctx.c). */
	struct work_struct put_work;
};

struct eyrie_job {
	struct drm_sched_job base;
	struct kref ref;
	struct eyrie_device *edev;
	struct eyrie_ctx *ctx;
	unsigned int queue;
	u64 seqno;
	u64 cmdbuf_addr;
	u32 cmd_count;
	struct drm_gem_object **bos;
	u32 bo_count;
	struct drm_gem_object *cmdbuf_obj;
	/* The mappings the job uses: bos[i] at [i], the command buffer's last. */
	struct eyrie_bo_map **maps;
	bool maps_held;			/* holds a use of each of maps */
	struct list_head done_link;	/* on a completion list, q->lock dropped */
	struct eyrie_job_result result;	/* what the device said, for that list */
	struct dma_fence *hw_fence;	/* ours; NULL until run */
	void *fence_prealloc;		/* hardware fence memory, taken by run_job */
	u32 slot;			/* SQ slot while in flight */
	bool timed_out;
	ktime_t run_start;
	struct work_struct free_work;	/* the scheduler's reference, dropped off its paths */
};

struct eyrie_fw_info {
	u32 version;
	u32 abi;
	u8 build_id[20];
	u32 image_size;
};

/*
 * Telemetry sampling for the netlink multicast group (eyrie_genl.c): an
 * hrtimer forwarded by whole periods, so samples do not drift and a late
 * one does not shift the ones after it.
 */
struct eyrie_telemetry_stream {
	struct hrtimer timer;
	u32 period_us;			/* 0: stopped */
	u64 seq;
	/*
	 * The multicast group carries samples no closer than mc_period_us
	 * (at least unpriv_period_us whenever a privileged subscriber asked
	 * for less); the ticks in between go by unicast to those subscribers.
	 */
	u32 mc_period_us;
	ktime_t mc_last;		/* expiry of the last multicast sample */
	spinlock_t fast_lock;		/* fast */
	struct eyrie_genl_ports *fast;	/* NULL: no fast subscriber */
	struct sk_buff_head fast_q;	/* samples for them, sent by fast_work */
	atomic_t fast_pending;		/* queued and not yet sent */
	struct work_struct fast_work;
};

struct eyrie_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	void __iomem *bar0;
	void __iomem *bar2;
	resource_size_t bar2_size;
	u32 doorbell_peer;
	u32 hw_version;
	u64 caps;
	struct eyrie_hw_desc desc;
	unsigned int num_queues;	/* hardware queues in use */
	unsigned int num_vectors;

	/* Firmware image kept for re-boot after a reset. */
	u8 *fw_image;
	size_t fw_size;
	struct eyrie_fw_info fw;

	/* Mailbox. */
	struct mutex mbox_lock;
	wait_queue_head_t mbox_wq;
	u32 mbox_seq;

	struct eyrie_queue queue[EYRIE_SCHED_QUEUES];
	/*
	 * One scheduler for the one engine: the queues are its priority run
	 * queues, so it picks high-priority work first and the device only
	 * ever sees a job it starts at once.
	 */
	struct drm_gpu_scheduler sched;
	void *coredump_buf;		/* preallocated; NULL while one is out */
	void *coredump_full;		/* filled, for coredump_refill to hand on */
	size_t coredump_len;
	struct work_struct coredump_refill;
	struct workqueue_struct *reset_wq;	/* ordered: timeouts and resets */
	struct work_struct reset_work;
	struct mutex reset_lock;	/* one recovery at a time */
	atomic_t reset_count;
	bool ready;			/* firmware up, queues enabled */
	/*
	 * RESET not acknowledged: bus mastering off until a reset is
	 * (reset_lock; read locklessly by debugfs). wedged_err is the
	 * mailbox's error (-ETIMEDOUT: no answer), else wedged_result the
	 * device's refusal (enum eyrie_mbox_result).
	 */
	bool wedged;
	int wedged_err;
	u32 wedged_result;
	bool unplugged;

	struct xarray contexts;		/* id -> struct eyrie_ctx (weak) */
	/*
	 * Our BOs with a DMA mapping for this device (eyrie_bo.dev_link):
	 * removal unmaps them, since a file may keep them past it.
	 */
	struct mutex bo_lock;
	struct list_head bos;
	/* uid -> contexts of that user not yet freed (xa_mk_value), contexts_per_user. */
	struct xarray user_contexts;

	u32 fault_count_seen;
	struct work_struct event_work;
	bool events_enabled;		/* admin interrupt may queue event_work */
	u32 throttled;			/* last seen telemetry throttle flag */

	struct device *hwmon;
	struct mutex hwmon_lock;	/* power1_average state */
	u64 hwmon_avg_fj;		/* start of the current window */
	u64 hwmon_avg_ns;
	long hwmon_avg_uw;		/* mean over the last whole window */
	struct eyrie_telemetry_stream telem;
	/* What an unprivileged reader sees: refreshed once per unpriv_period_us. */
	struct mutex coarse_lock;
	struct eyrie_hw_telemetry coarse;
	ktime_t coarse_at;		/* 0: never read */
	struct list_head genl_link;	/* eyrie_genl_devices */
};

static inline struct eyrie_device *to_eyrie(struct drm_device *drm)
{
	return container_of(drm, struct eyrie_device, drm);
}

static inline struct eyrie_job *to_eyrie_job(struct drm_sched_job *job)
{
	return container_of(job, struct eyrie_job, base);
}

#define eyrie_err(edev, fmt, ...) \
	drm_err(&(edev)->drm, fmt, ##__VA_ARGS__)
#define eyrie_info(edev, fmt, ...) \
	drm_info(&(edev)->drm, fmt, ##__VA_ARGS__)
#define eyrie_dbg(edev, fmt, ...) \
	drm_dbg_driver(&(edev)->drm, fmt, ##__VA_ARGS__)

/* eyrie_drv.c / eyrie_pci.c */
extern const struct drm_driver eyrie_drm_driver;
int eyrie_pci_register(void);
void eyrie_pci_unregister(void);

/* eyrie_hw.c: control page and doorbells. */
u32 eyrie_ctrl_read32(struct eyrie_device *edev, u32 offset);
u64 eyrie_ctrl_read64(struct eyrie_device *edev, u32 offset);
void eyrie_ctrl_write32(struct eyrie_device *edev, u32 offset, u32 value);
void eyrie_ctrl_write64(struct eyrie_device *edev, u32 offset, u64 value);
void eyrie_doorbell(struct eyrie_device *edev, unsigned int vector);
int eyrie_read_telemetry(struct eyrie_device *edev, struct eyrie_hw_telemetry *t);
bool eyrie_telemetry_group(const struct cred *cred);
bool eyrie_telemetry_privileged_file(struct file *filp);
int eyrie_read_telemetry_for(struct eyrie_device *edev, bool privileged,
			     struct eyrie_hw_telemetry *t);
const char *eyrie_dev_status_name(u32 status);
const char *eyrie_job_status_name(u32 status);

/* eyrie_fw.c: firmware image, mailbox, boot. */
int eyrie_fw_load(struct eyrie_device *edev);
void eyrie_fw_release(struct eyrie_device *edev);
int eyrie_fw_boot(struct eyrie_device *edev);
int eyrie_mbox_cmd(struct eyrie_device *edev, u32 cmd, u64 arg0, u64 arg1,
		   unsigned int timeout_ms, u32 *result);
const char *eyrie_mbox_result_name(u32 result);

/* eyrie_mmu.c: per-context page tables. */
int eyrie_mmu_init(struct eyrie_mmu *mmu, struct device *dev);
void eyrie_mmu_fini(struct eyrie_mmu *mmu);
void eyrie_mmu_detach(struct eyrie_mmu *mmu);
void eyrie_mmu_sync(void);
int eyrie_mmu_map_sgt(struct eyrie_mmu *mmu, u64 va, struct sg_table *sgt,
		      u64 size, bool writable);
void eyrie_mmu_unmap(struct eyrie_mmu *mmu, u64 va, u64 size);
u64 eyrie_mmu_mapped_pages(struct eyrie_mmu *mmu);
/* Bits of a device page-table entry's address: 51:12 (eyrie_hw.h). */
#define EYRIE_DMA_BITS		52

/* eyrie_ctx.c: contexts (one per open file). */
int eyrie_ctx_module_init(void);
void eyrie_ctx_module_exit(void);
struct eyrie_ctx *eyrie_ctx_create(struct eyrie_device *edev);
void eyrie_ctx_destroy_entities(struct eyrie_ctx *ctx);
void eyrie_ctx_get(struct eyrie_ctx *ctx);
void eyrie_ctx_put(struct eyrie_ctx *ctx);
void eyrie_ctx_reap_zombies(struct eyrie_ctx *ctx);
void eyrie_ctx_queue_work(struct work_struct *work);
void eyrie_ctx_unmap_bo(struct eyrie_ctx *ctx, struct eyrie_bo_map *map);
int eyrie_ctx_pin(struct eyrie_ctx *ctx, u64 size);
void eyrie_ctx_unpin(struct eyrie_ctx *ctx, u64 size);
int eyrie_pin_charge(struct eyrie_ctx *ctx, u64 size);
void eyrie_pin_uncharge(struct eyrie_pin_account *pins, u64 size);
void eyrie_pin_account_get(struct eyrie_pin_account *pins);
void eyrie_pin_account_put(struct eyrie_pin_account *pins);
struct eyrie_bo_map *eyrie_ctx_find_mapping(struct eyrie_ctx *ctx, struct drm_gem_object *obj);
struct eyrie_bo_map *eyrie_ctx_find_va(struct eyrie_ctx *ctx, u64 va, u64 len);
void eyrie_ctx_use_maps(struct eyrie_ctx *ctx, struct eyrie_bo_map **maps, unsigned int count);
void eyrie_ctx_unuse_maps(struct eyrie_ctx *ctx, struct eyrie_bo_map **maps, unsigned int count);
unsigned int eyrie_ctx_release_tables(struct eyrie_device *edev, unsigned int *table_pages);

/* eyrie_gem.c: buffers. */
struct drm_gem_object *eyrie_gem_create_object(struct drm_device *drm, size_t size);
struct drm_gem_object *eyrie_gem_prime_import(struct drm_device *drm, struct dma_buf *dma_buf);
int eyrie_ioctl_bo_create(struct drm_device *drm, void *data, struct drm_file *file);
int eyrie_ioctl_bo_info(struct drm_device *drm, void *data, struct drm_file *file);
unsigned int eyrie_gem_unmap_all(struct eyrie_device *edev, unsigned int *imports);

/* eyrie_queue.c: rings, interrupts, hardware fences. */
int eyrie_queues_init(struct eyrie_device *edev);
int eyrie_queues_enable(struct eyrie_device *edev);
void eyrie_queues_disable(struct eyrie_device *edev);
void *eyrie_fence_alloc(void);
struct dma_fence *eyrie_queue_submit(struct eyrie_queue *q, struct eyrie_job *job);
void eyrie_queue_process_cq(struct eyrie_queue *q, struct list_head *done);
void eyrie_jobs_complete(struct list_head *done);
void eyrie_queue_abort_all(struct eyrie_queue *q);
irqreturn_t eyrie_queue_irq(int irq, void *arg);
irqreturn_t eyrie_queue_irq_thread(int irq, void *arg);
irqreturn_t eyrie_admin_irq(int irq, void *arg);
void eyrie_job_sync_for_cpu(struct eyrie_job *job);
void eyrie_job_release_maps(struct eyrie_job *job);

/* eyrie_job.c: submission, scheduler backend, wait. */
int eyrie_sched_init(struct eyrie_device *edev);
void eyrie_sched_fini(struct eyrie_device *edev);
int eyrie_ioctl_submit(struct drm_device *drm, void *data, struct drm_file *file);
int eyrie_ioctl_wait(struct drm_device *drm, void *data, struct drm_file *file);

/* eyrie_reset.c: timeout, reset, recovery, banning. */
void eyrie_reset_init(struct eyrie_device *edev);
int eyrie_device_reset(struct eyrie_device *edev, struct eyrie_job *bad, const char *why);
int eyrie_reset_request(struct eyrie_device *edev);
void eyrie_coredump_fini(struct eyrie_device *edev);
void eyrie_event_work(struct work_struct *work);

/* eyrie_query.c */
int eyrie_ioctl_query(struct drm_device *drm, void *data, struct drm_file *file);

/* eyrie_debugfs.c */
void eyrie_debugfs_init(struct eyrie_device *edev);

/* eyrie_fdinfo.c */
void eyrie_show_fdinfo(struct drm_printer *p, struct drm_file *file);

/* eyrie_hwmon.c */
int eyrie_hwmon_init(struct eyrie_device *edev);

/* eyrie_genl.c: generic netlink family "eyrie". */
int eyrie_genl_register(void);
void eyrie_genl_unregister(void);
void eyrie_genl_add_device(struct eyrie_device *edev);
void eyrie_genl_remove_device(struct eyrie_device *edev);
void eyrie_genl_event(struct eyrie_device *edev, u32 event, u32 ctx_id, u64 arg);
void eyrie_genl_check_throttle(struct eyrie_device *edev, const struct eyrie_hw_telemetry *t);
void eyrie_genl_restore_period(struct eyrie_device *edev);

#endif /* EYRIE_DRV_H */
