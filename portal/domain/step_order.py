"""The order in which the staff case page offers a user what they may do now, the most likely next step first.

The page asks `workflow.may` which steps this user may take on this case in its current state (role, scope and
state decide that), adds what the oversight panels offer them (issue a supervision order, answer one, review the
handling), and puts them in this order:

1. **The closed loop moves on.** A step of the loop 受理 accept → 交办 assign → 签收 sign for → 拟稿 draft the
   reply → 审核 approve the reply → 发布 release (and 重办 re-handle, which restarts the loop after a dissatisfied
   rating); when several are open to the user, the one furthest along the loop (a unit lead with a draft
   waiting approves it rather than drafting again).
2. **Someone is waiting for this user's decision or answer:** keep the case (a unit returned it), approve an
   extension a unit asked for, answer a supervision order addressed to the user's unit, the co-handling unit's
   input the lead unit waits for.
3. **Oversight:** issue a supervision order (supervisors), record a handling-quality review (monitors).
4. **Everything else** (alternatives and exits: decline, answer directly, consult, return, ask for more time,
   deny the extension, send the reply back, merge), in the order of the workflow's transition table.

So a dispatcher on a new or returned case sees "assign" first, a handler on an assigned case "sign for", a
handler on a signed case "draft the reply", a unit lead on a drafted reply "approve", a dispatcher on an approved
reply "release", a supervisor "re-handle" on a dissatisfied case and "issue a supervision order" elsewhere.
The first action is shown open (`shown_open`), the others collapsed below it — unless the first is only one of
the alternatives of tier 4 among others (a dispatcher on a case a unit is handling may consult or merge, but
neither is the expected next step): then all stay collapsed. A single action is always open. Only names:
nothing here reads the database.
"""
from collections.abc import Iterable

# 1. the closed loop, in its order (rehandle re-enters it at "handling", after the dissatisfied rating)
LOOP = ("accept", "assign", "sign_for", "draft_reply", "reply", "release", "rehandle")
# 2. decisions and answers another party is waiting for
WAITED_FOR = ("keep", "approve_extension", "answer_supervision", "co_input")
# 3. oversight work offered by the case page's panels
OVERSIGHT = ("supervise", "review")
# 4. everything else, in the order of the workflow's transition table
OTHERS = ("decline", "answer_directly", "consult", "return", "request_extension", "deny_extension", "send_back",
          "merge")
PANEL_ACTIONS = ("answer_supervision", "supervise", "review")  # not workflow steps: offered by panels


def _rank(action: str) -> tuple[int, int]:
    """(tier of the rule 1-4, place within the tier)."""
    if action in LOOP:
        return 1, -LOOP.index(action)  # furthest along the loop first
    for tier, names in enumerate((WAITED_FOR, OVERSIGHT, OTHERS), start=2):
        if action in names:
            return tier, names.index(action)
    return 5, 0  # an action nobody ranked yet: last, in the order given (the sort is stable)


def most_likely_first(actions: Iterable[str]) -> list[str]:
    """The actions (workflow step names and panel actions) in the order the case page offers them."""
    return sorted(dict.fromkeys(actions), key=_rank)


def shown_open(ordered: list[str]) -> str | None:
    """The action the page shows open: the first of `most_likely_first`, unless it is only an alternative
    (tier 4) among others."""
    if not ordered:
        return None
    first = ordered[0]
    return first if len(ordered) == 1 or _rank(first)[0] <= 3 else None
