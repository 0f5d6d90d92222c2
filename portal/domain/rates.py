"""One rate type for every figure that is "so many out of so many" (metrics, statistics, salon figures).

A rate whose denominator is 0 has no value (None, shown "—"), never 0 % or 100 %. `percent` is the one way a rate
is written for people: one decimal, the locale's percent sign (83.3%), an em dash when there is no value.
"""
from dataclasses import dataclass

from flask_babel import format_percent


@dataclass(frozen=True)
class Rate:
    num: int
    den: int

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den else None

    def as_dict(self) -> dict:
        return {"num": self.num, "den": self.den, "value": self.value}


def ratio(num, den) -> float | None:
    """num ÷ den as a float, None when den is 0 (the value of `Rate(num, den)`)."""
    return Rate(int(num or 0), int(den or 0)).value


def percent(value) -> str:
    """0.8333 → "83.3%"; a Rate or its dict form is written by its value; None → "—"."""
    if isinstance(value, Rate):
        value = value.value
    elif isinstance(value, dict):
        value = value.get("value")
    return "—" if value is None else format_percent(value, format="#,##0.0%")


def percent_number(value) -> str:
    """The number of a percentage without its sign, for CSV columns headed "(%)": 0.8333 → "83.3"."""
    return "" if value is None else f"{value * 100:.1f}"
