// SPDX-License-Identifier: GPL-2.0-only
/*
 * Eyrie accelerator: hwmon, so lm-sensors shows the board.
 *
 * power1_input is the device's power over its last sample period and
 * temp1_input the die temperature of the RC model, both as the copy the
 * unprivileged get (refreshed at most once per unpriv_period_us, the same
 * for every reader). power1_average is the mean over the last whole
 * averaging window (power1_average_interval, device time, at least a
 * second and never shorter than unpriv_period_us; energy delta / time
 * delta), the same for every reader whenever it reads: a mean over a
 * window the reader picks would be the fine-grained energy reading that
 * energy1_input keeps from the unprivileged. energy1_input is the
 * cumulative energy of all domains, readable by root only: fine-grained
 * energy is a side channel (the RAPL precedent, CVE-2020-8694); chgrp/chmod
 * of the sysfs file grants it to a group. temp1_crit is the die's critical
 * point.
 */
#include <linux/hwmon.h>
#include <linux/math64.h>

#include <drm/drm_drv.h>

#include "eyrie_drv.h"

static u64 eyrie_energy_total(const struct eyrie_hw_telemetry *t)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < EYRIE_ENERGY_DOMAINS; i++)
		sum += t->energy_fj[i];
	return sum;
}

/* The averaging window of power1_average, ns of device time. */
static u64 eyrie_hwmon_window_ns(void)
{
	return max_t(u64, NSEC_PER_SEC, (u64)READ_ONCE(eyrie_unpriv_period_us) * NSEC_PER_USEC);
}

/*
 * Mean power over the last whole window (fJ per ns is microwatts): a read
 * that finds the current window over closes it and starts the next; any
 * read returns the mean of the last closed one.
 */
static long eyrie_hwmon_average_uw(struct eyrie_device *edev, const struct eyrie_hw_telemetry *t)
{
	u64 energy = eyrie_energy_total(t);
	long uw;

	mutex_lock(&edev->hwmon_lock);
	if (t->timestamp_ns < edev->hwmon_avg_ns || energy < edev->hwmon_avg_fj) {
		/*
		 * The device was reset: its clock and energy counters started
		 * again from zero. The window starts again from here (a window
		 * measured from the old start would never close).
		 */
		edev->hwmon_avg_fj = energy;
		edev->hwmon_avg_ns = t->timestamp_ns;
	} else if (t->timestamp_ns - edev->hwmon_avg_ns >= eyrie_hwmon_window_ns()) {
		edev->hwmon_avg_uw = (long)div64_u64(energy - edev->hwmon_avg_fj,
						     t->timestamp_ns - edev->hwmon_avg_ns);
		edev->hwmon_avg_fj = energy;
		edev->hwmon_avg_ns = t->timestamp_ns;
	}
	uw = edev->hwmon_avg_uw;
	mutex_unlock(&edev->hwmon_lock);
	return uw;
}

static umode_t eyrie_hwmon_visible(const void *data, enum hwmon_sensor_types type,
				   u32 attr, int channel)
{
	switch (type) {
	case hwmon_power:
		return attr == hwmon_power_input || attr == hwmon_power_average ||
		       attr == hwmon_power_average_interval ||
		       attr == hwmon_power_label ? 0444 : 0;
	case hwmon_energy:
		if (attr == hwmon_energy_input)
			return 0400;
		return attr == hwmon_energy_label ? 0444 : 0;
	case hwmon_temp:
		return attr == hwmon_temp_input || attr == hwmon_temp_crit ||
		       attr == hwmon_temp_label ? 0444 : 0;
	default:
		return 0;
	}
}

static int eyrie_hwmon_read(struct device *dev, enum hwmon_sensor_types type, u32 attr,
			    int channel, long *val)
{
	struct eyrie_device *edev = dev_get_drvdata(dev);
	struct eyrie_hw_telemetry t;
	int ret, idx;

	if (type == hwmon_temp && attr == hwmon_temp_crit) {
		*val = edev->desc.crit_mc;
		return 0;
	}
	if (type == hwmon_power && attr == hwmon_power_average_interval) {
		*val = (long)div_u64(eyrie_hwmon_window_ns(), NSEC_PER_MSEC);
		return 0;
	}
	if (!drm_dev_enter(&edev->drm, &idx))
		return -ENODEV;
	/*
	 * power1_input and temp1_input are 0444: every reader gets them at the
	 * unprivileged grain (the copy refreshed once per unpriv_period_us).
	 * Live, polled, they were the fine-grained power trace that every other
	 * path keeps from the unprivileged.
	 */
	if (type == hwmon_temp || (type == hwmon_power && attr == hwmon_power_input))
		ret = eyrie_read_telemetry_for(edev, false, &t);
	else
		ret = eyrie_read_telemetry(edev, &t);
	drm_dev_exit(idx);
	if (ret)
		return ret;

	switch (type) {
	case hwmon_power:
		if (attr == hwmon_power_input) {
			*val = (long)t.power_mw * 1000;	/* microwatts */
			return 0;
		}
		*val = eyrie_hwmon_average_uw(edev, &t);
		return 0;
	case hwmon_energy:
		*val = (long)div_u64(eyrie_energy_total(&t), 1000000000);	/* microjoules */
		return 0;
	case hwmon_temp:
		*val = t.temp_mc;
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static int eyrie_hwmon_read_string(struct device *dev, enum hwmon_sensor_types type,
				   u32 attr, int channel, const char **str)
{
	switch (type) {
	case hwmon_power:
		*str = "board";
		return 0;
	case hwmon_energy:
		*str = "board";
		return 0;
	case hwmon_temp:
		*str = "die";
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static const struct hwmon_channel_info * const eyrie_hwmon_info[] = {
	HWMON_CHANNEL_INFO(power, HWMON_P_INPUT | HWMON_P_AVERAGE | HWMON_P_AVERAGE_INTERVAL |
			   HWMON_P_LABEL),
	HWMON_CHANNEL_INFO(energy, HWMON_E_INPUT | HWMON_E_LABEL),
	HWMON_CHANNEL_INFO(temp, HWMON_T_INPUT | HWMON_T_CRIT | HWMON_T_LABEL),
	NULL
};

static const struct hwmon_ops eyrie_hwmon_ops = {
	.is_visible = eyrie_hwmon_visible,
	.read = eyrie_hwmon_read,
	.read_string = eyrie_hwmon_read_string,
};

static const struct hwmon_chip_info eyrie_hwmon_chip = {
	.ops = &eyrie_hwmon_ops,
	.info = eyrie_hwmon_info,
};

int eyrie_hwmon_init(struct eyrie_device *edev)
{
	struct eyrie_hw_telemetry t;
	struct device *hwmon;

	mutex_init(&edev->hwmon_lock);
	if (!eyrie_read_telemetry(edev, &t)) {
		edev->hwmon_avg_fj = eyrie_energy_total(&t);
		edev->hwmon_avg_ns = t.timestamp_ns;
		/* Until the first window closes: the board's idle draw. */
		edev->hwmon_avg_uw = (long)edev->desc.static_mw * 1000;
	}

	hwmon = devm_hwmon_device_register_with_info(edev->drm.dev, EYRIE_DRIVER_NAME, edev,
						     &eyrie_hwmon_chip, NULL);
	if (IS_ERR(hwmon))
		return PTR_ERR(hwmon);
	edev->hwmon = hwmon;
	return 0;
}
