"""Category lists of the salon forms are grouped by parent (one optgroup per parent, in tree order), and pages
advertise the Atom feed they offer (autodiscovery link in the head)."""
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import Category, Salon, Suggestion
from tests.helpers import PortalClient, add_person, make_salon, organizer, record, text_of

OPTGROUP = re.compile(r'<optgroup label="([^"]*)">(.*?)</optgroup>', re.S)


def _category_select(page: str, name: str) -> str:
    match = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select {name}"
    return match.group(1)


def _check_grouped_by_parent(app, select_html: str) -> None:
    groups = OPTGROUP.findall(select_html)
    assert groups, "no optgroups"
    labels = [label for label, _ in groups]
    assert len(labels) == len(set(labels)), "a parent appears in two groups (interleaved)"
    with app.app_context():
        cats = {c.id: c for c in db.session.scalars(select(Category))}
        leaves = {c.id for c in cats.values() if c.level == 3}
        seen = set()
        for label, body in groups:
            ids = [int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', body)]
            assert ids, label
            parents = {cats[i].parent_id for i in ids}
            assert len(parents) == 1, f"{label}: options of several parents"
            assert [cats[i].sort for i in ids] == sorted(cats[i].sort for i in ids)  # tree order inside a group
            seen.update(ids)
        assert seen == leaves  # every leaf offered once


def test_salon_capture_and_adopt_forms_group_categories_by_parent(app, city):
    salon_id = make_salon(app, city, "in_progress")
    participant_id, _ = add_person(app, salon_id)
    org = organizer(app)
    _check_grouped_by_parent(app, _category_select(text_of(org.get(f"/staff/salons/{salon_id}/capture")),
                                                   "category_id"))
    record(app, salon_id, participant_id)
    with app.app_context():
        suggestion_id = db.session.scalar(select(Suggestion.id))
        assert db.session.get(Salon, salon_id) is not None
    page = text_of(org.get(f"/staff/salons/{salon_id}/suggestions/{suggestion_id}"))
    _check_grouped_by_parent(app, _category_select(page, "adopt-category_id"))


FEED_LINK = re.compile(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)">')


def _head(html: str) -> str:
    return html.split("</head>", 1)[0]


def test_echo_wall_and_home_advertise_the_atom_feed(app, city):
    visitor = PortalClient(app.test_client())
    for path in ("/echo", "/"):
        links = FEED_LINK.findall(_head(visitor.get(path).get_data(as_text=True)))
        assert links and links[0].endswith("/echo/feed.atom"), path
        feed = visitor.get(links[0].replace("http://localhost", ""))
        assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("application/atom+xml")
    county = city["county"]
    links = FEED_LINK.findall(_head(visitor.get(f"/echo?county={county}").get_data(as_text=True)))
    assert any(f"county={county}" in link for link in links)  # the filtered list's own feed too


def test_salon_page_advertises_its_calendar_file(app, city):
    salon_id = make_salon(app, city, "registration_open")
    visitor = PortalClient(app.test_client())
    head = _head(visitor.get(f"/salons/{salon_id}").get_data(as_text=True))
    link = re.search(r'<link rel="alternate" type="text/calendar" title="[^"]+" href="([^"]+)">', head)
    assert link and link.group(1).endswith(f"/salons/{salon_id}.ics")
    assert visitor.get(link.group(1).replace("http://localhost", "")).status_code == 200


def _tree_order_ids(app) -> list[int]:
    with app.app_context():
        cats = [c for c in db.session.scalars(select(Category).order_by(Category.sort, Category.id))
                if c.retired_at is None]
        children: dict = {}
        for c in cats:
            children.setdefault(c.parent_id, []).append(c.id)
        order: list[int] = []

        def walk(parent):
            for cid in children.get(parent, []):
                order.append(cid)
                walk(cid)
        walk(None)
        return order


def test_every_other_category_list_is_in_tree_order(app, city):
    """The staff forms that list categories by their whole path (knowledge article, reply template, routing rule,
    monthly topic) list each parent's children together, in the tree's order (not level by level)."""
    from tests.helpers import as_user

    tree = _tree_order_ids(app)
    pages = [("admin", "/staff/knowledge/new", "category_id"), ("unit_lead", "/staff/reply-templates/new", "category_id"),
             ("admin", "/admin/routing", "category_id"), ("supervisor", "/staff/governance/topics/new", "category_id")]
    for role, path, name in pages:
        page = text_of(as_user(app, role).get(path))
        offered = [int(v) for v in re.findall(r'<option[^>]*value="(\d+)"', _category_select(page, name))]
        assert len(offered) > 3, path
        assert offered == [i for i in tree if i in set(offered)], f"{path}: not in tree order"
