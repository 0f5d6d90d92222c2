"""Reply templates (答复模板) of a unit, per category or for any category, filled with the case's fields.

A template's text may hold placeholders in braces — {tracking_no}, {received_date}, {title}, {category},
{county}, {address}, {unit}, {due_date} — filled from the case when a handler inserts it into the reply draft.
A template is a starting point, never a reply: `check_edited` refuses a draft that is exactly a filled template
(whitespace aside), so every reply is edited for its case before it goes to the unit lead.
Unit leads (for their unit) and admins manage templates; every change is in the audit log.
"""
import re
import string

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.domain import audit, calendar
from portal.domain.routing import category_ancestry
from portal.extensions import db
from portal.models import Case, ReplyTemplate, Role, User
from portal.models.base import utcnow

PLACEHOLDERS = {
    "tracking_no": _l("tracking number"), "received_date": _l("date received"), "title": _l("title"),
    "category": _l("category"), "county": _l("county or district"), "address": _l("address"),
    "unit": _l("handling unit"), "due_date": _l("deadline"),
}
MANAGERS = (Role.UNIT_LEAD, Role.ADMIN)
FIELDS = ("unit_id", "category_id", "title", "body", "retired_at")


class TemplateError(Exception):
    pass


def case_fields(case: Case) -> dict[str, str]:
    return {
        "tracking_no": case.tracking_no,
        "received_date": calendar.local_day(case.received_at).isoformat() if case.received_at else "",
        "title": case.title, "category": case.category.name if case.category else "",
        "county": case.county.name if case.county else "", "address": case.address or "",
        "unit": case.lead_unit.name if case.lead_unit else "",
        "due_date": calendar.local_day(case.due_at).isoformat() if case.due_at else "",
    }


class _Leave(dict):
    def __missing__(self, key):
        return "{" + key + "}"


def fill(template: ReplyTemplate, case: Case) -> str:
    """The template's text with the case's fields; unknown placeholders and stray braces stay as written."""
    values = _Leave(case_fields(case))
    try:
        return string.Formatter().vformat(template.body, (), values)
    except (ValueError, IndexError, KeyError):
        out = template.body
        for key, value in case_fields(case).items():
            out = out.replace("{" + key + "}", value)
        return out


def unknown_placeholders(body: str) -> list[str]:
    return sorted({m for m in re.findall(r"\{([A-Za-z_]+)\}", body) if m not in PLACEHOLDERS})


def for_case(case: Case) -> list[ReplyTemplate]:
    """The lead unit's active templates for the case's category (or any category), most specific first."""
    if case.lead_unit_id is None:
        return []
    ancestry = category_ancestry(case.category_id)
    rows = db.session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.unit_id == case.lead_unit_id, ReplyTemplate.retired_at.is_(None),
        (ReplyTemplate.category_id.is_(None)) | (ReplyTemplate.category_id.in_(ancestry)))).all()
    return sorted(rows, key=lambda t: (ancestry.index(t.category_id) if t.category_id in ancestry else 99, t.title))


def _normal(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def check_edited(case: Case, text: str) -> str:
    """`text` if it is not exactly one of the unit's templates filled for this case; else a WorkflowError."""
    from portal.domain.workflow import WorkflowError

    wanted = _normal(text)
    if case.lead_unit_id is None or not wanted:
        return text
    templates = db.session.scalars(select(ReplyTemplate).where(ReplyTemplate.unit_id == case.lead_unit_id)).all()
    for template in templates:
        if _normal(fill(template, case)) == wanted:
            raise WorkflowError(_("The reply is the template “%(title)s” unchanged. Edit it for this case — what was "
                                  "found, what was done, what happens next — before sending it.", title=template.title))
    return text


def may_manage(user: User, unit_id: int | None) -> bool:
    return user.role == Role.ADMIN or (user.role == Role.UNIT_LEAD and user.unit_id is not None
                                       and user.unit_id == unit_id)


def save(actor: User, template: ReplyTemplate | None, unit_id: int, category_id: int | None, title: str,
         body: str) -> ReplyTemplate:
    if not may_manage(actor, unit_id if template is None else template.unit_id):
        raise TemplateError(_("Only the unit's lead or an administrator manages its reply templates."))
    unknown = unknown_placeholders(body)
    if unknown:
        raise TemplateError(_("Unknown placeholder: %(names)s. Use only the ones listed.",
                              names=", ".join("{" + u + "}" for u in unknown)))
    duplicate = db.session.scalar(select(ReplyTemplate.id).where(
        ReplyTemplate.unit_id == (unit_id if template is None else template.unit_id),
        ReplyTemplate.title == title.strip(), ReplyTemplate.retired_at.is_(None),
        ReplyTemplate.id != (template.id if template is not None else -1)).limit(1))
    if duplicate is not None:
        raise TemplateError(_("Your unit already has a template named “%(title)s”: choose another name.",
                              title=title.strip()))
    before = None if template is None else audit.snapshot(template, FIELDS)
    if template is None:
        template = ReplyTemplate(unit_id=unit_id, created_by_id=actor.id, created_at=utcnow())
        db.session.add(template)
    template.category_id, template.title, template.body = category_id, title.strip(), body.strip()
    db.session.flush()
    audit.record(actor, "create" if before is None else "update", template, before, audit.snapshot(template, FIELDS))
    return template


def set_retired(actor: User, template: ReplyTemplate, retired: bool) -> None:
    if not may_manage(actor, template.unit_id):
        raise TemplateError(_("Only the unit's lead or an administrator manages its reply templates."))
    before = audit.snapshot(template, FIELDS)
    template.retired_at = utcnow() if retired else None
    audit.record(actor, "retire" if retired else "restore", template, before, audit.snapshot(template, FIELDS))


def of_unit(unit_id: int | None) -> list[ReplyTemplate]:
    q = select(ReplyTemplate).order_by(ReplyTemplate.retired_at.is_not(None), ReplyTemplate.title)
    if unit_id:
        q = q.where(ReplyTemplate.unit_id == unit_id)
    return list(db.session.scalars(q))
