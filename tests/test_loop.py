"""The closed loop through the staff pages and the citizen's tracking page, as users drive it."""
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import Case, CaseEvent, ExtensionRequest, ReturnRequest
from tests.helpers import as_user, citizen_page, dispatched, state, step


def test_whole_loop_with_dissatisfied_rehandling(app, city, make_case):
    case_id, number, code = make_case(title="人民路路灯不亮")
    units = city["units"]
    dispatcher = as_user(app, "dispatcher")
    assert step(dispatcher, case_id, "accept").status_code == 303
    assert state(app, case_id) == "accepted"
    page = dispatcher.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert re.search(rf'<option [^>]*\bselected value="{units["gov-yingzhou"]}"', page)  # routing: 城乡建设 in 颍州区 → the county
    r = step(dispatcher, case_id, "assign", {"unit_id": units["cgj"], "co_unit_ids": units["jtj"],
                                             "priority": "general"})
    assert r.status_code == 303 and state(app, case_id) == "assigned"

    handler = as_user(app, "handler")  # 市城市管理局, the lead unit
    assert number in handler.get("/staff/unit?tab=sign").get_data(as_text=True)
    assert step(handler, case_id, "sign_for").status_code == 303
    co = as_user(app, "h_jtj")  # 市交通运输局, co-handling
    assert number in co.get("/staff/unit?tab=co").get_data(as_text=True)
    assert step(co, case_id, "co_input", {"text": "交通局已核实路段归属，配合更换灯杆。"}).status_code == 303
    assert step(handler, case_id, "draft_reply", {"reply_type": "resolved",
                                                  "text": "已于今日更换路灯灯泡，恢复照明。"}).status_code == 303
    assert state(app, case_id) == "handling"
    lead = as_user(app, "unit_lead")
    assert number in lead.get("/staff/unit?tab=approve").get_data(as_text=True)
    assert step(lead, case_id, "reply").status_code == 303
    assert state(app, case_id) == "replied"
    assert number in dispatcher.get("/staff/queue?tab=release").get_data(as_text=True)
    assert step(dispatcher, case_id, "release").status_code == 303
    assert state(app, case_id) == "awaiting_evaluation"

    citizen, page = citizen_page(app, number, code)
    assert "已于今日更换路灯灯泡" in page and "市城市管理局" in page
    r = citizen.post(f"/track/{number}/evaluate", {"resolution": "not_resolved", "satisfaction": "dissatisfied",
                                                   "comment": ""}, csrf_from=f"/track/{number}")
    assert r.status_code == 422  # a reason is required when dissatisfied
    r = citizen.post(f"/track/{number}/evaluate", {"resolution": "not_resolved", "satisfaction": "dissatisfied",
                                                   "comment": "路灯晚上还是不亮。"}, csrf_from=f"/track/{number}")
    assert r.status_code == 303 and state(app, case_id) == "dissatisfied"

    supervisor = as_user(app, "supervisor")
    assert number in supervisor.get("/staff/dissatisfied").get_data(as_text=True)
    assert step(supervisor, case_id, "rehandle", {"unit_id": units["cgj"], "priority": "urgent",
                                                  "note": "请现场核实线路故障。"}).status_code == 303
    assert state(app, case_id) == "handling"
    assert step(handler, case_id, "draft_reply", {"reply_type": "resolved",
                                                  "text": "已更换损坏电缆，路灯恢复正常。"}).status_code == 303
    assert step(lead, case_id, "reply").status_code == 303
    assert step(dispatcher, case_id, "release").status_code == 303
    r = citizen.post(f"/track/{number}/evaluate", {"resolution": "resolved", "satisfaction": "satisfied"},
                     csrf_from=f"/track/{number}")
    assert r.status_code == 303 and state(app, case_id) == "closed"

    _, page = citizen_page(app, number, code)
    for label in ("受理", "交办", "签收", "答复", "评价", "重新办理"):
        assert label in page, label
    assert "交通局已核实" not in page  # co-unit input is internal
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.rehandle_count == 1 and case.satisfaction == "satisfied"
        actions = [e.action for e in case.events]
        assert actions == ["submit", "accept", "assign", "sign_for", "co_input", "draft_reply", "reply", "release",
                           "evaluate", "rehandle", "draft_reply", "reply", "release", "evaluate"]


