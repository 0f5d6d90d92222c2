"""New-media tea salons, as the organizer, a netizen and a raiser use them: the life cycle, the roster, check-in,
live capture, triage to cases, outcomes, ratings, the calendar file."""
import re
from datetime import datetime, timedelta, timezone

import icalendar
import pytest
from sqlalchemy import select

from portal.domain import salon_stats, salons
from portal.domain.calendar import SHANGHAI
from portal.extensions import db
from portal.models import Case, Participant, Salon, Suggestion
from tests.helpers import (
    STARTS,
    _organizer,
    add_person,
    adopt,
    answer_case,
    make_salon,
    organizer,
    record,
    register,
    staff,
    step,
    text_of,
    visitor,
)

# ---- the life cycle --------------------------------------------------------------------------------------------

def test_organizer_creates_a_salon_with_agenda_and_invited_units(app, city):
    org = organizer(app)
    page = text_of(org.get("/staff/salons/new"))
    assert "agenda-0-title" in page and "City Urban Management Bureau" in page
    data = {"title": "新媒体茶座·交通出行", "theme": "公交与停车", "starts_at": "2026-04-02T14:30",
            "ends_at": "2026-04-02T17:00", "venue": "市交通运输局会议室", "venue_kind": "city", "capacity": "20",
            "unit_ids": [city["units"]["jtj"], city["units"]["gaj"]], "invited_officials": "市交通运输局局长",
            "agenda-0-title": "公共交通", "agenda-0-minutes": "40", "agenda-1-title": "停车难", "agenda-1-minutes": "30"}
    r = org.post("/staff/salons/new", {**data, "ends_at": "2026-04-02T13:00"}, csrf_from="/staff/salons/new")
    assert r.status_code == 422 and "The salon must end after it starts." in text_of(r)
    r = org.post("/staff/salons/new", {**data, "agenda-2-title": "自由交流"}, csrf_from="/staff/salons/new")
    assert r.status_code == 422 and "duration in minutes." in text_of(r)
    r = org.post("/staff/salons/new", data, csrf_from="/staff/salons/new")
    assert r.status_code == 303
    page = text_of(org.get(r.headers["Location"]))
    assert "新媒体茶座·交通出行" in page and "City Transport Bureau" in page and "City Public Security Bureau" in page
    with app.app_context():
        salon = db.session.scalar(select(Salon))
        assert salon.state == "planned" and salon.capacity == 20
        assert [(a.title, a.minutes) for a in salon.agenda] == [("公共交通", 40), ("停车难", 30)]
        assert salon.starts_at == datetime(2026, 4, 2, 6, 30, tzinfo=timezone.utc)  # 14:30 Beijing time
        salon_id = salon.id
    # nothing public until registration opens
    assert visitor(app).get(f"/salons/{salon_id}").status_code == 404
    r = org.post(f"/staff/salons/{salon_id}/step/open_registration", csrf_from=f"/staff/salons/{salon_id}")
    assert r.status_code == 303
    public = text_of(visitor(app).get(f"/salons/{salon_id}"))
    assert "新媒体茶座·交通出行" in public and "公共交通" in public and f"/salons/{salon_id}/register" in public


def test_life_cycle_refuses_illegal_steps(app, city):
    salon_id = make_salon(app, city)
    org = organizer(app)
    detail = f"/staff/salons/{salon_id}"
    r = org.post(f"{detail}/step/publish", {"confirmed": "yes"}, csrf_from=detail)
    assert r.status_code == 409 and "This step is not possible now: the salon is “Planned”." in text_of(r)
    r = org.post(f"{detail}/close", {"summary": "小结"}, csrf_from=detail)
    assert r.status_code == 409 and "the salon is “Planned”" in text_of(r)
    assert org.post(f"{detail}/step/open_registration", csrf_from=detail).status_code == 303
    r = org.post(f"{detail}/step/open_registration", csrf_from=detail)
    assert r.status_code == 409 and "the salon is “Registration open”" in text_of(r)
    assert org.post(f"{detail}/step/start", csrf_from=detail).status_code == 303
    r = org.post(f"{detail}/close", {"summary": ""}, csrf_from=detail)
    assert r.status_code == 422 and "Write the summary of the salon." in text_of(r)
    participant_id, _ = add_person(app, salon_id)
    record(app, salon_id, participant_id)
    r = org.post(f"{detail}/close", {"attendance_note": "应到1人，实到1人。", "summary": "收集建议1条。"},
                 csrf_from=detail)
    assert r.status_code == 303
    r = org.post(f"{detail}/step/publish", {"confirmed": "yes"}, csrf_from=detail)
    assert r.status_code == 409 and "Triage every suggestion before publishing the outcomes (1 still to triage)." \
        in text_of(r)
    r = org.post(f"{detail}/step/start", csrf_from=detail)
    assert r.status_code == 409 and "the salon is “Held — outcomes to come”" in text_of(r)
    with app.app_context():
        salon = db.session.get(Salon, salon_id)
        assert salon.state == "closed" and salon.attendance_note == "应到1人，实到1人。" and salon.closed_at
    page = text_of(org.get(detail))
    assert "Closing report" in page and "收集建议1条。" in page


