"""Filing a request (POST requests): validation into an intake Submission, the API key, the receipt."""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from portal.domain import apikeys, intake
from portal.domain.open311 import (
    ADDRESS_ID_MAX,
    ADDRESS_MAX,
    DESCRIPTION_MAX,
    DESCRIPTION_MIN,
    EMAIL_MAX,
    MEDIA_URL_MAX,
    NAME_MAX,
    NO,
    TITLE_CHARS,
    YES,
    Open311Error,
)
from portal.domain.open311.services import leaf_by_code
from portal.domain.phones import is_valid_phone, normalise_phone
from portal.domain.privacy import ANONYMOUS, mask_text
from portal.extensions import db
from portal.models import ApiKey, Case, Category, Region

# ---- filing a request -------------------------------------------------------------------------------------

GPS_MARK = re.compile(r"\s*\[GPS (-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)\]")
ADDRESS_ID_MARK = re.compile(r"\s*\[address_id ([^\]\s]+)\]")
MEDIA_MARK = re.compile(r"\n\n\[media_url\] (\S+)\s*\Z")
HTML = re.compile(r"<\s*/?\s*[A-Za-z][^>]*>|<!--")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)
SAFE_ADDRESS_ID = re.compile(r"""^[^\s\[\]<>"'`&]{1,100}$""")  # what split_address returns: no markup
CJK = re.compile(r"[\u3400-\u9fff]")


def split_address(stored: str) -> tuple[str | None, str | None, float | None, float | None]:
    """(address, address_id, lat, long) from the address text written by `file_request`."""
    lat = long = address_id = None
    gps = GPS_MARK.search(stored or "")
    if gps:
        lat, long = float(gps.group(1)), float(gps.group(2))
    aid = ADDRESS_ID_MARK.search(stored or "")
    if aid and SAFE_ADDRESS_ID.match(aid.group(1)):  # text typed on the web may end like the mark: never markup
        address_id = aid.group(1)
    address = ADDRESS_ID_MARK.sub("", GPS_MARK.sub("", stored or "")).strip()
    return address or None, address_id, lat, long


def split_description(stored: str) -> tuple[str, str | None]:
    match = MEDIA_MARK.search(stored or "")
    if not match or not URL.match(match.group(1)):  # only what file_request accepted: an http(s) URL, no markup
        return stored, None
    return stored[:match.start()], match.group(1)


def _float(value: str | None, name: str, low: float, high: float, errors: list[str]) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.append(f"{name} must be a number (WGS84 degrees).")
        return None
    if not low <= number <= high:
        errors.append(f"{name} must lie between {low:g} and {high:g}.")
        return None
    return number


def _choice(form, code: str, errors: list[str], required: bool) -> str | None:
    value = (form.get(f"attribute[{code}]") or "").strip()
    if not value:
        if required:
            errors.append(f"attribute[{code}] is required: see the service definition for its values.")
        return None
    return value


def _yes_no_value(form, code: str, errors: list[str], required: bool) -> bool | None:
    value = _choice(form, code, errors, required)
    if value is None:
        return None
    if value.lower() not in (YES, NO):
        errors.append(f"attribute[{code}] must be yes or no.")
        return None
    return value.lower() == YES


