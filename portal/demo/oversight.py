"""Demo oversight: the appointed monitors, supervision orders and monitors' reviews on the demo cases.

Call after the historical cases exist: `oversight.load(ref)` (ref from `reference.load_reference()`).

Monitors: the seed article's 47 deputies and CPPCC members and 50 media people and citizen representatives, i.e.
97 MonitorProfile rows in the current term. Five accounts can sign in with the demo password (`DEMO_LOGINS`:
the `monitor` user of reference.DEMO_USERS plus one per other kind, plus a former monitor whose term has ended,
to show the refusal). The other 93 are the roster: real accounts with a profile, but inactive and with an
unusable password (hashing 93 passwords would slow `flask demo` down for nothing); an administrator activates
one and sets a password when that monitor starts using the portal.
"""
import random
from datetime import date, timedelta

from faker import Faker
from sqlalchemy import select

from portal.domain import monitoring, supervision
from portal.extensions import db
from portal.models import Case, Role, User
from portal.models.base import utcnow

# username, display name, kind, organisation (the `monitor` account itself is created by reference.py)
DEMO_LOGINS = [
    ("monitor", "郑华", "deputy", "阜阳市人大常委会"),
    ("monitor_cppcc", "钱敏", "cppcc", "政协阜阳市委员会"),
    ("monitor_media", "冯雪", "media", "阜阳日报社"),
    ("monitor_citizen", "陈建国", "citizen_rep", "颍州区鼓楼街道居民代表"),
]
FORMER = ("monitor_former", "孙伟", "deputy", "阜阳市人大常委会")
# how many profiles of each kind in the current term (47 deputies and CPPCC members, 50 media and citizens)
KIND_COUNTS = {"deputy": 30, "cppcc": 17, "media": 25, "citizen_rep": 25}
ROSTER_ORGANISATIONS = {
    "deputy": ["阜阳市人大代表", "颍州区人大代表", "颍东区人大代表", "太和县人大代表", "临泉县人大代表"],
    "cppcc": ["政协阜阳市委员会委员", "政协界首市委员会委员"],
    "media": ["阜阳日报社", "阜阳广播电视台", "颍州晚报", "阜阳新闻网"],
    "citizen_rep": ["社区居民代表", "企业代表", "律师代表", "教师代表"],
}
UNUSABLE_PASSWORD = "!"  # nosec B105 - not a password: no hash method: check_password_hash() is always False

ORDER_TEXTS = [
    "请加快办理进度，按期办结并报送办理情况。",
    "请主要负责人阅批，现场核实后书面反馈整改措施。",
    "市民多次反映，请加大协调力度，限期答复。",
]
REVIEW_COMMENTS = ["答复及时，处理措施具体。", "态度较好，问题基本解决。", "答复内容较规范。", ""]
PERFUNCTORY_COMMENTS = ["答复照搬模板，未说明具体整改措施。", "未到现场核实即答复已解决，市民反映问题依旧。",
                        "答复仅称“已转相关部门”，没有结果。"]


def _term(today: date) -> tuple[date, date]:
    start = date(today.year - 2, 1, 1)
    return start, date(start.year + 5, 1, 1) - timedelta(days=1)


def _monitors(ref: dict, fake: Faker, today: date) -> list[User]:
    """The 97 current profiles and the former monitor; returns the accounts that can sign in."""
    from portal.demo.reference import DEMO_PASSWORD

    start, end = _term(today)
    logins = []
    counts = dict(KIND_COUNTS)
    for username, name, kind, organisation in DEMO_LOGINS:
        user = ref["users"].get(username)
        if user is None:
            user = User(username=username, display_name=name, role=Role.MONITOR)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            ref["users"][username] = user
        monitoring.appoint(user, kind, start, end, organisation)
        counts[kind] -= 1
        logins.append(user)
    username, name, kind, organisation = FORMER
    former = User(username=username, display_name=name, role=Role.MONITOR)
    former.set_password(DEMO_PASSWORD)
    db.session.add(former)
    ref["users"][username] = former
    monitoring.appoint(former, kind, date(start.year - 5, 1, 1), start - timedelta(days=1), organisation)
    for kind, count in counts.items():
        for n in range(1, count + 1):
            user = User(username=f"monitor_{kind}_{n:02d}", role=Role.MONITOR, active=False,
                        display_name=fake.name(), password_hash=UNUSABLE_PASSWORD)
            db.session.add(user)
            monitoring.appoint(user, kind, start, end, ROSTER_ORGANISATIONS[kind][n % len(ROSTER_ORGANISATIONS[kind])])
            ref["users"][user.username] = user
    db.session.flush()
    return logins


