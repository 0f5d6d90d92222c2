"""Every Jinja filter and global, registered in one place by `register_templating(app)`.

Globals, not context processors, so that macro files imported without context see them too. Blueprints register
none of their own; a feature's words come from its domain module (labels) and are listed here.
"""
from datetime import datetime

from flask import Flask, current_app, request
from flask_babel import format_datetime, format_decimal, get_locale
from flask_login import current_user

from portal.domain import (
    calendar,
    callers,
    charts,
    contacts,
    governance,
    knowledge,
    labels,
    monitoring,
    periods,
    rates,
    reply_templates,
    salon_stats,
    salons,
    scope,
    statistics,
    supervision,
    topics,
    workflow,
)
from portal.domain.privacy import mask_name, mask_phone, mask_text, public_name
from portal.extensions import db
from portal.models import Case
from portal.web import guard
from portal.web.pages import QUEUE_LINKS, is_staff_page, nav_links, queue_links
from portal.web.pickers import picker_attrs, pinyin_attr

# ICU patterns made only of numbers read the same in every language: strftime writes them without Babel's
# per-call locale look-ups (a staff list formats hundreds of times). Other patterns go through Babel.
_NUMERIC_PATTERNS = {"yyyy-MM-dd HH:mm": "%Y-%m-%d %H:%M", "yyyy-MM-dd": "%Y-%m-%d", "HH:mm": "%H:%M",
                     "HH:mm:ss": "%H:%M:%S", "yyyy-MM-dd HH:mm:ss": "%Y-%m-%d %H:%M:%S", "MM-dd HH:mm": "%m-%d %H:%M"}


def local_time(value: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    """A moment as the wall clock in Fuyang shows it."""
    if value is None:
        return ""
    numeric = _NUMERIC_PATTERNS.get(fmt)
    return calendar.local_text(value, numeric) if numeric else format_datetime(value.astimezone(calendar.SHANGHAI), fmt)


def local_time_iso(value: str | None) -> str:
    return local_time(datetime.fromisoformat(value)) if value else ""


def distinct_parts(*parts, sep: str = " · ") -> str:
    """Join facts about a person or a thing once each: a part already said by an earlier one is left out
    (a display name that already names the role, a monitor's kind inside their name)."""
    kept: list[str] = []
    for part in parts:
        text = str(part or "").strip()
        if text and not any(text in earlier for earlier in kept):
            kept.append(text)
    return sep.join(kept)


def case_text(case, text):
    """A case's free text as the signed-in user may read it (monitors: personal data masked; see scope)."""
    return scope.text_for(current_user, case, text)


def case_address(case):
    return scope.address_for(current_user, case)


def may_open_case(user, case_id: int) -> bool:
    """Links to another case (a repeat call's first case) only when the user's scope reaches it."""
    return scope.can_see(user, db.session.get(Case, case_id))


def whole_number(value) -> str:
    return format_decimal(value or 0, format="#,##0")


def one_decimal(value) -> str:
    return format_decimal(value or 0, format="#,##0.0")


def headline_figures() -> dict:
    """This year's headline figures for other pages (the home page strip), from the same cache as /stats."""
    return statistics.figures(statistics.period("year"))["totals"]


def page_lang() -> str:
    """The interface language as a language tag (html lang, xml:lang): en or zh-Hans."""
    loc = get_locale()
    return "en" if loc is not None and loc.language == "en" else "zh-Hans"


def _html_lang() -> dict:
    lang = page_lang()
    return {"html_lang": lang, "languages": current_app.config["LANGUAGES"], "current_path": request.full_path}


def register_templating(app: Flask) -> None:
    from portal.web import lang_marks

    lang_marks.register(app)  # text in the other language gets its `lang` (screen readers' voice)
    env = app.jinja_env
    env.add_extension("jinja2.ext.do")
    env.filters.update(
        local_time=local_time, local_time_iso=local_time_iso,
        mask_phone=mask_phone, mask_name=mask_name,
        public_text=mask_text,  # free text on public pages: `reply|public_text(case)`
        percent=rates.percent,  # the one percent format: 83.3% / —
        stat_int=whole_number, stat_decimal=one_decimal, month_label=periods.month_label,
        pinyin_attr=pinyin_attr)  # ` data-pinyin="…"` on a hand-written picker option (web/pickers.py)
    env.globals.update(
        nav_links=nav_links, is_staff_page=is_staff_page, queue_links=queue_links, QUEUE_LINKS=QUEUE_LINKS,
        public_name=public_name, PUBLIC_NOTE_ACTIONS=workflow.PUBLIC_NOTE_ACTIONS,
        SHARED_NOTE_ACTIONS=workflow.SHARED_NOTE_ACTIONS, CITIZEN_STATE_LABELS=labels.CITIZEN_STATE_LABELS,
        case_text=case_text, case_address=case_address, distinct_parts=distinct_parts, picker_attrs=picker_attrs,
        # the case vocabulary
        STATE_LABELS=labels.STATE_LABELS, ACTION_LABELS=labels.ACTION_LABELS, STEP_LABELS=labels.STEP_LABELS,
        PRIORITY_LABELS=labels.PRIORITY_LABELS, RETURN_REASONS=labels.RETURN_REASONS, REPLY_TYPES=labels.REPLY_TYPES,
        RESOLUTION_LABELS=labels.RESOLUTION_LABELS, SATISFACTION_LABELS=labels.SATISFACTION_LABELS,
        LIGHT_LABELS=labels.LIGHT_LABELS, DECLINE_REASONS=labels.DECLINE_REASONS,
        CHANNEL_LABELS=labels.CHANNEL_LABELS, ROLE_LABELS=labels.ROLE_LABELS,
        may_see_contact=contacts.may_see_contact, reply_templates_for=reply_templates.for_case,
        may_look_up_callers=callers.may_look_up, may_open_case=may_open_case,
        knowledge_citations=knowledge.citations_of, public_url=guard.public_url,
        # oversight
        SUPERVISION_LEVELS=supervision.LEVEL_LABELS, ORDER_STATUS_LABELS=supervision.STATUS_LABELS,
        MONITOR_KINDS=monitoring.KIND_LABELS, SCORE_LABELS=monitoring.SCORE_LABELS,
        FLAG_LABELS=monitoring.FLAG_LABELS,
        # governance (未诉先办): hotspot warnings, governance tasks, monthly topics
        WARNING_STATUS_LABELS=governance.STATUS_LABELS, governance_link_note=governance.link_note,
        hotspot_aging=governance.aging, TOPIC_TASK_STATUS_LABELS=topics.TASK_STATUS_LABELS,
        stat_label=charts.row_label, headline_figures=headline_figures, knowledge_totals=knowledge.cached_totals,
        # tea salons
        SALON_STATE_LABELS=salons.SALON_STATE_LABELS, VENUE_KIND_LABELS=salons.VENUE_KIND_LABELS,
        PERSON_KIND_LABELS=salons.PERSON_KIND_LABELS, PARTICIPANT_STATE_LABELS=salons.PARTICIPANT_STATE_LABELS,
        SALON_OUTCOME_LABELS=salons.OUTCOME_LABELS, SALON_CASE_STATUS=salons.PUBLIC_CASE_STATUS,
        participant_actions=salons.participant_actions, roster_open=salons.roster_open,
        salon_allows=salons.salon_allows, salon_public_label=salon_stats.public_label,
        salon_public_reply=salon_stats.public_reply)
    app.context_processor(_html_lang)
