/* SPDX-License-Identifier: MIT */
#ifndef EYRIE_UAPI_STANDALONE_H
#define EYRIE_UAPI_STANDALONE_H

/* sizeof(struct drm_eyrie_wait) as seen by a file that includes only the uAPI. */
unsigned long eyrie_uapi_standalone_wait_size(void);

#endif
