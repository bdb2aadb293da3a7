"""Requests per second of the study loop on a production-mode gunicorn (issue 10).

    make bench-load                          # SQLite (a fresh temporary file)
    make bench-load ARGS=--postgres          # SQLite, then PostgreSQL (twitch_bench_load)
    .venv/bin/python bench/load.py --seconds 10 --postgres

For each database: a fresh database prepared with `manage.py prepare_database`,
signed-in learners (sessions created in the database), gunicorn with
production settings (DJANGO_DEBUG=false, 2 sync workers, 127.0.0.1 on a free
port). Then, one after the other for a fixed time each:

- wrk on /healthz (the floor: middleware and one tiny view), /learn/ (one
  template, one query) and the study GET of one signed-in learner;
- wrk replaying grade POSTs (bench/wrk_grades.lua): one fresh form per
  learner and topic, prepared before the run (GET /study/<topic>/ and the
  pick of the right choice), each sent once, learners interleaved; the
  grades in flight when wrk stops are saved but never read, so their log
  rows are bounded, not equal;
- the grade loop: threads in this process, each cycling over its own learners,
  GET the study page, pick the right choice when the card asks for one, and
  POST the grade the way htmx does. Every grade needs a fresh form, so wrk
  cannot replay them blindly; the loop reports acknowledged grades per second
  and the grade POST's own latency, separately from wrk's numbers. Each of
  its grades waits for two or three requests in a row, so its rate is far
  below wrk's; it prints the CPU it used itself (well under a core).

Prints requests/s, p50/p99, ratios against /learn/, the non-2xx count, and
whether the review-log rows equal the acknowledged grades. Loopback only;
gunicorn is stopped at the end, on error too. Needs wrk (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.goals import percentile, verdict  # noqa: E402
from bench.http_client import (  # noqa: E402
    Browser,
    free_port,
    fresh_postgres,
    gunicorn,
    prepare_server,
    run_json,
    server_env,
)
from tests.html_forms import hidden_fields  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/twitch_bench_load")
GRADE_LEARNERS = 120
GRADE_THREADS = 6
WRK_LEARNERS = 400


# --- Run inside a Django process (a subprocess with the server's settings) ---


def django_prepare(learners: int, form_learners: int, forms_path: str) -> None:
    """Signed-in learners as session keys, and the right choices, as JSON on
    stdout; grade forms for wrk written to `forms_path` as a Lua table."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from quiz.models import Choice, Learner, Topic

    settings.ALLOWED_HOSTS = ["testserver"]

    def signed_in(name: str) -> str:
        user = get_user_model().objects.create_user(name)
        # Enough new cards a day that no learner runs out during a run.
        Learner.objects.create(user=user, new_per_day=500)
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    reader = signed_in("load-reader")
    sessions = [signed_in(f"load-{n}") for n in range(learners)]
    right = list(Choice.objects.filter(is_correct=True).values_list("pk", flat=True))
    # One fresh grade form per learner and topic (each topic's first card is
    # a different card, so grading one leaves the others' forms valid).
    forms = []
    for n in range(form_learners):
        user = get_user_model().objects.create_user(f"load-wrk-{n}")
        Learner.objects.create(user=user, new_per_day=500)
        client = Client()
        client.force_login(user)
        for slug in Topic.objects.values_list("slug", flat=True):
            page = client.get(f"/study/{slug}/").content.decode()
            fields = hidden_fields(page)
            if "question" not in fields:
                continue
            data = {**fields, "rating": "3"}
            if choices := choice_ids(page):
                pick = {**fields, "choice": next(c for c in choices if c in right)}
                picked = client.post("/study/answer/", pick, headers={"HX-Request": "true"}).content.decode()
                data["token"] = picked.split('name="token" value="')[1].split('"')[0]
            cookie = f"sessionid={client.cookies['sessionid'].value}; csrftoken={client.cookies['csrftoken'].value}"
            forms.append((cookie, client.cookies["csrftoken"].value, urllib.parse.urlencode(data)))
    rng = random.Random(10)
    rng.shuffle(forms)  # learners interleaved, not one learner's topics in a row
    with open(forms_path, "w") as lua:
        lua.write("return {\n")
        for cookie, csrf, body in forms:
            lua.write(f'{{path="/study/grade/", cookie="{cookie}", csrf="{csrf}", body="{body}"}},\n')
        lua.write("}\n")
    print(json.dumps({"reader": reader, "learners": sessions, "right": right, "forms": len(forms)}))


def django_count() -> None:
    import django

    django.setup()
    from quiz.models import ReviewLog

    wrk_rows = ReviewLog.objects.filter(learner__user__username__startswith="load-wrk-").count()
    print(json.dumps({"log_rows": ReviewLog.objects.count(), "wrk_rows": wrk_rows}))


# --- The orchestrator: no Django here, only subprocesses and HTTP ---


@dataclass
class Measure:
    name: str
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    note: str = ""


