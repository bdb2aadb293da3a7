"""Page weight and Lighthouse scores of the learner pages (issue 10).

    make bench-weight                                   # en and ar, Lighthouse if installed
    .venv/bin/python bench/weight.py --languages en ar es --no-lighthouse
    make bench-lighthouse                               # npm ci: Lighthouse into bench/node_modules

A fresh SQLite file with the content (`prepare_database`) and one signed-in
learner with a little history: five graded cards, a quiz in progress and a
finished one. gunicorn with production settings (DEBUG off, whitenoise
serving the collected, hashed and compressed static files) on a free port.

Weight: the system Chromium (Playwright) loads every learner page in a fresh
browser context (empty cache, so each asset counts once per page) and adds up
what went over the wire for the page and everything it fetched: the encoded
(compressed, when the server compressed it) body plus the response headers.
The browser asks for `gzip, deflate, br, zstd`; what the app answers is
printed with the table. Pages reached by an action (the revealed card, a quiz
question, the quiz score) are loaded at the address their plain form POST
redirects to, which is the whole page a learner sees. KB = 1,024 bytes.

Lighthouse (mobile, its default config: all four categories, simulated
throttling) on the main pages, when bench/node_modules has it; `npm ci` there
if npm exists and it does not. Audits that cost a category its 100 are named.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.http_client import free_port, gunicorn, prepare_server, run_json, server_env  # noqa: E402
from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Request

KB = 1024
PAGE_LIMIT_KB = 40
JS_LIMIT_KB = 20
LANGUAGES = ("en", "ar")
BENCH = ROOT / "bench"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
# The pages Lighthouse audits (names from django_prepare), per language.
LIGHTHOUSE_PAGES = {
    "en": ("home", "learn", "topic", "study", "revealed card", "quiz", "quiz question", "progress", "settings"),
    "ar": ("home", "study", "progress"),
}
CATEGORIES = {"performance": "perf", "accessibility": "a11y", "best-practices": "best", "seo": "seo"}


# --- Run inside a Django process (a subprocess with the server's settings) ---


def django_prepare() -> None:
    """A signed-in learner with some history, and the pages to weigh, as JSON
    on stdout: [name, path, signed in]. Each page is checked to answer 200."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    from quiz.models import Choice, Learner, Topic
    from tests.html_forms import choice_ids, hidden_fields

    settings.ALLOWED_HOSTS = ["testserver"]
    htmx = {"HX-Request": "true"}
    user = get_user_model().objects.create_user("weight-reader", password="weigh every byte")
    Learner.objects.create(user=user)
    client = Client()
    client.force_login(user)
    right = set(Choice.objects.filter(is_correct=True).values_list("pk", flat=True))

    def pick_right(page: str, fields: dict[str, str]) -> dict:
        return {**fields, "choice": next(c for c in choice_ids(page) if c in right)}

    # Some history, so the dashboard has something to draw.
    for _ in range(5):
        page = client.get("/study/").content.decode()
        fields = hidden_fields(page)
        data = {**fields, "rating": "3"}
        if choice_ids(page):
            picked = client.post("/study/answer/", pick_right(page, fields), headers=htmx).content.decode()
            data["token"] = picked.split('name="token" value="')[1].split('"')[0]
        assert client.post("/study/grade/", data, headers=htmx).status_code == 200

    # The next card, revealed (or rightly picked) the plain way: the redirect's address is the page.
    page = client.get("/study/").content.decode()
    fields = hidden_fields(page)
    if choice_ids(page):
        revealed = client.post("/study/answer/", pick_right(page, fields))
    else:
        revealed = client.post("/study/reveal/", fields)
    assert revealed.status_code == 302, revealed.status_code

    question_page = client.post("/quiz/")["Location"]
    finished = client.post("/quiz/")["Location"]
    while 'name="question"' in (attempt := client.get(finished).content.decode()):
        question = attempt.split('name="question" value="')[1].split('"')[0]
        client.post(f"{finished}answer/", {"question": question, "choice": choice_ids(attempt)[0]})

    topic = Topic.objects.order_by("pk").values_list("slug", flat=True).first()
    pages = [
        ("home", "/", True),
        ("learn", "/learn/", True),
        ("topic", f"/learn/{topic}/", True),
        ("study", "/study/", True),
        ("revealed card", revealed["Location"], True),
        ("quiz", "/quiz/", True),
        ("quiz question", question_page, True),
        ("quiz score", finished, True),
        ("progress", "/progress/", True),
        ("settings", "/study/settings/", True),
        ("account", "/account/", True),
        ("password change", "/account/password/", True),
        ("reset progress", "/account/reset-progress/", True),
        ("delete account", "/account/delete/", True),
        ("privacy", "/privacy/", True),
        ("sign in", "/account/signin/", False),
        ("sign up", "/account/signup/", False),
        ("password reset", "/account/password/reset/", False),
    ]
    guest = Client()
    for name, path, signed_in in pages:
        status = (client if signed_in else guest).get(path).status_code
        assert status == 200, (name, path, status)
    print(json.dumps({"session": client.cookies["sessionid"].value, "pages": pages}))


