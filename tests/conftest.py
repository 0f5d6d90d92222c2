"""Fixtures: one app per test session on SQLite (default) or PostgreSQL (TEST_DATABASE_URL), migrated with
Alembic; every test starts from empty case tables. `city` is the demo organisation, built once per session and
kept while tests leave it unchanged; factories make cases. Shared helpers for tests live in tests/helpers.py."""
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from portal import create_app
from portal.domain import salons
from portal.extensions import db, limiter
from portal.models import Salon, Suggestion
from tests.helpers import (
    POSTGRES_URL,
    PortalClient,
    _organizer,
    add_person,
    adopt,
    count_statements,
    make_salon,
    organizer,
    record,
)


def pytest_sessionstart(session):
    """Compile the zh_Hans catalogue so that a fresh checkout's tests see the Chinese text."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in Path(__file__).parent.parent.glob("portal/translations/*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog)


def _database_uri(tmp_path_factory) -> str:
    if POSTGRES_URL:
        url = POSTGRES_URL
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_uri(tmp_path_factory),
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "RATELIMIT_STORAGE_URI": "memory://",
        "PUBLIC_BASE_URL": "http://localhost",
    })
    with app.app_context():
        if POSTGRES_URL:
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        upgrade()  # the real migrations, not create_all: tests prove they work on both databases
    yield app


class Organisation:
    """The demo organisation (regions, platforms, units, categories, routing rules, users), loaded once and kept
    between tests that use `city`. A test that writes to one of those tables (an INSERT, UPDATE or DELETE seen on
    the engine) gets a fresh copy for the next test; tests without `city` start with those tables empty."""

    def __init__(self):
        self.ids: dict | None = None
        self.touched = False

    @staticmethod
    def tables():
        from portal.models import Category, Platform, Region, RoutingRule, Unit, User

        return [m.__table__ for m in (Region, Platform, Unit, Category, RoutingRule, User)]

    def watch(self, engine) -> None:
        from sqlalchemy import event

        names = "|".join(t.name for t in self.tables())
        writes = re.compile(rf'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?({names})"?\b', re.IGNORECASE)

        @event.listens_for(engine, "before_cursor_execute")
        def spot_writes(conn, cursor, statement, *args):
            if self.ids is not None and writes.match(statement):
                self.touched = True

    def load(self) -> dict:
        from portal.demo import reference

        if self.ids is None:
            ref = reference.load_reference()
            db.session.commit()
            self.ids = {
                "leaf": ref["leaves"][0][0].id,
                "leaf_path": [ref["leaves"][0][0].parent.parent_id, ref["leaves"][0][0].parent_id],
                "county": ref["counties"][0].id,
                "town": ref["towns"][ref["counties"][0].code][0].id,
                "other_county_town": ref["towns"][ref["counties"][1].code][0].id,
                "units": {code: unit.id for code, unit in ref["units"].items()},
                "users": {name: user.id for name, user in ref["users"].items()},
            }
            self.touched = False
        return self.ids

    def drop(self) -> None:
        """Empty the organisation's tables (children first)."""
        mine = {t.name for t in self.tables()}
        for table in reversed(db.metadata.sorted_tables):
            if table.name in mine:
                db.session.execute(table.delete())
        self.ids, self.touched = None, False


@pytest.fixture(scope="session")
def _organisation(app):
    organisation = Organisation()
    with app.app_context():
        organisation.watch(db.engine)
    return organisation


@pytest.fixture(autouse=True)
def _clean_database(app, _organisation, request):
    uses_city = "city" in request.fixturenames
    if not uses_city and _organisation.ids is not None:
        with app.app_context():
            _organisation.drop()
            db.session.commit()
    yield
    with app.app_context():
        db.session.rollback()
        keep = {t.name for t in Organisation.tables()} | {"calendar_year", "calendar_day"}
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in keep:  # the official schedule seeded by the migration is reference data
                db.session.execute(table.delete())
        # ...but schedules a test imported are removed
        db.session.execute(text("DELETE FROM calendar_day WHERE day > '2026-12-31'"))
        db.session.execute(text("DELETE FROM calendar_year WHERE source <> 'chinesecalendar'"))
        if not uses_city or _organisation.touched:
            _organisation.drop()
        db.session.commit()
        db.session.remove()
    limiter.reset()


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.fixture
def city(app, _organisation):
    """The demo organisation: counties, towns, platforms, units, categories and one user per role (built once and
    shared by the tests that do not change it)."""
    with app.app_context():
        return _organisation.load()


@pytest.fixture
def client(app):
    return PortalClient(app.test_client())


@pytest.fixture
def make_case(app, city):
    """Factory: a case received through the real intake (returns (case_id, tracking_no, query_code))."""
    from portal.domain import intake

    def factory(**overrides):
        fields = dict(category_id=city["leaf"], county_id=city["county"], town_id=city["town"],
                      address="人民路88号", title="路面破损", description="门前路面有一个大坑，请尽快修复。",
                      citizen_name="李四", citizen_phone="13912345678", publish_consent=True)
        fields.update(overrides)
        with app.app_context():
            case, code = intake.receive(intake.Submission(**fields))
            db.session.commit()
            return case.id, case.tracking_no, code
    return factory


@pytest.fixture
def count_queries(app):
    """count_queries(fn) -> number of SQL statements `fn` ran."""
    def run(fn):
        with count_statements(app) as statements:
            fn()
        return len(statements)
    return run


@pytest.fixture
def triaged_salon(app, city, make_case):
    """A closed salon with three suggestions: adopted (case answered), in hand, not adopted."""
    salon_id = make_salon(app, city, "in_progress")
    a_id, _ = add_person(app, salon_id, name="郑小明", phone="13811112222")
    b_id, _ = add_person(app, salon_id, name="林芳", phone="13811114444", handle="颍州林芳", kind="opinion_leader")
    ids = [record(app, salon_id, a_id, "背街小巷路灯坏了很久，建议集中更换。"),
           record(app, salon_id, b_id, "人民路路面破损多次反映，建议尽快维修。"),
           record(app, salon_id, a_id, "建议在老城区新建大型停车场。")]
    other_case, number, _ = make_case(title="人民路路面破损")
    org = organizer(app)
    assert adopt(org, salon_id, ids[0], city).status_code == 303
    path = f"/staff/salons/{salon_id}/suggestions"
    assert org.post(f"{path}/{ids[1]}/in_hand", {"in_hand-tracking_no": number}, csrf_from=path + f"/{ids[1]}") \
        .status_code == 303
    assert org.post(f"{path}/{ids[2]}/not_adopted",
                    {"not_adopted-explanation": "老城区用地紧张，已纳入停车专项规划研究。"},
                    csrf_from=path + f"/{ids[2]}").status_code == 303
    with app.app_context():
        case_id = db.session.get(Suggestion, ids[0]).case_id
        salons.close(db.session.get(Salon, salon_id), _organizer(), "", "本期收集建议3条。")
        db.session.commit()
    return {"salon": salon_id, "suggestions": ids, "case": case_id, "org": org}


@pytest.fixture
def shared_cache(app):
    """A real (in-memory) cache for the duration of a test; the suite otherwise runs without one (NullCache)."""
    from portal import extensions
    from portal.domain import statistics

    with app.app_context():
        extensions.init_cache(app, "SimpleCache")
        statistics.clear_cache()
    yield
    with app.app_context():
        statistics.clear_cache()
        extensions.init_cache(app)