def test_salon_is_edited_only_before_it_starts(app, city):
    salon_id = make_salon(app, city, "registration_open")
    org = organizer(app)
    page = text_of(org.get(f"/staff/salons/{salon_id}/edit"))
    assert 'value="老旧小区改造"' in page and 'value="2026-03-10T14:30"' in page
    data = {"title": "城市更新（改期）", "theme": "改期", "starts_at": "2026-03-12T09:00", "ends_at": "2026-03-12T11:00",
            "venue": "市民中心", "venue_kind": "grassroots", "capacity": "10", "agenda-0-title": "唯一议程",
            "agenda-0-minutes": "60"}
    assert org.post(f"/staff/salons/{salon_id}/edit", data, csrf_from=f"/staff/salons/{salon_id}/edit") \
        .status_code == 303
    with app.app_context():
        salon = db.session.get(Salon, salon_id)
        assert salon.title == "城市更新（改期）" and [a.title for a in salon.agenda] == ["唯一议程"]
        assert salon.invited_units == [] and salon.venue_kind == "grassroots"
        salons.start(salon, _organizer())
        db.session.commit()
    r = org.post(f"/staff/salons/{salon_id}/edit", data, csrf_from=f"/staff/salons/{salon_id}")
    assert r.status_code == 409 and "A salon can be edited only before it starts." in text_of(r)


def test_only_organizers_manage_salons(app, city):
    salon_id = make_salon(app, city)
    assert staff(app, "handler").get("/staff/salons").status_code == 403
    assert staff(app, "dispatcher").get(f"/staff/salons/{salon_id}").status_code == 403
    anonymous = visitor(app)
    assert anonymous.get(f"/staff/salons/{salon_id}").status_code == 302
    assert staff(app, "admin").get(f"/staff/salons/{salon_id}").status_code == 200


# ---- registration, waiting list, confirmation, check-in --------------------------------------------------------


