"""The command line's option values, each parsed or refused saying what was expected.

``ID=TEXT`` templates, frequency limits, seconds, ratios and prepaid packages.
"""

from __future__ import annotations

import argparse

from django_tencent_sms.sandbox.limits import FrequencyLimits

__all__ = ["parse_limits", "parse_package", "parse_ratio", "parse_seconds", "parse_template"]


def parse_template(value: str) -> tuple[int, str]:
    tpl_id, sep, text = value.partition("=")
    try:
        if not sep:
            raise ValueError
        return int(tpl_id), text
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected ID=TEXT with an integer ID, got {value!r}"
        ) from None


def parse_limits(value: str) -> FrequencyLimits | None:
    """``"1,,2,100"`` → same content per 30 s, per hour, per day, international per day (the
    last is optional, 100 if left out); an empty field switches that limit off. ``"tencent"``:
    Tencent's console defaults; ``"off"``: no limits at all."""
    word = value.strip().lower()
    if word in ("tencent", "off"):
        return FrequencyLimits() if word == "tencent" else None
    fields = value.split(",")
    if len(fields) not in (3, 4):
        raise argparse.ArgumentTypeError(
            "expected PER_30S,PER_HOUR,PER_DAY[,INTERNATIONAL_PER_DAY], e.g. 1,,2,100, or tencent"
        )
    try:
        numbers = [int(f) if f.strip() else None for f in fields]
        return FrequencyLimits(*numbers)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"limits must be non-negative integers, got {value!r}"
        ) from None


def parse_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        raise argparse.ArgumentTypeError(f"expected 0 to 3600 seconds, got {value!r}")
    return seconds


def parse_ratio(value: str) -> float:
    try:
        ratio = float(value.removesuffix("%")) / (100 if value.endswith("%") else 1)
    except ValueError:
        ratio = -1.0
    if not 0 <= ratio <= 1:
        raise argparse.ArgumentTypeError(
            f"expected a ratio from 0 to 1 (or 0% to 100%), got {value!r}"
        )
    return ratio


def parse_package(value: str) -> dict[str, int]:
    """``AMOUNT[:USED[:DAYS]]``, e.g. ``1000:250:30``."""
    parts = value.split(":")
    try:
        numbers = [int(part) for part in parts]
    except ValueError:
        numbers = []
    if not 1 <= len(numbers) <= 3 or any(n < 0 for n in numbers):
        raise argparse.ArgumentTypeError(f"expected AMOUNT[:USED[:DAYS]], not {value!r}")
    amount, used, days = [*numbers, 0, 365][:3] if len(numbers) == 1 else [*numbers, 365][:3]
    return {"amount": amount, "used": used, "days": days}
