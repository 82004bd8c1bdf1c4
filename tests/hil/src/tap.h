/* SPDX-License-Identifier: MIT */
/*
 * Minimal TAP output for the HIL test programs (they run inside a busybox
 * initramfs, so no cmocka there): numbered "ok"/"not ok" lines, "# SKIP"
 * for what cannot run, diagnostics as "# " lines, the plan at the end.
 */
#ifndef EYRIE_HIL_TAP_H
#define EYRIE_HIL_TAP_H

#include <stdbool.h>

/* Reports one test; returns cond so callers can stop a dependent chain. */
__attribute__((format(printf, 2, 3)))
bool tap_ok(bool cond, const char *fmt, ...);

__attribute__((format(printf, 2, 3)))
void tap_skip(const char *reason, const char *fmt, ...);

__attribute__((format(printf, 1, 2)))
void tap_diag(const char *fmt, ...);

/* Prints the plan; returns the exit status (1 if any test failed). */
int tap_done(void);

/*
 * Checks that a call returning 0 or -errno (the hil_* helpers) failed with
 * exactly want_errno.
 */
#define TAP_ERRNO(call, want_errno, ...) \
	tap_errno_check((call), (want_errno), __VA_ARGS__)

__attribute__((format(printf, 3, 4)))
bool tap_errno_check(int rc, int want_errno, const char *fmt, ...);

#endif /* EYRIE_HIL_TAP_H */
