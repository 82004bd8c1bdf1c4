// SPDX-License-Identifier: MIT
/*
 * kmd telemetry source: the eyrie kernel driver's generic netlink family
 * (uapi/eyrie_netlink.h). The subscription's own socket asks the driver for
 * samples of /dev/accel/accelN at the interval (EYRIE_GENL_CMD_SUBSCRIBE;
 * the subscription lives as long as the socket), joins the "telemetry"
 * multicast group, and offers each EYRIE_GENL_CMD_SAMPLE of that device
 * with the driver's own sample number, and delivers each
 * EYRIE_GENL_CMD_EVENT of it. The driver samples at the shortest period
 * any subscriber asked for, so when another subscriber asked for less
 * than our interval the offer keeps one sample per interval of device
 * time (the numbers then advance by more than one per delivered sample).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "core/internal.h"
#include "eyrie_netlink.h"
#include "telemetry/source.h"

/* How often the thread looks at its stop flag while no sample comes. */
#define KMD_POLL_MS	50
/* Steps of the stream the driver's period is estimated over (odd). */
#define PERIOD_WINDOW	5

struct kmd_stream {
	struct nl_sock *sk;
	int family;
	uint32_t device;		/* N of /dev/accel/accelN */
	struct accel_telemetry_sub *sub;
	bool done;			/* the offer said the subscription ended */
	/* The last sample received (delivered or not): for the period seen. */
	bool have_prev;
	uint64_t prev_seq;
	uint64_t prev_ts_ns;
	/*
	 * Device time per driver tick over the last PERIOD_WINDOW steps: the
	 * median is the driver's period, unmoved by a tick the timer fired
	 * late, nor by one it fired early after a restart (a reset, a new
	 * subscriber).
	 */
	uint64_t steps[PERIOD_WINDOW];
	unsigned int nsteps;
};

static int device_number(const char *name, uint32_t *out)
{
	const char *p = strrchr(name, '/');
	char *end;
	unsigned long n;

	p = p ? p + 1 : name;
	if (strncmp(p, "accel", 5) != 0)
		return -1;
	n = strtoul(p + 5, &end, 10);
	if (end == p + 5 || *end || n > UINT32_MAX)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* nl error (libnl's negative NLE_*) to a message; returns -errno. */
static int nl_fail(int nlerr, int errno_code, const char *what)
{
	return eyr_error(errno_code, "telemetry: %s: %s", what, nl_geterror(nlerr));
}

static int send_subscribe(struct kmd_stream *st, uint32_t period_us)
{
	struct nl_msg *msg = nlmsg_alloc();
	int err;

	if (!msg)
		return eyr_error(-ENOMEM, "telemetry: out of memory for a netlink message");
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, st->family, 0, 0,
			 EYRIE_GENL_CMD_SUBSCRIBE, EYRIE_GENL_VERSION) ||
	    nla_put_u32(msg, EYRIE_GENL_A_DEVICE, st->device) ||
	    nla_put_u32(msg, EYRIE_GENL_A_PERIOD_US, period_us)) {
		nlmsg_free(msg);
		return eyr_error(-ENOMEM, "telemetry: cannot build the netlink subscribe message");
	}
	err = nl_send_auto(st->sk, msg);
	nlmsg_free(msg);
	if (err < 0)
		return nl_fail(err, -EIO, "sending the subscribe request");
	err = nl_wait_for_ack(st->sk);
	if (err == -NLE_PERM)
		return eyr_error(-EPERM,
				 "telemetry: the eyrie driver refuses a %u us period without CAP_PERFMON (fine-grained energy is a side channel); ask for a longer interval (its unpriv_period_us parameter, 100 ms by default), run as a member of its telemetry_gid group, or with CAP_PERFMON",
				 period_us);
	if (err == -NLE_NODEV || err == -NLE_OBJ_NOTFOUND)
		return eyr_error(-ENODEV,
				 "telemetry: the eyrie driver has no device accel%u", st->device);
	if (err < 0)
		return nl_fail(err, -EIO, "the eyrie driver refused the subscription");
	return 0;
}