# --- The orchestrator: no Django here ---


@dataclass
class Weight:
    language: str
    name: str
    path: str
    by_type: dict[str, int] = field(default_factory=dict)  # bytes on the wire per kind
    encodings: dict[str, str] = field(default_factory=dict)  # kind → Content-Encoding
    requests: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_type.values())

    def kb(self, kind: str) -> float:
        return self.by_type.get(kind, 0) / KB


def kind_of(resource_type: str) -> str:
    return {"document": "html", "stylesheet": "css", "script": "js", "font": "font", "image": "image"}.get(
        resource_type, "other"
    )


def localized(language: str, path: str) -> str:
    # English is unprefixed; the other languages live under /es/, /ar/ … (config/urls.py).
    return path if language == "en" else f"/{language}{path}"


def weigh(base: str, session: str, pages: list, languages: list[str]) -> list[Weight]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return [
                weigh_page(
                    browser, base, session if signed_in else "", Weight(language, name, localized(language, path))
                )
                for language in languages
                for name, path, signed_in in pages
            ]
        finally:
            browser.close()


def weigh_page(browser: Browser, base: str, session: str, weight: Weight) -> Weight:
    """Load one page in a fresh context (empty cache: every asset is fetched,
    and counted, once) and add up what came over the wire."""
    context = browser.new_context(locale="en-US")
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": base}])
    page = context.new_page()
    finished: list[Request] = []
    page.on("requestfinished", lambda request: finished.append(request))
    page.on("requestfailed", lambda request: weight.failed.append(request.url))
    response = page.goto(base + weight.path)
    if response is None or response.status != 200 or response.url != base + weight.path:
        raise SystemExit(f"{weight.path} did not load as itself: {response and response.status}")
    page.wait_for_load_state("networkidle")
    counted: set[str] = set()
    for request in finished:
        if request.url in counted:
            continue
        counted.add(request.url)
        sizes = request.sizes()
        kind = kind_of(request.resource_type)
        weight.by_type[kind] = weight.by_type.get(kind, 0) + sizes["responseBodySize"] + sizes["responseHeadersSize"]
        answer = request.response()
        weight.encodings.setdefault(kind, (answer.headers.get("content-encoding") if answer else None) or "none")
    weight.requests = len(counted)
    context.close()
    return weight


def weight_report(weights: list[Weight]) -> list[str]:
    kinds = ("html", "css", "js", "font", "image", "other")
    lines = [
        "| lang | page | " + " | ".join(f"{kind} KB" for kind in kinds) + " | total KB | requests |",
        "| --- | --- | " + " | ".join("---:" for _ in kinds) + " | ---: | ---: |",
    ]
    for w in weights:
        cells = " | ".join(f"{w.kb(kind):.1f}" for kind in kinds)
        lines.append(f"| {w.language} | {w.name} | {cells} | {w.total / KB:.1f} | {w.requests} |")
    encodings: dict[str, set[str]] = {}
    for w in weights:
        for kind, encoding in w.encodings.items():
            encodings.setdefault(kind, set()).add(encoding)
    lines.append(
        "\nContent-Encoding served (the browser accepts gzip, deflate, br, zstd): "
        + ", ".join(f"{kind} {'/'.join(sorted(found))}" for kind, found in encodings.items())
    )
    if failed := [url for w in weights for url in w.failed]:
        lines.append(f"failed requests (not counted): {', '.join(sorted(set(failed)))}")
    heaviest = max(weights, key=lambda w: w.total)
    most_js = max(weights, key=lambda w: w.by_type.get("js", 0))
    page_kb, js_kb = heaviest.total / KB, most_js.kb("js")
    lines.append(
        f"goal page weight ≤ {PAGE_LIMIT_KB} KB per learner page: {heaviest.language} {heaviest.name} "
        f"{page_kb:.1f} KB {'pass' if page_kb <= PAGE_LIMIT_KB and not failed else 'FAIL'}"
    )
    lines.append(
        f"goal JavaScript ≤ {JS_LIMIT_KB} KB: {js_kb:.1f} KB ({most_js.language} {most_js.name}) "
        f"{'pass' if js_kb <= JS_LIMIT_KB else 'FAIL'}"
    )
    return lines


