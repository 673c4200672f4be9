#!/usr/bin/env bash
# hyper 1.x hello world under load on loopback: this runtime, tokio and smol,
# the same server code on each (integrations/examples/http.rs --serve, and
# benches/examples/hyper_{tokio,smol}.rs), the same worker count.
#
#   benches/hyper.sh        # RUNS=12 DURATION=10s CONNS=50 WORKERS=2
#
# For each server: median over RUNS of requests/s, p50 and p99 latency (from
# oha), server CPU per request (utime+stime of the server process from
# /proc/<pid>/stat, over the measured run), and syscalls per request (one
# separate, shorter run under `strace -c -f`, which slows the server; the
# count per request is what matters). Runs rotate the server order.
# Needs `oha` (installed with `cargo install oha --locked` if missing), strace
# and python3. Not part of CI.
set -euo pipefail
RUNS=${RUNS:-12}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
WORKERS=${WORKERS:-2}
STRACE_DURATION=${STRACE_DURATION:-3s}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v oha >/dev/null || cargo install oha --locked
echo "building the three servers (release)..." >&2
cargo build -q --release -p runtime-integrations --features hyper --example http
cargo build -q --release -p runtime-benches --features bench --example hyper_tokio --example hyper_smol
bin="${CARGO_TARGET_DIR:-target}/release/examples"
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

# start NAME -> sets PID and URL
start() {
    case $1 in
    runtime) RUNTIME_WORKERS=$WORKERS "$bin/http" --serve 127.0.0.1:3000 >/dev/null 2>&1 & URL=http://127.0.0.1:3000/ ;;
    tokio) BENCH_WORKERS=$WORKERS "$bin/hyper_tokio" 127.0.0.1:3001 >/dev/null 2>&1 & URL=http://127.0.0.1:3001/ ;;
    smol) BENCH_WORKERS=$WORKERS "$bin/hyper_smol" 127.0.0.1:3002 >/dev/null 2>&1 & URL=http://127.0.0.1:3002/ ;;
    esac
    PID=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "$URL" 2>/dev/null && return 0
        (exec 3<>"/dev/tcp/127.0.0.1/${URL##*:}") 2>/dev/null && { sleep 0.1; return 0; }
        sleep 0.05
    done
    echo "server $1 did not start" >&2
    exit 1
}

stop() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
}

# utime + stime of a process, in clock ticks
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

servers=(runtime tokio smol)
for run in $(seq "$RUNS"); do
    for k in 0 1 2; do
        s=${servers[$(((run + k) % 3))]}
        start "$s"
        oha -z 1s -c "$CONNS" --no-tui --output-format quiet "$URL" >/dev/null
        t0=$(ticks "$PID")
        oha -z "$DURATION" -c "$CONNS" --no-tui --output-format json "$URL" >"$out/$s.$run.json"
        t1=$(ticks "$PID")
        echo $((t1 - t0)) >"$out/$s.$run.ticks"
        stop
        echo "run $run/$RUNS: $s done" >&2
    done
done

for s in "${servers[@]}"; do
    start "$s"
    oha -z 1s -c "$CONNS" --no-tui --output-format quiet "$URL" >/dev/null
    strace -c -f -p "$PID" -o "$out/$s.strace" 2>/dev/null &
    tracer=$!
    sleep 1
    oha -z "$STRACE_DURATION" -c "$CONNS" --no-tui --output-format json "$URL" >"$out/$s.strace.json"
    kill -INT "$tracer"
    wait "$tracer" 2>/dev/null || true
    stop
done

python3 - "$out" "$RUNS" "$(getconf CLK_TCK)" "$WORKERS" "$CONNS" "$DURATION" <<'PY'
import json, statistics, sys, re
out, runs, hz, workers, conns, duration = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:]
rows = {}
for s in ("runtime", "tokio", "smol"):
    rps, p50, p99, cpu = [], [], [], []
    for r in range(1, runs + 1):
        d = json.load(open(f"{out}/{s}.{r}.json"))
        n = sum(d["statusCodeDistribution"].values())
        rps.append(d["summary"]["requestsPerSec"])
        p50.append(d["latencyPercentiles"]["p50"] * 1e6)
        p99.append(d["latencyPercentiles"]["p99"] * 1e6)
        cpu.append(int(open(f"{out}/{s}.{r}.ticks").read()) / hz / n * 1e6)
    calls = 0
    for line in open(f"{out}/{s}.strace"):
        m = re.match(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$", line)
        if m and m.group(2) != "total":
            calls += int(m.group(1))
    d = json.load(open(f"{out}/{s}.strace.json"))
    n = sum(d["statusCodeDistribution"].values())
    rows[s] = (statistics.median(rps), statistics.median(p50), statistics.median(p99),
               statistics.median(cpu), calls / max(n, 1), min(rps), max(rps))
print(f"hyper hello world, {workers} workers, oha -c {conns} -z {duration}, median of {runs} runs")
print("| server | req/s (min-max) | p50 µs | p99 µs | CPU µs/request | syscalls/request |")
print("| --- | --- | --- | --- | --- | --- |")
for s, (rps, p50, p99, cpu, sc, lo, hi) in rows.items():
    print(f"| {s} | {rps:,.0f} ({lo:,.0f}-{hi:,.0f}) | {p50:.0f} | {p99:.0f} | {cpu:.1f} | {sc:.2f} |")
base = rows["runtime"]
for other in ("tokio", "smol"):
    o = rows[other]
    print(f"runtime/{other}: req/s {base[0]/o[0]:.2f}, CPU per request {base[3]/o[3]:.2f}, syscalls per request {base[4]/o[4]:.2f}")
PY
