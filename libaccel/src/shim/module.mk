# libaccel shims: discovery and the emu implementation (the kmd one joins
# here as kmd.c when it is built; discovery finds it by its weak symbol).
LIBACCEL_SRCS += $(addprefix libaccel/src/shim/, clock.c discover.c emu.c)
