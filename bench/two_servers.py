"""Two app servers on one PostgreSQL: a learner whose requests alternate between
them gets the same results as on one server (issue 10, "scale out").

    make bench-two
    .venv/bin/python bench/two_servers.py

Starts two gunicorn servers, A and B (production settings, 2 workers each,
127.0.0.1 on free ports), with one environment (so one secret key) on one
fresh PostgreSQL database of their own (twitch_bench_two, or
BENCH_TWO_DATABASE_URL) and one Redis database as the shared cache
(redis://127.0.0.1:6379/13, or BENCH_TWO_REDIS_URL: it is EMPTIED first).
Then, over plain HTTP:

- a signed-in learner and a guest, each request to the other server than
  the one before: sign in, the study page, show the answer or pick the right
  choice, grade, undo, grade again, a few more cards, change the new cards a
  day, a quiz (start, every question, the score), the dashboard. The same
  scenario with both sides on server A is the reference: the cards shown, the
  counters, the quiz score and the dashboard must be the same, and the review
  log must hold exactly the grades acknowledged minus the one undone;
- an editor signs into the admin on A and changes a fact's and a question's
  English text; the next requests to B (and A) must show the new text, with
  no wait. Each server is asked several times before the edit and after, so
  both of its workers have most likely served (and cached) the old text;
- sign-up POSTs alternate between A and B: the limit (set to 4 here) must
  count them together, which needs the shared cache.

Prints one goal line per check, as `make bench` collects them
(bench/goals.py): `goal two servers: <check> (postgresql): <seen> pass`, or
`… : <what went wrong> FAIL`; then a summary. Exits non-zero when a check
fails. The servers are stopped at the end, on failure too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.goals import verdict  # noqa: E402
from bench.http_client import (  # noqa: E402
    Browser,
    free_port,
    fresh_postgres,
    gunicorn,
    prepare_server,
    run_json,
    server_env,
)
from tests.html_forms import choice_ids, form_data, hidden_fields  # noqa: E402

DATABASE_URL = os.environ.get("BENCH_TWO_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/twitch_bench_two")
REDIS_URL = os.environ.get("BENCH_TWO_REDIS_URL", "redis://127.0.0.1:6379/13")
LEARNERS = {"one server": "two-reference", "two servers": "two-split"}
EDITOR = "two-editor"
# Good, Easy, Good, Hard …: never Again, whose card would come back within the run.
RATINGS = (3, 4, 3, 2, 3, 3)
UNDO_AFTER = 2  # undo the second grade; that card is then graded again
NEW_PER_DAY = 7  # the study setting changed on one server and read on the other
SIGNUP_LIMIT = 4
# Requests to each server around an edit: with 2 workers, both most likely answer some.
ASKS = 6


# --- Run inside a Django process (a subprocess with the servers' settings) ---


def django_prepare() -> None:
    """The learners' and the editor's accounts (password: BENCH_TWO_PASSWORD);
    prints the right choices and a published fact to edit as JSON."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from quiz.models import Choice, Fact

    password = os.environ["BENCH_TWO_PASSWORD"]
    users = get_user_model().objects
    for username in LEARNERS.values():
        users.create_user(username, password=password)
    users.create_superuser(EDITOR, password=password)
    fact = Fact.objects.published().select_related("topic").order_by("pk").first()
    assert fact is not None, "prepare_database loaded no published fact"
    right = list(Choice.objects.filter(is_correct=True).values_list("pk", flat=True))
    print(json.dumps({"right": right, "fact": fact.pk, "topic": fact.topic.slug}))


def django_count(sessions: list[str]) -> None:
    """Prints the review ids in the log of each session's learner as JSON."""
    import django

    django.setup()
    from django.contrib.auth import SESSION_KEY as USER_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from quiz.learners import SESSION_KEY
    from quiz.models import Learner, ReviewLog

    found: dict[str, list[str]] = {}
    for key in sessions:
        session = SessionStore(session_key=key).load()
        learner = None
        if USER_SESSION_KEY in session:
            learner = Learner.objects.filter(user_id=session[USER_SESSION_KEY]).first()
        elif SESSION_KEY in session:
            learner = Learner.objects.filter(pk=session[SESSION_KEY], user__isnull=True).first()
        rows = ReviewLog.objects.filter(learner=learner).values_list("review_id", flat=True) if learner else []
        found[key] = [str(review) for review in rows]
    print(json.dumps(found))


