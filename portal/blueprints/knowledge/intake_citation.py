"""Operator intake answering from a knowledge base article: the chosen version fills the answer, and the case
records which version was cited."""
from flask_login import current_user

from portal.domain import knowledge
from portal.web.forms import int_or_none


def apply(form, version_id) -> None:
    """Fill the consultation answer from the article version (re-rendered, nothing saved yet)."""
    number = int_or_none(version_id)  # ASCII digits below 2**31, else no citation
    version = knowledge.usable_version(number) if number else None
    if version is None:
        return
    form.answer_now.data = True
    form.answer_text.data = version.answer
    form.knowledge_version_id.data = str(version.id)
    form.answer_text.raw_data = None


def cited(form):
    number = int_or_none(form.knowledge_version_id.data)
    return knowledge.usable_version(number) if number else None


def event_data(form) -> dict | None:
    """What the answer's event records of the article it came from."""
    version = cited(form)
    return knowledge.citation_data(version) if version is not None else None


def record(form, case) -> None:
    version = cited(form)
    if version is not None:
        knowledge.cite(case, version, current_user)
