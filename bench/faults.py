"""Fault run: answers under a steady stream of grades while PostgreSQL restarts
and a gunicorn worker is killed in the middle of the stream.

    make bench-faults            # needs PostgreSQL on 127.0.0.1:5432 and root (pg_ctlcluster)

Starts gunicorn (production settings, 2 workers, 127.0.0.1 only) on its own
database (twitch_bench_fault, created if missing), then several learners
answer cards over HTTP the way htmx does, for a fixed time. In the middle,
PostgreSQL is stopped for a moment and started again (no restart of
gunicorn); later one gunicorn worker gets SIGKILL. Prints the 5xx count
(the goal: only 503s, during the outage), the seconds until answers succeed
again, whether every acknowledged answer is in the log, and whether every
card's state matches its log (no partial write). Results: docs/performance.md.
"""

from __future__ import annotations

import http.client
import http.cookies
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PORT = int(os.environ.get("BENCH_PORT", "8765"))
DATABASE_URL = os.environ.get("BENCH_FAULT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/twitch_bench_fault")
CLUSTER = os.environ.get("BENCH_PG_CLUSTER", "")  # "15 main"; found in /etc/postgresql when empty
STREAMS = int(os.environ.get("BENCH_STREAMS", "6"))
DURATION = float(os.environ.get("BENCH_SECONDS", "30"))
OUTAGE_AT = float(os.environ.get("BENCH_OUTAGE_AT", "8"))
OUTAGE_SECONDS = float(os.environ.get("BENCH_OUTAGE_SECONDS", "2"))
# false: no PostgreSQL restart (a dry run of the stream and the worker kill).
RESTART = os.environ.get("BENCH_PG_RESTART", "true") == "true"
KILL_AT = float(os.environ.get("BENCH_KILL_AT", "18"))
KILLS = int(os.environ.get("BENCH_KILLS", "3"))  # one SIGKILL a second from KILL_AT
MAX_ANSWERS = int(os.environ.get("BENCH_MAX_ANSWERS", "5000"))
LEARNERS = 60  # about 80 new cards each; a stream takes the next learner when one runs out

SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    "DJANGO_HTTPS": "false",
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_LOG_LEVEL": "WARNING",
}
os.environ.update(SERVER_ENV)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from bench.http_client import Browser, wait_until_up  # noqa: E402
from quiz import content_file  # noqa: E402
from quiz.models import Choice, Learner, ReviewLog  # noqa: E402
from tests.html_forms import choice_ids, hidden_fields  # noqa: E402
from tests.many_learners import inconsistent_cards  # noqa: E402

BASE = f"http://127.0.0.1:{PORT}"
# No HTTP answer at all: the connection was refused or reset (a killed worker).
CUT_OFF = (urllib.error.URLError, ConnectionError, TimeoutError, http.client.HTTPException)
GRADE_TRIES = 100


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def create_database() -> None:
    import psycopg

    name = urllib.parse.urlparse(DATABASE_URL).path.lstrip("/")
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def pg_cluster() -> list[str]:
    if CLUSTER:
        return CLUSTER.split()
    version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]
    return [version, "main"]


def pg_ctl(action: str) -> None:
    extra = ["-m", "fast"] if action == "stop" else []
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", *pg_cluster(), action, *extra], check=True)


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q", "-t", "1"]).returncode == 0


@dataclass
class LearnerPool:
    """Signed-in learners (session cookies), handed out one at a time."""

    sessions: list[str]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> str | None:
        with self.lock:
            return self.sessions.pop() if self.sessions else None


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[tuple[float, str, int]] = field(default_factory=list)
    cut_off: list[str] = field(default_factory=list)  # paths that got no HTTP answer (worker killed)
    acknowledged: set[str] = field(default_factory=set)
    already_saved: int = 0  # repeated grades answered "already saved"
    grades_ok: list[float] = field(default_factory=list)
    grades_failed: list[float] = field(default_factory=list)

    def saw(self, status: int, path: str, at: float) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if status >= 500:
                self.server_errors.append((at, path, status))


