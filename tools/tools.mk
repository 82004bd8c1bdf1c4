# tools/: accelctl and helper scripts.
#
# accelctl's subcommands live in tools/accelctl/cmd_*.c; each owner's
# tools/accelctl/*.mk appends to ACCELCTL_SRCS (and ACCELCTL_LIBS if a
# command needs a system library). accelctl links libaccel's shared library
# (only the public accel_* API is visible) with an rpath into build/lib.
ACCELCTL_SRCS :=
ACCELCTL_LIBS :=
include $(sort $(wildcard tools/accelctl/*.mk))
# Other tools with their own fragment (tools/NAME/NAME.mk).
include $(sort $(wildcard tools/modelgen/*.mk))

ACCELCTL := $(B)/bin/accelctl
ACCELCTL_OBJS := $(ACCELCTL_SRCS:%.c=$(B)/%.o)
$(ACCELCTL_OBJS): CPPFLAGS_EXTRA += -Ilibaccel/include -Itools/accelctl

$(ACCELCTL): $(ACCELCTL_OBJS) $(LIBACCEL_SO)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_COMMON) -o $@ $(ACCELCTL_OBJS) -L$(B)/lib -laccel \
		-Wl,-rpath,'$$ORIGIN/../lib' $(ACCELCTL_LIBS) -lm

ALL_TARGETS += $(ACCELCTL)
