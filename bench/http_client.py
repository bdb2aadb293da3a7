"""What the benchmarks that drive a real server share: a production-mode
gunicorn on a database of the run's own (a fresh PostgreSQL database or a
temporary SQLite file), and a learner's browser over plain HTTP."""

from __future__ import annotations

import http.cookies
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REDIRECTS = {301, 302, 303, 307, 308}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # The browser follows redirects itself, so it keeps the cookies each one sets.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


class Browser:
    """One learner's browser: its cookies, and htmx's headers on posts. It
    follows redirects itself, keeping the cookies each answer sets (signing in
    sets the session cookie on a redirect); `url` is the last address it got.
    Subclasses count what they see in `saw`."""

    def __init__(self, base: str, session: str = "") -> None:
        self.base = base
        self.cookies = {"sessionid": session} if session else {}
        self.url = ""

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        requested = path
        for _ in range(10):
            status, text, location = self._send(path, data)
            if status not in REDIRECTS or not location:
                break
            target = urllib.parse.urlsplit(urllib.parse.urljoin(self.base + path, location))
            path = target.path + (f"?{target.query}" if target.query else "")
            if status not in (307, 308):
                data = None
        self.url = path
        self.saw(status, requested)
        return status, text

    def _send(self, path: str, data: dict | None) -> tuple[int, str, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items() if v)}
        if data is not None:
            headers |= {"HX-Request": "true", "X-CSRFToken": self.cookies.get("csrftoken", "")}
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with _OPENER.open(urllib.request.Request(self.base + path, body, headers), timeout=30) as r:
                status, text, received = r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as error:
            status, text, received = error.code, error.read().decode(), error.headers
        for header in received.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return status, text, received.get("Location", "")

    def saw(self, status: int, path: str) -> None:
        """Called with every HTTP answer (the last one, after redirects)."""


def server_env(*, sqlite_path: Path | None = None, database_url: str | None = None) -> dict[str, str]:
    """Production settings (DEBUG off, fresh secret, loopback host) on one
    database: a SQLite file or a PostgreSQL URL."""
    assert (sqlite_path is None) != (database_url is None), "one database"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_HTTPS": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    env.pop("SQLITE_PATH", None)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    else:
        env["SQLITE_PATH"] = str(sqlite_path)
    return env


def prepare_server(env: dict[str, str]) -> None:
    """Migrate and load the content (`prepare_database`), and collect the
    static files whitenoise serves compressed in production."""
    for command in (["prepare_database"], ["collectstatic", "--no-input"]):
        subprocess.run(
            [PYTHON, "manage.py", *command, "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def run_json(args: list[str], env: dict[str, str]) -> dict:
    """Run a Python step in a subprocess; its last line of output is JSON."""
    done = subprocess.run([PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], port: int, log_path: Path, workers: int = 2) -> Iterator[subprocess.Popen]:
    """gunicorn (sync workers) on 127.0.0.1:`port` until the block ends, on error too;
    yields the master process."""
    with log_path.open("w") as log_file:
        server = subprocess.Popen(
            [str(Path(PYTHON).parent / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", str(workers), "--no-control-socket"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"http://127.0.0.1:{port}", server, str(log_path))
            yield server
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(base: str, server: subprocess.Popen, log: str) -> None:
    """Wait until the server at `base` answers /healthz; give up, pointing at
    its log, if it exits first or never answers (20 s)."""
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=2)
            return
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn exited: see {log}") from None
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not answer /healthz: see {log}")


def fresh_postgres(url: str) -> None:
    """Drop and create the database named in `url` (a benchmark's own)."""
    import psycopg

    name = urllib.parse.urlparse(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def measurement_env(database: str, postgres_url: str, name: str) -> dict[str, str]:
    """The environment of a benchmark step that measures inside one Django
    process (production settings, the test client's host) on a database of its
    own: `postgres_url`, dropped and created again, or a temporary SQLite file."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_DEBUG": "false"}
    env |= {"DJANGO_SECRET_KEY": f"bench-{name}-" + "x" * 50, "DJANGO_ALLOWED_HOSTS": "testserver"}
    env |= {"DJANGO_HTTPS": "false", "DJANGO_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    if database == "postgresql":
        fresh_postgres(postgres_url)
        env["DATABASE_URL"] = postgres_url
    else:
        env["SQLITE_PATH"] = str(Path(tempfile.mkdtemp(prefix=f"bench-{name}-")) / f"{name}.sqlite3")
    return env