@dataclass
class Outage:
    """When PostgreSQL stopped answering and answered again, as pg_isready saw it."""

    stopped_at: float
    down_at: float = math.nan
    up_at: float = math.nan

    def watch(self) -> None:
        while math.isnan(self.up_at):
            ready = pg_ready()
            now = time.monotonic()
            if not ready and math.isnan(self.down_at):
                self.down_at = now
            elif ready and not math.isnan(self.down_at):
                self.up_at = now
            elif ready and not RESTART:
                self.down_at = self.up_at = now
            time.sleep(0.05)


class FaultBrowser(Browser):
    """A learner's browser that reports every answer, and requests cut off
    with no HTTP answer at all (the worker serving them was killed)."""

    def __init__(self, session: str, results: Results) -> None:
        super().__init__(BASE, session)
        self.results = results

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        try:
            return super().request(path, data)
        except CUT_OFF:
            with self.results.lock:
                self.results.cut_off.append(path)
            raise

    def saw(self, status: int, path: str) -> None:
        self.results.saw(status, path, time.monotonic())


def answer_one(browser: FaultBrowser, right_choices: set[int], results: Results) -> str:
    """Study the card on screen: 'answered', 'failed', or 'done' (no card left)."""
    status, page = browser.request("/study/")
    if status != 200:
        return "failed"
    fields = hidden_fields(page) if 'id="card"' in page else {}
    if "question" not in fields:
        return "done"
    data = {**fields, "rating": "3"}
    choices = choice_ids(page)
    if choices:
        right = next(pk for pk in choices if pk in right_choices)
        status, picked = browser.request("/study/answer/", {**fields, "choice": right})
        if status != 200:
            return "failed"
        token = re.search(r'name="token" value="([^"]+)"', picked)
        if token is None:
            return "failed"
        data["token"] = token.group(1)
    # A grade refused (503) or cut off is sent again as it was, as a learner
    # pressing the button again would: the same review id, so it counts once.
    for _ in range(GRADE_TRIES):
        try:
            status, text = browser.request("/study/grade/", data)
        except CUT_OFF:
            status, text = 0, ""
        with results.lock:
            if status == 200:
                results.acknowledged.add(fields["review"])
                results.grades_ok.append(time.monotonic())
                results.already_saved += "That answer was already saved." in text
                return "answered"
            results.grades_failed.append(time.monotonic())
        if status not in (0, 503):
            return "failed"
        time.sleep(0.2)
    return "failed"


def stream(pool: LearnerPool, right_choices: set[int], results: Results, deadline: float) -> None:
    session = pool.take()
    browser = FaultBrowser(session, results) if session else None
    while browser and time.monotonic() < deadline and len(results.acknowledged) < MAX_ANSWERS:
        try:
            outcome = answer_one(browser, right_choices, results)
        except CUT_OFF:
            outcome = "failed"
        if outcome == "done":
            session = pool.take()
            browser = FaultBrowser(session, results) if session else None
        elif outcome == "failed":
            time.sleep(0.2)  # a learner retrying, a little later


