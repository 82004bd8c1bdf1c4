# accelctl commands for boards behind the kernel driver (and emu):
# reset, fw; board lines (PCI identity and link) shared with info.
ACCELCTL_SRCS += $(addprefix tools/accelctl/, cmd_reset.c cmd_fw.c board.c)

# Their command-line tests on emu (tests/unit/kmd/test_cmds.sh).
CHECK_SUITES += accelctl-kmd-cmds:tests/unit/kmd/test_cmds.sh~$(B)/bin/accelctl
