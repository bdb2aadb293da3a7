"""What every benchmark prints the same way: percentiles and goal lines.

A goal line reads `goal <what> (<where>): <measured> pass|FAIL`; `make bench`
(bench/run.py) collects them from every benchmark into one summary."""

from __future__ import annotations


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else float("nan")


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"
