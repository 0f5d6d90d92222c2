"""Who may take which step on a case: role *and* platform/unit scope."""
from portal.models import Case, CaseUnit, Role, User

DISPATCHER_ACTIONS = {"accept", "decline", "answer_directly", "assign", "consult", "keep", "approve_extension",
                      "deny_extension", "release", "send_back", "merge"}
LEAD_UNIT_ACTIONS = {"sign_for", "return", "request_extension", "draft_reply"}
CO_UNIT_ACTIONS = {"co_input"}
UNIT_LEAD_ACTIONS = {"reply"}
SUPERVISOR_ACTIONS = {"rehandle"}
SYSTEM_ACTIONS = {"submit", "evaluate", "close", "escalate"}  # citizen or system (actor None)


def is_dispatcher_for(user: User, case: Case) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.SALON_ORGANIZER:
        # the internet-information office dispatches the suggestions it adopts at its salons
        return case.channel == "tea_salon"
    if user.role != Role.DISPATCHER:
        return False
    return (user.platform is not None and user.platform.kind == "city") or user.platform_id == case.platform_id


def in_lead_unit(user: User, case: Case) -> bool:
    return user.role in Role.UNIT_ROLES and user.unit_id is not None and user.unit_id == case.lead_unit_id


def co_unit_of(user: User, case: Case) -> CaseUnit | None:
    if user.role not in Role.UNIT_ROLES or user.unit_id is None:
        return None
    return next((cu for cu in case.units if cu.active and cu.role == "co" and cu.unit_id == user.unit_id), None)


def may(user: User | None, action: str, case: Case) -> bool:
    if user is None:
        return action in SYSTEM_ACTIONS
    if action == "answer_directly" and user.role == Role.OPERATOR:
        return True  # an operator answers a simple consultation on the call
    if action in DISPATCHER_ACTIONS:
        return is_dispatcher_for(user, case)
    if action in LEAD_UNIT_ACTIONS:
        return in_lead_unit(user, case)
    if action in CO_UNIT_ACTIONS:
        return co_unit_of(user, case) is not None
    if action in UNIT_LEAD_ACTIONS:
        return user.role == Role.UNIT_LEAD and user.unit_id == case.lead_unit_id
    if action in SUPERVISOR_ACTIONS:
        return user.role in (Role.SUPERVISOR, Role.ADMIN)
    if action in SYSTEM_ACTIONS:
        return user.role == Role.ADMIN
    return False

