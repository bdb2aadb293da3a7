"""Latency and query counts on a fresh database and on a large one (issue 10).

    make bench-scale                                        # SQLite, 10,000 learners, 1,000,000 log rows
    make bench-scale ARGS="--learners 2000 --reviews 200000 --postgres"
    .venv/bin/python bench/scale.py --rounds 40 --postgres

For each database (a fresh SQLite file; with --postgres also twitch_bench_scale,
dropped and created again): migrate and load the content, then one new
signed-in learner studies ROUNDS new cards through Django's whole request
stack in this process (test Client, DEBUG off, no network): the htmx study
GET, the pick of the right choice when the card has choices (not timed), the
htmx grade POST, then the progress dashboard DASHBOARD times. Then
`seed_scale` adds the learners and log rows, and another new learner does the
same work. A third row is a seeded learner, whose own history is long, on
the dashboard. Prints p50/p95 and the most queries per request, and the ratio
large/fresh. On PostgreSQL the large database is ANALYZEd after seeding (as
autovacuum would) and the SELECTs of one study GET and one dashboard are
EXPLAINed: any sequential scan of the review log or the card states is named.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.goals import percentile, verdict  # noqa: E402
from bench.http_client import measurement_env  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_SCALE_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/twitch_bench_scale")
HTMX = {"HX-Request": "true"}
NAMES = ("study GET", "grade POST", "dashboard")


def measure_in_process(args: argparse.Namespace) -> None:
    """Runs in a subprocess whose environment names the database."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from quiz.models import Choice, Learner, ReviewLog
    from tests.study_helpers import choice_ids, hidden_fields

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("prepare_database", verbosity=0, stdout=io.StringIO())
    right = set(Choice.objects.filter(is_correct=True).values_list("pk", flat=True))

    def timed(
        timings: dict[str, list[float]], queries: dict[str, list[int]], name: str, call: Callable
    ) -> tuple[str, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = call()
            timings[name].append((time.perf_counter() - started) * 1000)
        queries[name].append(len(captured))
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        return response.content.decode(), [q["sql"] for q in captured.captured_queries]

    def workload(client: Client, rounds: int, study: bool = True) -> dict:
        timings: dict[str, list[float]] = {name: [] for name in NAMES}
        queries: dict[str, list[int]] = {name: [] for name in NAMES}
        sql: dict[str, list[str]] = {}
        client.get("/study/")  # warm-up: the learner row, the content in memory
        for _ in range(rounds if study else 0):
            page, sql["study GET"] = timed(timings, queries, "study GET", lambda: client.get("/study/", headers=HTMX))
            fields = hidden_fields(page)
            data = {**fields, "rating": "3"}
            if choices := choice_ids(page):
                right_choice = next(c for c in choices if c in right)
                picked = client.post("/study/answer/", {**fields, "choice": right_choice}, headers=HTMX)
                data["token"] = picked.content.decode().split('name="token" value="')[1].split('"')[0]
            _, graded = timed(
                timings, queries, "grade POST", lambda data=data: client.post("/study/grade/", data, headers=HTMX)
            )
            if len(graded) >= len(sql.get("grade POST", [])):
                sql["grade POST"] = graded
        for _ in range(args.dashboard):
            _, sql["dashboard"] = timed(timings, queries, "dashboard", lambda: client.get("/progress/"))
        return {
            name: {
                "p50": statistics.median(values),
                "p95": percentile(values, 0.95),
                "queries": max(queries[name]),
                "n": len(values),
            }
            for name, values in timings.items()
            if values
        } | {"_sql": sql}

    def new_learner(name: str) -> Client:
        user = get_user_model().objects.create_user(name)
        Learner.objects.create(user=user, new_per_day=500)
        client = Client()
        client.force_login(user)
        return client

    results = {"fresh": workload(new_learner("scale-fresh"), args.rounds)}
    started = time.perf_counter()
    call_command("seed_scale", learners=args.learners, reviews=args.reviews, force=True, stderr=io.StringIO())
    seeded_in = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    results["large"] = workload(new_learner("scale-large"), args.rounds)
    veteran = Learner.objects.filter(user__username__startswith="scale-").exclude(
        user__username__in=["scale-fresh", "scale-large"]
    )
    long_history = veteran.order_by("pk").first()
    assert long_history is not None and long_history.user is not None
    client = Client()
    client.force_login(long_history.user)
    results["large, seeded learner"] = workload(client, 0, study=False)
    results["large, seeded learner"]["_history"] = ReviewLog.objects.filter(learner=long_history).count()

    plans: list[str] = []
    if connection.vendor == "postgresql":
        for name, statements in results["large"]["_sql"].items():
            for statement in statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN ANALYZE " + statement)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                for table in ("quiz_reviewlog", "quiz_cardstate"):
                    if f"Seq Scan on {table}" in plan:
                        plans.append(f"{name}: Seq Scan on {table} in: {statement[:300]}")
    if args.show_queries:
        for name, statements in results["large"]["_sql"].items():
            print(f"{name}:", *(f"  {statement[:160]}" for statement in statements), sep="\n", file=sys.stderr)
    for result in results.values():
        result.pop("_sql", None)
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "log_rows": ReviewLog.objects.count(),
                "learners": Learner.objects.count(),
                "seeded_in": seeded_in,
                "results": results,
                "seq_scans": plans,
            }
        )
    )


