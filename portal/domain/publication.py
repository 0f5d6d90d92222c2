"""The one publication rule: which cases any public surface may show (home page, echo wall, Open311 lists and
by-id, the Open311 updates feed, the public similar-case hints, tea-salon outcome pages).

A case is public when
  1. its citizen consented to publication (`publish_consent`),
  2. it is not confidential, and
  3. a person on the platform has reviewed it: it left "submitted" (accepted, declined, answered directly,
     merged...). Until then nobody has checked the text for abuse or another person's data, so it is not shown
     anywhere, not even its description in Open311.
A surface may show fewer cases (the home page and the echo wall only handled ones), never more. Free text of a
public case is shown through `public_text` (privacy.mask_text plus markup stripped), never raw.
"""
import html
import re

from sqlalchemy import and_

from portal.domain.privacy import mask_text
from portal.models import Case

UNREVIEWED_STATES = ("submitted",)
TAG = re.compile(r"<[^>]{0,2000}>")


def public_clause():
    """SQL condition: the case may appear on a public surface."""
    return and_(Case.publish_consent.is_(True), Case.confidential.is_(False), Case.state.not_in(UNREVIEWED_STATES))


def only_public(query):
    return query.where(public_clause())


def is_public(case: Case) -> bool:
    return bool(case.publish_consent) and not case.confidential and case.state not in UNREVIEWED_STATES


def public_text(text: str | None, case: Case | None = None) -> str | None:
    """Free text for a machine-readable public surface: personal data masked, markup removed (tags dropped,
    remaining angle brackets escaped), so a client that renders it as HTML runs nothing."""
    if not text:
        return text
    text = TAG.sub("", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return html.unescape(mask_text(text, case)).replace("<", "&lt;").replace(">", "&gt;")
