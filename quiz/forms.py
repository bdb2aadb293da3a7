from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from quiz.models import Learner


class CardForm(forms.Form):
    """The hidden fields every study action posts: which card, as the learner saw it."""

    card = forms.IntegerField(min_value=1)
    version = forms.IntegerField(min_value=0)
    review = forms.UUIDField()
    shown_at = forms.IntegerField(min_value=0, required=False)
    topic = forms.SlugField(required=False)


class GradeForm(CardForm):
    rating = forms.TypedChoiceField(coerce=int, choices=[(n, n) for n in (1, 2, 3, 4)])
    token = forms.CharField(required=False, max_length=500)


class AnswerForm(CardForm):
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
