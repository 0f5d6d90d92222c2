"""Benchmark the nightly hotspot scan (portal.domain.hotspots.scan) on a large synthetic history.

    .venv/bin/python scripts/bench_hotspots.py --url postgresql://postgres@127.0.0.1:5432/bench_w14 --cases 1000000

Creates the database if it does not exist, DROPS AND RECREATES its public schema, migrates, loads the demo
organisation, then inserts N cases with one INSERT … SELECT generate_series (not through intake, which would take
hours): --per-day cases a day (default 2,000, the article's daily average) going back N / per-day days, on random
categories × towns with varied text, plus --clusters planted clusters of 40–75 similar cases in the last week.
It VACUUM ANALYZEs, prints the plan of the aggregate, and times scan() (cold: first run; warm: a second run).
Never point it at a database you care about.
"""
import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from portal import create_app  # noqa: E402

NOISE = ["路灯不亮，晚上出行不便", "垃圾桶满了没人清运", "停车位太少，车辆乱停", "广场舞声音太大", "井盖松动有安全隐患",
         "有人占道摆摊", "路面有大坑积水", "公交车班次太少", "小区物业服务差", "电动车充电难"]
THEMES = ["建筑工地夜间施工噪音扰民，凌晨还在打桩", "小区停水两天没有通知，做饭洗漱都成问题",
          "污水管道堵塞，污水漫到路面臭味很大", "烧烤店油烟直排，油烟呛人窗户不敢开"]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="postgresql://… of a scratch database (its schema is dropped)")
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--per-day", type=int, default=2000)
    parser.add_argument("--clusters", type=int, default=8)
    return parser.parse_args()


def ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    engine = create_engine(base.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                           isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


FILL = """
WITH cats AS (SELECT array_agg(id ORDER BY id) AS ids FROM category WHERE level = 3),
     towns AS (SELECT array_agg(id ORDER BY id) AS ids, array_agg(parent_id ORDER BY id) AS parents
               FROM region WHERE parent_id IS NOT NULL),
     plat AS (SELECT min(id) AS id FROM platform WHERE kind = 'city'),
     src AS (SELECT g, (random() * (SELECT array_length(ids, 1) FROM cats))::int + 1 AS ci,
                    (random() * (SELECT array_length(ids, 1) FROM towns))::int + 1 AS ti,
                    (CAST(:today AS date) - (g / :per_day)::int) AS d
             FROM generate_series(0, :n - 1) g)
INSERT INTO "case" (tracking_no, query_code_hash, channel, state, category_id, county_id, town_id, address, title,
                    description, citizen_name, citizen_phone, hide_name, confidential, publish_consent, platform_id,
                    received_at, received_day, updated_at, due_is_provisional, rehandle_count, return_count, version)
SELECT 'BH' || to_char(d, 'YYYYMMDD') || lpad(g::text, 9, '0'), 'x$y', 'hotline', 'closed',
       cats.ids[least(ci, array_length(cats.ids, 1))], towns.parents[least(ti, array_length(towns.ids, 1))],
       towns.ids[least(ti, array_length(towns.ids, 1))], '某路某号',
       (CAST(:noise AS text[]))[1 + g % :n_noise], (CAST(:noise AS text[]))[1 + (g / 7) % :n_noise] || '，请尽快处理。', '测试', '13800000000',
       false, false, false, plat.id, d + time '09:00', d, d + time '09:00', false, 0, 0, 1
FROM src, cats, towns, plat
"""

PLANT = """
INSERT INTO "case" (tracking_no, query_code_hash, channel, state, category_id, county_id, town_id, address, title,
                    description, citizen_name, citizen_phone, hide_name, confidential, publish_consent, platform_id,
                    received_at, received_day, updated_at, due_is_provisional, rehandle_count, return_count, version)
SELECT 'PL' || lpad(CAST(:k AS text), 3, '0') || lpad(g::text, 6, '0'), 'x$y', 'hotline', 'submitted', :cat,
       (SELECT parent_id FROM region WHERE id = CAST(:town AS int)), CAST(:town AS int), '某路某号', CAST(:theme AS text), CAST(:theme AS text) || '，第' || g || '次反映。',
       '测试', '13800000000', false, false, false, (SELECT min(id) FROM platform WHERE kind = 'city'),
       (CAST(:today AS date) - g % 7) + time '10:00', (CAST(:today AS date) - g % 7), now(), false, 0, 0, 1
FROM generate_series(1, :size) g
"""


def main():
    args = parse_args()
    ensure_database(args.url)
    url = args.url.replace("postgresql://", "postgresql+psycopg://")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    from flask_migrate import upgrade

    from portal.demo import reference
    from portal.domain import hotspots
    from portal.extensions import db

    today = date.today()
    with app.app_context():
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()
        upgrade()
        reference.load_reference()
        db.session.commit()
        started = time.perf_counter()
        db.session.execute(text(FILL), {"today": today, "per_day": args.per_day, "n": args.cases,
                                        "noise": NOISE, "n_noise": len(NOISE)})
        cats = db.session.scalars(text("SELECT id FROM category WHERE level = 3 ORDER BY id")).all()
        towns = db.session.scalars(text("SELECT id FROM region WHERE parent_id IS NOT NULL ORDER BY id")).all()
        for k in range(args.clusters):
            db.session.execute(text(PLANT), {"k": k, "cat": cats[(k * 7) % len(cats)], "town": towns[(k * 5) % len(towns)],
                                             "theme": THEMES[k % len(THEMES)], "today": today, "size": 40 + 5 * k})
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text('VACUUM (ANALYZE) "case"'))  # what autovacuum keeps current in production
        total = db.session.scalar(text('SELECT count(*) FROM "case"'))
        days = args.cases // args.per_day
        print(f"inserted {total:,} cases over {days} days in {time.perf_counter() - started:.1f} s")

        rule = hotspots.current_rule()
        base_start, start, end = rule.window(today)
        plan = db.session.execute(text(
            'EXPLAIN (ANALYZE, BUFFERS) SELECT category_id, town_id, sum(CASE WHEN received_day >= :s THEN 1 ELSE 0 END),'
            ' sum(CASE WHEN received_day < :s THEN 1 ELSE 0 END) FROM "case" WHERE received_day >= :b AND '
            'received_day <= :e AND town_id IS NOT NULL GROUP BY category_id, town_id'),
            {"s": start, "b": base_start, "e": end}).scalars().all()
        print("\n".join(plan))
        for label in ("cold", "warm"):
            started = time.perf_counter()
            result = hotspots.scan(today)
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(f"scan ({label}): {elapsed:.2f} s; {result.groups_read} groups passed the count thresholds, "
                  f"{len(result.created)} new and {len(result.refreshed)} refreshed warnings "
                  f"({args.clusters} planted)")


if __name__ == "__main__":
    main()
