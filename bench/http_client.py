"""What the benchmarks that drive a real server share: a learner's browser
over plain HTTP, and a fresh PostgreSQL database for a run."""

from __future__ import annotations

import http.cookies
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request


class Browser:
    """One learner's browser: its cookies, and htmx's headers on posts.
    Subclasses count what they see in `saw`."""

    def __init__(self, base: str, session: str) -> None:
        self.base = base
        self.cookies = {"sessionid": session}

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if data is not None:
            headers |= {"HX-Request": "true", "X-CSRFToken": self.cookies.get("csrftoken", "")}
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with urllib.request.urlopen(urllib.request.Request(self.base + path, body, headers), timeout=30) as r:
                status, text, received = r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as error:
            status, text, received = error.code, error.read().decode(), error.headers
        for header in received.get_all("Set-Cookie") or []:
            for name, morsel in http.cookies.SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.saw(status, path)
        return status, text

    def saw(self, status: int, path: str) -> None:
        """Called with every HTTP answer."""


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
