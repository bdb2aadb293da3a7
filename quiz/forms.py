from __future__ import annotations

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from quiz.models import Learner, ReviewLog
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
