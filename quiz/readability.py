"""How hard the English texts are to read (Flesch-Kincaid grade): the fact
statements (advice) and the explanations (`check_content` errs above the limit).

Lay health readers need a grade of 8 or less. textstat is a development
dependency, so `check_content` still runs where it is not installed.
"""

from __future__ import annotations

import statistics
import warnings
from collections.abc import Callable, Iterable

GRADE_LIMIT = 8.0


def grader() -> Callable[[str], float] | None:
    """textstat's Flesch-Kincaid grade, or None when textstat is not installed."""
    try:
        with warnings.catch_warnings():
            # textstat 0.7.3 imports pkg_resources, which warns that it is deprecated.
            warnings.filterwarnings("ignore", "pkg_resources is deprecated", UserWarning)
            import textstat  # type: ignore[import-untyped]
    except ImportError:
        return None
    return textstat.flesch_kincaid_grade


def grades(texts: Iterable[tuple[str, str]], grade: Callable[[str], float]) -> list[tuple[float, str]]:
    """(grade, label) for each (label, text), hardest first."""
    return sorted(((grade(text), label) for label, text in texts), key=lambda item: (-item[0], item[1]))


def median_grade(graded: list[tuple[float, str]]) -> float:
    return statistics.median(grade for grade, _label in graded)
