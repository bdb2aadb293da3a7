"""Latency and query counts of the study loop, with a large study history.

    make bench-latency               # SQLite (a temporary file)
    DATABASE_URL=postgres://… make bench-latency

Seeds learners with history (seed_bench_data), then one learner studies:
GET the study page, reveal or pick, grade — N times, through Django's full
request stack (middleware, sessions, templates) in this process. Prints a
Markdown table; results we keep are written down in bench/RESULTS.md.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp()) / "bench.sqlite3")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from quiz.models import Question, ReviewLog  # noqa: E402
from tests.study_helpers import HTMX, hidden_fields, question_on_screen  # noqa: E402

# Each round studies one new card; the content has about 80.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "60"))
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "300"))


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    if os.environ.get("DATABASE_URL"):
        # Work in a throw-away database next to the configured one.
        from django.test.utils import get_runner

        runner = get_runner(settings)(verbosity=0)
        old = runner.setup_databases()
    else:
        old = None
    call_command("migrate", verbosity=0)
    call_command("load_content", verbosity=0, stdout=io.StringIO())
    started = time.perf_counter()
    # A throw-away database (above), whatever DEBUG says.
    call_command("seed_bench_data", learners=LEARNERS, force=True, stdout=sys.stderr)
    print(f"seeded in {time.perf_counter() - started:.1f}s", file=sys.stderr)

    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench-reader")
    client = Client()
    client.force_login(user)
    client.get("/study/")
    from quiz.models import Learner

    Learner.objects.filter(user=user).update(new_per_day=ROUNDS + 10)

    timings: dict[str, list[float]] = {"study GET (htmx)": [], "reveal / pick": [], "grade POST (htmx)": []}
    queries: dict[str, list[int]] = {name: [] for name in timings}

    def timed(name: str, call):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = call()
            timings[name].append((time.perf_counter() - start) * 1000)
        queries[name].append(len(captured))
        assert response.status_code == 200, (name, response.status_code, response.content[:300])
        return response

    for _ in range(ROUNDS):
        page = timed("study GET (htmx)", lambda: client.get("/study/", headers=HTMX)).content.decode()
        fields = hidden_fields(page)
        question = question_on_screen(page)
        if question.kind == Question.Kind.FLASHCARD:
            timed("reveal / pick", lambda fields=fields: client.post("/study/reveal/", fields, headers=HTMX))
            data = {**fields, "rating": "3"}
        else:
            right = question.choices.get(is_correct=True)
            picked = timed(
                "reveal / pick",
                lambda fields=fields, right=right: client.post(
                    "/study/answer/", {**fields, "choice": right.pk}, headers=HTMX
                ),
            ).content.decode()
            token = picked.split('name="token" value="')[1].split('"')[0]
            data = {**fields, "token": token, "rating": "3"}
        timed("grade POST (htmx)", lambda data=data: client.post("/study/grade/", data, headers=HTMX))

    engine = connection.vendor
    print(f"\n{engine}: {ReviewLog.objects.count():,} log rows, {LEARNERS} learners, {ROUNDS} rounds\n")
    print("| request | p50 ms | p95 ms | max ms | queries (max) |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, values in timings.items():
        values.sort()
        p95 = values[int(len(values) * 0.95) - 1]
        print(f"| {name} | {statistics.median(values):.1f} | {p95:.1f} | {values[-1]:.1f} | {max(queries[name])} |")
    if old is not None:
        runner.teardown_databases(old)


if __name__ == "__main__":
    main()