def test_registration_capacity_waiting_list_and_confirmation(app, city):
    salon_id = make_salon(app, city, capacity=2)
    _, r = register(app, salon_id, "张伟", "13900000001")
    assert r.status_code == 404  # planned: not announced yet
    with app.app_context():
        salons.open_registration(db.session.get(Salon, salon_id), _organizer())
        db.session.commit()
    form = text_of(visitor(app).get(f"/salons/{salon_id}/register"))
    assert '<option selected value="netizen_rep">' in form and "0 of 2 seats taken" in form
    netizen, r = register(app, salon_id, "张伟", "13900000001", handle="颍州老张")
    assert r.status_code == 303
    receipt = text_of(netizen.get(r.headers["Location"]))
    assert "The organizer will confirm your seat by SMS." in receipt
    code = re.search(r'data-testid="attendance-code">([A-Z0-9]+)<', receipt).group(1)
    _, r = register(app, salon_id, "李娜", "13900000002")
    assert r.status_code == 303
    late, r = register(app, salon_id, "王芳", "13900000003")
    assert r.status_code == 303
    assert "you are on the waiting list" in text_of(late.get(r.headers["Location"]))
    _, r = register(app, salon_id, "张伟", "139-0000-0001")
    assert r.status_code == 409 and "张伟 is already on this salon&#39;s roster." in text_of(r)
    _, r = register(app, salon_id, "赵强", "12345")
    assert r.status_code == 422 and "Enter a mainland mobile number" in text_of(r)

    with app.app_context():
        rows = {p.person.name: (p.id, p.state, p.self_registered) for p in db.session.scalars(select(Participant))}
    assert rows["张伟"][1:] == ("registered", True) and rows["李娜"][1] == "registered"
    assert rows["王芳"][1] == "waitlisted"
    org = organizer(app)
    roster = f"/staff/salons/{salon_id}/participants"
    page = text_of(org.get(roster))
    assert "Registered, to confirm" in page and "On the waiting list" in page
    assert "139****0001" in page and "13900000001" not in page
    r = org.post(f"{roster}/{rows['王芳'][0]}/confirm", csrf_from=roster)
    assert r.status_code == 409 and "No seat is free (capacity 2)." in text_of(r)
    assert org.post(f"{roster}/{rows['张伟'][0]}/confirm", csrf_from=roster).status_code == 303
    assert org.post(f"{roster}/{rows['李娜'][0]}/decline", csrf_from=roster).status_code == 303
    r = org.post(f"{roster}/{rows['王芳'][0]}/confirm", csrf_from=roster)  # a seat freed: promote from the list
    assert r.status_code == 303
    assert "王芳 confirmed. Attendance code:" in text_of(org.get(roster))
    with app.app_context():
        states = {p.person.name: p.state for p in db.session.scalars(select(Participant))}
        assert states == {"张伟": "confirmed", "李娜": "declined", "王芳": "confirmed"}
        from portal.models import OutboxMessage
        sms = [m.body for m in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == "13900000001"))]
        # the registration receipt and the confirmation both carry the attendance code
        assert len(sms) == 2 and all(code in body for body in sms)
    with app.app_context():
        salons.start(db.session.get(Salon, salon_id), _organizer())
        db.session.commit()
    _, r = register(app, salon_id, "钱多", "13900000009")
    assert r.status_code == 409 and "Registration for this salon is not open." in text_of(r)


def test_organizer_adds_participants_confirmed_at_once(app, city):
    salon_id = make_salon(app, city, "registration_open", capacity=1)
    org = organizer(app)
    roster = f"/staff/salons/{salon_id}/participants"
    r = org.post(roster, {"name": "陈晨", "kind": "opinion_leader", "platform": "微博", "handle": "@阜阳陈晨",
                          "phone": "", "email": ""}, csrf_from=roster)
    assert r.status_code == 303
    r = org.post(roster, {"name": "刘局长", "kind": "official", "phone": "123"}, csrf_from=roster)
    assert r.status_code == 422
    with app.app_context():
        p = db.session.scalar(select(Participant))
        assert (p.state, p.person.handle, p.person.kind, p.self_registered) == ("confirmed", "阜阳陈晨",
                                                                                "opinion_leader", False)


def test_check_in_by_attendance_code(app, city):
    salon_id = make_salon(app, city, "registration_open")
    participant_id, code = add_person(app, salon_id, name="孙丽", check_in=False)
    _, r = register(app, salon_id, "周杰", "13900000005")
    with app.app_context():
        unconfirmed = db.session.scalar(select(Participant).where(Participant.self_registered.is_(True)))
        unconfirmed_code = unconfirmed.attendance_code
    org = organizer(app)
    path = f"/staff/salons/{salon_id}/checkin"
    r = org.post(path, {"code": "WRONG123"}, csrf_from=path, htmx=True)
    assert r.status_code == 422
    assert "No participant of this salon has the code “WRONG123”. Check the code and try again." in text_of(r)
    r = org.post(path, {"code": unconfirmed_code}, csrf_from=path, htmx=True)
    assert r.status_code == 422 and "周杰 is not confirmed" in text_of(r)
    r = org.post(path, {"code": f" {code[:4].lower()}-{code[4:]} "}, csrf_from=path, htmx=True)  # typed loosely
    assert r.status_code == 200 and "Checked in: 孙丽" in text_of(r)
    assert "<html" not in text_of(r)  # htmx gets the panel only
    r = org.post(path, {"code": code}, csrf_from=path)
    assert r.status_code == 422 and "孙丽 is already checked in (at " in text_of(r)
    with app.app_context():
        assert db.session.get(Participant, participant_id).state == "checked_in"
    # another salon's code is not this salon's
    other_id = make_salon(app, city, "registration_open", title="另一场")
    r = org.post(f"/staff/salons/{other_id}/checkin", {"code": unconfirmed_code}, csrf_from=path)
    assert r.status_code == 422 and "No participant of this salon has the code" in text_of(r)


