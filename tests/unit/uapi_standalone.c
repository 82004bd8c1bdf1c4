// SPDX-License-Identifier: MIT
/*
 * The driver's user header stands alone (docs/uapi.md): it compiles on its
 * own and does not pull in the hardware contract, uapi/eyrie_hw.h.
 */
#include "drm/eyrie_accel.h"

#ifdef EYRIE_HW_H
#error "drm/eyrie_accel.h includes eyrie_hw.h: the hardware contract is not user uAPI"
#endif

#include "uapi_standalone.h"

unsigned long eyrie_uapi_standalone_wait_size(void)
{
	return sizeof(struct drm_eyrie_wait);
}
