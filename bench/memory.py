"""Resident memory of gunicorn's workers under traffic (issue 10).

    make bench-memory                         # SQLite (a fresh temporary file)
    make bench-memory ARGS=--postgres         # SQLite, then PostgreSQL (BENCH_MEMORY_DATABASE_URL)
    .venv/bin/python bench/memory.py --requests 10000 --postgres

For each database: a fresh database with the content, signed-in learners
(bench/load.py's `prepare` step), gunicorn with production settings and 2
sync workers. Threads in this process, each with learners of its own, go
round a mix: the study GET, the pick of the right choice when the card asks
for one, the grade POST the way htmx sends it (bench/load.py's `grade_once`),
then /learn/ and the progress dashboard. Each worker's VmRSS
(/proc/<pid>/status; the workers are the gunicorn master's children) is read
after the first 100 requests and after 10,000; a worker that leaks grows with
the traffic it serves, while a worker that only warmed up (imports, template
and translation caches) stays within 1.2×.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.goals import verdict  # noqa: E402
from bench.http_client import free_port, fresh_postgres, gunicorn, prepare_server, run_json, server_env  # noqa: E402
from bench.load import GradeResults, LoadBrowser, grade_once  # noqa: E402

POSTGRES_URL = os.environ.get("BENCH_MEMORY_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/twitch_bench_memory")
LEARNERS = 120
THREADS = 4
WARM_UP = 100
LIMIT = 1.2


def workers_of(master: int) -> list[int]:
    """The pids whose parent is `master`, in pid order."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # The parent pid is the 4th field, after the name in parentheses (which may hold spaces).
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # gone meanwhile
            if int(fields[1]) == master:
                children.append(int(entry.name))
    return sorted(children)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024  # kB
    raise SystemExit(f"no VmRSS for {pid}")


def drive(base: str, sessions: list[str], right: set[int], until: int, results: GradeResults, threads: int) -> None:
    """Run the mix until `results` has counted `until` requests. Each learner
    belongs to one thread: many distinct learners, never one learner twice at once."""

    def worker(mine: list[str]) -> None:
        browsers = [LoadBrowser(base, session, results) for session in mine]
        n = 0
        while results.requests < until:
            browser = browsers[n % len(browsers)]
            grade_once(browser, right, results)
            for path in ("/learn/", "/progress/"):
                if results.requests < until:
                    browser.request(path)
            n += 1

    pool = [threading.Thread(target=worker, args=(sessions[i::threads],)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()


def measure(database: str, args: argparse.Namespace) -> list[str]:
    workdir = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    if database == "postgresql":
        fresh_postgres(POSTGRES_URL)
        env = server_env(database_url=POSTGRES_URL)
    else:
        env = server_env(sqlite_path=workdir / "memory.sqlite3")
    print(f"[{database}] preparing a fresh database …", file=sys.stderr, flush=True)
    prepare_server(env)
    prepared = run_json(
        ["bench/load.py", "prepare", "--learners", str(args.learners), "--form-learners", "0"]
        + ["--forms-path", str(workdir / "unused.lua")],
        env,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    results = GradeResults()
    right = set(prepared["right"])
    with gunicorn(env, port, workdir / "gunicorn.log") as master:
        workers = workers_of(master.pid)
        started = time.monotonic()
        drive(base, prepared["learners"], right, WARM_UP, results, args.threads)
        after_warm_up, warm_requests = {pid: rss_mb(pid) for pid in workers}, results.requests
        print(f"[{database}] {warm_requests} requests; driving {args.requests:,} …", file=sys.stderr, flush=True)
        drive(base, prepared["learners"], right, args.requests, results, args.threads)
        after, elapsed = {pid: rss_mb(pid) for pid in workers}, time.monotonic() - started
        replaced = workers != workers_of(master.pid)
    lines = [
        f"\n### Worker memory, {database}: gunicorn 2 workers, {results.requests:,} requests in {elapsed:.0f} s "
        f"({len(results.acknowledged)} grades from {len(results.learners_used)} learners), "
        f"{results.non_2xx} non-2xx, {time.strftime('%F %H:%M')}\n"
    ]
    for n, pid in enumerate(workers, 1):
        ratio = after[pid] / after_warm_up[pid]
        lines.append(
            f"goal worker memory after {args.requests:,} requests ≤ {LIMIT}× after {WARM_UP} ({database}): "
            f"worker {n}: {after_warm_up[pid]:.0f} MB → {after[pid]:.0f} MB ({ratio:.2f}×) "
            f"{verdict(ratio <= LIMIT and not replaced)}"
        )
    lines.append(
        f"(RSS read after {warm_requests} and {results.requests:,} requests; 1 MB = 1,024 kB of VmRSS"
        + ("; a worker was replaced during the run: see " + str(workdir / "gunicorn.log") if replaced else "")
        + ")"
    )
    print("\n".join(lines), flush=True)
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", action="store_true", help=f"also on PostgreSQL ({POSTGRES_URL})")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--learners", type=int, default=LEARNERS, help="distinct learners grading")
    args = parser.parse_args(argv)
    measure("sqlite", args)
    if args.postgres:
        measure("postgresql", args)


if __name__ == "__main__":
    main()
