// SPDX-License-Identifier: MIT
/*
 * Telemetry subscriptions: a library thread per subscription delivers one
 * sample per interval of device time, and the device's events, in the
 * order it gets them. Samples carry a sequence number that advances by
 * one per sample (kmd: the driver's own numbering), so that a consumer
 * sees a lost sample as a gap rather than guessing from wall-clock jitter;
 * the interval slot of device time a sample stands for is a separate field.
 *
 * Where the samples come from depends on the shim (see sources[] below).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accel/telemetry.h"
#include "core/internal.h"
#include "telemetry/source.h"

/* The ways of getting samples, by shim. */
static const struct eyr_telem_source *const sources[] = {
	&eyr_telem_source_emu,
	&eyr_telem_source_kmd,
};

struct accel_telemetry_sub {
	struct accel_device *dev;
	const struct eyr_telem_source *source;
	void *source_state;
	uint64_t interval_ns;
	accel_telemetry_fn fn;
	void *ctx;
	uint64_t max_samples;

	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;		/* stop requested, or thread ended */
	bool stop;
	bool ended;
	int end_err;
	char end_msg[512];		/* the thread's message when end_err */
	uint64_t delivered;
	uint64_t dropped;
	uint64_t events;
	uint64_t taken;			/* samples picked (thread only) */
	/* The first sample's device time: slot k starts at t0 + k * interval. */
	uint64_t t0_ns;
	uint64_t next_slot;		/* emu: the slot expected next */
	uint64_t last_ts_ns;		/* the last delivered sample's time */
	struct eyr_telem_numbering numbering;	/* kmd: the driver's numbering */
	accel_telemetry_event_fn event_fn;
};

static const struct eyr_telem_source *source_for(struct accel_device *dev)
{
	const char *shim = accel_device_shim(dev);

	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (shim && strcmp(sources[i]->shim, shim) == 0)
			return sources[i];
	return NULL;
}

bool eyr_telem_sub_should_stop(struct accel_telemetry_sub *sub)
{
	bool stop;

	pthread_mutex_lock(&sub->lock);
	stop = sub->stop;
	pthread_mutex_unlock(&sub->lock);
	return stop;
}

bool eyr_telem_sub_sleep(struct accel_telemetry_sub *sub, uint64_t ns)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)(ns / 1000000000u);
	until.tv_nsec += (long)(ns % 1000000000u);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&sub->lock);
	while (!sub->stop &&
	       pthread_cond_timedwait(&sub->cond, &sub->lock, &until) != ETIMEDOUT)
		;
	stop = sub->stop;
	pthread_mutex_unlock(&sub->lock);
	return !stop;
}

uint64_t eyr_telem_sub_interval_ns(const struct accel_telemetry_sub *sub)
{
	return sub->interval_ns;
}

struct accel_device *eyr_telem_sub_device(const struct accel_telemetry_sub *sub)
{
	return sub->dev;
}

/* Calls the user's callback and counts; 1 when the subscription is done. */
static int deliver(struct accel_telemetry_sub *sub,
		   struct accel_telemetry_sample *s, uint64_t dropped)
{
	int ret = 0;

	sub->taken++;
	if (!sub->fn)
		return 0;	/* events only: no sample callback */
	ret = sub->fn(s, sub->ctx);
	pthread_mutex_lock(&sub->lock);
	sub->dropped += dropped;
	sub->delivered++;
	pthread_mutex_unlock(&sub->lock);
	if (ret == ACCEL_TELEMETRY_STOP ||
	    (sub->max_samples && sub->delivered >= sub->max_samples))
		return 1;
	return 0;
}

/* The slot of device time nearest to ts (t0 = the first sample's time). */
static uint64_t slot_of(const struct accel_telemetry_sub *sub, uint64_t ts)
{
	if (ts <= sub->t0_ns)
		return 0;
	return (ts - sub->t0_ns + sub->interval_ns / 2) / sub->interval_ns;
}

int eyr_telem_sub_offer(struct accel_telemetry_sub *sub,
			struct accel_telemetry_sample *s)
{
	uint64_t slot, skipped;

	/* First, or the device's time went back (it restarted): new origin. */
	if (sub->taken == 0 || s->timestamp_ns < sub->last_ts_ns) {
		sub->t0_ns = s->timestamp_ns;
		sub->next_slot = 0;
		slot = 0;
	} else {
		if (s->timestamp_ns < sub->t0_ns + sub->next_slot * sub->interval_ns)
			return 0;	/* still inside the current slot */
		slot = (s->timestamp_ns - sub->t0_ns) / sub->interval_ns;
	}
	sub->last_ts_ns = s->timestamp_ns;
	s->seq = sub->taken;
	s->slot = slot;
	/* Slots that went by unseen (the thread was not scheduled in time). */
	skipped = slot - sub->next_slot;
	sub->next_slot = slot + 1;
	return deliver(sub, s, skipped);
}

