"""Reading a study page the way a browser would, without Django: the tests
and the benchmarks that drive a real server (bench/) both use it."""

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


def choice_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'name="choice" value="(\d+)"', html)]
