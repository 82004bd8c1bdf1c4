# accelctl profile (NetAdapt look-up tables, docs/accelctl.md): the command,
# the LUT file format and the model's conv/FC layers as specs.
ACCELCTL_SRCS += $(addprefix tools/accelctl/, cmd_profile.c lut.c model_layers.c)
include tests/unit/netadapt/netadapt.mk
CHECK_SUITES += accelctl-profile:tests/cli/test_profile.sh~$(ACCELCTL)~$(MODEL_DIR)