def prepare() -> tuple[list[str], set[int]]:
    create_database()
    call_command("migrate", verbosity=0)
    content_file.load()
    call_command("collectstatic", interactive=False, verbosity=0)
    ReviewLog.objects.all().delete()
    Learner.objects.all().delete()
    get_user_model().objects.filter(username__startswith="fault-").delete()
    sessions = []
    for n in range(LEARNERS):
        user = get_user_model().objects.create_user(f"fault-{n}")
        Learner.objects.create(user=user, new_per_day=200)
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    right = set(Choice.objects.filter(is_correct=True).values_list("pk", flat=True))
    connection.close()
    return sessions, right


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def main() -> None:
    sessions, right = prepare()
    server_log = Path(os.environ.get("BENCH_SERVER_LOG", "/tmp/bench-faults-gunicorn.log"))
    gunicorn = subprocess.Popen(
        [
            *[str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", "2"],
            "--no-control-socket",
        ],
        cwd=ROOT,
        env={**os.environ, **SERVER_ENV},
        stdout=server_log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(BASE, gunicorn, str(server_log))
        results = Results()
        pool = LearnerPool(sessions)
        start = time.monotonic()
        deadline = start + DURATION
        threads = [threading.Thread(target=stream, args=(pool, right, results, deadline)) for _ in range(STREAMS)]
        for thread in threads:
            thread.start()

        time.sleep(max(0.0, start + OUTAGE_AT - time.monotonic()))
        log("stopping PostgreSQL")
        outage = Outage(stopped_at=time.monotonic())
        watcher = threading.Thread(target=outage.watch)
        watcher.start()
        if RESTART:
            pg_ctl("stop")
            time.sleep(OUTAGE_SECONDS)
            pg_ctl("start")
        watcher.join()
        log(f"PostgreSQL accepting connections again {outage.up_at - outage.stopped_at:.1f} s after the stop")

        time.sleep(max(0.0, start + KILL_AT - time.monotonic()))
        for n in range(KILLS):
            time.sleep(max(0.0, start + KILL_AT + n - time.monotonic()))
            victim = workers_of(gunicorn.pid)[0]
            log(f"SIGKILL to gunicorn worker {victim}")
            os.kill(victim, signal.SIGKILL)

        for thread in threads:
            thread.join(timeout=DURATION + 120)
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)

    report(results, start, outage, server_log)


def report(results: Results, start: float, outage: Outage, server_log: Path) -> None:
    logged = {str(r) for r in ReviewLog.objects.values_list("review_id", flat=True)}
    lost = results.acknowledged - logged
    unacknowledged = logged - results.acknowledged
    other_5xx = [e for e in results.server_errors if e[2] != 503]
    during = [e for e in results.server_errors if e[2] == 503]
    first_failure = min((t for t, _, _ in during if t >= outage.stopped_at), default=outage.stopped_at)
    last_ok_before = max((t for t in results.grades_ok if t < first_failure), default=first_failure)
    first_ok_after = min((t for t in results.grades_ok if t > outage.up_at), default=math.nan)
    outside = [t for t, _, _ in during if not outage.stopped_at <= t <= first_ok_after + 1]
    logged_errors = server_log.read_text().count("Database unavailable")
    bad = inconsistent_cards()
    print(
        f"\nFault run: {STREAMS} streams for {DURATION:.0f} s, gunicorn 2 workers, PostgreSQL, {time.strftime('%F')}\n"
    )
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| requests | {sum(results.statuses.values())} |")
    print(f"| responses by status | {', '.join(f'{k}: {v}' for k, v in sorted(results.statuses.items()))} |")
    print(f"| 5xx other than 503 | {len(other_5xx)} |")
    print(f"| 503 responses (outside the outage) | {len(during)} ({len(outside)}) |")
    grades_cut = results.cut_off.count("/study/grade/")
    print(f"| SIGKILLs to a gunicorn worker | {KILLS} |")
    print(f"| requests cut off by them (of which grades) | {len(results.cut_off)} ({grades_cut}) |")
    print(f"| PostgreSQL refusing connections (pg_isready) | {outage.up_at - outage.down_at:.1f} s |")
    print(f"| first acknowledged answer after PostgreSQL accepts again | {first_ok_after - outage.up_at:.2f} s |")
    print(
        f"| no answer acknowledged (last before the outage → first after) | {first_ok_after - last_ok_before:.1f} s |"
    )
    print(f"| grade posts refused (503) or cut off, then sent again | {len(results.grades_failed)} |")
    print(f"| acknowledged answers | {len(results.acknowledged)} |")
    print(f'| of which a repeat answered "already saved" | {results.already_saved} |')
    print(f"| review-log rows | {len(logged)} |")
    print(f"| acknowledged but not in the log | {len(lost)} |")
    print(f"| in the log but never acknowledged (response cut off) | {len(unacknowledged)} |")
    print(f"| cards whose state does not match their log | {len(bad)} |")
    print(f"| errors logged by the app with their cause | {logged_errors} |")
    for at, path, status in other_5xx[:10]:
        print(f"  {status} {path} at {at - start:.1f} s", file=sys.stderr)
    ok = not other_5xx and not outside and not lost and not bad and not math.isnan(first_ok_after)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
