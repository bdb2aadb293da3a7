"""How long `manage.py fit_schedule` takes on a large review log (issue 12).

    make bench-fit                                   # SQLite, 10,000 learners, 1,000,000 log rows
    make bench-fit ARGS="--postgres"                 # and PostgreSQL (its own database, dropped first)
    .venv/bin/python bench/fit.py --reviews 200000 --learners 2000

For each database (a throw-away SQLite file; with --postgres also
twitch_bench_fit, dropped and created again): migrate and load the content,
seed the log with `seed_scale`, then run `fit_schedule` twice, timed: the
first run reads the whole log, builds the training items, evaluates a fit
against the parameters in force with time-series splits, fits the whole log
(screened and capped per learner) and stores the set, pending, if it is better, then tries each learner with enough
reviews of their own; the second finds no new reviews. Prints one line per
goal (`goal <what> (<database>): <measured> pass|FAIL`, collected by
`make bench`), then the command's own report (counts and metrics).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.goals import verdict  # noqa: E402
from bench.http_client import measurement_env  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_FIT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/twitch_bench_fit")
GOAL_SECONDS = 60


def measure_in_process(args: argparse.Namespace) -> None:
    """Runs in a subprocess whose environment names the database; prints one JSON line."""
    import django

    django.setup()
    from django.core.management import call_command

    from quiz.models import ParameterSet, ReviewLog

    call_command("prepare_database", verbosity=0, stdout=io.StringIO())
    started = time.perf_counter()
    call_command("seed_scale", learners=args.learners, reviews=args.reviews, force=True, stdout=sys.stderr)
    seeded_in = time.perf_counter() - started
    runs = []
    for _ in range(2):
        out = io.StringIO()
        started = time.perf_counter()
        call_command("fit_schedule", stdout=out)
        seconds = time.perf_counter() - started
        runs.append({"seconds": seconds, "report": out.getvalue().strip(), "sets": ParameterSet.objects.count()})
    print(json.dumps({"log_rows": ReviewLog.objects.count(), "seeded_in": seeded_in, "runs": runs}))


def run(database: str, args: argparse.Namespace) -> bool:
    """Measure on one database; print the goals and the report. True when every goal passed."""
    env = measurement_env(database, POSTGRES_URL, "fit")
    # seed_scale's learners all join today and answer almost only Good: let them
    # count, so that the deck-wide fit runs in full.
    env |= {"FIT_MIN_LEARNER_AGE_DAYS": "0", "FIT_ONE_GRADE_REVIEWS": str(10**9)}
    print(f"[{database}] seeding {args.learners:,} learners / {args.reviews:,} rows …", file=sys.stderr, flush=True)
    command = [sys.executable, __file__, "measure", "--learners", str(args.learners), "--reviews", str(args.reviews)]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    data = json.loads(done.stdout.strip().splitlines()[-1])
    first, second = data["runs"]
    rows = data["log_rows"]
    print(f"\n### {database}: fit_schedule on {rows:,} review-log rows, {time.strftime('%F %H:%M')}\n")
    fast = first["seconds"] < GOAL_SECONDS
    goal = f"fit of {rows:,} review-log rows < {GOAL_SECONDS} s ({database})"
    print(f"goal {goal}: {first['seconds']:.1f} s {verdict(fast)}")
    # The log was seeded once: the second run has no new reviews and must store nothing.
    unchanged = second["sets"] == first["sets"]
    print(
        f"goal a second fit without new reviews changes nothing ({database}): parameter sets "
        f"{first['sets']} → {second['sets']} {verdict(unchanged)}"
    )
    print(
        f"  seeded in {data['seeded_in']:.0f} s; parameter sets after each run: {first['sets']}, {second['sets']}; "
        f"second run {second['seconds']:.1f} s"
    )
    for line in first["report"].splitlines():
        print(f"  {line}")
    return fast and unchanged


def main() -> None:
    parser = argparse.ArgumentParser(description="Time fit_schedule on a large review log.")
    parser.add_argument("step", nargs="?", default="run", choices=["run", "measure"])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true", help=f"also on PostgreSQL ({POSTGRES_URL})")
    args = parser.parse_args()
    if args.step == "measure":
        return measure_in_process(args)
    passed = run("sqlite", args)
    if args.postgres:
        passed = run("postgresql", args) and passed
    if not passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
