# accelctl inspect: node placement and MACs before running (docs/accelctl.md).
ACCELCTL_SRCS += tools/accelctl/cmd_inspect.c
CHECK_SUITES += accelctl-inspect:tests/cli/test_inspect.sh~$(B)/bin/accelctl~$(B)/models