# --- The orchestrator: no Django here, only subprocesses and HTTP ---


class SplitBrowser(Browser):
    """A browser whose requests go to `servers` in turn, one request each; a
    redirect is followed on the server that sent it. Collects error answers."""

    def __init__(self, servers: tuple[str, str]) -> None:
        super().__init__(servers[0])
        self.servers = servers
        self.sent = 0
        self.method = "GET"
        self.errors: list[str] = []

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        self.base = self.servers[self.sent % len(self.servers)]
        self.sent += 1
        self.method = "GET" if data is None else "POST"
        return super().request(path, data)

    def saw(self, status: int, path: str) -> None:
        if not 200 <= status < 300:
            self.errors.append(f"{status} for {self.method} {path} from {self.base}")


@dataclass
class Run:
    """What one learner's scenario saw and sent."""

    cards: list[int] = field(default_factory=list)  # the question of each card shown, in order
    counters: list[str] = field(default_factory=list)  # the study page's counters, each time it showed them
    acknowledged: list[str] = field(default_factory=list)  # review ids of the grades answered with 200
    undone: list[str] = field(default_factory=list)
    undo_put_back: bool = False  # the card shown after the undo is the one whose grade was undone
    settings_seen: str = ""  # new cards a day on the settings page, read after saving them
    quiz: str = ""
    dashboard: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    session: str = ""
    requests: int = 0

    def saw(self, page: str) -> None:
        """Note the card and the counters on a study page or fragment."""
        if question := hidden_fields(page).get("question"):
            self.cards.append(int(question))
        counters = [
            re.search(pattern, page)
            for pattern in (r"Today: \d+ of \d+ cards", r"\d+ reviews? due", r"\d+ new cards? left today")
        ]
        if any(counters):
            self.counters.append(", ".join(found[0] for found in counters if found))


def study_card(browser: Browser, page: str, rating: int, right: set[int], run: Run) -> str:
    """Answer the card on `page` (show the answer, or pick the right choice)
    and grade it `rating`; returns what the grade answered (the next card)."""
    fields = hidden_fields(page)
    if choices := choice_ids(page):
        _, answered = browser.request("/study/answer/", {**fields, "choice": next(c for c in choices if c in right)})
    else:
        _, answered = browser.request("/study/reveal/", fields)
    # The grade form (with the signed proof of a right pick) is now the card's first form.
    grade = {**hidden_fields(answered), "rating": str(rating)}
    status, graded = browser.request("/study/grade/", grade)
    if status == 200:
        run.acknowledged.append(grade["review"])
    run.saw(graded)
    return graded


def take_quiz(browser: Browser, right: set[int]) -> str:
    """Start a quiz, pick the right choice for every other question; the score page's result."""
    status, page = browser.request("/quiz/", {})
    attempt = browser.url
    if not re.fullmatch(r"/quiz/attempt/\d+/", attempt):
        return f"no quiz started ({status} at {attempt})"
    for n in range(50):
        question = re.search(r'name="question" value="(\d+)"', page)
        if question is None:
            break
        pick = next(c for c in choice_ids(page) if (c in right) == (n % 2 == 0))
        browser.request(f"{attempt}answer/", {"question": question[1], "choice": str(pick)})
        status, page = browser.request(attempt)
    score = re.search(r"You answered (\d+) of (\d+) questions correctly", page)
    return f"{score[1]} of {score[2]} right" if score else f"no score page ({status})"


