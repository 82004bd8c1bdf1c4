# libaccel core: errors, logging, devices, buffers, command buffers, jobs,
# telemetry (see docs/libaccel.md).
LIBACCEL_SRCS += $(addprefix libaccel/src/core/, \
	error.c log.c version.c device.c buffer.c cmdbuf.c describe.c job.c)