def wrk(base: str, path: str, seconds: float, connections: int, cookie: str = "") -> Measure:
    # A wrong status would make every number meaningless: check it once first.
    request = urllib.request.Request(base + path, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 200 or response.url != base + path:
            raise SystemExit(f"{path} answered {response.status} at {response.url}, not 200")
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "-s", str(ROOT / "bench/wrk_report.lua")]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, base + path], check=True, capture_output=True, text=True).stdout
    line = next(text for text in reversed(output.splitlines()) if text.startswith("{"))
    data = json.loads(line)
    return Measure(
        name=path,
        rps=data["requests"] / data["seconds"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        non_2xx=data["non_2xx_3xx"] + data["socket_errors"],
    )


@dataclass
class GradeResults:
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: set[str] = field(default_factory=set)
    grade_ms: list[float] = field(default_factory=list)
    requests: int = 0
    non_2xx: int = 0
    learners_used: set[str] = field(default_factory=set)
    elapsed: float = 0.0
    client_cpu: float = 0.0  # cores this process used: the client competes with gunicorn


class LoadBrowser(Browser):
    """A learner's browser that counts its requests and the non-2xx answers."""

    def __init__(self, base: str, session: str, results: GradeResults) -> None:
        super().__init__(base, session)
        self.results = results

    def saw(self, status: int, path: str) -> None:
        with self.results.lock:
            self.results.requests += 1
            self.results.non_2xx += not 200 <= status < 300


def choice_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'name="choice" value="(\d+)"', html)]


def grade_once(browser: Browser, right: set[int], results: GradeResults) -> None:
    """Study the card on screen: GET, pick the right choice if asked, grade Good."""
    status, page = browser.request("/study/")
    fields = hidden_fields(page) if status == 200 else {}
    if "question" not in fields:
        return
    data = {**fields, "rating": "3"}
    if choices := choice_ids(page):
        status, picked = browser.request("/study/answer/", {**fields, "choice": next(c for c in choices if c in right)})
        token = re.search(r'name="token" value="([^"]+)"', picked)
        if status != 200 or token is None:
            return
        data["token"] = token.group(1)
    started = time.perf_counter()
    status, _ = browser.request("/study/grade/", data)
    elapsed = (time.perf_counter() - started) * 1000
    if status == 200:
        with results.lock:
            results.acknowledged.add(fields["review"])
            results.grade_ms.append(elapsed)
            results.learners_used.add(browser.cookies["sessionid"])


def wrk_grade_posts(base: str, forms_path: Path, seconds: float, connections: int) -> dict:
    """wrk replays the pre-built grade forms, each once (bench/wrk_grades.lua)."""
    env = {**os.environ, "BENCH_GRADES": str(forms_path), "BENCH_WRK_THREADS": "2"}
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "-s", str(ROOT / "bench/wrk_grades.lua")]
    output = subprocess.run([*command, base + "/study/grade/"], check=True, capture_output=True, text=True, env=env)
    line = next(text for text in reversed(output.stdout.splitlines()) if text.startswith("{"))
    return json.loads(line)


def grade_loop(base: str, sessions: list[str], right: set[int], seconds: float, threads: int) -> GradeResults:
    results = GradeResults()
    deadline = time.monotonic() + seconds

    def worker(mine: list[str]) -> None:
        # Each learner belongs to one thread, which goes round its learners:
        # many distinct learners, never two requests of one learner at once.
        browsers = [LoadBrowser(base, session, results) for session in mine]
        n = 0
        while time.monotonic() < deadline:
            grade_once(browsers[n % len(browsers)], right, results)
            n += 1

    pool = [threading.Thread(target=worker, args=(sessions[i::threads],)) for i in range(threads)]
    started, cpu = time.monotonic(), time.process_time()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.elapsed = time.monotonic() - started
    results.client_cpu = (time.process_time() - cpu) / results.elapsed
    return results