def test_return_then_dispatcher_rules_the_unit_keeps_it(app, city, make_case):
    case_id, _, _ = make_case()
    dispatcher = dispatched(app, city, case_id)
    with app.app_context():
        due = db.session.get(Case, case_id).due_at
    handler = as_user(app, "handler")
    r = step(handler, case_id, "return", {"reason": "wrong_locality", "text": ""})
    assert r.status_code == 422  # a reason text is required
    r = step(handler, case_id, "return", {"reason": "wrong_locality", "text": "该路段属颍东区管辖。"})
    assert r.status_code == 303 and state(app, case_id) == "accepted"
    assert handler.get(f"/staff/cases/{case_id}").status_code == 403  # out of the unit's hands now
    page = dispatcher.get("/staff/queue?tab=assign").get_data(as_text=True)
    assert "该路段属颍东区管辖" in dispatcher.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    r = step(dispatcher, case_id, "keep", {"note": "经核实属城管职责，请继续办理。"})
    assert r.status_code == 303 and state(app, case_id) == "assigned"
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.due_at == due and case.lead_unit_id == city["units"]["cgj"]
        assert db.session.scalar(select(ReturnRequest.outcome)) == "kept"
    assert "返回" in page or "退回" in page or "returned" in page


def test_return_then_reassign_to_another_unit(app, city, make_case):
    case_id, _, _ = make_case()
    dispatcher = dispatched(app, city, case_id)
    step(as_user(app, "handler"), case_id, "return", {"reason": "unclear_ownership", "text": "不属于本单位职责。"})
    r = step(dispatcher, case_id, "assign", {"unit_id": city["units"]["jtj"], "priority": "general"})
    assert r.status_code == 303
    with app.app_context():
        assert db.session.get(Case, case_id).lead_unit_id == city["units"]["jtj"]
        assert db.session.scalar(select(ReturnRequest.outcome)) == "reassigned"


def test_extension_approved_moves_the_deadline_shown_to_the_citizen(app, city, make_case):
    case_id, number, code = make_case()
    dispatcher = dispatched(app, city, case_id)
    handler = as_user(app, "handler")
    step(handler, case_id, "sign_for")
    with app.app_context():
        old_due = db.session.get(Case, case_id).due_at
    r = step(handler, case_id, "request_extension", {"days": "3", "reason": "需协调供电部门更换线路。"})
    assert r.status_code == 303
    assert number in dispatcher.get("/staff/queue?tab=extensions").get_data(as_text=True)
    assert step(dispatcher, case_id, "approve_extension", {"note": ""}).status_code == 303
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.due_at > old_due
        assert db.session.scalar(select(ExtensionRequest.outcome)) == "approved"
        from portal.web.templating import local_time
        with app.test_request_context():
            new_due = local_time(case.due_at)
    _, page = citizen_page(app, number, code)
    assert new_due in page


def test_extension_denied_keeps_the_deadline(app, city, make_case):
    case_id, _, _ = make_case()
    dispatcher = dispatched(app, city, case_id)
    handler = as_user(app, "handler")
    step(handler, case_id, "sign_for")
    with app.app_context():
        due = db.session.get(Case, case_id).due_at
    step(handler, case_id, "request_extension", {"days": "3", "reason": "需要更多时间。"})
    assert step(dispatcher, case_id, "deny_extension", {"note": "事项简单，请按期办结。"}).status_code == 303
    with app.app_context():
        assert db.session.get(Case, case_id).due_at == due


def test_stale_form_is_refused_with_a_message(app, city, make_case):
    case_id, _, _ = make_case()
    one, two = as_user(app, "dispatcher"), as_user(app, "dispatcher_yz")
    page = two.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    old_version = re.search(r'name="accept-version" type="hidden" value="(\d+)"', page).group(1)
    assert step(one, case_id, "decline", {"reason": "duplicate", "text": ""}).status_code == 303
    r = two.post(f"/staff/cases/{case_id}/step/accept", {"accept-version": old_version},
                 csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 409
    assert "其他人" in r.get_data(as_text=True) or "刚刚" in r.get_data(as_text=True)
    assert state(app, case_id) == "declined"


def test_signing_twice_is_refused(app, city, make_case):
    case_id, _, _ = make_case()
    dispatched(app, city, case_id)
    handler = as_user(app, "handler")
    page = handler.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    version = re.search(r'name="sign_for-version" type="hidden" value="(\d+)"', page).group(1)
    assert step(handler, case_id, "sign_for").status_code == 303
    r = handler.post(f"/staff/cases/{case_id}/step/sign_for", {"sign_for-version": version},
                     csrf_from=f"/staff/cases/{case_id}")
    assert r.status_code == 409
    with app.app_context():
        assert [e.action for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id))
                ].count("sign_for") == 1


