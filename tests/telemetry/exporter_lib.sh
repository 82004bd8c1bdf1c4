# Starting and stopping `accelctl exporter` for the telemetry scripts
# (sourced; needs $ACCELCTL and $tap_tmp).

# start_exporter NAME ARGS...: starts it on 127.0.0.1:0 (a free port) and
# sets NAME_pid and NAME_port; returns 1 if it did not come up in 20 s.
start_exporter() {
	local name=$1 port="" pid
	shift
	"$ACCELCTL" "$@" exporter --listen 127.0.0.1:0 ${EXPORTER_EXTRA:-} \
		>"$tap_tmp/$name.out" 2>"$tap_tmp/$name.err" &
	pid=$!
	for _ in $(seq 200); do
		port=$(sed -n 's|.*serving http://127\.0\.0\.1:\([0-9]*\)/metrics.*|\1|p' \
			"$tap_tmp/$name.err")
		[ -n "$port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	printf -v "${name}_pid" '%s' "$pid"
	printf -v "${name}_port" '%s' "$port"
	if [ -z "$port" ]; then
		echo "# exporter did not start: $(cat "$tap_tmp/$name.err")"
		return 1
	fi
}

# stop_pid PID: SIGTERM, wait up to 5 s (then SIGKILL); sets stop_rc to
# the exit status. (Not in a subshell: only this shell can wait for it.)
stop_pid() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid"
	stop_rc=$?
}

# metric TEXT NAME LABELS: the value of one sample line, e.g.
#   metric "$text" eyrie_energy_joules_total 'device="emu",domain="static"'
metric() {
	awk -v want="$2{$3}" '$1 == want { print $2 }' <<<"$1"
}
