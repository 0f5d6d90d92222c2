"""~2,000 historical cases over the last months, pushed through the real workflow with past timestamps."""
import random
from datetime import datetime, timedelta, timezone

from faker import Faker

from portal.domain import intake, notify, workflow
from portal.domain.calendar import SHANGHAI
from portal.extensions import db

PLACES = ["小区东门", "菜市场旁", "学校路口", "公交站台附近", "人民路与中山路交叉口", "社区广场", "老旧小区3号楼", "农贸市场"]
ASKS = ["希望有关部门尽快处理。", "已经持续一周多了，请帮忙协调解决。", "给周边居民出行带来很大不便，请尽快处理。",
        "多次反映未果，恳请重视。", "请相关部门核实并给予答复。"]
REPLIES = {
    "resolved": "经核查，您反映的{leaf}问题属实。我单位已于{day}安排工作人员到现场处理完毕，后续将加强巡查。感谢您的监督！",
    "explained": "您反映的{leaf}问题涉及规划调整，短期内无法解决。我单位已将其列入年度计划，具体进度将在政府网站公布，请您理解。",
    "partly_resolved": "您反映的{leaf}问题已部分处理，剩余事项需协调相关单位，预计下月底前完成。",
}


def _at(day_start: datetime, rng: random.Random, hours: float) -> datetime:
    return day_start + timedelta(hours=hours + rng.random())


def generate(ref: dict, count: int = 2000, days: int = 150, seed: int = 12345, now: datetime | None = None) -> list:
    """Create `count` cases received over the last `days` days; returns [(tracking_no, code)] of a few samples."""
    rng = random.Random(seed)  # nosec B311 - reproducible demo data, not security
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    now = now or datetime.now(timezone.utc)
    users = ref["users"]
    operator, dispatcher = users["operator"], users["dispatcher"]
    channels = ["web"] * 30 + ["hotline"] * 50 + ["mayor_mailbox"] * 6 + ["leader_board"] * 8 + \
        ["media_hotline"] * 3 + ["opinion_monitoring"] * 3
    samples = []
    with notify.muted():
        for i in range(count):
            samples += _one_case(i, rng, fake, now, days, ref, channels, operator, dispatcher)
    return samples


def _one_case(i, rng, fake, now, days, ref, channels, operator, dispatcher) -> list:
    age_days = rng.random() ** 0.8 * days  # a little more recent activity than old
    if rng.random() < 0.006:
        age_days = rng.random() * 0.1  # the last few arrived in the last hours: the dispatchers' new work
    received = now - timedelta(days=age_days)
    received = received.astimezone(SHANGHAI).replace(hour=8 + rng.randrange(10), minute=rng.randrange(60))
    received = received.astimezone(timezone.utc)
    if received > now:
        received = now - timedelta(minutes=5)
    leaf, owner = rng.choice(ref["leaves"])
    county = rng.choice(ref["counties"])
    town = rng.choice(ref["towns"][county.code])
    channel = rng.choice(channels)
    sub = intake.Submission(
        category_id=leaf.id, county_id=county.id, town_id=town.id,
        address=f"{county.name_zh}{town.name_zh}{rng.choice(PLACES)}",
        title=f"{town.name_zh}{leaf.name_zh}问题",
        description=f"{town.name_zh}{rng.choice(PLACES)}存在{leaf.name_zh}问题。{rng.choice(ASKS)}",
        citizen_name=fake.name(), citizen_phone=fake.phone_number(), hide_name=rng.random() < 0.2,
        confidential=rng.random() < 0.05, publish_consent=rng.random() < 0.6, channel=channel)
    case, code = intake.receive(sub, entered_by=None if channel == "web" else operator, at=received)
    _advance(case, rng, received, now, leaf, owner, county, ref, dispatcher, operator)
    if i % 200 == 199:
        db.session.flush()
    return [(case.tracking_no, code)] if i % 400 == 0 else []


def _staff_of(ref, unit, role):
    """The demo handler / unit lead of a unit."""
    for user in ref["users"].values():
        if user.unit is unit and user.role == role:
            return user
    raise LookupError(unit.code)


