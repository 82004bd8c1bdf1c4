# HIL case: `sensors` (lm-sensors) shows the board through the driver's hwmon.
# The harness runs every $(B)/tests/hil/bin/hil_* in the VM, copies
# $(B)/tests/hil/helpers/* (with their libraries) to /hil/bin and
# $(B)/tests/hil/data/* to /hil/data.
HIL_SENSORS := $(B)/tests/hil/bin/hil_sensors $(B)/tests/hil/helpers/sensors \
	$(B)/tests/hil/data/sensors3.conf
$(B)/tests/hil/bin/hil_sensors: tests/hil/sensors/hil_sensors.sh
	@mkdir -p $(dir $@)
	install -m 755 $< $@
$(B)/tests/hil/helpers/sensors: /usr/bin/sensors
	@mkdir -p $(dir $@)
	install -m 755 $< $@
$(B)/tests/hil/data/sensors3.conf: /etc/sensors3.conf
	@mkdir -p $(dir $@)
	install -m 644 $< $@
ALL_TARGETS += $(HIL_SENSORS)
