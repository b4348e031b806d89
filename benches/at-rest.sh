#!/usr/bin/env bash
# What one serial meter costs at rest, the figure a Raspberry Pi owner pays all day: CPU time
# and context switches (wakeups) of the exporter per minute, read from /proc, while a pty
# stands in for the serial port and a writer feeds it a standard-mode frame at the line rate
# of 9600 Bd (about 960 bytes/s), in the small pieces a UART driver delivers (16 bytes).
# Nothing scrapes meanwhile.
#
#   benches/at-rest.sh [SECONDS]      (default 60)
#
# Prints `cpu_s_per_min=… ctx_switches_per_min=…` (voluntary + involuntary, all threads).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-60}
BIN=target/release/teleinfo-exporter
cargo build --release --quiet

work=$(mktemp -d)
cleanup() {
    [[ -n "${exporter:-}" ]] && kill "$exporter" 2>/dev/null || true
    [[ -n "${feeder:-}" ]] && kill "$feeder" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# The feeder opens a pty, prints the slave's name, and writes the frame at 9600 Bd pace.
python3 - "tests/data/synthetic/standard_tri_tempo.tic" "$work/pty" <<'PY' &
import os, pty, sys, time, tty
frame = open(sys.argv[1], "rb").read()
master, slave = pty.openpty()
tty.setraw(slave)
with open(sys.argv[2], "w") as f:
    f.write(os.ttyname(slave))
piece, rate = 16, 960.0  # bytes per write, bytes per second
t = time.monotonic()
while True:
    for i in range(0, len(frame), piece):
        os.write(master, frame[i:i + piece])
        t += piece / rate
        time.sleep(max(0.0, t - time.monotonic()))
PY
feeder=$!
for _ in $(seq 50); do [[ -s "$work/pty" ]] && break; sleep 0.1; done
device=$(cat "$work/pty")

"$BIN" --source "tic=$device@9600" --web.listen-address 127.0.0.1:0 2>"$work/log" &
exporter=$!
sleep 5 # let it open the port and settle

# CPU time in nanoseconds, all threads (schedstat's first field): the clock ticks of
# /proc/PID/stat count in 10 ms steps, too coarse for a process that runs 0.5 ms a second.
cpu_ns() { cat /proc/"$exporter"/task/*/schedstat | awk '{n += $1} END {printf "%.0f", n}'; }
switches() {
    cat /proc/"$exporter"/task/*/status | awk '/ctxt_switches/ {n += $2} END {print n}'
}
t0=$(cpu_ns); s0=$(switches)
sleep "$SECONDS_RUN"
t1=$(cpu_ns); s1=$(switches)
grep -q "source opened" "$work/log" || { cat "$work/log"; echo "the source did not open" >&2; exit 1; }
awk -v dt=$((t1 - t0)) -v ds=$((s1 - s0)) -v secs="$SECONDS_RUN" \
    'BEGIN { printf "cpu_s_per_min=%.4f ctx_switches_per_min=%d\n", dt / 1e9 * 60 / secs, ds * 60 / secs }'
