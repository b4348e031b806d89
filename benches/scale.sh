#!/usr/bin/env bash
# Scale test: N meters (default 1000) in one exporter, each read over TCP from a local
# simulator that plays one meter per connection at line rate (examples/tic_simulator.rs).
# Reports: meters up, resident memory, exporter CPU over a measuring window, and the time of
# a full scrape (median and max of several).
#
#   benches/scale.sh [METERS] [WINDOW_SECONDS]      (defaults: 1000, 60)
set -euo pipefail
cd "$(dirname "$0")/.."
METERS=${1:-1000}
WINDOW=${2:-60}
SIM_PORT=19950
PORT=19951

cargo build --release --quiet --bin teleinfo-exporter --example tic_simulator
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

target/release/examples/tic_simulator "127.0.0.1:$SIM_PORT" mix 2>/dev/null &
sim=$!
# One --source argument per meter: a comma-separated TELEINFO_SOURCE of 10 000 meters would
# pass the kernel's limit for one environment string (128 KiB).
args=()
for i in $(seq -w 1 "$METERS"); do args+=(--source "m$i=tcp://127.0.0.1:$SIM_PORT"); done
target/release/teleinfo-exporter "${args[@]}" \
    --web.listen-address "127.0.0.1:$PORT" --log.level warn 2>/dev/null &
exp=$!
trap 'kill $exp $sim 2>/dev/null || true' EXIT

start=$(date +%s)
up=0
while (( $(date +%s) - start < 300 )); do
    up=$(curl -s "http://127.0.0.1:$PORT/metrics" | grep -c '^teleinfo_up{.*} 1$' || true)
    (( up >= METERS )) && break
    sleep 1
done
echo "meters up: $up of $METERS after $(( $(date +%s) - start )) s"
(( up >= METERS )) || { echo "not every meter came up" >&2; exit 1; }

# CPU in nanoseconds over all threads (schedstat), not 10 ms clock ticks.
cpu_ns() { cat /proc/"$exp"/task/*/schedstat | awk '{n += $1} END {printf "%.0f", n}'; }
t0=$(cpu_ns)
sleep "$WINDOW"
t1=$(cpu_ns)
cpu=$(awk -v t=$((t1 - t0)) -v w="$WINDOW" 'BEGIN {printf "%.1f", t / 1e9 / w * 100}')
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$exp/status")

times=()
for _ in $(seq 10); do
    times+=("$(curl -s -o /tmp/scale-scrape.txt -w '%{time_total}' "http://127.0.0.1:$PORT/metrics")")
done
series=$(grep -vc '^#' /tmp/scale-scrape.txt)
up=$(grep -c '^teleinfo_up{.*} 1$' /tmp/scale-scrape.txt || true)
median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] * 1000}')
max=$(printf '%s\n' "${times[@]}" | sort -g | tail -1 | awk '{printf "%.1f", $1 * 1000}')

printf '| meters | up | RSS MiB | CPU %% of one core | full scrape median ms | max ms | series |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
printf '| %s | %s | %.1f | %s | %s | %s | %s |\n' "$METERS" "$up" "$(awk -v r="$rss" 'BEGIN {print r / 1024}')" \
    "$cpu" "$median" "$max" "$series"