def citizen_name(first: str, last: str) -> str:
    first, last = first.strip(), last.strip()
    if not first and not last:
        return ANONYMOUS
    if CJK.search(first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def derive_title(description: str) -> str:
    return mask_text(" ".join(description.split()))[:TITLE_CHARS]


def parse_new_request(form, channel: str) -> intake.Submission:
    """Validate a GeoReport POST into an intake Submission; every problem is reported at once (400)."""
    errors: list[str] = []
    category = _service(form, errors)
    address = _location(form, errors)
    county, town = _place(form, errors)
    publish = _yes_no_value(form, "publish", errors, required=True)
    confidential = _yes_no_value(form, "confidential", errors, required=False) or False
    description = _description(form, errors)
    name, phone, email = _contact(form, errors)
    media_url = _media_url(form, errors)
    if errors:
        raise Open311Error(400, *errors)
    stored_description = description + (f"\n\n[media_url] {media_url}" if media_url else "")
    return intake.Submission(
        category_id=category.id, county_id=county.id, town_id=town.id if town else None,
        address=address, title=derive_title(description), description=stored_description,
        citizen_name=name, citizen_phone=phone, citizen_email=email or None, hide_name=name == ANONYMOUS,
        confidential=confidential, publish_consent=bool(publish) and not confidential, channel=channel)


def _get(form, name: str) -> str:
    return (form.get(name) or "").strip()


def _service(form, errors: list[str]) -> Category | None:
    service_code = _get(form, "service_code")
    if not service_code:
        errors.append("service_code is required.")
        return None
    category = leaf_by_code(service_code)
    if category is None:
        errors.append(f"service_code {service_code} is not a service here: see services.json.")
    return category


def _location(form, errors: list[str]) -> str:
    """lat + long, address_string or address_id, stored in the case's address with [address_id …] [GPS …] marks."""
    lat_raw, long_raw = _get(form, "lat"), _get(form, "long")
    address_string, address_id = _get(form, "address_string"), _get(form, "address_id")
    lat = long = None
    if lat_raw or long_raw:
        if not (lat_raw and long_raw):
            errors.append("lat and long go together: send both, or neither.")
        else:
            lat = _float(lat_raw, "lat", -90, 90, errors)
            long = _float(long_raw, "long", -180, 180, errors)
    elif not address_string and not address_id:
        errors.append("A location is required: lat and long, address_string or address_id.")
    if len(address_string) > ADDRESS_MAX:
        errors.append(f"address_string is at most {ADDRESS_MAX} characters.")
    if "[" in address_string or "]" in address_string or CONTROL.search(address_string):
        errors.append("address_string must be plain text without square brackets.")
    if address_id and (len(address_id) > ADDRESS_ID_MAX or not re.fullmatch(r"[^\s\[\]]+", address_id)):
        errors.append(f"address_id is at most {ADDRESS_ID_MAX} characters without spaces or brackets.")
    address = address_string
    if address_id:
        address += f" [address_id {address_id}]"
    if lat is not None and long is not None:
        address += f" [GPS {lat:.6f},{long:.6f}]"
    return address.strip()


def _place(form, errors: list[str]) -> tuple[Region | None, Region | None]:
    county = town = None
    county_code = _choice(form, "county", errors, required=True)
    if county_code:
        county = db.session.scalar(select(Region).where(Region.code == county_code, Region.parent_id.is_(None),
                                                        Region.retired_at.is_(None)))
        if county is None:
            errors.append(f"attribute[county] {county_code} is not a county here: see the service definition.")
    town_code = _choice(form, "town", errors, required=False)
    if town_code:
        town = db.session.scalar(select(Region).where(Region.code == town_code, Region.parent_id.is_not(None),
                                                      Region.retired_at.is_(None)))
        if town is None or (county is not None and town.parent_id != county.id):
            errors.append(f"attribute[town] {town_code} is not a town or street in the county given.")
    return county, town


def _description(form, errors: list[str]) -> str:
    description = (form.get("description") or "").strip()
    if not description:
        errors.append("description is required.")
    elif not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        errors.append(f"description must be {DESCRIPTION_MIN} to {DESCRIPTION_MAX} characters.")
    elif HTML.search(description) or CONTROL.search(description.replace("\t", " ")):
        errors.append("description must be plain text: no HTML or code.")
    return description


def _contact(form, errors: list[str]) -> tuple[str, str, str]:
    name = citizen_name(_get(form, "first_name"), _get(form, "last_name"))
    if len(name) > NAME_MAX:
        errors.append(f"first_name and last_name together are at most {NAME_MAX} characters.")
    phone = normalise_phone(form.get("phone"))
    if not phone:
        errors.append("phone is required: the handling unit must be able to reach the citizen.")
    elif not is_valid_phone(phone):
        errors.append("phone must be a mainland mobile (11 digits, e.g. 13812345678) or a landline with area "
                      "code (e.g. 0558-1234567).")
    email = _get(form, "email")
    if email and (len(email) > EMAIL_MAX or not EMAIL.match(email)):
        errors.append("email is not a valid address.")
    return name, phone, email


def _media_url(form, errors: list[str]) -> str:
    media_url = _get(form, "media_url")
    if media_url and (len(media_url) > MEDIA_URL_MAX or not URL.match(media_url)):
        errors.append(f"media_url must be an http or https URL of at most {MEDIA_URL_MAX} characters.")
    return media_url


def authenticate(plain: str | None) -> ApiKey:
    if not (plain or "").strip():
        raise Open311Error(403, "api_key is required to create a request.")
    key = apikeys.check(plain, touch=True)
    if key is None:
        raise Open311Error(403, "Invalid api_key received: it is unknown or revoked.")
    return key


def file_request(form, key: ApiKey) -> tuple[Case, str, str]:
    """File a request for a key's channel system: (case, query code, service notice). The caller commits."""
    case, code = intake.receive(parse_new_request(form, key.channel))
    submitted = next((e for e in case.events if e.action == "submit"), None)
    if submitted is not None and submitted.id is None:  # still pending: the log is append-only once written
        submitted.data = {**(submitted.data or {}), "api_key": key.prefix}
    notice = _("Received. Tracking number %(no)s, query code %(code)s: tell the citizen both. With them the "
               "citizen follows the request and rates the reply on the portal's tracking page.",
               no=case.tracking_no, code=code)
    return case, code, notice


