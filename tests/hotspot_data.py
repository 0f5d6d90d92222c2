"""Synthetic cases for measuring the hotspot rule: background noise, steady busy places, planted clusters.

Rows are inserted in bulk (no intake, no events): the rule reads only category, town, day, title and description.
"""
import random
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import insert, select

from portal.extensions import db
from portal.models import Case, Category, Platform, Region

NOISE = [
    "{town}{place}{leaf}，{ask}", "{place}一带{leaf}的情况，{ask}", "关于{leaf}：{place}附近，{ask}",
    "{town}居民反映{place}的{leaf}事项，{ask}", "{place}路灯不亮，晚上出行不便，{ask}",
    "{place}垃圾桶满了没人清运，{ask}", "{place}停车位太少，车辆乱停，{ask}", "{place}广场舞声音太大，{ask}",
    "{place}井盖松动，{ask}", "{place}有人占道摆摊，{ask}",
]
PLACES = ["小区东门", "菜市场旁", "学校路口", "公交站台附近", "人民路与中山路交叉口", "社区广场", "老旧小区3号楼",
          "农贸市场", "幸福路", "文化宫"]
ASKS = ["希望有关部门尽快处理。", "请帮忙协调解决。", "请尽快处理。", "恳请重视。", "请相关部门核实并给予答复。"]
THEMES = [
    ["{place}旁边的建筑工地夜间施工，机器轰鸣到凌晨，噪音吵得孩子睡不着。",
     "工地晚上十一点以后还在打桩施工，噪音太大，{ask}", "夜间施工噪音扰民，{place}工地天天半夜作业。"],
    ["{place}从昨天早上开始停水，到现在还没有来水，{ask}", "整片小区停水两天了，没有任何停水通知，{ask}",
     "家里自来水停水，做饭洗漱都成问题，{place}一带都停水。"],
    ["{place}的污水管道堵塞，污水漫到路面，臭味很大。", "污水从井里冒出来，{place}路面全是污水，{ask}",
     "下水道堵塞，污水横流，{place}居民出行困难。"],
    ["{place}有家烧烤店油烟直排，油烟呛人，{ask}", "楼下餐馆油烟太大，窗户都不敢开，{place}。",
     "烧烤油烟扰民，{place}每晚烟雾缭绕。"],
    ["{place}的电梯又坏了，老人被困在电梯里，{ask}", "电梯频繁故障停运，{place}住户上下楼很困难。",
     "电梯维修拖了一个月还没修好，{place}。"],
    ["{place}拖欠农民工工资三个月，工人讨薪无门，{ask}", "工地老板拖欠工资不发，{place}十几个工人等着工资回家。",
     "项目拖欠工资，{place}，{ask}"],
]


def insert_cases(rows: list[dict]) -> list[int]:
    if not rows:
        return []
    return list(db.session.scalars(insert(Case).returning(Case.id), rows))


def _row(i, category_id, town, day, title, description, platform_id, rng):
    at = datetime.combine(day, time(1 + rng.randrange(9), rng.randrange(60)), tzinfo=timezone.utc)
    return dict(tracking_no=f"SY{day:%Y%m%d}{i:07d}"[:24], query_code_hash="x$y", channel="hotline",
                state="submitted", category_id=category_id, county_id=town.parent_id, town_id=town.id,
                address=f"{town.name_zh}{rng.choice(PLACES)}", title=title[:100], description=description,
                citizen_name="测试", citizen_phone="13800000000", platform_id=platform_id, received_at=at,
                received_day=day, updated_at=at)


def build(today: date, seed: int = 20261127, noise_per_day: int = 50, busy_groups: int = 5,
          cluster_sizes=(6, 8, 10, 12, 15, 20), days: int = 63) -> dict:
    """Insert the data set; returns {"planted": {(category_id, town_id): set(case ids)}, "total": n}."""
    rng = random.Random(seed)
    leaves = list(db.session.scalars(select(Category).where(Category.level == 3).order_by(Category.id)))
    towns = list(db.session.scalars(select(Region).where(Region.parent_id.is_not(None)).order_by(Region.id)))
    platform_id = db.session.scalar(select(Platform.id).where(Platform.kind == "city"))
    groups = [(leaf, town) for leaf in leaves for town in towns]
    rng.shuffle(groups)
    busy, planted_groups = groups[:busy_groups], groups[busy_groups:busy_groups + len(cluster_sizes)]
    rows, counter = [], [0]

    def add(leaf, town, day, text):
        counter[0] += 1
        rows.append(_row(counter[0], leaf.id, town, day, text[:30], text, platform_id, rng))

    def noise_text(leaf, town):
        return rng.choice(NOISE).format(town=town.name_zh, place=rng.choice(PLACES), leaf=leaf.name_zh,
                                        ask=rng.choice(ASKS))

    for back in range(days):
        day = today - timedelta(days=back)
        for _ in range(noise_per_day):
            leaf, town = rng.choice(groups)
            add(leaf, town, day, noise_text(leaf, town))
        for leaf, town in busy:  # steady places: many cases, but no rise
            for _ in range(2):
                add(leaf, town, day, noise_text(leaf, town))
    background = insert_cases(rows)
    planted = {}
    for (leaf, town), size, theme in zip(planted_groups, cluster_sizes, THEMES, strict=False):
        rows = []
        for _ in range(size):
            day = today - timedelta(days=rng.randrange(7))
            add(leaf, town, day, rng.choice(theme).format(place=rng.choice(PLACES), ask=rng.choice(ASKS)))
        planted[(leaf.id, town.id)] = set(insert_cases(rows))
    db.session.flush()
    return {"planted": planted, "total": len(background) + sum(len(v) for v in planted.values())}