def _handler_of(unit_id: int) -> User | None:
    return db.session.scalar(select(User).where(User.unit_id == unit_id, User.role == Role.HANDLER).limit(1))


def _orders(ref: dict, rng: random.Random, now) -> None:
    supervisor = ref["users"]["supervisor"]
    # the cases nearest to (or past) their deadline; orders issued a few days ago, so some are overdue by now
    urgent = list(db.session.scalars(select(Case).where(
        Case.state.in_(("assigned", "handling")), Case.due_at.is_not(None)).order_by(Case.due_at).limit(6)))
    for i, case in enumerate(urgent):
        at = max(now - timedelta(days=rng.uniform(1, 7)), case.updated_at)
        order = supervision.issue(supervisor, ORDER_TEXTS[i % len(ORDER_TEXTS)], 2 if i % 3 == 0 else 3,
                                  "listed" if i == 0 else "normal", case=case, at=at)
        if i % 2 == 1:  # some answered, the others still awaited (overdue when their due date passed)
            handler = _handler_of(order.unit_id)
            answered_at = min(at + timedelta(hours=rng.uniform(4, 30)), now)
            if handler is not None:
                supervision.answer(order, handler, "已责成专人现场办理，整改情况已书面报送。", at=answered_at)
    dissatisfied = db.session.scalar(select(Case).where(Case.state == "dissatisfied", Case.lead_unit_id.is_not(None))
                                     .order_by(Case.received_at).limit(1))
    if dissatisfied is not None:
        supervision.issue(supervisor, "市民对办理结果不满意，挂牌督办：请主要负责人牵头重新办理。", 5, "listed",
                          case=dissatisfied, at=now - timedelta(days=1))
    units = ref["units"]
    supervision.issue(supervisor, "本月超期件较多，请报送超期原因分析及整改方案。", 3, unit=units["gov-yingzhou"],
                      at=now - timedelta(days=10))  # unanswered past its due date: flagged overdue
    answered = supervision.issue(supervisor, "请梳理近三个月重复投诉件，提出长效治理措施。", 5, unit=units["cgj"],
                                 at=now - timedelta(days=12))
    lead = ref["users"].get("unit_lead")
    if lead is not None:
        supervision.answer(answered, lead, "已梳理重复件42件，制定占道经营长效治理方案，详见附件。",
                           at=min(answered.due_at - timedelta(days=1), now))


def _reviews(ref: dict, logins: list[User], rng: random.Random, now) -> None:
    """Reviews on recently closed cases, leaving most of them for the monitors' samples; three flags for the
    demo `monitor`: one open, one upheld with an order, one dismissed."""
    supervisor = ref["users"]["supervisor"]
    closed = list(db.session.scalars(select(Case).where(
        Case.state == "closed", Case.closed_at >= now - timedelta(days=25), Case.lead_unit_id.is_not(None))
        .order_by(Case.closed_at.desc()).limit(40)))
    if len(closed) < 10:
        return
    rng.shuffle(closed)
    for i, case in enumerate(closed[:12]):
        flagged = i < 3
        monitor = logins[0] if flagged else logins[i % len(logins)]
        at = min(case.closed_at + timedelta(hours=rng.uniform(2, 72)), now - timedelta(hours=1))
        low = (1, 3) if flagged else (3, 5)
        scores = {name: rng.randint(*low) for name in monitoring.SCORES}
        comment = PERFUNCTORY_COMMENTS[i] if flagged else rng.choice(REVIEW_COMMENTS)
        item = monitoring.review(case, monitor, scores, comment, perfunctory=flagged, at=at)
        decided = min(at + timedelta(hours=20), now)
        if i == 1:
            monitoring.uphold(item, supervisor, "情况属实，请承办单位重新核实并向市民补充答复。", order_days=3,
                              at=decided)
        elif i == 2:
            monitoring.dismiss(item, supervisor, "经核查，答复已说明政策依据和办理结果，不属敷衍。", at=decided)


def load(ref: dict, seed: int = 2024) -> None:
    """Monitors with profiles, supervision orders and reviews on the demo cases (the caller commits)."""
    rng = random.Random(seed)  # nosec B311 - reproducible demo data, not security
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    now = utcnow()
    logins = _monitors(ref, fake, monitoring.today())
    _orders(ref, rng, now)
    _reviews(ref, logins, rng, now)
    db.session.flush()
