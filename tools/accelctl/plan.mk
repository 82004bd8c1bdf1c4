# accelctl plan (the tile scheduler's command; docs/accelctl.md).
ACCELCTL_SRCS += tools/accelctl/cmd_plan.c