/* Every attribute we read is length-checked by the parse. */
static struct nla_policy policy[EYRIE_GENL_A_MAX + 1] = {
	[EYRIE_GENL_A_DEVICE] = { .type = NLA_U32 },
	[EYRIE_GENL_A_PERIOD_US] = { .type = NLA_U32 },
	[EYRIE_GENL_A_SEQ] = { .type = NLA_U64 },
	[EYRIE_GENL_A_TIMESTAMP_NS] = { .type = NLA_U64 },
	[EYRIE_GENL_A_ENERGY_DRAM_FJ] = { .type = NLA_U64 },
	[EYRIE_GENL_A_ENERGY_GLB_FJ] = { .type = NLA_U64 },
	[EYRIE_GENL_A_ENERGY_NOC_FJ] = { .type = NLA_U64 },
	[EYRIE_GENL_A_ENERGY_RF_FJ] = { .type = NLA_U64 },
	[EYRIE_GENL_A_ENERGY_MAC_FJ] = { .type = NLA_U64 },
	[EYRIE_GENL_A_ENERGY_STATIC_FJ] = { .type = NLA_U64 },
	[EYRIE_GENL_A_POWER_MW] = { .type = NLA_U32 },
	[EYRIE_GENL_A_TEMP_MC] = { .type = NLA_U32 },
	[EYRIE_GENL_A_UTIL_PERMILLE] = { .type = NLA_U32 },
	[EYRIE_GENL_A_CLOCK_KHZ] = { .type = NLA_U32 },
	[EYRIE_GENL_A_FLAGS] = { .type = NLA_U32 },
	[EYRIE_GENL_A_THROTTLE_EVENTS] = { .type = NLA_U32 },
	[EYRIE_GENL_A_BUSY_NS] = { .type = NLA_U64 },
	[EYRIE_GENL_A_CYCLES] = { .type = NLA_U64 },
	[EYRIE_GENL_A_JOBS_COMPLETED] = { .type = NLA_U64 },
	[EYRIE_GENL_A_EVENT] = { .type = NLA_U32 },
	[EYRIE_GENL_A_CTX_ID] = { .type = NLA_U32 },
	[EYRIE_GENL_A_EVENT_ARG] = { .type = NLA_U64 },
};

uint64_t eyr_telem_kmd_sample_seq(struct nlmsghdr *nlh)
{
	struct nlattr *a[EYRIE_GENL_A_MAX + 1];

	if (!genlmsg_valid_hdr(nlh, 0) || genlmsg_parse(nlh, 0, a, EYRIE_GENL_A_MAX, policy) < 0 ||
	    !a[EYRIE_GENL_A_SEQ])
		return 0;
	return nla_get_u64(a[EYRIE_GENL_A_SEQ]);
}

uint32_t eyr_telem_kmd_sample_period_us(struct nlmsghdr *nlh)
{
	struct nlattr *a[EYRIE_GENL_A_MAX + 1];

	if (!genlmsg_valid_hdr(nlh, 0) || genlmsg_parse(nlh, 0, a, EYRIE_GENL_A_MAX, policy) < 0 ||
	    !a[EYRIE_GENL_A_PERIOD_US])
		return 0;
	return nla_get_u32(a[EYRIE_GENL_A_PERIOD_US]);
}

int eyr_telem_kmd_parse_event(struct nlmsghdr *nlh, uint32_t device,
			      struct accel_telemetry_event *e)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *a[EYRIE_GENL_A_MAX + 1];

	/* a message shorter than its generic netlink header is not ours */
	if (!genlmsg_valid_hdr(nlh, 0))
		return 0;
	if (gh->cmd != EYRIE_GENL_CMD_EVENT)
		return 0;
	if (genlmsg_parse(nlh, 0, a, EYRIE_GENL_A_MAX, policy) < 0 ||
	    !a[EYRIE_GENL_A_DEVICE] || !a[EYRIE_GENL_A_EVENT] ||
	    nla_get_u32(a[EYRIE_GENL_A_DEVICE]) != device)
		return 0;
	memset(e, 0, sizeof(*e));
	e->sz = sizeof(*e);
	e->kind = nla_get_u32(a[EYRIE_GENL_A_EVENT]);
	if (a[EYRIE_GENL_A_CTX_ID])
		e->ctx_id = nla_get_u32(a[EYRIE_GENL_A_CTX_ID]);
	if (a[EYRIE_GENL_A_EVENT_ARG])
		e->arg = nla_get_u64(a[EYRIE_GENL_A_EVENT_ARG]);
	return 1;
}