def test_check_in_card_has_a_qr_code(app, city):
    salon_id = make_salon(app, city, "registration_open")
    participant_id, code = add_person(app, salon_id, name="吴敏", check_in=False)
    page = text_of(organizer(app).get(f"/staff/salons/{salon_id}/participants/{participant_id}/card"))
    svg = re.search(r"<svg [^>]*>.*?</svg>", page, re.S)
    assert svg and 'role="img"' in svg.group(0) and f"<title>QR code of the attendance code {code}</title>" in page
    assert "<path" in svg.group(0) and code in page and "吴敏" in page


# ---- live capture and the live board ---------------------------------------------------------------------------

def test_live_capture_appends_the_item_and_the_board_lists_it(app, city):
    salon_id = make_salon(app, city, "in_progress")
    participant_id, _ = add_person(app, salon_id, name="郑小明", phone="13811112222")
    official_id, _ = add_person(app, salon_id, name="何伟", phone="13811113333", kind="opinion_leader",
                                handle="阜阳何老师")
    with app.app_context():
        agenda_id = db.session.get(Salon, salon_id).agenda[1].id
    org = organizer(app)
    capture = f"/staff/salons/{salon_id}/capture"
    page = text_of(org.get(capture))
    assert 'hx-post="/staff/salons/%d/suggestions"' % salon_id in page and 'hx-swap="beforeend"' in page
    r = org.post(f"/staff/salons/{salon_id}/suggestions",
                 {"participant_id": participant_id, "agenda_item_id": agenda_id, "category_id": "",
                  "text": "背街小巷路灯坏了很久，建议集中更换。"}, csrf_from=capture, htmx=True)
    assert r.status_code == 200
    body = text_of(r).strip()
    assert body.startswith("<li") and body.endswith("</li>") and body.count("<li") == 1
    assert "背街小巷路灯坏了很久" in body and "郑小明" in body and "背街小巷整治" in body
    r = org.post(f"/staff/salons/{salon_id}/suggestions", {"participant_id": official_id, "text": "好"},
                 csrf_from=capture, htmx=True)
    assert r.status_code == 422 and r.headers["HX-Retarget"] == "#suggestion-form"
    assert "Between 5 and 4000 characters." in text_of(r)
    r = org.post(f"/staff/salons/{salon_id}/suggestions",  # without JavaScript: back to the page
                 {"participant_id": official_id, "text": "建议公开城市更新项目清单。"}, csrf_from=capture)
    assert r.status_code == 303

    public = visitor(app)
    board = public.get(f"/salons/{salon_id}/live", htmx=True)
    block = text_of(board)
    assert board.status_code == 200 and "<html" not in block
    assert 'hx-trigger="every 5s"' in block and "Suggestions so far: 2" in block
    assert "背街小巷路灯坏了很久" in block and "郑**" in block and "@阜阳何老师 (微博)" in block
    assert "郑小明" not in block and "13811112222" not in block and "138****" not in block
    full = text_of(public.get(f"/salons/{salon_id}/live"))
    assert "Refresh now" in full and f'href="/salons/{salon_id}/live"' in full
    with app.app_context():
        salons.close(db.session.get(Salon, salon_id), _organizer(), "", "小结")
        db.session.commit()
    block = text_of(public.get(f"/salons/{salon_id}/live", htmx=True))
    assert "hx-trigger" not in block and "The live board runs while the salon is in progress" in block
    r = org.post(f"/staff/salons/{salon_id}/suggestions", {"participant_id": official_id, "text": "会后补充一条建议。"},
                 csrf_from=f"/staff/salons/{salon_id}", htmx=True)
    assert r.status_code == 409 and "Suggestions are recorded while the salon is in progress." in text_of(r)


# ---- triage: adopt, in hand, not adopted -----------------------------------------------------------------------


