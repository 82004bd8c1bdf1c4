/* SPDX-License-Identifier: MIT */
/*
 * Kernel log checks for the HIL test programs: write a marker line to
 * /dev/kmsg before a risky step, then count the lines after it that name a
 * kernel problem (WARN, BUG, oops, call trace, "not clean").
 */
#ifndef EYRIE_HIL_KLOG_H
#define EYRIE_HIL_KLOG_H

#include <stddef.h>

/*
 * Writes marker to /dev/kmsg. The marker must end in a newline: the kernel
 * keeps a line without one open for continuation, invisible to readers.
 */
void hil_klog_mark(const char *marker);

/*
 * Kernel log lines after the marker, that name a problem (each printed as
 * a "# kernel: " diagnostic); -1 when the marker is not in the log.
 */
int hil_klog_problems_since(const char *marker);

/*
 * Copies into line (len bytes) the first kernel log line after the marker
 * that contains needle: 1 when found, 0 when not, -1 when the marker is
 * not in the log.
 */
int hil_klog_find_since(const char *marker, const char *needle, char *line, size_t len);

#endif /* EYRIE_HIL_KLOG_H */
