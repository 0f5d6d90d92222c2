"""The life of one synthetic case, as rows: the case, its event log (every step a real case takes), its unit rows,
supervision orders. Distributions follow the demo generator (`portal/demo/cases.py`): channels, categories,
counties, the owning department or the county government, returns, direct answers, declines, replies, ratings,
the dissatisfied zone and re-handling, overdue escalation. Deadlines are computed with the real working-day
calendar (cached per day and limit). Rows are plain dicts/tuples; `generate.py` writes them in bulk."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.domain import calendar, callers

CHANNELS = ["web"] * 30 + ["hotline"] * 50 + ["mayor_mailbox"] * 6 + ["leader_board"] * 8 + \
    ["media_hotline"] * 3 + ["opinion_monitoring"] * 3
PLACES = ["小区东门", "菜市场旁", "学校路口", "公交站台附近", "人民路与中山路交叉口", "社区广场", "老旧小区3号楼", "农贸市场"]
ASKS = ["希望有关部门尽快处理。", "已经持续一周多了，请帮忙协调解决。", "给周边居民出行带来很大不便，请尽快处理。",
        "多次反映未果，恳请重视。", "请相关部门核实并给予答复。"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
REPLIES = {
    "resolved": "经核查，您反映的{leaf}问题属实。我单位已安排工作人员到现场处理完毕，后续将加强巡查。感谢您的监督！",
    "explained": "您反映的{leaf}问题涉及规划调整，短期内无法解决。我单位已将其列入年度计划，请您理解。",
    "partly_resolved": "您反映的{leaf}问题已部分处理，剩余事项需协调相关单位，预计下月底前完成。",
}


@dataclass
class World:
    """What the generator needs from the loaded organisation (plain ids and names, no ORM objects)."""
    leaves: list  # [(leaf_id, leaf_name_zh, owner_unit_id)]
    counties: list  # [(county_id, code, name_zh, [(town_id, town_name_zh)])]
    county_gov: dict  # county code -> unit id
    staff: dict  # unit id -> (handler user id, unit lead user id)
    platform_of_county: dict  # county id -> platform id
    operator: int
    dispatcher: int
    supervisor: int
    query_code_hash: str
    now: datetime
    due_cache: dict = field(default_factory=dict)

    def due(self, at: datetime, days: int) -> datetime:
        key = (calendar.local_day(at), days)
        if key not in self.due_cache:
            self.due_cache[key] = calendar.add_working_days(at, days).due_at
        return self.due_cache[key]


class Ids:
    def __init__(self, start: int):
        self.value = start

    def __call__(self) -> int:
        self.value += 1
        return self.value - 1


def one_case(w: World, rng: random.Random, case_id: int, tracking_no: str, received: datetime,
             event_id: Ids, unit_row_id: Ids, order_id: Ids, out: dict) -> None:
    """Append the rows of one case to out["case"], out["case_event"], out["case_unit"], out["supervision_order"]."""
    leaf_id, leaf_name, owner = rng.choice(w.leaves)
    county_id, county_code, county_name, towns = rng.choice(w.counties)
    town_id, town_name = rng.choice(towns)
    channel = rng.choice(CHANNELS)
    place = rng.choice(PLACES)
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    row = dict(id=case_id, tracking_no=tracking_no, query_code_hash=w.query_code_hash, channel=channel,
               state="submitted", priority=None, category_id=leaf_id, county_id=county_id, town_id=town_id,
               address=f"{county_name}{town_name}{place}", title=f"{town_name}{leaf_name}问题",
               description=f"{town_name}{place}存在{leaf_name}问题。{rng.choice(ASKS)}",
               citizen_name=name, citizen_phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
               citizen_email=None, hide_name=rng.random() < 0.2, confidential=rng.random() < 0.05,
               publish_consent=rng.random() < 0.6, platform_id=w.platform_of_county[county_id], lead_unit_id=None,
               created_by_id=None if channel == "web" else w.operator, merged_into_id=None, received_at=received,
               received_day=calendar.local_day(received), sign_due_at=None, due_at=None, due_is_provisional=False,
               signed_at=None, replied_at=None, closed_at=None, updated_at=received, reply_type=None,
               reply_text=None, resolution=None, satisfaction=None, evaluation_comment=None, rehandle_count=0,
               return_count=0, limit_days=None, reply_drafted_at=None, evaluation_due_at=None, escalated_at=None,
               version=1, repeat_of_id=None)
    row["caller_phone_key"] = callers.phone_key(row["citizen_phone"])
    events = out["case_event"]
    now = w.now
    t = received

    def ev(action, at, frm, to, actor=None, unit_id=None, public=True, note=None, data=None):
        events.append(dict(id=event_id(), case_id=case_id, at=at, actor_id=actor, action=action, from_state=frm,
                           to_state=to, public=public, note=note, unit_id=unit_id, data=data))
        row["state"], row["updated_at"] = to, at
        row["version"] += 1

    def later(lo, hi):
        nonlocal t
        t = t + timedelta(hours=rng.uniform(lo, hi))
        return t < now

    def unit_row(unit_id, at, active=True):
        out["case_unit"].append(dict(id=unit_row_id(), case_id=case_id, unit_id=unit_id, role="lead", active=active,
                                     assigned_at=at, input_text=None, input_at=None))

    ev("submit", received, None, "submitted", None if channel == "web" else w.operator)
    row["version"] = 1
    out["case"].append(row)
    if channel == "hotline" and rng.random() < 0.12:  # answered on the phone
        if later(0.05, 0.2):
            text = "已向来电人解答相关政策，来电人表示清楚。"
            ev("answer_directly", t, "submitted", "awaiting_evaluation", w.operator, note=text)
            row.update(reply_type="explained", reply_text=text, replied_at=t, evaluation_due_at=t + timedelta(days=7))
            _rate(w, rng, row, ev)
        return
    if not later(0.5, 6):
        return
    if rng.random() < 0.03:
        ev("decline", t, "submitted", "declined", w.dispatcher, note="涉诉涉法事项 — 已告知通过法定途径解决。",
           data={"reason": "litigation"})
        row["closed_at"] = t
        return
    ev("accept", t, "submitted", "accepted", w.dispatcher)
    if not later(0.2, 4):
        return
    unit = owner if rng.random() < 0.5 else w.county_gov[county_code]
    priority = rng.choices(["urgent", "simple", "general"], weights=[10, 15, 75])[0]
    limit = calendar.LIMITS[priority]

    def assign(unit, action="assign", frm="accepted"):
        due = w.due(t, limit)
        row.update(priority=priority, lead_unit_id=unit, due_at=due, sign_due_at=w.due(t, 1), signed_at=None)
        ev(action, t, frm, "assigned", w.dispatcher, unit, public=action == "assign",
           data={"priority": priority, "due_at": due.isoformat(), "co_units": []} if action == "assign" else None)
        unit_row(unit, t)

    assign(unit)
    if rng.random() < 0.04:  # the unit says it is not theirs; the dispatcher rules
        if not later(1, 20):
            return
        handler = w.staff[unit][0]
        ev("return", t, "assigned", "accepted", handler, unit, public=False, note="经核实不属于本单位职责范围。",
           data={"reason": "unclear_ownership"})
        row["return_count"] = 1
        if not later(0.5, 6):
            return
        out["case_unit"][-1]["active"] = False
        unit = owner if unit != owner else w.county_gov[county_code]
        assign(unit)
    handler, lead = w.staff[unit]
    if not later(1, 30):
        _maybe_escalate(w, rng, row, ev, out, order_id)
        return
    ev("sign_for", t, "assigned", "handling", handler, unit)
    row["signed_at"] = t
    for round_ in range(2):
        hard = rng.random() < 0.015
        if hard or not later(6, 110 * (1.4 if rng.random() < 0.1 else 1)):
            _maybe_escalate(w, rng, row, ev, out, order_id)
            return
        if t > row["due_at"]:
            _escalate(w, rng, row, ev, out, order_id, max(row["due_at"], row["updated_at"]) + timedelta(minutes=5))
        reply_type = rng.choices(["resolved", "explained", "partly_resolved"], weights=[80, 12, 8])[0]
        text = REPLIES[reply_type].format(leaf=leaf_name)
        ev("draft_reply", t, "handling", "handling", handler, unit, public=False, note=text,
           data={"reply_type": reply_type})
        row.update(reply_type=reply_type, reply_text=text, reply_drafted_at=t)
        if not later(0.5, 8):
            return
        ev("reply", t, "handling", "replied", lead, unit, public=False, data={"due_at": row["due_at"].isoformat()})
        if not later(1, 20):
            return
        ev("release", t, "replied", "awaiting_evaluation", w.dispatcher, unit, note=text,
           data={"reply_type": reply_type})
        row.update(replied_at=t, evaluation_due_at=t + timedelta(days=7))
        if not _rate(w, rng, row, ev, allow_dissatisfied=round_ == 0):
            return
        if row["state"] != "dissatisfied" or not later(2, 72):
            return
        row["rehandle_count"] += 1
        row.update(due_at=w.due(t, 2), reply_drafted_at=None, escalated_at=None)
        ev("rehandle", t, "dissatisfied", "handling", w.supervisor, unit, note="请重新核实处理并答复群众。",
           data={"priority": "simple", "due_at": row["due_at"].isoformat()})


def _rate(w, rng, row, ev, allow_dissatisfied=True) -> bool:
    """The citizen's rating (or none: closed as not evaluated after 7 days). False when it has not happened yet."""
    roll = rng.random()
    if roll < 0.85 or (roll < 0.91 and not allow_dissatisfied):
        resolution, satisfaction = rng.choice([("resolved", "satisfied"), ("resolved", "satisfied"),
                                               ("resolved", "basically_satisfied"), ("partly", "basically_satisfied")])
    elif roll < 0.91:
        resolution, satisfaction = "not_resolved", "dissatisfied"
    else:
        close_at = row["replied_at"] + timedelta(days=7, minutes=3)
        if close_at >= w.now:
            return False
        ev("close", close_at, "awaiting_evaluation", "closed", data={"evaluated": False})
        row["closed_at"] = close_at
        return True
    at = row["updated_at"] + timedelta(hours=rng.uniform(2, 24 * 6))
    if at >= w.now:
        return False
    target = "dissatisfied" if satisfaction == "dissatisfied" else "closed"
    comment = "问题仍然存在，处理不到位。" if target == "dissatisfied" else None
    ev("evaluate", at, "awaiting_evaluation", target, note=comment,
       data={"resolution": resolution, "satisfaction": satisfaction, "rated_unit_id": row["lead_unit_id"]})
    row.update(resolution=resolution, satisfaction=satisfaction, evaluation_comment=comment,
               closed_at=at if target == "closed" else None)
    return True