def test_adopting_a_suggestion_makes_an_assigned_case_visible_from_both_ends(app, city):
    salon_id = make_salon(app, city, "in_progress")
    participant_id, _ = add_person(app, salon_id, name="郑小明", phone="13811112222")
    suggestion_id = record(app, salon_id, participant_id, "背街小巷路灯坏了很久，建议集中更换。")
    org = organizer(app)
    page = text_of(org.get(f"/staff/salons/{salon_id}/suggestions/{suggestion_id}"))
    assert 'value="背街小巷路灯坏了很久，建议集中更换。"' in page  # the case title is prefilled from the text
    r = adopt(org, salon_id, suggestion_id, city, **{"adopt-unit_id": ""})
    assert r.status_code == 422 and "Choose the lead unit." in text_of(r)
    r = adopt(org, salon_id, suggestion_id, city)
    assert r.status_code == 303
    with app.app_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        case = suggestion.case
        assert suggestion.outcome == "adopted"
        assert (case.channel, case.state, case.lead_unit_id, case.priority) == (
            "tea_salon", "assigned", city["units"]["cgj"], "general")
        assert case.due_at is not None and case.citizen_name == "郑小明" and case.citizen_phone == "13811112222"
        assert case.description == "背街小巷路灯坏了很久，建议集中更换。" and case.address == "阜阳市民中心三楼会议室"
        assert [e.action for e in case.events] == ["submit", "accept", "assign", "salon_link"]
        link = case.events[-1]
        assert link.data == {"salon_id": salon_id, "suggestion_id": suggestion_id}
        case_id, number = case.id, case.tracking_no
        due = case.due_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    detail = text_of(org.get(f"/staff/salons/{salon_id}"))
    assert f'href="/staff/cases/{case_id}">{number}</a>' in detail and "City Urban Management Bureau" in detail and due in detail
    r = adopt(org, salon_id, suggestion_id, city)  # twice: refused
    assert r.status_code == 409 and "This suggestion has already been triaged: “Adopted”." in text_of(r)
    # the other end: the staff case page says where the case came from, for the organizer and for the unit
    for user in ("organizer", "handler"):
        page = text_of(staff(app, user).get(f"/staff/cases/{case_id}"))
        assert "From salon" in page and "网络名人看阜阳·城市更新" in page and f"suggestion #{suggestion_id}" in page
    assert f'href="/staff/salons/{salon_id}#suggestion-{suggestion_id}"' in text_of(org.get(f"/staff/cases/{case_id}"))
    # and the normal workflow goes on: the unit signs for it
    assert step(staff(app, "handler"), case_id, "sign_for").status_code == 303


def test_triage_twice_is_refused(app, city):
    salon_id = make_salon(app, city, "in_progress")
    participant_id, _ = add_person(app, salon_id)
    suggestion_id = record(app, salon_id, participant_id)
    org = organizer(app)
    path = f"/staff/salons/{salon_id}/suggestions/{suggestion_id}"
    assert org.post(f"{path}/not_adopted", {"not_adopted-explanation": "该事项已有明确政策规定。"},
                    csrf_from=path).status_code == 303
    r = adopt(org, salon_id, suggestion_id, city)
    assert r.status_code == 409 and "This suggestion has already been triaged: “Not adopted”." in text_of(r)


def test_in_hand_links_an_existing_case(app, city, make_case):
    case_id, number, _ = make_case(title="人民路路面破损")
    salon_id = make_salon(app, city, "in_progress")
    participant_id, _ = add_person(app, salon_id)
    suggestion_id = record(app, salon_id, participant_id, "人民路路面破损多次反映，建议尽快维修。")
    org = organizer(app)
    path = f"/staff/salons/{salon_id}/suggestions/{suggestion_id}"
    r = org.post(f"{path}/in_hand", {"in_hand-tracking_no": "FY20990101000001"}, csrf_from=path)
    assert r.status_code == 409 and "No case has the tracking number “FY20990101000001”." in text_of(r)
    r = org.post(f"{path}/in_hand", {"in_hand-tracking_no": number.lower(),
                                     "in_hand-explanation": "已有市民反映，正在办理。"}, csrf_from=path)
    assert r.status_code == 303
    with app.app_context():
        suggestion = db.session.get(Suggestion, suggestion_id)
        assert (suggestion.outcome, suggestion.case_id) == ("in_hand", case_id)
        case = db.session.get(Case, case_id)
        assert case.state == "submitted" and case.channel == "web"  # someone else's case: untouched but linked
        assert case.events[-1].action == "salon_link" and case.events[-1].data["in_hand"] is True
    assert number in text_of(org.get(f"/staff/salons/{salon_id}"))
    assert "From salon" in text_of(staff(app, "admin").get(f"/staff/cases/{case_id}"))


