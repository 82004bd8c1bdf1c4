// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: generic netlink family "eyrie" with a "telemetry"
 * multicast group (uapi/eyrie_netlink.h).
 *
 * Each device samples its telemetry block at the shortest period any live
 * subscription asked for and multicasts the sample. Subscriptions are kept
 * per (netlink port, device) and end when the socket closes, so a crashed
 * client never leaves the device sampling at 1 kHz. Periods shorter than
 * unpriv_period_us need CAP_PERFMON (or the telemetry_gid group): fast
 * energy readings are a side channel (RAPL, CVE-2020-8694).
 *
 * The multicast group is open to every local process, so it never carries
 * samples closer than unpriv_period_us apart when a privileged subscriber
 * asked for more: those samples are multicast at the slowest rate any
 * unprivileged subscriber could get (the shortest period of the slow
 * subscriptions, else unpriv_period_us), and the ticks in between are
 * unicast to the fast subscribers' own sockets only. The privilege is
 * checked at SUBSCRIBE, where CAP_PERFMON and telemetry_gid both count
 * (a multicast group's GENL_MCAST_CAP_* flags know only CAP_NET_ADMIN and
 * CAP_SYS_ADMIN, and 6.12 ignores the family's bind() result). SEQ counts
 * every sample sent, so a fast subscriber in the group sees consecutive
 * numbers; PERIOD_US in each sample is the sampler's period, so that a
 * subscriber knows whether the driver ticks faster than it asked (device
 * time, which stalls and drifts under load, cannot tell).
 *
 * Privilege is the socket's, not the caller's alone: netlink_capable()
 * and the socket opener's groups (a socket handed to an unprivileged
 * process grants nothing; CVE-2014-0181). GET_SAMPLE gives the
 * unprivileged the same coarse grain. The sampler is a softirq hrtimer
 * (multicast is not for hard interrupt context); a subscription belongs
 * to (network namespace, port).
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/netlink.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "eyrie_drv.h"
#include "eyrie_netlink.h"

unsigned int eyrie_unpriv_period_us = 100000;
module_param_named(unpriv_period_us, eyrie_unpriv_period_us, uint, 0644);
MODULE_PARM_DESC(unpriv_period_us, "Shortest telemetry period without CAP_PERFMON, us (default 100000)");

int eyrie_telemetry_gid = -1;
module_param_named(telemetry_gid, eyrie_telemetry_gid, int, 0644);
MODULE_PARM_DESC(telemetry_gid, "Group allowed fast telemetry like CAP_PERFMON, -1 none (default)");

struct eyrie_genl_sub {
	struct list_head link;
	struct net *net;		/* the socket's; valid until its URELEASE */
	u32 portid;
	u32 device;
	u32 period_us;
	bool fast;			/* below unpriv_period_us (privileged) */
};

struct eyrie_genl_port {
	struct net *net;
	u32 portid;
};

/* The netlink ports of a device's fast subscribers, read by the sampler. */
struct eyrie_genl_ports {
	unsigned int count;
	struct eyrie_genl_port port[] __counted_by(count);
};

static DEFINE_MUTEX(eyrie_genl_lock);	/* devices, subscriptions */
static LIST_HEAD(eyrie_genl_devices);
static LIST_HEAD(eyrie_genl_subs);

enum { EYRIE_GENL_GROUP_TELEMETRY };

static const struct genl_multicast_group eyrie_genl_groups[] = {
	[EYRIE_GENL_GROUP_TELEMETRY] = { .name = EYRIE_GENL_MCGRP_TELEMETRY },
};

static const struct nla_policy eyrie_genl_policy[EYRIE_GENL_A_MAX + 1] = {
	[EYRIE_GENL_A_DEVICE] = { .type = NLA_U32 },
	[EYRIE_GENL_A_PERIOD_US] = { .type = NLA_U32 },
};

static struct genl_family eyrie_genl_family;

static u32 eyrie_genl_device_id(struct eyrie_device *edev)
{
	return edev->drm.accel ? edev->drm.accel->index : 0;
}

