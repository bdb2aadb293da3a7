from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, UserCreationForm
from django.contrib.auth.models import AbstractBaseUser, User
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice

from quiz import second_factor
from quiz.models import Learner, ReviewLog
from quiz.security_events import Event, Outcome, record
from quiz.study import Phase, Shown, now_ms


class ScopeForm(forms.Form):
    """What the learner is studying: one topic (by slug), the questions missed
    in one of their quizzes (by its id), or (both blank) everything."""

    topic = forms.SlugField(required=False)
    missed = forms.IntegerField(min_value=1, required=False)


class CardForm(ScopeForm):
    """The hidden fields every study action posts: which card, as the learner saw it."""

    question = forms.IntegerField(min_value=1)
    version = forms.IntegerField(min_value=0)
    review = forms.UUIDField()
    shown_at = forms.IntegerField(min_value=0, required=False)

    def shown(
        self, phase: Phase = Phase.FRONT, now: datetime.datetime | None = None, choice: int | None = None
    ) -> Shown:
        """The card as the learner saw it, moved on to `phase` (shown `now` if the form does not say when)."""
        data = self.cleaned_data
        shown_at = data["shown_at"] or (now_ms(now) if now else 0)
        return Shown(phase, data["question"], data["version"], str(data["review"]), shown_at, choice)


class GradeForm(CardForm):
    rating = forms.TypedChoiceField(coerce=int, choices=ReviewLog.Rating.choices)
    # After a right pick: the signed proof of it (a choice card is graded only after one).
    token = forms.CharField(required=False, max_length=500)

    def clean_token(self) -> Shown | None:
        token = self.cleaned_data["token"]
        if not token:
            return None
        shown = Shown.load(token)
        if shown is None:
            raise forms.ValidationError("bad signature", code="invalid")
        return shown

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        shown = data.get("token")
        if shown is not None and "question" in data and "review" in data:
            # Errors of the whole form: the view shows them as they are.
            if shown.phase != Phase.PICKED_RIGHT or shown.question != data["question"]:
                raise forms.ValidationError(_("Pick the right answer before grading. Nothing was saved."))
            if shown.review != str(data["review"]):
                raise forms.ValidationError(_("This grade does not match the answer you picked. Nothing was saved."))
        return data


class AnswerForm(CardForm):
    choice = forms.IntegerField(min_value=1)


class QuizAnswerForm(forms.Form):
    question = forms.IntegerField(min_value=1)
    choice = forms.IntegerField(min_value=1)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = Learner
        fields = [
            "desired_retention",
            "new_per_day",
            "max_reviews_per_day",
            "shortcuts_enabled",
            "show_original",
            "time_zone",
        ]
        widgets = {"desired_retention": forms.NumberInput(attrs={"step": "0.01", "min": "0.70", "max": "0.97"})}
        help_texts = {"new_per_day": _("New cards introduced each day (0 to 200).")}


class RetentionForm(forms.ModelForm):
    """The one-click "use the suggested target" button on the settings page."""

    class Meta:
        model = Learner
        fields = ["desired_retention"]


