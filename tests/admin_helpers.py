"""Posting admin forms the way a browser would: every field of the form and its
inline formsets as the page rendered them, with some values changed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.forms import BaseForm, BooleanField

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


def form_values(form: BaseForm) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field, BooleanField):
            if value:
                values[key] = "on"
        elif value is not None:
            values[key] = value
    return values


def change_form_data(response: TestResponse, **changes: Any) -> dict[str, Any]:
    """The data an admin change (or revision, or recover) form would post back."""
    data = form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(form_values(formset.management_form))
        for form in formset.forms:
            data.update(form_values(form))
    data.update(changes)
    return data
