"""Every list page, public and staff, for each role that has lists, on a 375 px phone: the page never scrolls
sideways, no table scrolls sideways inside its frame, and no table cell with text is squeezed narrower than two
characters (Chinese text otherwise wraps one character per line). Loads the demo city (cases, salons, monitors),
publishes last month's ranking and one echo story so that every list has rows."""
import pytest
from sqlalchemy import select

from portal.extensions import db

pytestmark = pytest.mark.browser

PHONE_375 = {"width": 375, "height": 812}

PUBLIC = ["/", "/echo", "/rankings", "/rankings/{month}", "/salons", "/salons/{salon}", "/salons/{salon}/outcomes",
          "/stats", "/topics", "/topics/{topic}", "/questions/"]
STAFF = {
    "operator": ["/staff/cases", "/staff/search?q=路灯", "/staff/callers"],
    "dispatcher": ["/staff/queue", "/staff/queue?tab=assign", "/staff/queue?tab=overdue", "/staff/cases",
                   "/staff/ledger"],
    "handler": ["/staff/unit", "/staff/unit?tab=handling", "/staff/ledger", "/staff/supervision/orders",
                "/staff/unit-figures/", "/staff/unit-figures/cases?metric=volume&period=year", "/staff/knowledge/",
                "/staff/reply-templates"],
    "unit_lead": ["/staff/unit", "/staff/ledger", "/staff/unit-figures/", "/staff/knowledge/"],
    "supervisor": ["/staff/supervision", "/staff/supervision/cases", "/staff/supervision/orders",
                   "/staff/supervision/flags", "/staff/dissatisfied", "/staff/dissatisfied?tab=overdue",
                   "/staff/rankings", "/staff/interviews", "/staff/echo/new", "/staff/ledger", "/staff/cases",
                   "/staff/governance", "/staff/governance/warnings/{warning}", "/staff/governance/topics",
                   "/staff/governance/topics/{topic}", "/staff/unit-figures/units", "/admin/audit"],
    "monitor": ["/staff/monitor", "/staff/cases"],
    "organizer": ["/staff/salons", "/staff/salons/{salon}", "/staff/salons/{salon}/participants"],
    "admin": ["/admin/calendar", "/admin/routing", "/admin/api-keys", "/staff/ledger/contact-views",
              "/staff/cases", "/staff/queue", "/admin/users", "/admin/organisation/units",
              "/admin/organisation/platforms", "/admin/organisation/regions", "/admin/organisation/categories",
              "/admin/outbox", "/admin/audit", "/staff/style-guide"],
}

MEASURE = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > width)
    problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
  for (const table of document.querySelectorAll('table')) {
    if (!table.offsetParent) continue;
    const frame = table.parentElement;
    if (frame.scrollWidth > frame.clientWidth + 1)
      problems.push(`table scrolls sideways in its frame: ${frame.scrollWidth} > ${frame.clientWidth}`);
    for (const cell of table.querySelectorAll('td, th')) {
      // text a sighted user sees: not in a visually hidden part (a clipped 1 px header row, .visually-hidden)
      const shown = cell.cloneNode(true);
      shown.querySelectorAll('.visually-hidden').forEach(el => el.remove());
      const text = shown.textContent.trim();
      if (!text || cell.offsetParent === null) continue;
      let hidden = false;
      for (let el = cell; el && el !== table; el = el.parentElement)
        if (el.getBoundingClientRect().width <= 1) hidden = true;
      if (hidden) continue;
      const em = parseFloat(getComputedStyle(cell).fontSize);
      const box = cell.getBoundingClientRect();
      if (box.width > 0 && box.width < 2 * em)
        problems.push(`cell narrower than two characters (${Math.round(box.width)} px): "${text.slice(0, 20)}"`);
    }
  }
  return [...new Set(problems)].slice(0, 5);
}"""


def _sign_in(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", "demo12345")
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/staff/**")


@pytest.fixture
def demo_city(app):
    """The demo data, a published ranking for last month and one echo story; returns the path parameters."""
    from portal.domain import echo, rankings
    from portal.models import Case, HotspotWarning, MonthlyTopic, Salon, User

    result = app.test_cli_runner().invoke(args=["demo", "--cases", "150"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        month = rankings.last_month()
        rankings.publish(month)
        supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
        case = echo.candidates(1)[0]
        fields = echo.prefill(case)
        echo.publish(case, supervisor, **fields)
        salon = db.session.scalar(select(Salon.id).where(Salon.state == "outcomes_published").order_by(Salon.id))
        db.session.commit()
        assert db.session.scalar(select(Case.id).limit(1))
        topic = db.session.scalar(select(MonthlyTopic.id).where(MonthlyTopic.status == "published"))
        warning = db.session.scalar(select(HotspotWarning.id).order_by(HotspotWarning.id))
    return {"month": month, "salon": salon, "topic": topic, "warning": warning}


def test_every_list_page_fits_a_375_px_phone(demo_city, new_page):
    failures = []

    def check(page, who, paths):
        for path in paths:
            path = path.format(**demo_city)
            response = page.goto(path)
            if response.status != 200:
                failures.append(f"{who} {path}: HTTP {response.status}")
                continue
            for problem in page.evaluate(MEASURE):
                failures.append(f"{who} {path}: {problem}")

    check(new_page(viewport=PHONE_375), "public", PUBLIC)
    for username, paths in STAFF.items():
        page = new_page(viewport=PHONE_375)
        _sign_in(page, username)
        check(page, username, paths)
    assert not failures, "\n".join(failures)
