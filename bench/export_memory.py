"""Peak memory of the two exports on a short and a very long history (issue 17, finding 7).

    make bench-export                        # SQLite (a throw-away file)
    make bench-export ARGS=--postgres        # SQLite, then PostgreSQL (BENCH_EXPORT_DATABASE_URL)
    .venv/bin/python bench/export_memory.py --long 200000

For each database (a throw-away SQLite file; with --postgres also
twitch_bench_export, dropped and created again): migrate and load the
content, then give one account 1,000 review-log rows and another 1,000,000
(bulk inserts over a few cards). Then each export, /account/export/ (JSON)
and /account/export/reviews.csv, is downloaded by each account in a fresh
process with production settings, through Django's test client, after a
warm-up download of the short history (imports, templates, first queries);
the streamed body is read and thrown away as it comes, as a server hands it
to the socket. The process's peak resident memory (VmHWM) is the export's
cost. Streaming holds one chunk of rows and one buffer of text whatever the
history's length: the goal is the peak at 1,000,000 rows within 1.5× of the
peak at 1,000. An export that built its body whole grows with the rows (the
unfixed one took 2.6 GB for 300,000 answers).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.goals import verdict  # noqa: E402
from bench.http_client import measurement_env  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_EXPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/twitch_bench_export")
SHORT = 1_000
LONG = 1_000_000
LIMIT = 1.5
BATCH = 5_000
EXPORTS = {"json": "/account/export/", "csv": "/account/export/reviews.csv"}


def seed(username: str, rows: int):
    """An account whose learner has `rows` review-log rows over a few cards; returns the user."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from quiz import scheduling
    from quiz.models import CardState, Learner, Question, ReviewLog

    user = get_user_model().objects.create_user(username)
    learner = Learner.objects.create(user=user)
    questions = list(Question.objects.published().values_list("pk", flat=True)[:5])
    now = timezone.now()
    before = scheduling.Snapshot()
    after = scheduling.review(before, 3, now, 0.9)
    CardState.objects.bulk_create(CardState(learner=learner, question_id=pk) for pk in questions)
    start = now - datetime.timedelta(days=365)
    step = datetime.timedelta(days=365) / rows
    with transaction.atomic():
        for first in range(0, rows, BATCH):
            ReviewLog.objects.bulk_create(
                ReviewLog(
                    learner=learner,
                    question_id=questions[n % len(questions)],
                    review_id=uuid.uuid4(),
                    rating=3,
                    reviewed_at=start + n * step,
                    duration_ms=4000 + n % 5000,
                    language="en",
                    state_before=before.to_json(),
                    state_after=after.to_json(),
                )
                for n in range(first, min(rows, first + BATCH))
            )
    return user


def download(client, path: str) -> int:
    """Download one export, reading the streamed body as it comes; its size in bytes."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return sum(len(chunk) for chunk in response.streaming_content)


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/self/status")


def seed_in_process(args: argparse.Namespace) -> None:
    """Runs in a subprocess: the database and both accounts; prints their ids as JSON."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("prepare_database", verbosity=0)
    started = time.perf_counter()
    users = {str(rows): seed(f"export-{rows}", rows).pk for rows in (SHORT, args.long)}
    print(json.dumps({"seeded_in": time.perf_counter() - started, "users": users}))


def export_in_process(args: argparse.Namespace) -> None:
    """Runs in a fresh subprocess: one download by `args.user` after a warm-up
    by `args.warm_up` (imports, templates, the first queries); prints the
    process's resident memory before it and its peak (VmHWM) after, as JSON."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(pk=args.warm_up))
    download(client, args.path)
    client.force_login(get_user_model().objects.get(pk=args.user))
    gc.collect()
    before = status_kb("VmRSS")
    started = time.perf_counter()
    size = download(client, args.path)
    seconds = time.perf_counter() - started
    print(json.dumps({"before_kb": before, "peak_kb": status_kb("VmHWM"), "size": size, "seconds": seconds}))


def step(env: dict[str, str], *arguments: str) -> dict:
    command = [sys.executable, __file__, *arguments]
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=sys.stderr, text=True)
    if done.returncode:
        raise SystemExit(f"{' '.join(arguments)}: failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(database: str, args: argparse.Namespace) -> bool:
    """Measure on one database; print the goals. True when every goal passed."""
    env = measurement_env(database, POSTGRES_URL, "export")
    print(f"[{database}] seeding {SHORT:,} and {args.long:,} review-log rows …", file=sys.stderr, flush=True)
    seeded = step(env, "seed", "--long", str(args.long))
    users = seeded["users"]
    print(f"\n### {database}: export memory, {time.strftime('%F %H:%M')} (seeded in {seeded['seeded_in']:.0f} s)\n")
    passed = True
    for name, path in EXPORTS.items():
        measured = {}
        for rows in (SHORT, args.long):
            print(f"[{database}] {name} export of {rows:,} rows …", file=sys.stderr, flush=True)
            measured[rows] = step(
                env, "export", "--path", path, "--user", str(users[str(rows)]), "--warm-up", str(users[str(SHORT)])
            )
        short, long = measured[SHORT], measured[args.long]
        ratio = long["peak_kb"] / short["peak_kb"]
        ok = ratio <= LIMIT
        passed = passed and ok
        print(
            f"goal {name} export's peak memory at {args.long:,} rows ≤ {LIMIT}× that at {SHORT:,} ({database}): "
            f"{long['peak_kb'] / 1024:.0f} MiB vs {short['peak_kb'] / 1024:.0f} MiB = {ratio:.2f}× {verdict(ok)}"
        )
        for rows, result in measured.items():
            print(
                f"  {rows:,} rows: {result['size'] / 2**20:.1f} MiB of {name} in {result['seconds']:.1f} s; "
                f"resident {result['before_kb'] / 1024:.0f} MiB before, peak {result['peak_kb'] / 1024:.0f} MiB"
            )
    return passed


def main() -> None:
    parser = argparse.ArgumentParser(description="Peak memory of the exports, short and long history.")
    parser.add_argument("step", nargs="?", default="run", choices=["run", "seed", "export"])
    parser.add_argument("--long", type=int, default=LONG, help="review-log rows of the long history")
    parser.add_argument("--postgres", action="store_true", help=f"also on PostgreSQL ({POSTGRES_URL})")
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--user", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--warm-up", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "seed":
        return seed_in_process(args)
    if args.step == "export":
        return export_in_process(args)
    passed = run("sqlite", args)
    if args.postgres:
        passed = run("postgresql", args) and passed
    if not passed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
