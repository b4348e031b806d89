#!/usr/bin/env bash
# Load harness for /metrics: scrapes per second and latency (p50, p99) with wrk at 4 and 64
# keep-alive connections, for 1 and 100 demo meters; resident memory before and after (from
# /proc); CPU time of the exporter per scrape. Loopback only, bounded duration.
#
#   benches/load.sh [SECONDS_PER_RUN] [RUNS]      (defaults: 10 s, 3 runs; medians reported)
#
# Needs wrk (apt-get install wrk) and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
RUNS=${2:-3}
PORT=19900
BIN=target/release/teleinfo-exporter
CLK_TCK=$(getconf CLK_TCK)

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# wrk prints latencies like 123.45us, 1.23ms, 1.02s: convert to milliseconds.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.3f\n", v}'; }

sources() {
    local n=$1 kinds=(demo:historic demo:historic-tri demo:standard demo:standard-tri demo:producer) list=""
    for i in $(seq 1 "$n"); do
        list+="m$i=${kinds[$(( (i - 1) % 5 ))]},"
    done
    echo "${list%,}"
}

printf '| meters | connections | scrapes/s | p50 ms | p99 ms | CPU µs/scrape | RSS before KiB | RSS after KiB |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
for meters in 1 100; do
    TELEINFO_SOURCE=$(sources "$meters") "$BIN" --web.listen-address "127.0.0.1:$PORT" \
        --log.level warn 2>/dev/null &
    pid=$!
    trap 'kill $pid 2>/dev/null || true' EXIT
    # Wait (bounded) until every meter is up.
    for _ in $(seq 300); do
        up=$(curl -s "http://127.0.0.1:$PORT/metrics" | grep -c '^teleinfo_up{.*} 1$' || true)
        [[ "$up" -ge "$meters" ]] && break
        sleep 0.1
    done
    [[ "$up" -ge "$meters" ]] || { echo "only $up of $meters meters up" >&2; exit 1; }
    rss_before=$(rss_kb "$pid")
    for conns in 4 64; do
        rates=(); p50s=(); p99s=(); cpus=()
        for _ in $(seq "$RUNS"); do
            t0=$(cpu_ticks "$pid")
            out=$(wrk -t2 -c"$conns" -d"${DURATION}s" --latency "http://127.0.0.1:$PORT/metrics")
            t1=$(cpu_ticks "$pid")
            requests=$(awk '/requests in/ {print $1}' <<<"$out")
            rates+=("$(awk '/^Requests\/sec/ {print $2}' <<<"$out")")
            p50s+=("$(awk '$1 == "50%" {print $2}' <<<"$out" | to_ms)")
            p99s+=("$(awk '$1 == "99%" {print $2}' <<<"$out" | to_ms)")
            cpus+=("$(awk -v t=$((t1 - t0)) -v r="$requests" -v hz="$CLK_TCK" 'BEGIN {printf "%.2f\n", t / hz * 1e6 / r}')")
            if grep -q "Non-2xx\|Socket errors" <<<"$out"; then echo "errors during the run:" >&2; echo "$out" >&2; exit 1; fi
        done
        rss_after=$(rss_kb "$pid")
        printf '| %s | %s | %.0f | %s | %s | %s | %s | %s |\n' "$meters" "$conns" \
            "$(printf '%s\n' "${rates[@]}" | median)" "$(printf '%s\n' "${p50s[@]}" | median)" \
            "$(printf '%s\n' "${p99s[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" \
            "$rss_before" "$rss_after"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    trap - EXIT
done
