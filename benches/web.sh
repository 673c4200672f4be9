#!/usr/bin/env bash
# The web stack on runtime vs tokio (benches/web/web_bench.rs, built from
# the integrations package with its `ecosystem` feature):
#
# 1. servers: one axum app, TechEmpower's plaintext (`/`) and JSON (`/json`)
#    routes, served by `runtime::hyper::serve` or by `axum::serve` on tokio,
#    WORKERS workers each, under `oha -c CONNS -z DURATION`; the servers
#    alternate (the order flips every run). Per run: requests/s and server
#    CPU per request (utime+stime from /proc/<pid>/stat over the measured
#    run).
# 2. clients: 100 GETs, 10 at a time, on a warm pool, ROUNDS rounds per
#    process, against one runtime server: runtime's built-in hyper client,
#    reqwest on tokio, and reqwest on runtime through the tokio bridge;
#    the clients alternate, CLIENT_RUNS processes each. Per process: the
#    median round.
#
#   benches/web.sh          # RUNS=6 DURATION=10s CONNS=50 WORKERS=2 CLIENT_RUNS=6 ROUNDS=200
#
# Medians over runs, with min-max. Needs `oha` (installed with `cargo
# install oha --locked` if missing), curl and python3. Not part of CI.
set -euo pipefail
RUNS=${RUNS:-6}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-50}
WORKERS=${WORKERS:-2}
CLIENT_RUNS=${CLIENT_RUNS:-6}
ROUNDS=${ROUNDS:-200}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v oha >/dev/null || cargo install oha --locked
echo "building benches/web/web_bench.rs (release)..." >&2
cargo build -q --release -p runtime-integrations --features ecosystem --example web_bench
bin="${CARGO_TARGET_DIR:-target}/release/examples/web_bench"
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

# start KIND PORT -> sets PID
start() {
    BENCH_WORKERS=$WORKERS "$bin" server "$1" "127.0.0.1:$2" >/dev/null 2>&1 &
    PID=$!
    for _ in $(seq 200); do
        curl -s -o /dev/null "http://127.0.0.1:$2/" && return 0
        sleep 0.05
    done
    echo "server $1 did not start" >&2
    exit 1
}

stop() {
    kill "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
}

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

servers=(runtime tokio)
for run in $(seq "$RUNS"); do
    for k in 0 1; do
        s=${servers[$(((run + k) % 2))]}
        port=$((3100 + k))
        start "$s" "$port"
        for route in plain json; do
            path=/; [ "$route" = json ] && path=/json
            url="http://127.0.0.1:$port$path"
            oha -z 1s -c "$CONNS" --no-tui --output-format quiet "$url" >/dev/null
            t0=$(ticks "$PID")
            oha -z "$DURATION" -c "$CONNS" --no-tui --output-format json "$url" >"$out/$s.$route.$run.json"
            t1=$(ticks "$PID")
            echo $((t1 - t0)) >"$out/$s.$route.$run.ticks"
        done
        stop
        echo "server run $run/$RUNS: $s done" >&2
    done
done

start runtime 3110
clients=(builtin reqwest-tokio reqwest-bridge)
for run in $(seq "$CLIENT_RUNS"); do
    for k in 0 1 2; do
        c=${clients[$(((run + k) % 3))]}
        BENCH_WORKERS=$WORKERS "$bin" client "$c" "http://127.0.0.1:3110/" "$ROUNDS" >"$out/client.$c.$run"
    done
    echo "client run $run/$CLIENT_RUNS done" >&2
done
stop

python3 - "$out" "$RUNS" "$CLIENT_RUNS" "$(getconf CLK_TCK)" "$WORKERS" "$CONNS" "$DURATION" "$ROUNDS" <<'PY'
import json, statistics, sys
out, runs, cruns, hz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
workers, conns, duration, rounds = sys.argv[5:]
med = statistics.median
print(f"axum app, {workers} workers, oha -c {conns} -z {duration}, median of {runs} runs (min-max)")
print("| route | server | req/s | CPU µs/request |")
print("| --- | --- | --- | --- |")
ratios = []
for route in ("plain", "json"):
    res = {}
    for s in ("runtime", "tokio"):
        rps, cpu = [], []
        for r in range(1, runs + 1):
            d = json.load(open(f"{out}/{s}.{route}.{r}.json"))
            n = sum(d["statusCodeDistribution"].values())
            rps.append(d["summary"]["requestsPerSec"])
            cpu.append(int(open(f"{out}/{s}.{route}.{r}.ticks").read()) / hz / n * 1e6)
        res[s] = (rps, cpu)
        name = "runtime::hyper::serve" if s == "runtime" else "axum::serve (tokio)"
        print(f"| {route} | {name} | {med(rps):,.0f} ({min(rps):,.0f}-{max(rps):,.0f}) "
              f"| {med(cpu):.2f} ({min(cpu):.2f}-{max(cpu):.2f}) |")
    # Paired by run: runtime's run r over tokio's run r.
    rr = [a / b for a, b in zip(res["runtime"][0], res["tokio"][0])]
    rc = [a / b for a, b in zip(res["runtime"][1], res["tokio"][1])]
    ratios.append((route, med(rr), min(rr), max(rr), med(rc), min(rc), max(rc)))
for route, r, rlo, rhi, c, clo, chi in ratios:
    print(f"{route}: runtime/tokio req/s {r:.2f} ({rlo:.2f}-{rhi:.2f}), "
          f"CPU per request {c:.2f} ({clo:.2f}-{chi:.2f})")
print()
print(f"100 GETs, 10 at a time, warm pool; median round of {rounds} per process, "
      f"median over {cruns} processes (min-max)")
print("| client | ms per 100 GETs |")
print("| --- | --- |")
per = {}
for c in ("builtin", "reqwest-tokio", "reqwest-bridge"):
    meds = []
    for r in range(1, cruns + 1):
        times = [int(x) for x in open(f"{out}/client.{c}.{r}").read().split()]
        meds.append(med(times) / 1000)
    per[c] = meds
    print(f"| {c} | {med(meds):.2f} ({min(meds):.2f}-{max(meds):.2f}) |")
b, t, g = (med(per[c]) for c in ("builtin", "reqwest-tokio", "reqwest-bridge"))
print(f"built-in client / reqwest on tokio: {b / t:.2f}; reqwest on the bridge / on tokio: {g / t:.2f}")
PY
