# libaccel/src/sched: the tile scheduler (docs/scheduler.md).
SCHED_SRCS := $(wildcard libaccel/src/sched/*.c)
LIBACCEL_SRCS += $(SCHED_SRCS)