/* Caller holds eyrie_genl_lock. */
static struct eyrie_device *eyrie_genl_find(u32 device)
{
	struct eyrie_device *edev;

	list_for_each_entry(edev, &eyrie_genl_devices, genl_link)
		if (eyrie_genl_device_id(edev) == device)
			return edev;
	return NULL;
}

/* period_us: the sampler's period at this sample, 0 when it is not running. */
static int eyrie_genl_put_sample(struct sk_buff *skb, struct eyrie_device *edev,
				 const struct eyrie_hw_telemetry *t, u64 seq, u32 period_us)
{
	unsigned int i;

	if (nla_put_u32(skb, EYRIE_GENL_A_DEVICE, eyrie_genl_device_id(edev)) ||
	    nla_put_u64_64bit(skb, EYRIE_GENL_A_SEQ, seq, EYRIE_GENL_A_PAD) ||
	    nla_put_u32(skb, EYRIE_GENL_A_PERIOD_US, period_us) ||
	    nla_put_u64_64bit(skb, EYRIE_GENL_A_TIMESTAMP_NS, t->timestamp_ns, EYRIE_GENL_A_PAD) ||
	    nla_put_u32(skb, EYRIE_GENL_A_POWER_MW, t->power_mw) ||
	    nla_put_s32(skb, EYRIE_GENL_A_TEMP_MC, t->temp_mc) ||
	    nla_put_u32(skb, EYRIE_GENL_A_UTIL_PERMILLE, t->util_permille) ||
	    nla_put_u32(skb, EYRIE_GENL_A_CLOCK_KHZ, t->clock_khz) ||
	    nla_put_u32(skb, EYRIE_GENL_A_FLAGS, t->flags) ||
	    nla_put_u32(skb, EYRIE_GENL_A_THROTTLE_EVENTS, t->throttle_events) ||
	    nla_put_u64_64bit(skb, EYRIE_GENL_A_BUSY_NS, t->busy_ns, EYRIE_GENL_A_PAD) ||
	    nla_put_u64_64bit(skb, EYRIE_GENL_A_CYCLES, t->cycles, EYRIE_GENL_A_PAD) ||
	    nla_put_u64_64bit(skb, EYRIE_GENL_A_JOBS_COMPLETED, t->jobs_completed,
			      EYRIE_GENL_A_PAD))
		return -EMSGSIZE;
	for (i = 0; i < EYRIE_ENERGY_DOMAINS; i++)
		if (nla_put_u64_64bit(skb, EYRIE_GENL_A_ENERGY_DRAM_FJ + i, t->energy_fj[i],
				      EYRIE_GENL_A_PAD))
			return -EMSGSIZE;
	return 0;
}

/* From the sampler and the event work: one event per transition. */
void eyrie_genl_check_throttle(struct eyrie_device *edev, const struct eyrie_hw_telemetry *t)
{
	u32 now = !!(t->flags & EYRIE_TELEM_F_THROTTLED);

	if (xchg(&edev->throttled, now) != now) {
		drm_info(&edev->drm, "thermal throttling %s at %d mdegC\n",
			 now ? "began" : "ended", t->temp_mc);
		eyrie_genl_event(edev, EYRIE_EVENT_THROTTLE, 0, now);
	}
}

/* A SAMPLE message of t, or NULL (no memory, atomic context). */
static struct sk_buff *eyrie_genl_sample_msg(struct eyrie_device *edev,
					     const struct eyrie_hw_telemetry *t, u64 seq,
					     u32 period_us)
{
	struct sk_buff *skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	void *hdr = skb ? genlmsg_put(skb, 0, 0, &eyrie_genl_family, 0,
				      EYRIE_GENL_CMD_SAMPLE) : NULL;

	if (!hdr || eyrie_genl_put_sample(skb, edev, t, seq, period_us)) {
		nlmsg_free(skb);
		return NULL;
	}
	genlmsg_end(skb, hdr);
	return skb;
}

/*
 * A queued sample says whether it is one of the group's (multicast) or
 * one for the fast subscribers only, after the netlink control block
 * (which the send fills in).
 */
