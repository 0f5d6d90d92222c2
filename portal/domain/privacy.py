"""What the public may see of a citizen: masked names and phones, and free text with personal data masked."""
import re

ANONYMOUS = "匿名"


def mask_phone(phone: str | None) -> str:
    """138****1234 for a mobile; for a landline keep area code and last 2 digits."""
    if not phone:
        return ""
    digits = digits_of(phone)
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


ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dXx](?![\dXx])")
MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)")
LANDLINE_IN_TEXT = re.compile(r"(?<!\d)0\d{2,3}[ -]?\d{7,8}(?!\d)")
EMAIL_IN_TEXT = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def digits_of(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _mask_mobile(match: re.Match) -> str:
    digits = digits_of(match.group(0))
    return mask_phone(digits[-11:])


def mask_text(text: str | None, case=None) -> str | None:
    """Free text safe to publish: phones, ID numbers and emails masked, the case's citizen name masked."""
    if not text:
        return text
    text = ID_NUMBER.sub(lambda m: m.group(0)[:6] + "*" * 12, text)
    text = MOBILE_IN_TEXT.sub(_mask_mobile, text)
    text = LANDLINE_IN_TEXT.sub(lambda m: mask_phone(digits_of(m.group(0))), text)
    text = EMAIL_IN_TEXT.sub(lambda m: m.group(0)[0] + "***@" + m.group(0).split("@", 1)[1], text)
    if case is not None:
        if case.citizen_phone:
            digits = digits_of(case.citizen_phone)
            if len(digits) >= 7:
                text = text.replace(digits, mask_phone(digits))
        if case.citizen_email:
            text = text.replace(case.citizen_email, "***")
        name = (case.citizen_name or "").strip()
        if len(name) >= 2 and name != ANONYMOUS:
            text = text.replace(name, mask_name(name))
            given = name[1:] if " " not in name else ""
            if len(given) >= 2:
                text = text.replace(given, "*" * len(given))
            for part in name.split() if " " in name else ():
                if len(part) >= 2:
                    text = text.replace(part, mask_name(part))
    return text
