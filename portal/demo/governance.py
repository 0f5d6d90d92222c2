"""The demo city's governance: two planted hotspots (a noisy construction site in one town, a water outage in
another) found by the real scan, and one published monthly topic with tasks in varied states."""
import random
from datetime import datetime, timedelta, timezone

from portal.domain import calendar, hotspots, intake, notify, periods, topics
from portal.extensions import db

NOISE_SITE = [
    ("工地夜间施工噪音扰民", "文峰街道颍河路东侧的建筑工地每天晚上施工到凌晨，打桩机噪音很大，孩子睡不着觉。"),
    ("夜间施工噪音", "颍河路工地夜里十一点以后还在施工，噪音吵得整栋楼都睡不好，希望管一管。"),
    ("建筑工地噪音", "建筑工地夜间施工噪音太大，已经持续一个星期了，请有关部门查处。"),
    ("凌晨施工噪音", "凌晨两点工地还在浇筑混凝土，搅拌车和施工噪音不断，严重影响休息。"),
    ("工地噪音扰民", "颍河路那个工地晚上施工不停，噪音扰民，白天上班没精神。"),
]
WATER_OUTAGE = [
    ("小区停水", "向阳街道幸福里小区从昨天早上开始停水，到现在还没有来水，也没有任何停水通知。"),
    ("停水两天", "我们这一片停水两天了，做饭洗漱都成问题，老人孩子很不方便，请尽快恢复供水。"),
    ("突然停水", "向阳路一带突然停水，打供水公司电话一直占线，不知道什么时候来水。"),
    ("停水无通知", "家里自来水停水，物业说是管道爆裂，但没有说什么时候修好，请督促尽快恢复供水。"),
]
NOISE_SITE_CASES, WATER_OUTAGE_CASES = 9, 12
PLANTED_CASES = NOISE_SITE_CASES + WATER_OUTAGE_CASES


def _plant(ref, leaf_zh: str, county_code: str, town_index: int, texts, count: int, rng, now) -> None:
    leaf = next(leaf for leaf, _owner in ref["leaves"] if leaf.name_zh == leaf_zh)
    county = next(c for c in ref["counties"] if c.code == county_code)
    town = ref["towns"][county.code][town_index]
    for i in range(count):
        title, description = texts[i % len(texts)]
        at = now - timedelta(days=rng.random() * 5, hours=rng.random() * 3)
        intake.receive(intake.Submission(
            category_id=leaf.id, county_id=county.id, town_id=town.id, address=f"{county.name_zh}{town.name_zh}",
            title=title, description=description, citizen_name=f"市民{i + 1:02d}",
            citizen_phone=f"1365558{i:04d}", publish_consent=i % 2 == 0, channel="hotline" if i % 3 else "web"),
            entered_by=ref["users"]["operator"] if i % 3 else None, at=at)


def load(ref: dict, now: datetime | None = None) -> None:
    now = now or datetime.now(timezone.utc)
    rng = random.Random(14)  # nosec B311 - reproducible demo data, not security
    with notify.muted():
        _plant(ref, "施工噪声", "yingzhou", 1, NOISE_SITE, NOISE_SITE_CASES, rng, now)
        _plant(ref, "停水", "yingdong", 1, WATER_OUTAGE, WATER_OUTAGE_CASES, rng, now)
    db.session.flush()
    hotspots.scan(calendar.local_day(now))
    _monthly_topic(ref, now)
    db.session.flush()


def _monthly_topic(ref: dict, now: datetime) -> None:
    """Two months ago's topic, on the data's first proposal, published; one task done, one under way, one planned."""
    today = calendar.local_day(now)
    best = topics.proposals(today, limit=1)
    if not best:
        return
    proposal = best[0]
    supervisor, units = ref["users"]["supervisor"], ref["units"]
    lead = units.get(f"gov-{proposal.county.code}") or units["cgj"]
    owner = next((o for leaf, o in ref["leaves"] if leaf.id == proposal.category.id), units["cgj"])
    topic = topics.create(
        supervisor, month=periods.add_months(periods.first_of_month(today), -2),
        title=f"{proposal.county.name_zh}{proposal.category.name_zh}集中治理",
        summary=f"过去一年，{proposal.county.name_zh}关于“{proposal.category.name_zh}”的诉求量居全市前列，"
                f"重复来电和不满意件较多。本月由{lead.name_zh}牵头，{owner.name_zh}配合，集中破解。",
        category_id=proposal.category.id, county_id=proposal.county.id, lead_unit_id=lead.id,
        co_unit_ids=[owner.id], problems=["同一地点反复投诉、整改后反弹", "责任单位之间职责不清、互相推诿",
                                          "处理结果未及时向群众反馈"],
        tasks=[topics.TaskPlan("梳理近一年诉求，建立问题清单和责任台账", lead.id, 5),
               topics.TaskPlan("联合开展现场整治，逐点销号", owner.id, 20),
               topics.TaskPlan("出台长效管理办法并向社会公布", lead.id, 40)])
    tasks = list(topic.tasks)
    topics.set_task_status(tasks[0], "done")
    topics.set_task_status(tasks[1], "in_progress")
    topics.publish(topic)
