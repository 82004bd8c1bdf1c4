# tools/: accelctl and helper scripts.
#
# accelctl's subcommands live in tools/accelctl/cmd_*.c; each owner's
# tools/accelctl/*.mk appends to ACCELCTL_SRCS.
ACCELCTL_SRCS :=
include $(sort $(wildcard tools/accelctl/*.mk))
