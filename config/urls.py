from __future__ import annotations

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from quiz.views.account import admin_password_change
from quiz.views.pages import favicon, healthz
from quiz.views.reports import csp_report

# A database outage met outside a view gets the 503 page too (quiz/views/errors.py).
handler500 = "quiz.views.errors.server_error"

urlpatterns = [
    # Before the admin's own: the old password is checked through django-axes, and the form is limited.
    path("admin/password_change/", admin_password_change),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("csp-report", csp_report, name="csp-report"),
    path("favicon.ico", favicon),
]
# English (the source language) is unprefixed; the others live under /es/, /ar/ …
# The language switcher sits inside the patterns too: Django can only translate
# the page address it returns to while the page's own language is active.
urlpatterns += i18n_patterns(
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("quiz.urls")),
    prefix_default_language=False,
)