def measure(database: str, args: argparse.Namespace) -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-load-"))
    sqlite_path = workdir / "load.sqlite3" if database == "sqlite" else None
    if database == "postgresql":
        fresh_postgres(POSTGRES_URL)
        env = server_env(database_url=POSTGRES_URL)
    else:
        env = server_env(sqlite_path=sqlite_path)
    print(f"[{database}] preparing a fresh database …", file=sys.stderr, flush=True)
    prepare_server(env)
    forms_path = workdir / "grades.lua"
    prepared = run_json(
        ["bench/load.py", "prepare", "--learners", str(args.learners)]
        + ["--form-learners", str(args.form_learners), "--forms-path", str(forms_path)],
        env,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    reader = f"sessionid={prepared['reader']}"
    rows: list[Measure] = []
    with gunicorn(env, port, workdir / "gunicorn.log"):
        for path, cookie in (("/healthz", ""), ("/learn/", ""), ("/study/", reader)):
            print(f"[{database}] wrk {path} for {args.seconds:g} s …", file=sys.stderr, flush=True)
            rows.append(wrk(base, path, args.seconds, args.connections, cookie))
        rows[-1].name = "/study/ (GET, signed in)"
        print(f"[{database}] wrk grade POSTs ({prepared['forms']} forms) …", file=sys.stderr, flush=True)
        wrk_grades = wrk_grade_posts(base, forms_path, args.seconds, args.connections)
        print(f"[{database}] grade loop for {args.seconds:g} s …", file=sys.stderr, flush=True)
        results = grade_loop(base, prepared["learners"], set(prepared["right"]), args.seconds, args.threads)
    counted = run_json(["bench/load.py", "count"], env)
    wrk_rows, loop_rows = counted["wrk_rows"], counted["log_rows"] - counted["wrk_rows"]
    # wrk stops at its deadline with a request in flight on each connection:
    # the server saves those grades, wrk never reads their answers.
    cut_off = wrk_grades["sent"] - wrk_grades["acknowledged"] - wrk_grades["not_acknowledged"]
    rows.append(
        Measure(
            name="grade POST (wrk, pre-built forms)",
            rps=wrk_grades["acknowledged"] / wrk_grades["seconds"],
            p50_ms=wrk_grades["p50_us"] / 1000,
            p99_ms=wrk_grades["p99_us"] / 1000,
            non_2xx=wrk_grades["non_2xx_3xx"] + wrk_grades["socket_errors"],
            note=f"{wrk_grades['acknowledged']} acknowledged of {prepared['forms']} forms, "
            f"{wrk_grades['not_acknowledged']} not, {cut_off} sent but unread when wrk stopped; "
            f"ran {wrk_grades['seconds']:.1f} s",
        )
    )
    elapsed = results.elapsed
    grades = len(results.acknowledged)
    rows.append(
        Measure(
            name="grade POST (loop: GET, pick, POST)",
            rps=grades / elapsed,
            p50_ms=percentile(results.grade_ms, 0.5),
            p99_ms=percentile(results.grade_ms, 0.99),
            non_2xx=results.non_2xx,
            note=f"{results.requests / elapsed:.0f} req/s of all kinds; {len(results.learners_used)} learners; "
            f"client used {results.client_cpu:.2f} cores",
        )
    )
    learn = rows[1].rps
    lines = [
        f"\n### {database}: gunicorn 2 workers, wrk -t2 -c{args.connections}, {args.seconds:g} s each, "
        f"{time.strftime('%F %H:%M')}\n",
        "| request | req/s | p50 ms | p99 ms | × /learn/ | non-2xx | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        lines.append(
            f"| {row.name} | {row.rps:.0f} | {row.p50_ms:.1f} | {row.p99_ms:.1f} | {row.rps / learn:.2f} "
            f"| {row.non_2xx} | {row.note} |"
        )
    same = "yes" if loop_rows == grades else "NO"
    lines.append(f"\ngrade loop: acknowledged grades {grades}, review-log rows {loop_rows}: equal {same}")
    # The grades wrk had in flight at its deadline were saved, their answers never read.
    within = wrk_grades["acknowledged"] <= wrk_rows <= wrk_grades["acknowledged"] + cut_off
    lines.append(
        f"wrk grades: acknowledged {wrk_grades['acknowledged']}, review-log rows {wrk_rows}, "
        f"in flight at the deadline {cut_off}: rows within acknowledged … acknowledged + in flight: "
        f"{'yes' if within else 'NO'}"
    )
    study, grade = rows[2].rps / learn, rows[3].rps / learn
    non_2xx = results.non_2xx + rows[3].non_2xx
    lines += [
        f"goal study GET ≥ 0.6× /learn/ req/s ({database}): {study:.2f} {verdict(study >= 0.6)}",
        f"goal grade POST ≥ 0.4× /learn/ req/s ({database}): {grade:.2f} {verdict(grade >= 0.4)}",
        f"goal grade POSTs: 0 non-2xx, review-log rows = acknowledged grades ({database}): "
        f"{non_2xx} non-2xx, rows {'equal' if same == 'yes' and within else 'NOT equal'} "
        f"{verdict(non_2xx == 0 and same == 'yes' and within)}",
    ]
    if not results.grade_ms:
        lines.append("no grade was acknowledged: see the gunicorn log in " + str(workdir))
    print("\n".join(lines), flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("step", nargs="?", default="run", choices=["run", "prepare", "count"])
    parser.add_argument("--postgres", action="store_true", help=f"also on PostgreSQL ({POSTGRES_URL})")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8, help="wrk connections")
    parser.add_argument("--threads", type=int, default=GRADE_THREADS, help="grade loop threads")
    parser.add_argument("--learners", type=int, default=GRADE_LEARNERS, help="distinct learners grading")
    parser.add_argument(
        "--form-learners", type=int, default=WRK_LEARNERS, help="learners whose grade forms wrk replays (7 each)"
    )
    parser.add_argument("--forms-path", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step == "prepare":
        return django_prepare(args.learners, args.form_learners, args.forms_path)
    if args.step == "count":
        return django_count()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install it with `sudo apt-get install -y wrk` (or `brew install wrk`).")
    measure("sqlite", args)
    if args.postgres:
        measure("postgresql", args)


if __name__ == "__main__":
    main()
