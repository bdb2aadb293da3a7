"""Browsers report Content Security Policy violations to /csp-report; we log one line each."""

from __future__ import annotations

import json
import logging
from unittest import mock

import pytest
from django.core.cache import cache

REPORT_URI_BODY = {
    "csp-report": {
        "document-uri": "https://twitch.example.org/study/",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "blocked-uri": "https://evil.example.com/x.js",
    }
}
REPORT_TO_BODY = [
    {
        "type": "csp-violation",
        "url": "https://twitch.example.org/learn/",
        "body": {
            "documentURL": "https://twitch.example.org/learn/",
            "effectiveDirective": "style-src-attr",
            "blockedURL": "inline",
        },
    }
]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def post(client, body, content_type="application/csp-report", **extra):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post("/csp-report", data, content_type=content_type, **extra)


def csp_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "quiz.views.reports"]


def test_pages_send_violation_reports_to_our_endpoint(client, db, settings):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert f"report-uri {settings.CSP_REPORT_PATH}" in policy
    assert "report-to csp-endpoint" in policy
    assert response.headers["Reporting-Endpoints"] == 'csp-endpoint="/csp-report"'
    assert settings.CSP_REPORT_PATH == "/csp-report"


def test_a_report_uri_report_is_logged_as_one_line(client, db, caplog):
    caplog.set_level(logging.WARNING)
    response = post(client, REPORT_URI_BODY)
    assert response.status_code == 204
    assert csp_lines(caplog) == [
        "CSP violation: 'script-src-elem' blocked 'https://evil.example.com/x.js' on "
        "'https://twitch.example.org/study/'"
    ]


def test_a_report_to_batch_is_logged_one_line_per_violation(client, db, caplog):
    caplog.set_level(logging.WARNING)
    response = post(client, REPORT_TO_BODY * 2, content_type="application/reports+json")
    assert response.status_code == 204
    assert len(csp_lines(caplog)) == 2
    assert "'style-src-attr' blocked 'inline' on 'https://twitch.example.org/learn/'" in csp_lines(caplog)[0]


def test_reports_need_no_csrf_token(db, caplog):
    from django.test import Client

    caplog.set_level(logging.WARNING)
    assert post(Client(enforce_csrf_checks=True), REPORT_URI_BODY).status_code == 204
    assert len(csp_lines(caplog)) == 1


def test_a_line_break_in_a_report_cannot_forge_a_second_log_line(client, db, caplog):
    caplog.set_level(logging.WARNING)
    body = {"csp-report": {**REPORT_URI_BODY["csp-report"], "blocked-uri": "x\nCSP violation: forged"}}
    assert post(client, body).status_code == 204
    (line,) = csp_lines(caplog)
    assert "\n" not in line


def test_an_oversized_report_is_refused_unread(client, db, caplog):
    caplog.set_level(logging.WARNING)
    body = {"csp-report": {**REPORT_URI_BODY["csp-report"], "blocked-uri": "x" * 20_000}}
    assert post(client, body).status_code == 413
    assert csp_lines(caplog) == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b"\xff\xfe", b"[1, 2]", b'{"csp-report": 3}', b"{}", b'[{"type": "csp-violation", "body": 1}]'],
)
def test_a_malformed_report_is_a_400_and_logs_nothing(client, db, caplog, body):
    caplog.set_level(logging.WARNING)
    assert post(client, body).status_code == 400
    assert csp_lines(caplog) == []


def test_the_endpoint_takes_only_posts(client, db):
    assert client.get("/csp-report").status_code == 405


def test_reports_beyond_the_per_address_limit_are_not_logged(client, db, caplog, settings):
    settings.THROTTLE_CSP_REPORTS_PER_MINUTE = 3
    caplog.set_level(logging.WARNING)
    # All within one minute's window.
    with mock.patch("quiz.views.reports.time.time", return_value=1_800_000_010.0):
        statuses = [post(client, REPORT_URI_BODY).status_code for _ in range(5)]
        assert statuses == [204] * 5
        assert len(csp_lines(caplog)) == 3
        # Another address still gets its reports logged.
        assert post(client, REPORT_URI_BODY, REMOTE_ADDR="198.51.100.7").status_code == 204
        assert len(csp_lines(caplog)) == 4
    # The next minute, the first address is heard again.
    with mock.patch("quiz.views.reports.time.time", return_value=1_800_000_070.0):
        assert post(client, REPORT_URI_BODY).status_code == 204
    assert len(csp_lines(caplog)) == 5