def code_field(required: bool = True) -> forms.CharField:
    """A code from the authenticator app, or a recovery code."""
    return forms.CharField(
        label=_("Code"),
        required=required,
        max_length=32,
        help_text=_("The six-digit code your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}),
    )


class SecondFactorForm(forms.Form):
    """The code step of signing in: the code is checked against `user`'s
    devices (check_code)."""

    code = code_field()

    def __init__(self, request: HttpRequest, user: AbstractBaseUser, *args, **kwargs) -> None:
        self.request = request
        self.user = user
        self.device: Device | None = None
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        self.device = check_code(self.request, self.user, code)
        return code


def check_code(request: HttpRequest, user: AbstractBaseUser, code: str) -> Device:
    """The device that accepts `code`; a wrong or throttled code is logged and refused."""
    check = second_factor.verify(user, code)
    if check.device is not None:
        return check.device
    outcome = Outcome.REFUSED if check.throttled else Outcome.FAILURE
    record(Event.SECOND_FACTOR, request, user_id=user.pk, outcome=outcome, action="verify")
    if check.throttled:
        raise forms.ValidationError(_("Too many wrong codes. Wait a few minutes, then try again."), code="throttled")
    raise forms.ValidationError(_("This code is not right."), code="wrong_code")


class ConfirmAppForm(forms.Form):
    """The first code from a newly added app, which proves it was set up right."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, device: TOTPDevice, *args, **kwargs) -> None:
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_code(self) -> str:
        code = second_factor.normalize(self.cleaned_data["code"])
        if not self.device.verify_is_allowed()[0]:
            raise forms.ValidationError(
                _("Too many wrong codes. Wait a few minutes, then try again."), code="throttled"
            )
        if not second_factor.confirm_app(self.device, code):
            raise forms.ValidationError(_("This code is not right."), code="wrong_code")
        return code


def language_choices() -> list[tuple[str, str]]:
    """Each language in its own name, so everyone can find theirs."""
    return [(code, translation.get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class LanguageForm(forms.ModelForm):
    class Meta:
        model = Learner
        fields = ["language"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)  # the model field has choices
        field.choices = [("", _("Follow my browser")), *language_choices()]


class AnkiForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the cards"), choices=language_choices)

    def __init__(self, *args, **kwargs) -> None:
        # The account page also has the preferred-language field: keep the ids apart.
        kwargs.setdefault("auto_id", "id_anki_%s")
        super().__init__(*args, **kwargs)


class ResetProgressForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that all my cards, answers and quiz results will be deleted."), required=True
    )


class MergeForm(forms.Form):
    """After sign-in: what to do with the progress this browser held as a visitor."""

    MERGE = "merge"
    choice = forms.ChoiceField(choices=[(MERGE, _("Add it to my account")), ("discard", _("Discard it"))])
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class PasswordConfirmedForm(forms.Form):
    """A form that asks for the signed-in user's current password."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request: HttpRequest, *args, **kwargs) -> None:
        self.request = request
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        # authenticate() rather than check_password(): django-axes then throttles
        # guesses here as it does at sign-in, in case someone else has the session.
        found = authenticate(self.request, username=user.get_username(), password=password)
        if found is None or found.pk != user.pk:
            raise forms.ValidationError(_("This password is not right."), code="wrong_password")
        return password


class DeleteAccountForm(PasswordConfirmedForm):
    pass


class EmailChangeForm(PasswordConfirmedForm):
    """A new e-mail address, asked for with the current password; it takes
    effect only once the link sent to it is used (views.account.email_change)."""

    email = forms.EmailField(
        label=_("New email address"),
        max_length=User._meta.get_field("email").max_length,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    field_order = ["email", "password"]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"]
        if email.casefold() == getattr(self.request.user, "email", "").casefold():
            raise forms.ValidationError(_("This is already your email address."), code="unchanged")
        return email


class CheckedPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with the old password checked through
    authenticate(), so django-axes counts wrong ones as it does at sign-in."""

    def __init__(self, user, *args, request: HttpRequest, **kwargs) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        found = authenticate(self.request, username=self.user.get_username(), password=old_password)
        if found is None or found.pk != self.user.pk:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password


class AdminPasswordChangeForm(CheckedPasswordChangeForm):
    required_css_class = "required"  # as the admin's own


@dataclass(frozen=True)
class ResetMail:
    """One reset mail the form would send: to `user`, in `language`; `send()` sends it."""

    user: User
    language: str
    send: Callable[[], None]


class TurnOffSecondFactorForm(DeleteAccountForm):
    """The current password and a code: a borrowed session alone cannot turn it off."""

    code = code_field()

    def clean(self) -> dict:
        super().clean()
        # The code only once the password is right, so a wrong password uses up no recovery code.
        if "password" in self.cleaned_data and "code" in self.cleaned_data:
            try:
                check_code(self.request, self.request.user, self.cleaned_data["code"])  # type: ignore[arg-type]
            except forms.ValidationError as error:
                self.add_error("code", error)
        return self.cleaned_data


class LearnerPasswordResetForm(PasswordResetForm):
    """Django's reset form, which hands its mails to the view (`mails`) instead
    of sending them, each to go in the learner's chosen language, or else in the
    language of the page the request came from."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.mails: list[ResetMail] = []

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs) -> None:
        user = context["user"]
        language = Learner.objects.filter(user=user).values_list("language", flat=True).first()
        language = language or translation.get_language()
        send = super().send_mail

        def send_in_language() -> None:
            # Django's send_mail logs a failure to send, and does not raise it.
            with translation.override(language):
                send(subject_template_name, email_template_name, context, *args, **kwargs)

        self.mails.append(ResetMail(user, language, send_in_language))


class SignUpForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
        help_texts = {
            "email": _("Optional. Used to reset a forgotten password and to tell you of changes to your account.")
        }
