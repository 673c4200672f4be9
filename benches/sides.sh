#!/usr/bin/env bash
# This runtime, tokio and smol side by side at 1, 2 and 4 workers:
# the scheduler suite's interleaved mode (`BENCH_METRICS=1`: each round runs
# every workload on the three runtimes, one after the other, in one process),
# RUNS processes per worker count. Prints one table per worker count —
# medians over the runs of each process's median round, and the median of
# the per-process ratios (min–max) — and writes them into BENCHMARKS.md
# between the `sides-table` markers.
#
#   benches/sides.sh                       # WORKERS="1 2 4" RUNS=3 ROUNDS=7
#   WORKERS=2 RUNS=5 benches/sides.sh
#   BENCH_BIN=/tmp/scheduler-old NO_WRITE=1 benches/sides.sh
#       # a scheduler bench binary built earlier (another commit: a "before"
#       # table); NO_WRITE only prints the tables
#
# Takes ~4 minutes per worker count here (3 runs × 7 rounds), build excluded.
set -euo pipefail
WORKERS=${WORKERS:-1 2 4}
RUNS=${RUNS:-3}
ROUNDS=${ROUNDS:-7}

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && ! git diff-index --quiet HEAD -- 2>/dev/null; then
    commit="$commit (with uncommitted changes)"
fi
loadavg="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
if [ -n "${BENCH_BIN:-}" ]; then
    bench() { "$BENCH_BIN" --bench; }
    commit="$(basename "$BENCH_BIN") (BENCH_BIN)"
else
    cargo bench -q -p runtime-benches --features bench --bench scheduler --no-run 2>/dev/null
    bench() { cargo bench -q -p runtime-benches --features bench --bench scheduler 2>/dev/null; }
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for w in $WORKERS; do
    for r in $(seq "$RUNS"); do
        echo "workers $w, run $r/$RUNS..." >&2
        BENCH_WORKERS=$w BENCH_METRICS=1 BENCH_ROUNDS=$ROUNDS bench 2>/dev/null >"$out/w$w.r$r"
    done
done

NO_WRITE=${NO_WRITE:-} COMMIT=$commit LOADAVG=$loadavg WORKERS=$WORKERS RUNS=$RUNS ROUNDS=$ROUNDS \
    python3 - "$out" "$root/BENCHMARKS.md" <<'PY'
import glob, os, re, statistics, sys, datetime
out, md = sys.argv[1], sys.argv[2]
env = os.environ
UNIT = {"ns": 1e-9, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
def secs(t):
    m = re.fullmatch(r"([0-9.]+)(ns|µs|ms|s)", t)
    return float(m.group(1)) * UNIT[m.group(2)]
def fmt(s):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if s >= scale or unit == "ns":
            v = s / scale
            return f"{v:.0f} {unit}" if v >= 100 else f"{v:.3g} {unit}"
def spread(v):
    m = statistics.median(v)
    return f"{m:.2f} ({min(v):.2f}–{max(v):.2f})" if len(v) > 1 else f"{m:.2f}"
blocks = []
for w in env["WORKERS"].split():
    rows = {}
    for path in sorted(glob.glob(f"{out}/w{w}.r*")):
        for line in open(path):
            f = line.split()
            if len(f) >= 6 and re.fullmatch(r"[0-9.]+(ns|µs|ms|s)", f[1] or ""):
                a, b, c = secs(f[1]), secs(f[2]), secs(f[3])
                rows.setdefault(f[0], []).append((a, b, c))
    lines = [f"**{w} worker{'s' if w != '1' else ''}**", "",
             "| workload | runtime | tokio | smol | runtime/tokio | runtime/smol |",
             "| --- | --- | --- | --- | --- | --- |"]
    for name, v in rows.items():
        med = [statistics.median(x[i] for x in v) for i in range(3)]
        lines.append(
            f"| {name} | {fmt(med[0])} | {fmt(med[1])} | {fmt(med[2])} | "
            f"{spread([x[0] / x[1] for x in v])} | {spread([x[0] / x[2] for x in v])} |")
    blocks.append("\n".join(lines))
now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
meta = (f"Date: {now}  \nCommit: {env['COMMIT']}  \nLoad average when the run started: "
        f"{env['LOADAVG']}  \n{env['RUNS']} processes per worker count, each the median of "
        f"{env['ROUNDS']} interleaved rounds (`benches/sides.sh`); times per iteration, "
        "medians over the processes; ratios: median of the per-process ratios (min–max). "
        "Ratio < 1: this runtime is faster.")
block = "\n".join(["<!-- sides-table:start (written by benches/sides.sh) -->", meta, "",
                   "\n\n".join(blocks), "<!-- sides-table:end -->"])
print(block)
if env.get("NO_WRITE"):
    sys.exit(0)
text = open(md).read()
s, e = "<!-- sides-table:start", "<!-- sides-table:end -->"
if s in text and e in text:
    text = text[:text.index(s)] + block + text[text.index(e) + len(e):]
else:
    text = text.rstrip() + "\n\n## This runtime, tokio and smol at 1, 2 and 4 workers\n\n" + block + "\n"
open(md, "w").write(text)
print(f"\nwrote {md}", file=sys.stderr)
PY
