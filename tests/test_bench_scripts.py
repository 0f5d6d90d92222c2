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
    assert len(pages) == 17 and all(p["requests"] > 0 and p["errors"] == 0 for p in pages.values()), pages
    assert report["xlsx"]["rows"] == 2000 and "monthly_ranking_ms" in report["timed"]