# ---- outcomes and ratings --------------------------------------------------------------------------------------


def test_outcome_page_is_public_once_published_with_masked_names(app, city, triaged_salon):
    salon_id, org = triaged_salon["salon"], triaged_salon["org"]
    public = visitor(app)
    assert public.get(f"/salons/{salon_id}/outcomes").status_code == 404
    answer_case(app, triaged_salon["case"])
    r = org.post(f"/staff/salons/{salon_id}/step/publish", {"confirmed": "yes"}, csrf_from=f"/staff/salons/{salon_id}")
    assert r.status_code == 303
    page = text_of(public.get(f"/salons/{salon_id}/outcomes"))
    for text in ("背街小巷路灯坏了很久", "人民路路面破损多次反映", "建议在老城区新建大型停车场"):
        assert text in page
    assert "Adopted" in page and "Already in hand" in page and "Not adopted" in page
    assert "已于本周集中更换背街小巷路灯32盏。" in page and "City Urban Management Bureau" in page
    assert "老城区用地紧张，已纳入停车专项规划研究。" in page  # the explanation of the one not adopted
    assert "郑**" in page and "@颍州林芳 (微博)" in page
    assert "郑小明" not in page and "林芳" not in page.replace("@颍州林芳", "")
    assert "13811112222" not in page and "138****" not in page and "李四" not in page
    listing = text_of(public.get("/salons"))
    assert f"/salons/{salon_id}/outcomes" in listing and "Outcomes published" in listing
    with app.app_context():  # each raiser is sent their personal rating link
        from portal.models import OutboxMessage
        bodies = [m.body for m in db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == "13811112222", OutboxMessage.body.contains("/salons/rate/")))]
        assert len(bodies) == 2


def test_rating_link_rates_and_dissatisfied_sends_the_case_to_the_dissatisfied_zone(app, city, triaged_salon):
    salon_id, (adopted_id, _in_hand_id, not_adopted_id) = triaged_salon["salon"], triaged_salon["suggestions"]
    with app.app_context():
        codes = {s.id: s.rating_code for s in db.session.scalars(select(Suggestion))}
        number = db.session.get(Case, triaged_salon["case"]).tracking_no
    assert all(len(code) >= 20 for code in codes.values()) and len(set(codes.values())) == 3
    raiser = visitor(app)
    link = f"/salons/rate/{codes[adopted_id]}"
    page = text_of(raiser.get(link))
    assert "The unit is still handling your suggestion." in page and "<form" not in page.split("rate-heading")[1]
    answer_case(app, triaged_salon["case"])
    page = text_of(raiser.get(link))
    assert "已于本周集中更换背街小巷路灯32盏。" in page and "Send my rating" in page
    r = raiser.post(link, {"satisfaction": "dissatisfied", "comment": ""}, csrf_from=link, htmx=True)
    assert r.status_code == 422 and "Tell us why you are dissatisfied." in text_of(r)
    r = raiser.post(link, {"satisfaction": "dissatisfied", "comment": "只换了一半，巷子深处还是黑的。"}, csrf_from=link)
    assert r.status_code == 303
    with app.app_context():
        case = db.session.get(Case, triaged_salon["case"])
        suggestion = db.session.get(Suggestion, adopted_id)
        assert case.state == "dissatisfied" and case.satisfaction == "dissatisfied"
        assert case.evaluation_comment == "只换了一半，巷子深处还是黑的。"
        assert (suggestion.satisfaction, suggestion.rating_comment) == ("dissatisfied", "只换了一半，巷子深处还是黑的。")
    assert number in text_of(staff(app, "supervisor").get("/staff/dissatisfied"))
    page = text_of(raiser.get(link))
    assert "Send my rating" not in page and "Dissatisfied" in page and "the case is being handled again" in page
    r = raiser.post(link, {"satisfaction": "satisfied"}, csrf_from=f"/salons/rate/{codes[not_adopted_id]}")
    assert r.status_code == 409

    # not adopted: rated once the outcomes are published, kept on the suggestion only
    other = f"/salons/rate/{codes[not_adopted_id]}"
    assert "The outcome is not published yet." in text_of(raiser.get(other))
    with app.app_context():
        salons.publish(db.session.get(Salon, salon_id), _organizer())
        db.session.commit()
    page = text_of(raiser.get(other))
    assert "老城区用地紧张" in page and "Send my rating" in page
    assert raiser.post(other, {"satisfaction": "basically_satisfied"}, csrf_from=other).status_code == 303
    assert "You have rated this outcome. Thank you." in text_of(raiser.get(other))
    with app.app_context():
        assert db.session.get(Suggestion, not_adopted_id).satisfaction == "basically_satisfied"
    assert visitor(app).get("/salons/rate/not-a-real-code").status_code == 404
    outcome = text_of(visitor(app).get(f"/salons/{salon_id}/outcomes"))
    assert "Basically satisfied" in outcome and "Dissatisfied" in outcome