def _advance(case, rng, received, now, leaf, owner, county, ref, dispatcher, operator):
    """Move a case as far along the loop as its age makes plausible."""
    age = (now - received).total_seconds() / 86400
    step = received

    def later(hours_min, hours_max):
        nonlocal step
        step = step + timedelta(hours=rng.uniform(hours_min, hours_max))
        return step if step < now else None

    if case.channel == "hotline" and rng.random() < 0.12:
        at = later(0.05, 0.2)
        if at:
            workflow.answer_directly(case, operator, "已向来电人解答相关政策，来电人表示清楚。", at=at)
        return
    at = later(0.5, 6)
    if not at:
        return
    if rng.random() < 0.03:
        workflow.decline(case, dispatcher, "litigation", "涉诉事项，已告知通过法定途径解决。", at=at)
        return
    workflow.accept(case, dispatcher, at=at)
    at = later(0.2, 4)
    if not at:
        return
    unit = owner if rng.random() < 0.5 else ref["units"][f"gov-{county.code}"]
    priority = rng.choices(["urgent", "simple", "general"], weights=[10, 15, 75])[0]
    workflow.assign(case, dispatcher, unit, priority, at=at)
    handler, lead = _staff_of(ref, unit, "handler"), _staff_of(ref, unit, "unit_lead")
    if rng.random() < 0.04:  # the unit says it is not theirs; the dispatcher rules
        at = later(1, 20)
        if not at:
            return
        workflow.return_case(case, handler, "unclear_ownership", "经核实不属于本单位职责范围。", at=at)
        at = later(0.5, 6)
        if not at:
            return
        if rng.random() < 0.5:
            workflow.keep(case, dispatcher, "经研究属该单位职责，请继续办理。", at=at)
        else:
            unit = owner if unit is not owner else ref["units"][f"gov-{county.code}"]
            workflow.assign(case, dispatcher, unit, priority, at=at)
            handler, lead = _staff_of(ref, unit, "handler"), _staff_of(ref, unit, "unit_lead")
    at = later(1, 30)
    if not at:
        return
    workflow.sign_for(case, handler, at=at)
    if rng.random() < 0.015:
        return  # a hard case the unit has not answered: overdue once its deadline passes
    limit_hours = {"urgent": 40, "simple": 40, "general": 110}[priority]
    at = later(6, limit_hours * (1.4 if rng.random() < 0.1 else 1))
    if not at:
        return
    reply_type = rng.choices(["resolved", "explained", "partly_resolved"], weights=[80, 12, 8])[0]
    day = at.astimezone(SHANGHAI).strftime("%m月%d日")
    workflow.draft_reply(case, handler, reply_type, REPLIES[reply_type].format(leaf=leaf.name_zh, day=day), at=at)
    at = later(0.5, 8)
    if not at:
        return
    workflow.approve_reply(case, lead, at=at)
    at = later(1, 20)
    if not at:
        return
    workflow.release(case, dispatcher, at=at)
    at = later(2, 24 * 8)
    if not at:
        return
    roll = rng.random()
    if roll < 0.78:
        workflow.evaluate(case, "resolved", rng.choice(["satisfied", "satisfied", "basically_satisfied"]), at=at)
    elif roll < 0.85:
        workflow.evaluate(case, "partly", "basically_satisfied", at=at)
    elif roll < 0.91:
        workflow.evaluate(case, "not_resolved", "dissatisfied", "问题仍然存在，处理不到位。", at=at)
    elif age > 10:
        workflow.close_unevaluated(case, at=at)


# ---------------------------------------------------------------------------------------------- repeat calls
# (category, county index, caller, first call, the calls back): the same phone about the same thing within
# REPEAT_CALL_DAYS, so intake flags each call back as a repeat call (重复件) of the first one.
REPEAT_CALLERS = [
    ("路灯不亮", 0, "张桂英", "13905581201",
     ("小区门口路灯不亮", "小区东门的三盏路灯已经不亮一个星期了，晚上出门很危险，希望尽快修好。"),
     [("路灯还是不亮", "前几天反映过小区东门路灯不亮，到现在还没有人来修，晚上老人摔了一跤。")]),
    ("电梯故障", 1, "刘建国", "13805582302",
     ("电梯经常停运", "我们楼的电梯这个月停了三次，家里有老人上下楼很困难，请督促物业维修。"),
     [("电梯又坏了", "上次反映电梯故障后物业来看过，今天电梯又停了，还是没有修好。"),
      ("电梯仍未修好", "第三次打电话了，电梯还是停运，物业说在等配件，希望有关部门督促。")]),
    ("拖欠工资", 2, "王海军", "13705583403",
     ("工地拖欠工资", "我在工业园区一个工地干了三个月，老板一直拖欠工资不发，十几个工人都没拿到钱。"),
     [("工资还没发", "上周反映的工地拖欠工资问题，老板还是不接电话，工资一分没发。")]),
    ("预付卡退费", 3, "陈晓燕", "13605584504",
     ("健身房关门不退卡", "办的健身卡还有两千多元没用，健身房突然关门了，老板联系不上，要求退费。"),
     [("健身卡退费没进展", "之前反映健身房关门不退预付卡的事，到现在没有进展，其他会员也在找。")]),
]
REPEAT_CALL_CASES = sum(1 + len(calls_back) for *_, calls_back in REPEAT_CALLERS)


def repeat_calls(ref: dict, now: datetime | None = None) -> None:
    """A few callers who rang back about the same thing: the first call accepted and assigned a few days ago,
    the calls back since, waiting in the dispatcher's queue flagged as repeat calls."""
    now = now or datetime.now(timezone.utc)
    operator, dispatcher = ref["users"]["operator"], ref["users"]["dispatcher"]
    with notify.muted():
        for n, (leaf_zh, county_index, name, phone, first, calls_back) in enumerate(REPEAT_CALLERS):
            leaf, owner = next((leaf, owner) for leaf, owner in ref["leaves"] if leaf.name_zh == leaf_zh)
            county = ref["counties"][county_index]
            town = ref["towns"][county.code][0]
            calls = [first] + list(calls_back)
            for i, (title, description) in enumerate(calls):
                at = now - timedelta(days=4 - i * 1.5, hours=n) if i else now - timedelta(days=4, hours=n + 2)
                case, _code = intake.receive(intake.Submission(
                    category_id=leaf.id, county_id=county.id, town_id=town.id,
                    address=f"{county.name_zh}{town.name_zh}", title=title, description=description,
                    citizen_name=name, citizen_phone=phone, channel="hotline"), entered_by=operator, at=at)
                if i == 0:
                    workflow.accept(case, dispatcher, at=at + timedelta(hours=1))
                    workflow.assign(case, dispatcher, owner, "general", at=at + timedelta(hours=2))
    db.session.flush()
