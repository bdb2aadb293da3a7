"""Reading pages the way a browser would, without Django: the tests and the
benchmarks that drive a real server (bench/) both use it."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _FirstCardForm(HTMLParser):
    """Collects the hidden inputs of the first form inside the card region."""

    def __init__(self) -> None:
        super().__init__()
        self.in_card = self.in_form = self.done = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if values.get("id") == "card":
            self.in_card = True
        elif self.in_card and tag == "form" and not self.done:
            self.in_form = True
        elif self.in_form and tag == "input" and values.get("type") == "hidden" and "name" in values:
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def hidden_fields(html: str) -> dict[str, str]:
    """The hidden inputs of the first form on the card (question, version, review …),
    read as a browser would: whatever the order or quoting of the attributes."""
    parser = _FirstCardForm()
    parser.feed(html)
    return parser.fields


class _Form(HTMLParser):
    """Collects what a browser would submit from the first form whose
    `attribute` lists `value` (an id, or one of its classes)."""

    def __init__(self, attribute: str, value: str) -> None:
        super().__init__()
        self.attribute, self.value = attribute, value
        self.in_form = self.done = False
        self.fields: dict[str, str] = {}
        self.textarea: str | None = None  # the name of the textarea being read
        self.text: list[str] = []
        self.select: str | None = None  # the name of the select being read
        self.first_option: str | None = None
        self.option: dict[str, str] | None = None  # the option being read, until its text is known

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and not self.done and self.value in values.get(self.attribute, "").split():
            self.in_form = True
        if not self.in_form or "disabled" in values:
            return
        name = values.get("name")
        if tag == "input" and name:
            kind = values.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in values:
                    self.fields[name] = values.get("value", "on")
            elif kind not in ("submit", "button", "image", "reset", "file"):
                self.fields[name] = values.get("value", "")
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []
        elif tag == "select" and name:
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            self.option, self.text = values, []

    def handle_data(self, data: str) -> None:
        if self.textarea is not None or self.option is not None:
            self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self.textarea is not None:
            # A browser drops the newline right after <textarea>, as Django's widget expects.
            text = "".join(self.text)
            self.fields[self.textarea] = text.removeprefix("\n")
            self.textarea = None
        elif tag == "option" and self.option is not None and self.select:
            value = self.option.get("value", "".join(self.text).strip())
            if self.first_option is None:
                self.first_option = value
            if "selected" in self.option:
                self.fields[self.select] = value
            self.option = None
        elif tag == "select" and self.select:
            # A single select with nothing marked selected submits its first option.
            if self.select not in self.fields and self.first_option is not None:
                self.fields[self.select] = self.first_option
            self.select = None
        elif tag == "form" and self.in_form:
            self.in_form, self.done = False, True


def form_data(html: str, attribute: str, value: str) -> dict[str, str]:
    """What submitting the first form whose `attribute` lists `value` would
    send (without a button's name): hidden and visible inputs, checked boxes,
    textareas and selects. A multiple select sends only its last choice."""
    parser = _Form(attribute, value)
    parser.feed(html)
    return parser.fields


def choice_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'name="choice" value="(\d+)"', html)]
