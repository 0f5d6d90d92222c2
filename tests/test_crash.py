"""Crash safety (small run in the suite; `scripts/crash_test.py -n 3000` for the big one): the production server
(gunicorn, wsgi:app, 2 workers) takes concurrent Open311 submissions while a worker is killed with SIGKILL three
times; every submission that got a tracking number exists, intact, exactly once."""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import crash_test  # noqa: E402

from portal.extensions import db  # noqa: E402

SUBMISSIONS = int(os.environ.get("CRASH_TEST_SUBMISSIONS", "300"))
KILLS = int(os.environ.get("CRASH_TEST_KILLS", "3"))


def test_acknowledged_submissions_survive_killed_workers(app, city, tmp_path):
    from portal.domain import apikeys
    from portal.models import Category

    with app.app_context():
        key = apikeys.create("crash test", "web", None).secret
        service_code = db.session.get(Category, city["leaf"]).code
        db.session.commit()
        db.session.remove()
    outcome = crash_test.run(app.config["SQLALCHEMY_DATABASE_URI"], n=SUBMISSIONS, kills=KILLS, threads=8,
                             api_key=key, service_code=service_code, workdir=tmp_path, log=lambda *_: None)
    print(outcome.summary())
    assert outcome.kills == KILLS
    assert not outcome.problems, outcome.summary()
    assert len(outcome.acknowledged) >= SUBMISSIONS * 0.8  # the server kept answering between the kills
