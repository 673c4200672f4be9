#!/usr/bin/env bash
# Runs the scheduler benchmarks and prints one table (workload, runtime
# median, tokio median, ratio runtime/tokio); writes the same table, with the
# date, machine and commit, into BENCHMARKS.md.
#
#   benches/report.sh                 # full run (1.5–3 minutes here once built)
#   benches/report.sh -- ping_pong    # extra args go to `cargo bench -p runtime-benches --features bench --bench scheduler`
#   RUNS=3 benches/report.sh          # run the suite 3 times, report the median run
#   NO_RUN=1 benches/report.sh        # only rebuild the table from the last results
#
# Results are read from criterion's estimates.json files (median point
# estimate) under $CRITERION_HOME, else $CARGO_TARGET_DIR/criterion, else
# target/criterion. A missing result prints as "-"; one older than this run
# (e.g. left by an earlier run, outside this run's filter) is marked "*".
# With RUNS > 1 each cell is the median over the runs, and the ratio the
# median of the per-run ratios (runtime and tokio of one run ran seconds
# apart, so their ratio is less exposed to load changes on a shared machine).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

target_dir="${CARGO_TARGET_DIR:-target}"
case "$target_dir" in
/*) ;;
*) target_dir="$root/$target_dir" ;;
esac
criterion_dir="${CRITERION_HOME:-$target_dir/criterion}"
runs="${RUNS:-1}"
case "$runs" in
'' | *[!0-9]* | 0) echo "RUNS must be a positive integer" >&2; exit 2 ;;
esac

# The commit the bench binary is built from (read before the build).
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ "$commit" != unknown ] && ! git diff-index --quiet HEAD -- 2>/dev/null; then
    commit="$commit (with uncommitted changes)"
fi
loadavg="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat >"$work/report.py" <<'EOF'
import json
import os
import statistics
import sys

WORKLOADS = [
    ("spawn_many_local", "spawn_many_local (10 000 spawns from a task)"),
    ("spawn_many_remote", "spawn_many_remote (10 000 `Runtime::spawn` + join)"),
    ("yield_many", "yield_many (100 tasks × 1 000 yields)"),
    ("ping_pong", "ping_pong (1 000 rounds)"),
    ("chained_spawn", "chained_spawn (depth 1 000)"),
    ("spawn_blocking_many", "spawn_blocking (1 000 no-op jobs)"),
    ("spawn_blocking_round_trip", "spawn_blocking round trip (1 job)"),
    ("many_sleeps", "timers: 1 000 tasks sleep 1 ms"),
    ("timeout_not_firing", "timers: 10 000 timeouts that don't fire"),
]
SCALING = [10_000, 100_000, 1_000_000]
# (row key, label, path under criterion dir without the runtime part, tasks)
ROWS = [(g, label, [g], None) for g, label in WORKLOADS] + [
    (f"scaling/{n}", f"scaling: spawn + join {n:,} tasks".replace(",", " "), ["scaling"], n)
    for n in SCALING
]
SIDES = ("runtime", "tokio")


def snapshot(crit, start, out):
    """Reads every median this suite produces; records whether it is stale."""
    snap = {}
    for key, _, parts, n in ROWS:
        for side in SIDES:
            p = parts + [side] + ([str(n)] if n else [])
            path = os.path.join(crit, *p, "new", "estimates.json")
            try:
                with open(path) as f:
                    ns = float(json.load(f)["median"]["point_estimate"])
                stale = os.path.getmtime(path) < start
            except (OSError, ValueError, KeyError, TypeError):
                continue
            snap[f"{key}|{side}"] = {"ns": ns, "stale": stale}
    with open(out, "w") as f:
        json.dump(snap, f)


def fmt_time(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3), ("ns", 1.0)):
        if ns >= scale or unit == "ns":
            v = ns / scale
            return f"{v:.0f} {unit}" if v >= 100 else f"{v:.3g} {unit}"


def report(snap_files):
    snaps = []
    for path in snap_files:
        with open(path) as f:
            snaps.append(json.load(f))
    nruns = len(snaps)
    stale_seen = False
    rows = []
    for key, label, _, n in ROWS:
        cells = []
        meds = {}
        for side in SIDES:
            vals = [s[f"{key}|{side}"] for s in snaps if f"{key}|{side}" in s]
            fresh = [v["ns"] for v in vals if not v["stale"]]
            use = fresh or [v["ns"] for v in vals][-1:]
            if not use:
                cells.append("-")
                continue
            med = statistics.median(use)
            meds[side] = med
            c = fmt_time(med)
            if n:
                c += f" ({med / n:.0f} ns/task)"
            if not fresh:
                c += "*"
                stale_seen = True
            cells.append(c)
        ratios = [
            s[f"{key}|runtime"]["ns"] / s[f"{key}|tokio"]["ns"]
            for s in snaps
            if f"{key}|runtime" in s
            and f"{key}|tokio" in s
            and not s[f"{key}|runtime"]["stale"]
            and not s[f"{key}|tokio"]["stale"]
            and s[f"{key}|tokio"]["ns"] > 0
        ]
        if ratios:
            r = statistics.median(ratios)
            spread = f" ({min(ratios):.2f}–{max(ratios):.2f})" if len(ratios) > 1 else ""
            ratio = f"{r:.2f}{spread}"
        elif "runtime" in meds and meds.get("tokio"):
            ratio = f"{meds['runtime'] / meds['tokio']:.2f}"
        else:
            ratio = "-"
        rows.append((label, cells[0], cells[1], ratio))

    header = ("workload", "runtime median", "tokio median", "ratio runtime/tokio")
    widths = [max(len(x[i]) for x in rows + [header]) for i in range(4)]

    def line(cols):
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cols, widths)) + " |"

    table = [line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    table += [line(r) for r in rows]
    notes = []
    if nruns > 1:
        notes.append(
            f"Medians over {nruns} runs of the suite; ratio: median of the per-run "
            "ratios (min–max in parentheses)."
        )
    if stale_seen:
        notes.append("\\* from an earlier run (this run did not measure it).")
    notes.append("Ratio < 1: this runtime is faster. `-`: no result found.")

    print()
    print("\n".join(table))
    for n in notes:
        print(n.replace("\\*", "*"))

    env = os.environ
    meta = (
        f"Date: {env['DATE_NOW']}  \n"
        f"Machine: {env['MACHINE']}  \n"
        f"Load average when the run started: {env['LOADAVG']}  \n"
        f"Commit: {env['COMMIT']}  \n"
        "Both runtimes multi-thread with 2 worker threads; times are criterion's "
        "median per iteration."
    )
    block = "\n".join(
        ["<!-- bench-table:start (written by benches/report.sh) -->", meta, "", *table, ""]
        + [n + "  " for n in notes]
        + ["<!-- bench-table:end -->"]
    )
    path = env["BENCHMARKS_MD"]
    try:
        with open(path) as f:
            old = f.read()
    except OSError:
        old = None
    start_m, end_m = "<!-- bench-table:start", "<!-- bench-table:end -->"
    if old and start_m in old and end_m in old:
        i = old.index(start_m)
        j = old.index(end_m) + len(end_m)
        new = old[:i] + block + old[j:]
    else:
        new = TEMPLATE.replace("@BLOCK@", block)
    with open(path, "w") as f:
        f.write(new)
    print(f"\nwrote {path}")


TEMPLATE = """# Benchmarks

The scheduler suite (`benches/scheduler.rs`) runs every workload on this
runtime and on tokio, both multi-thread with the same number of workers, in
the same process on the same machine.

## Latest results

@BLOCK@

## How to run

```sh
benches/report.sh                  # cargo bench -p runtime-benches --features bench --bench scheduler, then this table
RUNS=3 benches/report.sh           # three runs, medians (for a busy machine)
benches/report.sh -- ping_pong     # only groups matching a filter (others marked *)
NO_RUN=1 benches/report.sh         # rebuild the table from the last results
BENCH_METRICS=1 cargo bench -p runtime-benches --features bench --bench scheduler   # polls/steals/parks per iteration
```

`report.sh` reads criterion's `estimates.json` (median point estimate) from
`$CARGO_TARGET_DIR/criterion` (default `target/criterion`), prints the table
and rewrites the block between the `bench-table` markers in this file.

## Reading the numbers

- Each cell is the median time of one iteration of the workload; the ratio is
  runtime / tokio: **below 1 means this runtime is faster**, above 1 slower.
- Scaling rows also give the cost per task (median / N); it should stay flat
  as N grows.
- Samples are few (10–20) to keep the suite short, and the machine is small
  and shared: a ratio within ±10 % of 1 is a tie until repeated.
"""

if __name__ == "__main__":
    if sys.argv[1] == "snapshot":
        snapshot(sys.argv[2], float(sys.argv[3]), sys.argv[4])
    else:
        report(sys.argv[2:])
EOF

if [ "${NO_RUN:-0}" != "0" ]; then
    loadavg="unknown (table rebuilt with NO_RUN=1)"
    python3 "$work/report.py" snapshot "$criterion_dir" 0 "$work/snap1.json"
else
    for i in $(seq 1 "$runs"); do
        start="$(date +%s)"
        t0="$(date +%s.%N)"
        cargo bench -p runtime-benches --features bench --bench scheduler "$@"
        t1="$(date +%s.%N)"
        echo "run $i/$runs: cargo bench -p runtime-benches --features bench --bench scheduler took $(python3 -c "print(f'{$t1 - $t0:.0f}')") s" >&2
        python3 "$work/report.py" snapshot "$criterion_dir" "$start" "$work/snap$i.json"
    done
fi

cpu="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n1)"

DATE_NOW="$(date -u '+%Y-%m-%d %H:%M UTC')" \
    MACHINE="$(nproc) cores, ${cpu:-unknown CPU}" \
    LOADAVG="$loadavg" \
    COMMIT="$commit" BENCHMARKS_MD="$root/BENCHMARKS.md" \
    python3 "$work/report.py" report "$work"/snap*.json
