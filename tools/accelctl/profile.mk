# accelctl profile (NetAdapt look-up tables, docs/accelctl.md): the command,
# the LUT file format and the model's conv/FC layers as specs.
ACCELCTL_SRCS += $(addprefix tools/accelctl/, cmd_profile.c lut.c errbuf.c model_layers.c)
include tests/unit/netadapt/netadapt.mk
# (ACCELCTL and MODEL_DIR are defined after this fragment: spelled out)
CHECK_SUITES += accelctl-profile:tests/cli/test_profile.sh~$(B)/bin/accelctl~$(B)/models
