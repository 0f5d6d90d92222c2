"""What the public may see of a citizen: masked names and phones."""


def mask_phone(phone: str | None) -> str:
    """138****1234 for a mobile; for a landline keep area code and last 2 digits."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:3]}{'*' * (len(digits) - 5)}{digits[-2:]}"
    return "*" * len(digits)


def mask_name(name: str | None) -> str:
    """张** for Chinese names; first letter plus stars for others."""
    if not name:
        return ""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(2, len(name) - 1) if len(name) > 1 else name + "*"


def public_name(case) -> str:
    """The name a public page may show for a case's citizen: always masked, never shown when hidden."""
    from flask_babel import gettext

    if case.hide_name:
        return gettext("Anonymous")
    return mask_name(case.citizen_name)
