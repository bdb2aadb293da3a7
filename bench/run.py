"""Every benchmark of the goals, one after the other, and one summary: each
goal with its measured value and pass/FAIL.

    make bench                  # everything (about an hour on 2 cores)
    make bench ARGS="--only load scale"

Each benchmark is its own script (run alone with `make bench-<name>`); this one
runs them as subprocesses, shows their output as it comes, and collects the
lines that start with "goal " (bench/goals.py). It exits non-zero when a goal
fails or a benchmark cannot run. Results we keep are written down in
docs/performance.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# name → the script and its arguments; PostgreSQL too wherever the goal names it.
BENCHMARKS: dict[str, list[str]] = {
    "load": ["bench/load.py", "--postgres"],
    "scale": ["bench/scale.py", "--postgres"],
    "two": ["bench/two_servers.py"],
    "weight": ["bench/weight.py"],
    "memory": ["bench/memory.py", "--postgres"],
    "fit": ["bench/fit.py", "--postgres"],
    "export": ["bench/export_memory.py", "--postgres"],
}


def run(name: str, command: list[str]) -> tuple[list[str], int, float]:
    """Run one benchmark, echoing its output; its goal lines, exit status and seconds."""
    print(f"\n## {name}: {' '.join(command)}\n", flush=True)
    started = time.monotonic()
    goals = []
    with subprocess.Popen(
        [sys.executable, *command], cwd=ROOT, stdout=subprocess.PIPE, text=True, bufsize=1
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if line.startswith("goal "):
                goals.append(line.strip())
    return goals, process.returncode, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--only", nargs="+", choices=list(BENCHMARKS), default=list(BENCHMARKS))
    args = parser.parse_args()
    summary: list[str] = []
    failed = False
    for name in args.only:
        goals, status, seconds = run(name, BENCHMARKS[name])
        summary += goals
        if status != 0:
            summary.append(f"goal {name} benchmark ran to the end: exit status {status} FAIL")
        if status != 0 or not goals:
            failed = True
            if not goals:
                summary.append(f"goal {name} benchmark printed its goals: none FAIL")
        print(f"\n({name}: {seconds:.0f} s)", flush=True)
    print(f"\n## Goals, {time.strftime('%F %H:%M')}\n")
    for line in summary:
        print(f"- {line.removeprefix('goal ')}")
    failures = [line for line in summary if line.endswith("FAIL")]
    print(f"\n{len(summary) - len(failures)} of {len(summary)} goals pass.")
    if failures or failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
