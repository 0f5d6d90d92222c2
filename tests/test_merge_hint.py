"""The possible-duplicate hint merges with one click: a real form with the earlier case's number filled in."""
import re

from tests.helpers import as_user, citizen_page, state


def _hint_form(page: str, number: str):
    section = page.split('id="similar-heading"', 1)[1].split("</section>", 1)[0]
    forms = re.findall(r'<form method="post"[^>]*action="([^"]+)"[^>]*>(.*?)</form>', section, re.S)
    for action, body in forms:
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body))
        if fields.get("merge-into") == number:
            assert re.search(r'<button type="submit">[^<]*' + number, body), "the button names the earlier case"
            return action, fields
    raise AssertionError(f"no merge form for {number} in the duplicate hint")


def test_merge_from_the_duplicate_hint_in_one_post(app, city, make_case):
    first_id, first_no, _ = make_case(title="人民路路面塌陷", description="人民路88号门前路面塌陷一个大坑。")
    dup_id, dup_no, dup_code = make_case(title="人民路路面塌陷", description="人民路88号门口路面塌陷了一个坑。")
    dispatcher = as_user(app, "dispatcher")
    page = dispatcher.get(f"/staff/cases/{dup_id}").get_data(as_text=True)
    action, fields = _hint_form(page, first_no)
    # exactly what the browser sends: the hidden fields, CSRF token included (no token added by the test client)
    response = dispatcher.client.post(action, data=fields)
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    assert state(app, dup_id) == "merged"
    _, page = citizen_page(app, dup_no, dup_code)
    assert first_no in page


def test_hint_has_no_merge_button_for_those_who_may_not_merge(app, city, make_case):
    make_case(title="人民路路面塌陷", description="人民路88号门前路面塌陷一个大坑。")
    dup_id, _, _ = make_case(title="人民路路面塌陷", description="人民路88号门口路面塌陷了一个坑。")
    supervisor = as_user(app, "supervisor")
    response = supervisor.get(f"/staff/cases/{dup_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'name="merge-into"' not in page
