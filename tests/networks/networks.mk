# Generated networks end to end on emu: reduced resolution in make check,
# full size in make check-full.
CHECK_SUITES += networks:tests/networks/run-networks.sh~$(MODEL_DIR)~$(ACCELCTL)~$(MODELGEN)
FULL_SUITES += networks-full:tests/networks/run-networks.sh~--full~$(MODEL_DIR)~$(ACCELCTL)~$(MODELGEN)
