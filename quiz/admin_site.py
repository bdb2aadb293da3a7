"""The admin asks every staff account for a second factor: django-otp's
OTPAdminSite lets in only a session verified by a code, and its sign-in page
asks for the code with the password. quiz/admin.py turns `admin.site` into
this class in place, so everything holding `admin.site` keeps the same object."""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite

from quiz import second_factor
from quiz.forms import check_code, code_field


class StaffSignInForm(AdminAuthenticationForm):
    """Username, password (django-axes counts them, through authenticate()) and a code."""

    code = code_field(required=False)

    def clean(self) -> dict:
        super().clean()
        user = self.get_user()
        if user is None:
            return self.cleaned_data
        if not second_factor.is_enabled(user):
            raise forms.ValidationError(NO_SECOND_FACTOR, code="no_second_factor")
        if not self.cleaned_data.get("code"):
            raise forms.ValidationError(CODE_REQUIRED, code="required")
        # django-otp's user_logged_in handler stores the device in the session.
        assert self.request is not None  # the admin's sign-in view passes it
        user.otp_device = check_code(self.request, user, self.cleaned_data["code"])  # type: ignore[attr-defined]
        return self.cleaned_data


CODE_REQUIRED = _("Enter the code from your authenticator app, or a recovery code.")
NO_SECOND_FACTOR = _(
    "The admin needs two-step sign-in. Sign in on the site, turn on two-step sign-in on your account page, "
    "then come back."
)


class StaffAdminSite(OTPAdminSite):
    login_form = StaffSignInForm
    login_template = "admin/second_factor_login.html"

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # Signed in on the site as staff, without a second factor: say where to set one up.
        user = request.user
        context = {
            **(extra_context or {}),
            "needs_second_factor": user.is_authenticated and user.is_staff and not second_factor.is_enabled(user),
        }
        return super().login(request, extra_context=context)