int eyr_telem_kmd_parse(struct nlmsghdr *nlh, uint32_t device,
			struct accel_telemetry *raw)
{
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *a[EYRIE_GENL_A_MAX + 1];

	/* a message shorter than its generic netlink header is not ours */
	if (!genlmsg_valid_hdr(nlh, 0))
		return 0;
	if (gh->cmd != EYRIE_GENL_CMD_SAMPLE)
		return 0;
	if (genlmsg_parse(nlh, 0, a, EYRIE_GENL_A_MAX, policy) < 0 ||
	    !a[EYRIE_GENL_A_DEVICE] || !a[EYRIE_GENL_A_TIMESTAMP_NS] ||
	    nla_get_u32(a[EYRIE_GENL_A_DEVICE]) != device)
		return 0;
	memset(raw, 0, sizeof(*raw));
	raw->sz = sizeof(*raw);
	raw->timestamp_ns = nla_get_u64(a[EYRIE_GENL_A_TIMESTAMP_NS]);
	for (unsigned int d = 0; d < ACCEL_ENERGY_DOMAINS; d++)
		if (a[EYRIE_GENL_A_ENERGY_DRAM_FJ + d])
			raw->energy_fj[d] = nla_get_u64(a[EYRIE_GENL_A_ENERGY_DRAM_FJ + d]);
#define U32(attr, field) if (a[attr]) raw->field = nla_get_u32(a[attr])
#define U64(attr, field) if (a[attr]) raw->field = nla_get_u64(a[attr])
	U32(EYRIE_GENL_A_POWER_MW, power_mw);
	U32(EYRIE_GENL_A_UTIL_PERMILLE, util_permille);
	U32(EYRIE_GENL_A_CLOCK_KHZ, clock_khz);
	U32(EYRIE_GENL_A_FLAGS, flags);
	U32(EYRIE_GENL_A_THROTTLE_EVENTS, throttle_events);
	U64(EYRIE_GENL_A_BUSY_NS, busy_ns);
	U64(EYRIE_GENL_A_CYCLES, cycles);
	U64(EYRIE_GENL_A_JOBS_COMPLETED, jobs_completed);
#undef U32
#undef U64
	if (a[EYRIE_GENL_A_TEMP_MC])
		raw->temp_mc = (int32_t)nla_get_u32(a[EYRIE_GENL_A_TEMP_MC]);
	return 1;
}

static void on_event(struct kmd_stream *st, struct nlmsghdr *nlh)
{
	struct accel_telemetry_event e;

	if (!eyr_telem_kmd_parse_event(nlh, st->device, &e))
		return;
	e.timestamp_ns = st->have_prev ? st->prev_ts_ns : 0;
	if (eyr_telem_sub_event(st->sub, &e))
		st->done = true;
}

/* The median of the recorded steps, 0 before any. */
static uint64_t driver_period_ns(const struct kmd_stream *st)
{
	uint64_t sorted[PERIOD_WINDOW];
	unsigned int n = st->nsteps < PERIOD_WINDOW ? st->nsteps : PERIOD_WINDOW;

	if (!n)
		return 0;
	memcpy(sorted, st->steps, n * sizeof(sorted[0]));
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && sorted[j - 1] > sorted[j]; j--) {
			uint64_t x = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = x;
		}
	return sorted[n / 2];
}

static int on_message(struct nl_msg *msg, void *arg)
{
	struct kmd_stream *st = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct accel_telemetry raw;
	struct accel_telemetry_sample s = { .sz = sizeof(s) };
	uint64_t seq, period;

	if (st->done)
		return NL_OK;
	if (!eyr_telem_kmd_parse(nlh, st->device, &raw)) {
		on_event(st, nlh);
		return NL_OK;
	}
	seq = eyr_telem_kmd_sample_seq(nlh);
	/* The driver's period as the stream shows it (it may change). */
	if (st->have_prev && seq > st->prev_seq && raw.timestamp_ns > st->prev_ts_ns)
		st->steps[st->nsteps++ % PERIOD_WINDOW] =
			(raw.timestamp_ns - st->prev_ts_ns) / (seq - st->prev_seq);
	st->have_prev = true;
	st->prev_seq = seq;
	st->prev_ts_ns = raw.timestamp_ns;
	/*
	 * The driver's own period when it says so: device time per tick
	 * stalls and drifts under load and would pass for a faster driver.
	 */
	period = (uint64_t)eyr_telem_kmd_sample_period_us(nlh) * 1000u;
	if (!period)
		period = driver_period_ns(st);
	raw.sample_period_us = (uint32_t)((period ? period :
					  eyr_telem_sub_interval_ns(st->sub)) / 1000u);
	if (accel_telemetry_sample_from_raw(&raw, &s) == 0 &&
	    eyr_telem_sub_offer_numbered(st->sub, &s, seq, period))
		st->done = true;
	return NL_OK;
}