int eyr_telem_numbered_pick(struct eyr_telem_numbering *n, uint64_t interval_ns,
			    uint64_t seq, uint64_t ts_ns, uint64_t period_ns, uint64_t *lost)
{
	/*
	 * The driver ticks for another subscriber between our samples: at
	 * this sample's period or the last one's (the first sample after a
	 * fast subscriber left comes at the slow period, but the ticks
	 * since the last one were fast, and unicast).
	 */
	uint64_t fastest = n->have_seq && n->last_period_ns &&
			   (!period_ns || n->last_period_ns < period_ns) ?
			   n->last_period_ns : period_ns;
	bool faster = fastest && fastest * 4 < interval_ns * 3;
	uint64_t gap = 0;

	*lost = 0;
	/*
	 * A gap is a loss at our own period; when the driver ticks faster,
	 * the ticks in between may never have been multicast (a privileged
	 * subscriber gets them unicast), so gaps are not counted then.
	 */
	if (n->have_seq && seq > n->last_seq + 1 && !faster)
		gap = seq - n->last_seq - 1;
	if (n->have_seq && seq == n->last_seq)
		return 0;	/* a duplicate */
	n->have_seq = true;
	n->last_seq = seq;
	n->last_period_ns = period_ns;
	/*
	 * First, a lower number (the driver's device came back: rebind) or
	 * the device's time went back: start afresh from this sample.
	 */
	if (!n->have_picked || seq < n->picked_seq || ts_ns < n->picked_ts_ns) {
		n->pending_lost = 0;
	} else if (faster &&
		   ts_ns + period_ns / 2 < n->picked_ts_ns + interval_ns &&
		   (seq - n->picked_seq) * period_ns + period_ns / 2 < interval_ns) {
		/*
		 * The driver samples clearly faster than we asked (for another
		 * subscriber): keep one per interval. An interval has passed
		 * when either clock says so: device time stalls and drifts
		 * against the driver's ticks under load, and ticks the timer
		 * skipped when it fired late are not numbered. At our own
		 * period every sample is ours, whatever either clock did.
		 */
		n->pending_lost += gap;
		return 0;
	}
	n->have_picked = true;
	n->picked_seq = seq;
	n->picked_ts_ns = ts_ns;
	*lost = gap + n->pending_lost;
	n->pending_lost = 0;
	return 1;
}

int eyr_telem_sub_offer_numbered(struct accel_telemetry_sub *sub,
				 struct accel_telemetry_sample *s, uint64_t seq,
				 uint64_t period_ns)
{
	uint64_t lost;

	if (!eyr_telem_numbered_pick(&sub->numbering, sub->interval_ns, seq, s->timestamp_ns,
				     period_ns, &lost))
		return 0;
	if (sub->taken == 0 || s->timestamp_ns < sub->last_ts_ns)
		sub->t0_ns = s->timestamp_ns;	/* new origin of the slots */
	sub->last_ts_ns = s->timestamp_ns;
	s->seq = seq;
	s->slot = slot_of(sub, s->timestamp_ns);
	return deliver(sub, s, lost);
}

int eyr_telem_sub_event(struct accel_telemetry_sub *sub,
			const struct accel_telemetry_event *e)
{
	int ret;

	if (!sub->event_fn)
		return 0;
	ret = sub->event_fn(e, sub->ctx);
	pthread_mutex_lock(&sub->lock);
	sub->events++;
	pthread_mutex_unlock(&sub->lock);
	return ret == ACCEL_TELEMETRY_STOP;
}

const char *accel_telemetry_event_name(uint32_t kind)
{
	switch (kind) {
	case ACCEL_TELEM_EVENT_JOB_HANG:
		return "job_hang";
	case ACCEL_TELEM_EVENT_RESET:
		return "reset";
	case ACCEL_TELEM_EVENT_THROTTLE:
		return "throttle";
	case ACCEL_TELEM_EVENT_MMU_FAULT:
		return "mmu_fault";
	default:
		return "unknown";
	}
}

static void *sub_thread(void *arg)
{
	struct accel_telemetry_sub *sub = arg;
	int err = sub->source->run(sub, sub->source_state);

	pthread_mutex_lock(&sub->lock);
	sub->ended = true;
	sub->end_err = err;
	/* Messages are per thread: keep it for the thread that waits. */
	if (err)
		snprintf(sub->end_msg, sizeof(sub->end_msg), "%s", accel_last_error());
	pthread_cond_broadcast(&sub->cond);
	pthread_mutex_unlock(&sub->lock);
	return NULL;
}

int accel_telemetry_subscribe(struct accel_device *dev,
			      const struct accel_telemetry_sub_opts *opts,
			      struct accel_telemetry_sub **out)
{
	const struct eyr_telem_source *source;
	struct accel_telemetry_sub *sub;
	uint32_t interval_us;
	int err;

