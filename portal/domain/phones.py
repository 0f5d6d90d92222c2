"""The phone rule, once: a citizen's contact number is a mainland mobile (11 digits, 1[3-9]…) or a landline with
its area code (0 + 2–3 digits + 7–8 digits). Spaces, dashes and a leading +86 are dropped before checking."""
import re

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")


def normalise_phone(value: str | None) -> str:
    value = (value or "").strip().replace(" ", "").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def is_valid_phone(number: str) -> bool:
    """`number` already normalised."""
    return bool(MOBILE.match(number) or LANDLINE.match(number))
