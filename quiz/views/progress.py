"""A learner's progress dashboard: today, streaks, retention, the forecast,
a year of answers, and how well each topic is remembered."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language_bidi, pgettext
from django.views.decorators.http import require_GET

from quiz import charts
from quiz.dashboard import FORECAST_DAYS, build_dashboard
from quiz.learners import get_learner
from quiz.scheduling import Stage


def stage_labels() -> dict[Stage, str]:
    return {
        Stage.NEW: pgettext("card stage", "New"),
        Stage.LEARNING: pgettext("card stage", "Learning"),
        Stage.YOUNG: pgettext("card stage", "Young"),
        Stage.MATURE: pgettext("card stage", "Mature"),
    }


@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    learner = get_learner(request, create=False)
    dashboard = build_dashboard(learner, timezone.now()) if learner is not None else None
    if dashboard is None or not dashboard.has_history:
        return render(request, "quiz/progress.html", {"dashboard": None})
    rtl = get_language_bidi()
    labels = stage_labels()
    context = {
        "dashboard": dashboard,
        "stage_chart": charts.row_chart([(labels[stage], n) for stage, n in dashboard.stages.items()], rtl=rtl),
        "forecast_chart": charts.bar_chart(
            [(date_format(day, "MONTH_DAY_FORMAT"), n) for day, n in dashboard.forecast],
            rtl=rtl,
            # Dates are long in some languages: label the first, middle and last days only.
            labels_at={0, FORECAST_DAYS // 2, FORECAST_DAYS - 1},
        ),
        "heatmap": charts.heatmap(dashboard.per_day, dashboard.today, rtl=rtl),
    }
    return render(request, "quiz/progress.html", context)