	if (!out)
		return eyr_error(-EINVAL, "telemetry: out pointer is NULL");
	*out = NULL;
	if (!dev)
		return eyr_error(-EINVAL, "telemetry: device handle is NULL");
	if (!opts)
		return eyr_error(-EINVAL,
				 "telemetry: subscribing needs options (interval_us and fn)");
	err = EYR_OPTS_CHECK(opts, accel_telemetry_sub_opts);
	if (err)
		return err;
	interval_us = EYR_OPTS_GET(opts, interval_us, 0);
	if (interval_us < ACCEL_TELEMETRY_MIN_INTERVAL_US ||
	    interval_us > ACCEL_TELEMETRY_MAX_INTERVAL_US)
		return eyr_error(-EINVAL,
				 "telemetry: interval %u us is out of range; ask for %u us (1 kHz) to %u us (1 h)",
				 interval_us, ACCEL_TELEMETRY_MIN_INTERVAL_US,
				 ACCEL_TELEMETRY_MAX_INTERVAL_US);
	if (!EYR_OPTS_GET(opts, fn, NULL) && !EYR_OPTS_GET(opts, event_fn, NULL))
		return eyr_error(-EINVAL,
				 "telemetry: subscription callbacks fn and event_fn are both NULL; set fn for samples, event_fn for events");
	source = source_for(dev);
	if (!source)
		return eyr_error(-EOPNOTSUPP,
				 "telemetry: no streaming for %s (%s shim); poll accel_telemetry_sample_read() instead",
				 accel_device_name(dev), accel_device_shim(dev));

	sub = calloc(1, sizeof(*sub));
	if (!sub)
		return eyr_error(-ENOMEM, "telemetry: out of memory for a subscription");
	sub->dev = dev;
	sub->source = source;
	sub->interval_ns = (uint64_t)interval_us * 1000u;
	sub->fn = EYR_OPTS_GET(opts, fn, NULL);
	sub->event_fn = EYR_OPTS_GET(opts, event_fn, NULL);
	sub->ctx = EYR_OPTS_GET(opts, ctx, NULL);
	sub->max_samples = EYR_OPTS_GET(opts, max_samples, 0);
	pthread_mutex_init(&sub->lock, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&sub->cond, &ca);
		pthread_condattr_destroy(&ca);
	}
	err = source->open(sub, &sub->source_state);
	if (err)
		goto fail;
	err = pthread_create(&sub->thread, NULL, sub_thread, sub);
	if (err) {
		source->close(sub, sub->source_state);
		err = eyr_error(-err, "telemetry: cannot start the subscription thread: %s",
				strerror(err));
		goto fail;
	}
	*out = sub;
	return 0;
fail:
	pthread_cond_destroy(&sub->cond);
	pthread_mutex_destroy(&sub->lock);
	free(sub);
	return err;
}

int accel_telemetry_sub_wait(struct accel_telemetry_sub *sub, int timeout_ms)
{
	struct timespec until;
	int err = 0;

	if (!sub)
		return eyr_error(-EINVAL, "telemetry: subscription is NULL");
	clock_gettime(CLOCK_MONOTONIC, &until);
	if (timeout_ms > 0) {
		until.tv_sec += timeout_ms / 1000;
		until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&sub->lock);
	while (!sub->ended && err != ETIMEDOUT) {
		if (timeout_ms < 0)
			pthread_cond_wait(&sub->cond, &sub->lock);
		else
			err = pthread_cond_timedwait(&sub->cond, &sub->lock, &until);
	}
	if (sub->ended) {
		err = sub->end_err;
		if (err)
			eyr_error(err, "telemetry: the subscription ended: %s", sub->end_msg);
	} else
		err = eyr_error(-ETIMEDOUT,
				"telemetry: the subscription is still running after %d ms",
				timeout_ms);
	pthread_mutex_unlock(&sub->lock);
	return err;
}

int accel_telemetry_sub_stats(struct accel_telemetry_sub *sub,
			      struct accel_telemetry_sub_stats *st)
{
	struct accel_telemetry_sub_stats full = { .sz = sizeof(full) };
	int err;

	if (!sub)
		return eyr_error(-EINVAL, "telemetry: subscription is NULL");
	err = eyr_out_check(st, st ? st->sz : 0, "accel_telemetry_sub_stats");
	if (err)
		return err;
	pthread_mutex_lock(&sub->lock);
	full.delivered = sub->delivered;
	full.dropped = sub->dropped;
	full.events = sub->events;
	pthread_mutex_unlock(&sub->lock);
	eyr_out_copy(st, st->sz, &full, sizeof(full));
	return 0;
}

void accel_telemetry_unsubscribe(struct accel_telemetry_sub *sub)
{
	if (!sub)
		return;
	pthread_mutex_lock(&sub->lock);
	sub->stop = true;
	pthread_cond_broadcast(&sub->cond);
	pthread_mutex_unlock(&sub->lock);
	pthread_join(sub->thread, NULL);
	sub->source->close(sub, sub->source_state);
	pthread_cond_destroy(&sub->cond);
	pthread_mutex_destroy(&sub->lock);
	free(sub);
}