def dashboard_figures(page: str) -> list[str]:
    """The dashboard's figures (today, streaks, memory, each topic's row) as text."""
    cells = re.findall(r"<(dd|td)[^>]*>(.*?)</\1>", page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", text).split()) for _tag, text in cells]


def scenario(servers: tuple[str, str], right: set[int], account: tuple[str, str] | None = None) -> Run:
    """One learner's session, each request sent to the next of `servers`."""
    browser = SplitBrowser(servers)
    run = Run(errors=browser.errors)
    if account is not None:
        browser.request("/account/signin/")
        browser.request("/account/signin/", {"username": account[0], "password": account[1]})
        if browser.url != "/progress/":
            run.errors.append(f"sign-in as {account[0]} ended at {browser.url}, not /progress/")
    _, page = browser.request("/study/")
    run.saw(page)
    for n, rating in enumerate(RATINGS, 1):
        graded = hidden_fields(page).get("question")
        if graded is None:
            run.errors.append(f"no card to study after {n - 1} grades")
            break
        page = study_card(browser, page, rating, right, run)
        if n == UNDO_AFTER:
            status, page = browser.request("/study/undo/", {"topic": "", "missed": ""})
            if status == 200 and run.acknowledged:
                run.undone.append(run.acknowledged[-1])
            run.saw(page)
            run.undo_put_back = hidden_fields(page).get("question") == graded

    _, page = browser.request("/study/settings/")
    settings = form_data(page, "class", "settings-form") | {"new_per_day": str(NEW_PER_DAY)}
    browser.request("/study/settings/", settings)
    _, page = browser.request("/study/settings/")
    run.settings_seen = form_data(page, "class", "settings-form").get("new_per_day", "")
    _, page = browser.request("/study/")
    run.saw(page)

    run.quiz = take_quiz(browser, right)
    _, page = browser.request("/progress/")
    run.dashboard = dashboard_figures(page)
    run.session = browser.cookies.get("sessionid", "")
    run.requests = browser.sent
    return run


def difference(one: Any, two: Any) -> str:
    """How what one server showed differs from what two showed, in a line."""
    if isinstance(one, list) and isinstance(two, list) and max(len(one), len(two)) > 12:
        at = next((n for n, (a, b) in enumerate(zip(one, two, strict=False)) if a != b), min(len(one), len(two)))
        return (
            f"{len(one)} items on one server, {len(two)} on two; "
            f"from item {at}: {one[at : at + 3]} vs {two[at : at + 3]}"
        )
    return f"one server {one}, two servers {two}"


@dataclass
class Check:
    name: str
    failure: str = ""  # empty when the check passes
    measured: str = ""  # what was seen, when it passes

    def line(self) -> str:
        """A goal line as `make bench` collects them (bench/goals.py)."""
        seen = self.failure or self.measured
        return f"goal two servers: {self.name} (postgresql): {seen} {verdict(not self.failure)}"


def compare(runs: dict[tuple[str, str], Run], logged: dict[str, list[str]]) -> list[Check]:
    """The checks on the learners' runs: two servers against one, and the log."""
    kinds = sorted({kind for kind, _ in runs})

    def differences(what: str, value: Any) -> str:
        problems = []
        for kind in kinds:
            one, two = value(runs[kind, "one server"]), value(runs[kind, "two servers"])
            if one != two or not one:
                problems.append(f"{kind} {what}: {difference(one, two)}")
        return "; ".join(problems)

    errors = [f"{kind} on {servers}: {error}" for (kind, servers), run in runs.items() for error in run.errors]
    lost_or_doubled = []
    for (kind, servers), run in runs.items():
        expected = Counter(run.acknowledged) - Counter(run.undone)
        found = Counter(logged.get(run.session, []))
        if not expected:
            lost_or_doubled.append(f"{kind} on {servers}: no grade acknowledged")
        elif expected != found:
            lost_or_doubled.append(
                f"{kind} on {servers}: {len(run.acknowledged)} acknowledged - {len(run.undone)} undone, "
                f"{found.total()} log rows, {len(found - expected)} unexpected, {len(expected - found)} missing"
            )
    split = [(kind, runs[kind, "two servers"]) for kind in kinds]
    requests = sum(run.requests for run in runs.values())
    alike = " and ".join(f"{kind} {len(runs[kind, 'two servers'].cards)}" for kind in kinds)
    rows = sum(len(logged.get(run.session, [])) for run in runs.values())
    return [
        Check(
            "every request answered 2xx on either server",
            "; ".join(errors[:5]),
            f"{requests} requests, all 2xx",
        ),
        Check(
            "same cards and counters shown as on one server",
            differences("cards", lambda run: run.cards) or differences("counters", lambda run: run.counters),
            f"cards alike: {alike}",
        ),
        Check(
            "undo on the other server puts the graded card back",
            "; ".join(f"{kind}: not put back" for kind, run in split if not run.undo_put_back or not run.undone),
            f"put back for {' and '.join(kinds)}",
        ),
        Check(
            "study setting saved on one server shown on the other",
            "; ".join(f"{kind}: {run.settings_seen!r}" for kind, run in split if run.settings_seen != str(NEW_PER_DAY)),
            f"new cards a day {NEW_PER_DAY} read back for {' and '.join(kinds)}",
        ),
        Check(
            "same quiz score as on one server",
            differences("score", lambda run: run.quiz),
            ", ".join(f"{kind} {runs[kind, 'two servers'].quiz}" for kind in kinds),
        ),
        Check(
            "same dashboard figures as on one server",
            differences("dashboard", lambda run: run.dashboard),
            f"{len(split[0][1].dashboard)} figures alike",
        ),
        Check(
            "no lost or doubled review (log rows = grades acknowledged - undone)",
            "; ".join(lost_or_doubled),
            f"{rows} rows = {sum(len(r.acknowledged) for r in runs.values())} acknowledged - "
            f"{sum(len(r.undone) for r in runs.values())} undone, by review id",
        ),
    ]


def shared_signup_limit(servers: tuple[str, str]) -> Check:
    """Sign-up POSTs alternating between the servers are counted together."""
    browser = SplitBrowser(servers)
    browser.request("/account/signup/")
    statuses = [browser.request("/account/signup/", {})[0] for _ in range(SIGNUP_LIMIT + 2)]
    refused = [status == 429 for status in statuses]
    expected = [False] * SIGNUP_LIMIT + [True, True]
    answers = f"limit {SIGNUP_LIMIT}, answers {' '.join(map(str, statuses))}"
    failure = "" if refused == expected else answers
    return Check("sign-up limit counted across both servers (shared cache)", failure, answers)


def edit_in_admin(editor: Browser, model: str, pk: int | str, field_name: str, marker: str) -> str:
    """Prefix the English `field_name` of a quiz `model` with `marker` through
    its admin change form; what went wrong, or ''."""
    url = f"/admin/quiz/{model}/{pk}/change/"
    status, page = editor.request(url)
    data = form_data(page, "id", f"{model}_form")
    name = f"{field_name}_en"
    if name not in data:
        return f"no {name} in the {model} change form ({status} at {editor.url})"
    data[name] = f"{marker} {data[name]}"
    status, page = editor.request(url, data | {"_save": "Save"})
    if not editor.url.startswith(f"/admin/quiz/{model}/") or editor.url.startswith(url):
        errors = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
        text = " ".join(re.sub(r"<[^>]+>", " ", " ".join(errors)).split())
        return f"the admin answered {status} at {editor.url}: {text or 'no error shown'}"
    return ""


def stale_answers(servers: dict[str, str], path: str, text: str) -> list[str]:
    """Ask each server for `path` (a new visitor each time) ASKS times; the
    answers that do not contain `text`."""
    stale = []
    for name, base in servers.items():
        for _ in range(ASKS):
            status, page = Browser(base).request(path)
            if status != 200 or text not in page:
                stale.append(f"{name} ({status})")
    return stale


def content_edits(servers: dict[str, str], password: str, fact: int, topic: str) -> list[Check]:
    """An editor changes a fact and a question on A; B and A show the new text
    on the very next requests."""
    editor = Browser(servers["A"])
    editor.request("/admin/login/")
    editor.request("/admin/login/", {"username": EDITOR, "password": password, "next": "/admin/"})
    if editor.url != "/admin/":
        failure = f"the editor's sign-in ended at {editor.url}"
        return [Check("admin edit on A shown on B at once", failure)]
    # What a new visitor's study page shows first, on B.
    _, page = Browser(servers["B"]).request("/study/")
    question = hidden_fields(page).get("question", "")
    checks = []
    for what, model, pk, field_name, path in (
        ("a fact", "fact", str(fact), "statement", f"/learn/{topic}/"),
        ("a question", "question", question, "prompt", "/study/"),
    ):
        name = f"admin edit of {what} on A shown on B at once"
        # Fill any cache the workers keep: the old text, seen by every worker that answers.
        warmed = stale_answers(servers, path, "</html>")
        marker = f"EDITED-{secrets.token_hex(4)}"
        problem = edit_in_admin(editor, model, pk, field_name, marker)
        stale = [] if problem else stale_answers(servers, path, marker)
        if warmed:
            problem = f"before the edit: {', '.join(warmed)}"
        elif stale:
            problem = (
                f"{len(stale)} of {ASKS * len(servers)} answers of {path} right after the edit lack the new text: "
            )
            problem += ", ".join(sorted(set(stale)))
        checks.append(Check(name, problem, f"{ASKS * len(servers)} of {ASKS * len(servers)} answers of {path} new"))
    return checks


def empty_redis(url: str) -> None:
    """Empty the benchmark's own Redis database: no counter or cached content
    may be left from an earlier run (a fresh database reuses the same ids)."""
    import redis

    try:
        redis.Redis.from_url(url).flushdb()
    except redis.RedisError as error:
        raise SystemExit(f"Redis at {url} did not answer ({error}): start it, or set BENCH_TWO_REDIS_URL.") from None


def two_ports() -> tuple[int, int]:
    a = free_port()
    while (b := free_port()) == a:
        pass
    return a, b


def progress(message: str) -> None:
    print(f"[two servers] {message}", file=sys.stderr, flush=True)


def run_checks(workdir: Path) -> list[Check]:
    password = secrets.token_urlsafe(16)
    env = server_env(database_url=DATABASE_URL) | {
        "REDIS_URL": REDIS_URL,
        "THROTTLE_SIGNUPS_PER_HOUR": str(SIGNUP_LIMIT),
    }
    progress("a fresh database and cache …")
    fresh_postgres(DATABASE_URL)
    empty_redis(REDIS_URL)
    prepare_server(env)
    prepared = run_json(["bench/two_servers.py", "prepare"], env | {"BENCH_TWO_PASSWORD": password})
    right = set(prepared["right"])
    ports = two_ports()
    servers = {"A": f"http://127.0.0.1:{ports[0]}", "B": f"http://127.0.0.1:{ports[1]}"}
    a, b = servers["A"], servers["B"]
    progress(f"servers A (port {ports[0]}) and B (port {ports[1]}), logs in {workdir} …")
    with gunicorn(env, ports[0], workdir / "a.log"), gunicorn(env, ports[1], workdir / "b.log"):
        runs: dict[tuple[str, str], Run] = {}
        for kind in ("signed in", "guest"):
            for sides, pair in (("one server", (a, a)), ("two servers", (a, b))):
                progress(f"{kind} learner on {sides} …")
                account = (LEARNERS[sides], password) if kind == "signed in" else None
                try:
                    runs[kind, sides] = scenario(pair, right, account)
                except Exception as error:  # a page not as expected: a failed check, not a crash
                    runs[kind, sides] = Run(errors=[f"the scenario stopped: {error!r}"])
        progress("sign-up limit, admin edits …")
        limit = shared_signup_limit((a, b))
        edits = content_edits(servers, password, prepared["fact"], prepared["topic"])
    logged = run_json(["bench/two_servers.py", "count", *(run.session for run in runs.values())], env)
    return [*compare(runs, logged), limit, *edits]


def main(argv: list[str] | None = None) -> int:
    """Run the two-server checks and print them; 0 when all pass."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("step", nargs="?", default="run", choices=["run", "prepare", "count"])
    parser.add_argument("sessions", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step == "prepare":
        django_prepare()
        return 0
    if args.step == "count":
        django_count(args.sessions)
        return 0
    # A SIGTERM (a timeout, a killed make) stops the servers as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="bench-two-"))
    checks = run_checks(workdir)
    for check in checks:
        print(check.line())
    failed = [check for check in checks if check.failure]
    print(
        f"two servers: {len(checks) - len(failed)} of {len(checks)} checks pass "
        f"(gunicorn ×2, 2 workers each, PostgreSQL, cache {REDIS_URL or 'in process'}; "
        f"{time.monotonic() - started:.0f} s; "
        f"{'logs in ' + str(workdir) if failed else time.strftime('%F %H:%M')})",
        flush=True,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