struct eyrie_genl_queued {
	struct netlink_skb_parms nl;
	bool multicast;
};

static struct eyrie_genl_queued *eyrie_genl_queued(struct sk_buff *skb)
{
	BUILD_BUG_ON(sizeof(struct eyrie_genl_queued) > sizeof_field(struct sk_buff, cb));
	return (struct eyrie_genl_queued *)skb->cb;
}

/*
 * Process context: sends the queued samples in their order, off the
 * sampler's softirq hrtimer: the group's by multicast, the others by
 * unicast to every fast subscriber (one send per subscriber socket).
 */
static void eyrie_genl_fast_work(struct work_struct *work)
{
	struct eyrie_telemetry_stream *ts = container_of(work, struct eyrie_telemetry_stream,
							 fast_work);
	struct sk_buff *skb, *copy;
	unsigned int i;

	while ((skb = skb_dequeue(&ts->fast_q))) {
		if (eyrie_genl_queued(skb)->multicast) {
			genlmsg_multicast(&eyrie_genl_family, skb, 0,
					  EYRIE_GENL_GROUP_TELEMETRY, GFP_KERNEL);
			atomic_dec(&ts->fast_pending);
			continue;
		}
		spin_lock_bh(&ts->fast_lock);
		for (i = 0; ts->fast && i < ts->fast->count; i++) {
			copy = skb_clone(skb, GFP_ATOMIC);
			/* A full or closed socket loses this sample; URELEASE ends it. */
			if (copy)
				genlmsg_unicast(ts->fast->port[i].net, copy,
						ts->fast->port[i].portid);
		}
		spin_unlock_bh(&ts->fast_lock);
		consume_skb(skb);
		atomic_dec(&ts->fast_pending);
	}
}

/* Runs in softirq context (HRTIMER_MODE_REL_SOFT): no sleeping. */
static enum hrtimer_restart eyrie_genl_sample_timer(struct hrtimer *timer)
{
	struct eyrie_telemetry_stream *ts = container_of(timer, struct eyrie_telemetry_stream,
							 timer);
	struct eyrie_device *edev = container_of(ts, struct eyrie_device, telem);
	u32 period = READ_ONCE(ts->period_us);
	u64 mc_ns = (u64)READ_ONCE(ts->mc_period_us) * NSEC_PER_USEC;
	ktime_t tick = hrtimer_get_expires(timer);
	struct eyrie_hw_telemetry t;
	struct sk_buff *skb;
	int idx;