static int kmd_open(struct accel_telemetry_sub *sub, void **state)
{
	struct accel_device *dev = eyr_telem_sub_device(sub);
	struct kmd_stream *st;
	int grp, err;

	st = calloc(1, sizeof(*st));
	if (!st)
		return eyr_error(-ENOMEM, "telemetry: out of memory");
	st->sub = sub;
	if (device_number(accel_device_name(dev), &st->device)) {
		free(st);
		return eyr_error(-EINVAL, "telemetry: '%s' is not a /dev/accel/accelN node",
				 accel_device_name(dev));
	}
	st->sk = nl_socket_alloc();
	if (!st->sk) {
		free(st);
		return eyr_error(-ENOMEM, "telemetry: out of memory for a netlink socket");
	}
	err = genl_connect(st->sk);
	if (err < 0) {
		err = nl_fail(err, -EIO, "cannot open a generic netlink socket");
		goto fail;
	}
	st->family = genl_ctrl_resolve(st->sk, EYRIE_GENL_NAME);
	grp = genl_ctrl_resolve_grp(st->sk, EYRIE_GENL_NAME, EYRIE_GENL_MCGRP_TELEMETRY);
	if (st->family < 0 || grp < 0) {
		/* An older driver: the caller may poll one-shot reads instead. */
		err = eyr_error(-EOPNOTSUPP,
				"telemetry: the kernel has no generic netlink family '%s' with a '%s' group (an eyrie driver without streaming telemetry?); poll accel_telemetry_sample_read() instead",
				EYRIE_GENL_NAME, EYRIE_GENL_MCGRP_TELEMETRY);
		goto fail;
	}
	/*
	 * Ask first (the ack is the next message), then listen. We ask for
	 * the interval itself, so that every sample the driver takes for us
	 * is delivered and its SEQ runs without a gap; the driver's timer
	 * jitter is absorbed by the half-period tolerance of the offer.
	 */
	err = send_subscribe(st, (uint32_t)(eyr_telem_sub_interval_ns(sub) / 1000u));
	if (err)
		goto fail;
	nl_socket_disable_seq_check(st->sk);
	nl_socket_modify_cb(st->sk, NL_CB_VALID, NL_CB_CUSTOM, on_message, st);
	err = nl_socket_add_membership(st->sk, grp);
	if (err < 0) {
		err = nl_fail(err, -EIO, "cannot join the eyrie telemetry group");
		goto fail;
	}
	*state = st;
	return 0;
fail:
	nl_socket_free(st->sk);
	free(st);
	return err;
}

static int kmd_run(struct accel_telemetry_sub *sub, void *state)
{
	struct kmd_stream *st = state;
	struct pollfd pfd = { .fd = nl_socket_get_fd(st->sk), .events = POLLIN };

	while (!st->done && !eyr_telem_sub_should_stop(sub)) {
		int r = poll(&pfd, 1, KMD_POLL_MS);
		int err;

		if (r < 0 && errno != EINTR)
			return eyr_error(-errno, "telemetry: poll on the netlink socket: %s",
					 strerror(errno));
		if (r <= 0)
			continue;
		err = nl_recvmsgs_default(st->sk);
		/* Overruns drop samples: the driver's SEQ shows the gap. */
		if (err < 0 && err != -NLE_NOMEM && err != -NLE_AGAIN)
			return nl_fail(err, -EIO, "receiving telemetry from the eyrie driver");
	}
	return 0;
}

static void kmd_close(struct accel_telemetry_sub *sub, void *state)
{
	struct kmd_stream *st = state;

	(void)sub;
	/* Closing the socket ends the driver's subscription. */
	nl_socket_free(st->sk);
	free(st);
}

const struct eyr_telem_source eyr_telem_source_kmd = {
	.shim = "kmd",
	.open = kmd_open,
	.run = kmd_run,
	.close = kmd_close,
};