def install_lighthouse() -> str:
    """'' when Lighthouse is there (installing it from bench/package-lock.json
    when npm exists), else why it is not."""
    if LIGHTHOUSE.exists():
        return ""
    if shutil.which("npm") is None:
        return "npm not found: install Node.js 18.16+ and run `make bench-lighthouse`"
    print("installing Lighthouse into bench/node_modules (npm ci) …", file=sys.stderr, flush=True)
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, capture_output=True, text=True)
    if done.returncode != 0 or not LIGHTHOUSE.exists():
        return f"`npm ci` in bench/ failed: {done.stderr.strip()[-300:]}"
    return ""


def lighthouse(base: str, session: str, pages: list, workdir: Path, runs: int) -> list[str]:
    if why := install_lighthouse():
        return [f"goal Lighthouse mobile 100 in all four categories: skipped: lighthouse not installed ({why})"]
    paths = {name: path for name, path, _signed_in in pages}
    lines = []
    for language, names in LIGHTHOUSE_PAGES.items():
        for name in names:
            url = base + localized(language, paths[name])
            results, error = [], ""
            for run in range(runs):
                report = workdir / f"lighthouse-{language}-{name.replace(' ', '-')}-{run}.json"
                # Lighthouse sometimes fails to record the trace (NO_NAVSTART) and asks to be run again.
                for _attempt in range(3):
                    print(f"lighthouse {url} …", file=sys.stderr, flush=True)
                    done = subprocess.run(
                        [str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}", "--quiet"]
                        + [f"--chrome-path={CHROMIUM}", "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
                        + ["--extra-headers", json.dumps({"Cookie": f"sessionid={session}"})],
                        capture_output=True,
                        text=True,
                    )
                    error = "" if done.returncode == 0 else done.stderr.strip()[-300:]
                    if not error:
                        results.append(json.loads(report.read_text()))
                        break
                if error:
                    break
            if error:
                lines.append(f"goal Lighthouse mobile 100: {language} {name}: FAIL (three attempts failed: {error})")
            else:
                # Only performance varies between runs (with the machine's load): keep the median run.
                results.sort(key=lambda result: result["categories"]["performance"]["score"])
                lines.extend(lighthouse_lines(f"{language} {name}", results[len(results) // 2], runs))
    return lines


def lighthouse_lines(page: str, result: dict, runs: int) -> list[str]:
    """The goal line for one page; when it misses, every scored audit short of full marks."""
    scores = {key: round(result["categories"][key]["score"] * 100) for key in CATEGORIES}
    ok = all(score == 100 for score in scores.values())
    summary = ", ".join(f"{CATEGORIES[key]} {score}" for key, score in scores.items())
    # Lighthouse's measure of this machine's speed at the time (its docs treat under ~1000 as underpowered).
    machine = f"benchmarkIndex {result['environment']['benchmarkIndex']:.0f}" + (
        f", median of {runs}" if runs > 1 else ""
    )
    lines = [
        f"goal Lighthouse mobile 100 in all four categories: {page}: {summary} {'pass' if ok else 'FAIL'} ({machine})"
    ]
    for key, category in result["categories"].items():
        for ref in category["auditRefs"]:
            audit = result["audits"][ref["id"]]
            if not ok and ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                shown = audit.get("displayValue", "")
                lines.append(
                    f"    {CATEGORIES.get(key, key)}: {ref['id']} ({audit['score']:.2f}) {audit['title']} {shown}"
                )
    return lines


def measure(args: argparse.Namespace) -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-weight-"))
    env = server_env(sqlite_path=workdir / "weight.sqlite3")
    print("preparing a fresh database …", file=sys.stderr, flush=True)
    prepare_server(env)
    prepared = run_json(["bench/weight.py", "prepare"], env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    lines = [f"\n### Page weight: production gunicorn, SQLite, Chromium ({', '.join(args.languages)})\n"]
    with gunicorn(env, port, workdir / "gunicorn.log"):
        if CHROMIUM is None:
            lines.append("goal page weight: skipped: Chromium not found (apt-get install chromium)")
        else:
            print("weighing the pages …", file=sys.stderr, flush=True)
            lines += weight_report(weigh(base, prepared["session"], prepared["pages"], args.languages))
        if args.lighthouse:
            lines.append("")
            lines += lighthouse(base, prepared["session"], prepared["pages"], workdir, args.lighthouse_runs)
    print("\n".join(lines), flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("step", nargs="?", default="run", choices=["run", "prepare"])
    parser.add_argument("--languages", nargs="+", default=list(LANGUAGES), help="language codes (en, ar, zh-hans …)")
    parser.add_argument("--no-lighthouse", dest="lighthouse", action="store_false", help="weight only")
    parser.add_argument("--lighthouse-runs", type=int, default=3, help="runs per page; the median is kept")
    args = parser.parse_args(argv)
    if args.step == "prepare":
        return django_prepare()
    measure(args)


if __name__ == "__main__":
    main()
