"""Content Security Policy violation reports, sent by browsers (settings.SECURE_CSP)."""

from __future__ import annotations

import json
import logging
import time

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from quiz.accounts import counting_address
from quiz.throttle import CSP_REPORTS

logger = logging.getLogger(__name__)

# A report is well under a kilobyte; a browser may batch a few (report-to).
MAX_REPORT_BYTES = 16 * 1024
# The longest a logged field may be: a blocked data: URL can be huge.
MAX_FIELD = 200


def violations(data: object) -> list[tuple[object, object, object]] | None:
    """(directive, blocked URL, page) for each violation in a report-uri body
    ({"csp-report": {…}}) or a report-to batch ([{"type": "csp-violation",
    "body": {…}}, …]); None for anything else."""
    if isinstance(data, dict) and isinstance(report := data.get("csp-report"), dict):
        directive = report.get("effective-directive") or report.get("violated-directive")
        return [(directive, report.get("blocked-uri"), report.get("document-uri"))]
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        bodies = [item["body"] for item in data if item.get("type") == "csp-violation"]
        if all(isinstance(body, dict) for body in bodies):
            return [(b.get("effectiveDirective"), b.get("blockedURL"), b.get("documentURL")) for b in bodies]
    return None


def field(value: object) -> str:
    # repr() escapes line breaks and control characters: one report, one log line.
    return repr(str(value)[:MAX_FIELD]) if value is not None else "-"


@csrf_exempt  # browsers send reports without our cookies or token; nothing is changed
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log one line per violation. Refused when too large; violations beyond
    the per-address limit are dropped unlogged (204 all the same, so browsers do not retry)."""
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        found = violations(json.loads(body))
    except (ValueError, UnicodeDecodeError):
        found = None
    if found is None:
        return HttpResponseBadRequest()
    address = counting_address(request)
    for directive, blocked, page in found:
        # Each violation counts, so a batch cannot log more than the limit either.
        if CSP_REPORTS.wait(address, time.time()):
            break
        logger.warning("CSP violation: %s blocked %s on %s", field(directive), field(blocked), field(page))
    return HttpResponse(status=204)