def test_in_hand_rating_does_not_touch_the_other_citizens_case(app, city, triaged_salon):
    in_hand_id = triaged_salon["suggestions"][1]
    with app.app_context():
        salons.publish(db.session.get(Salon, triaged_salon["salon"]), _organizer())
        db.session.commit()
        code = db.session.get(Suggestion, in_hand_id).rating_code
    link = f"/salons/rate/{code}"
    raiser = visitor(app)
    assert raiser.post(link, {"satisfaction": "dissatisfied", "comment": "希望给出维修时间表。"},
                       csrf_from=link).status_code == 303
    with app.app_context():
        suggestion = db.session.get(Suggestion, in_hand_id)
        assert suggestion.satisfaction == "dissatisfied" and suggestion.case.state == "submitted"
        assert suggestion.case.satisfaction is None


# ---- statistics, the public list, the calendar file ------------------------------------------------------------

def test_statistics_are_computed_from_the_data(app, city):
    """A hand-built fixture: two held salons sharing one person, a planned one that does not count."""
    from portal.models import Person, Platform

    with app.app_context():
        org = _organizer()
        leaf, county = city["leaf"], city["county"]

        def salon(state):
            s = Salon(title=state, theme="t", starts_at=STARTS, ends_at=STARTS + timedelta(hours=2), venue="v",
                      venue_kind="city", capacity=10, state=state, organizer=org)
            db.session.add(s)
            return s

        def person(name):
            p = Person(name=name, kind="netizen_rep")
            db.session.add(p)
            return p

        platform_id = db.session.scalar(select(Platform.id))

        def case(state):
            c = Case(tracking_no=f"T{state}", query_code_hash="x", channel="tea_salon", state=state,
                     category_id=leaf, county_id=county, address="a", title="t", description="d",
                     citizen_name="n", citizen_phone="", platform_id=platform_id, received_day=STARTS.date())
            db.session.add(c)
            return c

        held_a, held_b, planned = salon("outcomes_published"), salon("closed"), salon("planned")
        shared, only_a, no_show, future = person("甲"), person("乙"), person("丙"), person("丁")
        n = iter(range(100))
        rows = [(held_a, shared, "checked_in"), (held_a, only_a, "checked_in"), (held_b, shared, "checked_in"),
                (held_b, no_show, "confirmed"), (planned, future, "checked_in")]
        parts = [Participant(salon=s, person=p, state=st, attendance_code=f"C{next(n)}") for s, p, st in rows]
        db.session.add_all(parts)
        closed, handling, dissatisfied = case("closed"), case("handling"), case("awaiting_evaluation")
        specs = [  # (salon, outcome, case, satisfaction)
            (held_a, "adopted", closed, "satisfied"), (held_a, "adopted", handling, None),
            (held_a, "in_hand", dissatisfied, "basically_satisfied"), (held_a, "not_adopted", None, "dissatisfied"),
            (held_b, "adopted", closed, None), (held_b, "pending", None, None),
            (planned, "adopted", closed, "satisfied"),
        ]
        for s, outcome, c, satisfaction in specs:
            db.session.add(Suggestion(salon=s, participant=parts[0], text="x", recorded_by_id=org.id,
                                      outcome=outcome, case=c, satisfaction=satisfaction))
        db.session.commit()
        stats = salon_stats.statistics()
    assert (stats.held, stats.participants, stats.suggestions) == (2, 2, 6)
    assert (stats.adopted, stats.in_hand, stats.not_adopted, stats.pending) == (3, 1, 1, 1)
    assert stats.resolved == 3  # two adopted closed, one in hand awaiting the citizen's rating
    assert (stats.rated, stats.satisfied) == (3, 2) and stats.satisfaction_rate == pytest.approx(2 / 3)
    page = text_of(visitor(app).get("/salons"))
    figures = re.search(r'<dl class="salon-figures">(.*?)</dl>', page, re.S).group(1)
    numbers = re.findall(r"<dd>([^<]+)</dd>", figures)
    assert numbers == ["2", "2", "6", "3", "1", "3", "66.7%"]