	if (!period || !drm_dev_enter(&edev->drm, &idx))
		return HRTIMER_NORESTART;
	/*
	 * SEQ numbers the samples that go out: a tick whose sample reaches
	 * no subscriber that should have it (the fast backlog is full, no
	 * memory) takes none, so it is no gap, as a tick the timer skipped
	 * when it fired late (hrtimer_forward_now) is none. Only a socket
	 * the kernel could not queue to makes a gap, which it reports.
	 */
	if (!eyrie_read_telemetry(edev, &t)) {
		/* On the multicast grid (half a tick of slack for timer jitter)? */
		bool multicast = !ts->mc_last ||
			ktime_to_ns(ktime_sub(tick, ts->mc_last)) + period * (NSEC_PER_USEC / 2) >=
			mc_ns;
		/*
		 * With fast subscribers (or their samples still queued), the
		 * group's samples take the same queue as theirs, so that a
		 * socket in the group gets every sample in SEQ order; a
		 * backlog of 64 means the work is starved: the tick is skipped.
		 */
		bool fast = READ_ONCE(ts->fast);
		/* Until the work has sent the last queued one, not just taken it. */
		bool queued = fast || atomic_read(&ts->fast_pending);

		eyrie_genl_check_throttle(edev, &t);
		if ((multicast || fast) && (!queued || atomic_read(&ts->fast_pending) < 64))
			skb = eyrie_genl_sample_msg(edev, &t, ts->seq, period);
		else
			skb = NULL;
		if (skb && queued) {
			eyrie_genl_queued(skb)->multicast = multicast;
			atomic_inc(&ts->fast_pending);
			skb_queue_tail(&ts->fast_q, skb);
			queue_work(system_highpri_wq, &ts->fast_work);
		} else if (skb) {
			/* -ESRCH: nobody listens right now; the sample still counts. */
			genlmsg_multicast(&eyrie_genl_family, skb, 0,
					  EYRIE_GENL_GROUP_TELEMETRY, GFP_ATOMIC);
		}
		if (skb) {
			if (multicast)
				ts->mc_last = tick;
			WRITE_ONCE(ts->seq, ts->seq + 1);
		}
	}
	drm_dev_exit(idx);
	hrtimer_forward_now(timer, ns_to_ktime((u64)period * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/*
 * Caller holds eyrie_genl_lock: applies the shortest subscribed period, the
 * multicast period and the fast subscribers' ports.
 */
static void eyrie_genl_apply(struct eyrie_device *edev)
{
	struct eyrie_telemetry_stream *ts = &edev->telem;
	u32 period = 0, slow = 0, old = ts->period_us;
	struct eyrie_genl_ports *ports = NULL;
	unsigned int fast = 0;
	struct eyrie_genl_sub *sub;
	u32 result;

	list_for_each_entry(sub, &eyrie_genl_subs, link) {
		if (sub->device != eyrie_genl_device_id(edev))
			continue;
		if (!period || sub->period_us < period)
			period = sub->period_us;
		if (sub->fast)
			fast++;
		else if (!slow || sub->period_us < slow)
			slow = sub->period_us;
	}
	if (fast)
		ports = kmalloc(struct_size(ports, port, fast), GFP_KERNEL);
	if (ports) {
		ports->count = fast;
		fast = 0;
		list_for_each_entry(sub, &eyrie_genl_subs, link)
			if (sub->device == eyrie_genl_device_id(edev) && sub->fast) {
				ports->port[fast].net = sub->net;
				ports->port[fast++].portid = sub->portid;
			}
	}
	/* Without memory the fast subscribers get the multicast samples only. */
	spin_lock_bh(&ts->fast_lock);
	swap(ts->fast, ports);
	WRITE_ONCE(ts->mc_period_us, fast ? (slow ?: max(eyrie_unpriv_period_us, period)) : 0);
	spin_unlock_bh(&ts->fast_lock);
	kfree(ports);

	if (period == old)
		return;
	/*
	 * The callback may be running on another CPU and about to re-arm:
	 * starting the timer under it would enqueue it twice (a WARN). Wait
	 * for it, then start afresh; it reads period_us at every tick.
	 */
	hrtimer_cancel(&ts->timer);
	WRITE_ONCE(ts->period_us, period);
	if (period && READ_ONCE(edev->ready))
		eyrie_mbox_cmd(edev, EYRIE_MBOX_SET_TELEMETRY, period, 0, 1000, &result);
	if (period)
		hrtimer_start(&ts->timer, 0, HRTIMER_MODE_REL_SOFT);
}

/* After a reset: the firmware booted with its default sample period. */
void eyrie_genl_restore_period(struct eyrie_device *edev)
{
	u32 period = READ_ONCE(edev->telem.period_us), result;

	if (period)
		eyrie_mbox_cmd(edev, EYRIE_MBOX_SET_TELEMETRY, period, 0, 1000, &result);
}

/* The request's socket may sample fast (see the top of this file). */
static bool eyrie_genl_may_sample_fast(const struct sk_buff *skb)
{
	const struct sock *sk = NETLINK_CB(skb).sk;

	if (netlink_capable(skb, CAP_PERFMON) || netlink_capable(skb, CAP_SYS_ADMIN))
		return true;
	return sk && sk->sk_socket && sk->sk_socket->file &&
	       eyrie_telemetry_group(sk->sk_socket->file->f_cred) &&
	       eyrie_telemetry_group(current_cred());
}

static int eyrie_genl_subscribe(struct sk_buff *skb, struct genl_info *info)
{
	struct eyrie_genl_sub *sub, *found = NULL;
	struct eyrie_device *edev;
	u32 device, period;
	int ret = 0;

	if (!info->attrs[EYRIE_GENL_A_DEVICE] || !info->attrs[EYRIE_GENL_A_PERIOD_US])
		return -EINVAL;
	device = nla_get_u32(info->attrs[EYRIE_GENL_A_DEVICE]);
	period = nla_get_u32(info->attrs[EYRIE_GENL_A_PERIOD_US]);
	if (period && (period < EYRIE_GENL_MIN_PERIOD_US || period > EYRIE_GENL_MAX_PERIOD_US))
		return -EINVAL;
	if (period && period < eyrie_unpriv_period_us && !eyrie_genl_may_sample_fast(skb))
		return -EPERM;

	mutex_lock(&eyrie_genl_lock);
	edev = eyrie_genl_find(device);
	if (!edev) {
		ret = -ENODEV;
		goto out;
	}
	list_for_each_entry(sub, &eyrie_genl_subs, link)
		if (sub->portid == info->snd_portid && net_eq(sub->net, genl_info_net(info)) &&
		    sub->device == device)
			found = sub;
	if (!period) {
		if (found) {
			list_del(&found->link);
			kfree(found);
		}
	} else if (found) {
		found->period_us = period;
		found->fast = period < eyrie_unpriv_period_us;
	} else {
		found = kzalloc(sizeof(*found), GFP_KERNEL_ACCOUNT);
		if (!found) {
			ret = -ENOMEM;
			goto out;
		}
		found->net = genl_info_net(info);
		found->portid = info->snd_portid;
		found->device = device;
		found->period_us = period;
		found->fast = period < eyrie_unpriv_period_us;
		list_add_tail(&found->link, &eyrie_genl_subs);
	}
	eyrie_genl_apply(edev);
out:
	mutex_unlock(&eyrie_genl_lock);
	return ret;
}

static int eyrie_genl_get_sample(struct sk_buff *skb, struct genl_info *info)
{
	bool privileged = eyrie_genl_may_sample_fast(skb);
	struct eyrie_hw_telemetry t;
	struct eyrie_device *edev;
	struct sk_buff *msg;
	void *hdr;
	int ret, idx;

	if (!info->attrs[EYRIE_GENL_A_DEVICE])
		return -EINVAL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&eyrie_genl_lock);
	edev = eyrie_genl_find(nla_get_u32(info->attrs[EYRIE_GENL_A_DEVICE]));
	ret = -ENODEV;
	if (edev && drm_dev_enter(&edev->drm, &idx)) {
		ret = eyrie_read_telemetry_for(edev, privileged, &t);
		drm_dev_exit(idx);
	}
	if (!ret) {
		hdr = genlmsg_put_reply(msg, info, &eyrie_genl_family, 0, EYRIE_GENL_CMD_SAMPLE);
		ret = hdr ? eyrie_genl_put_sample(msg, edev, &t, READ_ONCE(edev->telem.seq),
						   READ_ONCE(edev->telem.period_us)) : -EMSGSIZE;
		if (!ret)
			genlmsg_end(msg, hdr);
	}
	mutex_unlock(&eyrie_genl_lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

static const struct genl_small_ops eyrie_genl_ops[] = {
	/* A new family validates strictly: unknown attributes are refused. */
	{
		.cmd = EYRIE_GENL_CMD_SUBSCRIBE,
		.doit = eyrie_genl_subscribe,
	},
	{
		.cmd = EYRIE_GENL_CMD_GET_SAMPLE,
		.doit = eyrie_genl_get_sample,
	},
};

static struct genl_family eyrie_genl_family __ro_after_init = {
	.name = EYRIE_GENL_NAME,
	.version = EYRIE_GENL_VERSION,
	.maxattr = EYRIE_GENL_A_MAX,
	.policy = eyrie_genl_policy,
	.module = THIS_MODULE,
	.small_ops = eyrie_genl_ops,
	.n_small_ops = ARRAY_SIZE(eyrie_genl_ops),
	.resv_start_op = EYRIE_GENL_CMD_GET_SAMPLE + 1,
	.mcgrps = eyrie_genl_groups,
	.n_mcgrps = ARRAY_SIZE(eyrie_genl_groups),
};

void eyrie_genl_event(struct eyrie_device *edev, u32 event, u32 ctx_id, u64 arg)
{
	struct sk_buff *skb;
	void *hdr;

	skb = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &eyrie_genl_family, 0, EYRIE_GENL_CMD_EVENT);
	if (!hdr ||
	    nla_put_u32(skb, EYRIE_GENL_A_DEVICE, eyrie_genl_device_id(edev)) ||
	    nla_put_u32(skb, EYRIE_GENL_A_EVENT, event) ||
	    nla_put_u32(skb, EYRIE_GENL_A_CTX_ID, ctx_id) ||
	    nla_put_u64_64bit(skb, EYRIE_GENL_A_EVENT_ARG, arg, EYRIE_GENL_A_PAD)) {
		nlmsg_free(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	genlmsg_multicast(&eyrie_genl_family, skb, 0, EYRIE_GENL_GROUP_TELEMETRY, GFP_ATOMIC);
}

void eyrie_genl_add_device(struct eyrie_device *edev)
{
	hrtimer_init(&edev->telem.timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	edev->telem.timer.function = eyrie_genl_sample_timer;
	spin_lock_init(&edev->telem.fast_lock);
	skb_queue_head_init(&edev->telem.fast_q);
	atomic_set(&edev->telem.fast_pending, 0);
	INIT_WORK(&edev->telem.fast_work, eyrie_genl_fast_work);
	mutex_lock(&eyrie_genl_lock);
	list_add_tail(&edev->genl_link, &eyrie_genl_devices);
	mutex_unlock(&eyrie_genl_lock);
}

void eyrie_genl_remove_device(struct eyrie_device *edev)
{
	struct eyrie_genl_sub *sub, *tmp;
	u32 device = eyrie_genl_device_id(edev);

	mutex_lock(&eyrie_genl_lock);
	if (list_empty(&edev->genl_link)) {
		mutex_unlock(&eyrie_genl_lock);
		return;
	}
	list_del_init(&edev->genl_link);
	list_for_each_entry_safe(sub, tmp, &eyrie_genl_subs, link)
		if (sub->device == device) {
			list_del(&sub->link);
			kfree(sub);
		}
	WRITE_ONCE(edev->telem.period_us, 0);
	mutex_unlock(&eyrie_genl_lock);
	hrtimer_cancel(&edev->telem.timer);
	cancel_work_sync(&edev->telem.fast_work);
	skb_queue_purge(&edev->telem.fast_q);
	kfree(edev->telem.fast);
	edev->telem.fast = NULL;
}

/* A closed socket ends its subscriptions. */
static int eyrie_genl_netlink_event(struct notifier_block *nb, unsigned long state, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct eyrie_genl_sub *sub, *tmp;
	struct eyrie_device *edev;

	if (state != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&eyrie_genl_lock);
	list_for_each_entry_safe(sub, tmp, &eyrie_genl_subs, link)
		if (sub->portid == n->portid && net_eq(sub->net, n->net)) {
			list_del(&sub->link);
			kfree(sub);
		}
	list_for_each_entry(edev, &eyrie_genl_devices, genl_link)
		eyrie_genl_apply(edev);
	mutex_unlock(&eyrie_genl_lock);
	return NOTIFY_DONE;
}

static struct notifier_block eyrie_genl_notifier = {
	.notifier_call = eyrie_genl_netlink_event,
};

int eyrie_genl_register(void)
{
	int ret;

	ret = genl_register_family(&eyrie_genl_family);
	if (ret)
		return ret;
	ret = netlink_register_notifier(&eyrie_genl_notifier);
	if (ret)
		genl_unregister_family(&eyrie_genl_family);
	return ret;
}

void eyrie_genl_unregister(void)
{
	struct eyrie_genl_sub *sub, *tmp;

	netlink_unregister_notifier(&eyrie_genl_notifier);
	genl_unregister_family(&eyrie_genl_family);
	list_for_each_entry_safe(sub, tmp, &eyrie_genl_subs, link) {
		list_del(&sub->link);
		kfree(sub);
	}
}
