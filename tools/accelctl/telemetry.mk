# accelctl's telemetry commands: power, top, exporter (docs/telemetry.md).
# Their tests live in tests/telemetry/ (registered there).
ACCELCTL_SRCS += $(addprefix tools/accelctl/, \
	cmd_power.c cmd_top.c cmd_exporter.c \
	telem_common.c telem_load.c telem_prom.c telem_procs.c)
ACCELCTL_LIBS += -lmicrohttpd

include tests/telemetry/telemetry.mk
