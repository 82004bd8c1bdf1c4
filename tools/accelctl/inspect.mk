# accelctl inspect: node placement and MACs before running (docs/accelctl.md).
ACCELCTL_SRCS += tools/accelctl/cmd_inspect.c
CHECK_SUITES += accelctl-inspect:tests/cli/test_inspect.sh~$(B)/bin/accelctl~$(B)/models~$(B)/corpus

# make models-table: the table of docs/models.md "Share of MACs on the
# device" (every generated network and corpus graph), from accelctl inspect.
.PHONY: models-table
models-table: $(B)/bin/accelctl $(B)/corpus/.stamp
	@tools/model-share.sh $(B)/bin/accelctl $(B)/models $(B)/corpus