def test_other_unit_cannot_act(app, city, make_case):
    case_id, _, _ = make_case()
    dispatched(app, city, case_id)
    other = as_user(app, "handler_yz")
    r = other.post(f"/staff/cases/{case_id}/step/sign_for", {"sign_for-version": "3"},
                   csrf_from="/staff/cases")
    assert r.status_code == 403
    monitor = as_user(app, "monitor")
    page = monitor.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    assert "sign_for-version" not in page and "accept-version" not in page


def test_consultation_sets_lead_co_units_and_complex_limit(app, city, make_case):
    case_id, _, _ = make_case()
    dispatcher = as_user(app, "dispatcher")
    step(dispatcher, case_id, "accept")
    r = step(dispatcher, case_id, "consult", {"unit_id": city["units"]["zjj"],
                                              "co_unit_ids": [city["units"]["cgj"], city["units"]["sthjj"]],
                                              "limit_days": "15", "note": "会商：住建局牵头，城管、生态环境配合。"})
    assert r.status_code == 303 and state(app, case_id) == "assigned"
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.priority == "complex" and case.limit_days == 15
        assert sorted((cu.role, cu.unit_id) for cu in case.units) == sorted(
            [("lead", city["units"]["zjj"]), ("co", city["units"]["cgj"]), ("co", city["units"]["sthjj"])])
        from portal.domain import calendar
        assert case.due_at == calendar.add_working_days(case.events[-1].at, 15).due_at


def test_dispatcher_merges_a_duplicate(app, city, make_case):
    first_id, first_no, _ = make_case(title="人民路路面塌陷", description="人民路88号门前路面塌陷一个大坑。")
    dup_id, dup_no, dup_code = make_case(title="人民路路面塌陷", description="人民路88号门口路面塌陷了一个坑。")
    dispatcher = as_user(app, "dispatcher")
    page = dispatcher.get(f"/staff/cases/{dup_id}").get_data(as_text=True)
    assert first_no in page  # suggested as a possible duplicate
    assert step(dispatcher, dup_id, "merge", {"into": first_no}).status_code == 303
    assert state(app, dup_id) == "merged"
    _, page = citizen_page(app, dup_no, dup_code)
    assert first_no in page


def test_decline_needs_a_listed_reason(app, city, make_case):
    case_id, number, code = make_case()
    dispatcher = as_user(app, "dispatcher")
    assert step(dispatcher, case_id, "decline", {"reason": "made-up", "text": ""}).status_code == 422
    assert step(dispatcher, case_id, "decline", {"reason": "litigation", "text": "请通过诉讼途径解决。"}).status_code == 303
    _, page = citizen_page(app, number, code)
    assert "诉讼" in page


def test_citizen_timeline_hides_instructions_to_units(app, city, make_case):
    from portal.domain import workflow as wf
    from portal.models import Unit, User

    case_id, number, code = make_case()
    with app.app_context():
        case = db.session.get(Case, case_id)
        dispatcher = db.session.get(User, city["users"]["dispatcher"])
        handler = db.session.get(User, city["users"]["handler"])
        wf.accept(case, dispatcher)
        wf.assign(case, dispatcher, db.session.get(Unit, city["units"]["cgj"]), "general")
        wf.sign_for(case, handler)
        wf.draft_reply(case, handler, "resolved", "已处理完毕。")
        wf.approve_reply(case, db.session.get(User, city["users"]["unit_lead"]))
        wf.release(case, dispatcher)
        wf.evaluate(case, "not_resolved", "dissatisfied", "还是没有修好。")
        wf.rehandle(case, db.session.get(User, city["users"]["supervisor"]), case.lead_unit, "urgent",
                    "内部督办要求：局长亲自过问")
        db.session.commit()
    _, page = citizen_page(app, number, code)
    assert "还是没有修好" in page  # the citizen's own comment
    assert "内部督办要求" not in page
