"""History of content edits, kept by django-reversion.

A version stores every column of a row, so all eight languages of a text are
saved, and restored, together. The admin records each edit with its user;
`load_content` records its own changes with a comment naming the file.
"""

from __future__ import annotations

import reversion

from quiz.models import Choice, Fact, Question, Source, Topic


def register_content() -> None:
    for model in (Source, Topic, Fact, Choice):
        if not reversion.is_registered(model):
            reversion.register(model)
    if not reversion.is_registered(Question):
        # A question's choices are part of it: reverting it restores them too.
        reversion.register(Question, follow=["choices"])