def _maybe_escalate(w, rng, row, ev, out, order_id):
    """An open case past its deadline has been escalated by the sweep (and sometimes supervised)."""
    if row["due_at"] is not None and row["due_at"] < w.now and row["escalated_at"] is None:
        _escalate(w, rng, row, ev, out, order_id, max(row["due_at"], row["updated_at"]) + timedelta(minutes=5))


def _escalate(w, rng, row, ev, out, order_id, at):
    if at >= w.now:
        return
    state = row["state"]
    ev("escalate", at, state, state, unit_id=row["lead_unit_id"], public=False)
    row["escalated_at"] = at
    if rng.random() < 0.2:  # a supervisor issues a 督办单
        issued = at + timedelta(hours=rng.uniform(1, 24))
        if issued >= w.now:
            return
        oid = order_id()
        due = w.due(issued, 3)
        answered = issued + timedelta(hours=rng.uniform(4, 60))
        answered = answered if answered < w.now and rng.random() < 0.7 else None
        out["supervision_order"].append(dict(
            id=oid, case_id=row["id"], unit_id=row["lead_unit_id"], level="listed" if rng.random() < 0.1 else "normal",
            requirement="请于期限内办结并书面报告办理情况。", issued_by_id=w.supervisor, issued_at=issued, due_at=due,
            answer="已督促承办人加快办理，预计近期办结。" if answered else None,
            answered_by_id=w.staff[row["lead_unit_id"]][1] if answered else None, answered_at=answered))
        ev("supervise", issued, state, state, w.supervisor, row["lead_unit_id"], public=False,
           note="请于期限内办结并书面报告办理情况。",
           data={"order_id": oid, "level": "normal", "days": 3, "due_at": due.isoformat(), "provisional": False})
