# libaccel telemetry: samples with derived values, subscriptions
# (see docs/telemetry.md). Tests: tests/telemetry/.
LIBACCEL_SRCS += $(addprefix libaccel/src/telemetry/, \
	sample.c subscribe.c source_emu.c)