def run(database: str, args: argparse.Namespace) -> None:
    env = measurement_env(database, POSTGRES_URL, "scale")
    print(f"[{database}] fresh, seeding {args.learners} learners / {args.reviews} rows …", file=sys.stderr, flush=True)
    command = [sys.executable, __file__, "measure", "--learners", str(args.learners), "--reviews", str(args.reviews)]
    command += ["--rounds", str(args.rounds), "--dashboard", str(args.dashboard)]
    command += ["--show-queries"] if args.show_queries else []
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    if args.show_queries:
        print(done.stderr, file=sys.stderr)
    data = json.loads(done.stdout.strip().splitlines()[-1])
    results = data["results"]
    history = results["large, seeded learner"].pop("_history")
    print(
        f"\n### {database}: fresh vs {data['learners']:,} learners and {data['log_rows']:,} review-log rows "
        f"(seeded in {data['seeded_in']:.0f} s), {args.rounds} rounds, {time.strftime('%F %H:%M')}\n"
    )
    print("| request | database | n | p50 ms | p95 ms | queries (max) | p50 × fresh | p95 × fresh |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in NAMES:
        fresh = results["fresh"][name]
        for label, result in results.items():
            if name not in result:
                continue
            row = result[name]
            label_text = f"{label} ({history} log rows of its own)" if label.endswith("learner") else label
            print(
                f"| {name} | {label_text} | {row['n']} | {row['p50']:.1f} | {row['p95']:.1f} | {row['queries']} "
                f"| {row['p50'] / fresh['p50']:.2f} | {row['p95'] / fresh['p95']:.2f} |"
            )
    print()
    caps = {"study GET": 8, "grade POST": 12, "dashboard": 10}
    for name, cap in caps.items():
        most = max(result[name]["queries"] for result in results.values() if name in result)
        print(f"goal {name} ≤ {cap} queries at any history size ({database}): {most} {verdict(most <= cap)}")
    for name in NAMES:
        large, fresh = results["large"][name], results["fresh"][name]
        worst = max(large["p50"] / fresh["p50"], large["p95"] / fresh["p95"])
        print(f"goal {name} p50 and p95 ≤ 1.2× fresh at scale ({database}): {worst:.2f} {verdict(worst <= 1.2)}")
    if database == "postgresql":
        scans = data["seq_scans"]
        print(f"goal no sequential scan of the log or card states ({database}): {len(scans)} {verdict(not scans)}")
        for scan in scans:
            print(f"  {scan}")


def main() -> None:
    parser = argparse.ArgumentParser(description="Latency and query counts, fresh vs large database.")
    parser.add_argument("step", nargs="?", default="run", choices=["run", "measure"])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=40, help="new cards studied per measurement")
    parser.add_argument("--dashboard", type=int, default=20, help="dashboard requests per measurement")
    parser.add_argument("--postgres", action="store_true", help=f"also on PostgreSQL ({POSTGRES_URL})")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of the large run (stderr)")
    args = parser.parse_args()
    if args.step == "measure":
        return measure_in_process(args)
    run("sqlite", args)
    if args.postgres:
        run("postgresql", args)


if __name__ == "__main__":
    main()
