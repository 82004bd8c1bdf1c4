# accelctl: the framework and the core commands. Other commands add their
# own tools/accelctl/NAME.mk appending to ACCELCTL_SRCS (link rule: tools.mk).
ACCELCTL_SRCS += $(addprefix tools/accelctl/, \
	main.c common.c json.c cmd_list.c cmd_info.c cmd_validate.c)

# The CLI contract (usage errors, exit codes, --json parses): tests/cli/.
CHECK_SUITES += accelctl-cli:tests/cli/test_usage.sh~$(B)/bin/accelctl