def test_ics_file_has_the_right_times(app, city):
    salon_id = make_salon(app, city, "registration_open")
    r = visitor(app).get(f"/salons/{salon_id}.ics")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.data)
    event = next(iter(cal.walk("VEVENT")))
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert start == STARTS and end == STARTS + timedelta(hours=2, minutes=30)
    assert str(start.tzinfo) == "Asia/Shanghai" and event["DTSTART"].params["TZID"] == "Asia/Shanghai"
    assert start.astimezone(timezone.utc).hour == 6  # 14:30 in Beijing is 06:30 UTC
    assert str(event["SUMMARY"]) == "网络名人看阜阳·城市更新" and str(event["LOCATION"]) == "阜阳市民中心三楼会议室"
    assert "老旧小区改造与背街小巷整治" in str(event["DESCRIPTION"]) and "背街小巷整治 (30′)" in str(event["DESCRIPTION"])
    assert str(event["UID"]).startswith(f"salon-{salon_id}@")
    assert any(tz["TZID"] == "Asia/Shanghai" for tz in cal.walk("VTIMEZONE"))
    planned = make_salon(app, city, title="未公布")
    assert visitor(app).get(f"/salons/{planned}.ics").status_code == 404


def test_every_salon_state_change_is_in_its_append_only_log(app, city):
    salon_id = make_salon(app, city, state="outcomes_published")
    with app.app_context():
        salon = db.session.get(Salon, salon_id)
        log = [(e.action, e.from_state, e.to_state, e.actor.username) for e in salon.events]
        assert log == [("open_registration", "planned", "registration_open", "organizer"),
                       ("start", "registration_open", "in_progress", "organizer"),
                       ("close", "in_progress", "closed", "organizer"),
                       ("publish", "closed", "outcomes_published", "organizer")]
        entry = salon.events[0]
        entry.to_state = "closed"
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(RuntimeError, match="append-only"):
            db.session.delete(db.session.get(Salon, salon_id).events[0])
            db.session.flush()
        db.session.rollback()


def test_the_roster_buttons_follow_the_domain_table(app, city):
    """Which decisions the organizer is offered for a participant comes from salons.participant_actions."""
    from flask import url_for

    salon_id = make_salon(app, city, state="registration_open")
    register(app, salon_id, "赵六", "13800002222")
    with app.test_request_context():
        participant_id = db.session.scalar(select(Participant.id).where(Participant.salon_id == salon_id))
        urls = {d: url_for("salon_admin.decide_participant", salon_id=salon_id, participant_id=participant_id,
                           decision=d) for d in ("confirm", "decline")}
    org = organizer(app)

    def offered():
        page = text_of(org.get(f"/staff/salons/{salon_id}/participants"))
        return [d for d, url in urls.items() if f'action="{url}"' in page]

    assert offered() == ["confirm", "decline"]
    with app.app_context():
        participant = db.session.get(Participant, participant_id)
        assert salons.participant_actions(participant) == ["confirm", "decline"]
        salons.confirm(participant, _organizer(), notify_person=False)
        db.session.commit()
    assert offered() == ["decline"]
    with app.app_context():
        salon = db.session.get(Salon, salon_id)
        salons.start(salon, _organizer())
        salons.close(salon, _organizer(), "", "小结")
        db.session.commit()
        assert salons.participant_actions(db.session.get(Participant, participant_id)) == []
    assert offered() == []
