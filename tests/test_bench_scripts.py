"""The city-scale benchmark scripts keep working: a small run (a few thousand cases on SQLite, half a second per
page) generates, serves with gunicorn.conf.py and measures every page. Timings are printed, never asserted."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "bench"))

import generate  # noqa: E402


@pytest.mark.parametrize("url", [
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgresql://postgres@127.0.0.1:5432/test_w11",
    "postgresql://postgres@127.0.0.1:5432/portal",
    "postgresql://postgres@127.0.0.1:5432/postgres",
    "sqlite:///" + str(ROOT / "instance" / "portal.sqlite3"),
    "sqlite://",
])
def test_the_generator_refuses_databases_that_are_not_scratch(url):
    with pytest.raises(generate.NotScratch):
        generate.check_scratch(url)


def test_only_test_and_dev_databases_stay_refused_with_i_know():
    assert generate.check_scratch("postgresql://postgres@127.0.0.1/loadtest_city", i_know=True) == "loadtest_city"
    with pytest.raises(generate.NotScratch):
        generate.check_scratch("postgresql://postgres@127.0.0.1/test", i_know=True)
    assert generate.check_scratch("postgresql://postgres@127.0.0.1/bench_city") == "bench_city"


def test_refusal_exits_non_zero_and_touches_nothing(tmp_path):
    target = tmp_path / "citydata.sqlite3"
    result = subprocess.run([sys.executable, str(ROOT / "scripts/bench/generate.py"), "--n", "10", "--db",
                             f"sqlite:///{target}"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "bench" in result.stderr and not target.exists()


def test_small_benchmark_run(tmp_path):
    db = f"sqlite:///{tmp_path / 'bench_small.sqlite3'}"
    summary = generate.generate(db, 3000, days=120, reset=True, quiet=True)
    assert summary["synthetic_cases"] == 3000 and summary["events"] > 3 * 3000
    out = tmp_path / "results"
    result = subprocess.run([sys.executable, str(ROOT / "scripts/bench/run.py"), "--db", db, "--seconds", "0.5",
                             "--clients", "2", "--xlsx-rows", "2000", "--out", str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=600)
    print(result.stdout[-4000:])
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(next(out.glob("*.json")).read_text())
    pages = {p["name"]: p for p in report["pages"]}
    assert len(pages) == 23 and all(p["requests"] > 0 and p["errors"] == 0 for p in pages.values()), pages
    assert report["xlsx"]["rows"] == 2000 and "monthly_ranking_ms" in report["timed"]


def test_cached_search_documents_match_the_portal_index():
    """The generator fills the search index from cached segmentations: the same words as search.document."""
    import random

    import synthetic
    from searchdoc import Documents

    from portal.domain import search

    rng = random.Random(7)
    docs = Documents()
    towns = ["新华街道", "清河路街道", "三合镇", "人民路社区"]
    leaves = ["路灯不亮", "井盖缺失", "噪音扰民", "占道经营", "小区供暖"]
    for _ in range(200):
        town, leaf, place = rng.choice(towns), rng.choice(leaves), rng.choice(synthetic.PLACES)
        fields = (f"{town}{leaf}问题", f"{town}{place}存在{leaf}问题。{rng.choice(synthetic.ASKS)}",
                  f"颍州区{town}{place}", rng.choice([None, synthetic.REPLIES["resolved"].format(leaf=leaf)]))
        assert docs.document(*fields) == search.document(*fields)


def test_tsvector_literal_equals_to_tsvector():
    import os

    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgres"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    import psycopg
    from searchdoc import Documents

    from portal.domain import search

    docs = Documents()
    texts = ["颍东区新华街道小区东门存在路灯不亮问题。希望有关部门尽快处理。", "人民路与中山路交叉口 3号楼 A-12 O'Brien",
             "经核查，您反映的井盖缺失问题属实。"]
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for text_ in texts:
            words = docs.words(text_, text_[::-1])
            docs.prefetch(cur, words)
            cur.execute("SELECT %s::tsvector = to_tsvector('simple', %s)",
                        (docs.tsvector_literal(words), search.document(text_, text_[::-1])))
            assert cur.fetchone()[0], text_
