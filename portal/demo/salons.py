"""The seed's six new-media tea salons: 72 unique participants, 39 suggestions in varied states.

Everything goes through portal.domain.salons and the workflow with past timestamps (no messages are queued), so
the demo shows what the real pages would: published outcome pages, cases handled and rated, one suggestion's case
in the dissatisfied zone, the latest salon closed with suggestions still to triage.
"""
from datetime import datetime, timedelta, timezone

from faker import Faker

from portal.domain import intake, notify, salons, workflow
from portal.domain.calendar import SHANGHAI
from portal.extensions import db
from portal.models import Person, Role

# Each suggestion: (text, leaf category (zh), unit code or None, fate, explanation or reply detail)
# Fates: closed_sat / closed_basic / closed_unrated / rehandled_sat / awaiting / dissatisfied_open / handling
#        (adopted, the case at that point) · in_hand / in_hand_rated · not_adopted / not_adopted_rated · pending
SALONS = [
    {
        "title": "网络名人看阜阳·城市更新面对面", "kind": "city", "venue": "阜阳市民中心三楼会议室", "county": "yingzhou",
        "days_ago": 150, "units": ["zjj", "cgj", "gov-yingzhou"], "state": "outcomes_published",
        "theme": "围绕老旧小区改造、背街小巷整治，听取网络名人和网民代表的意见建议。",
        "officials": "市住房和城乡建设局分管负责同志\n颍州区人民政府副区长",
        "agenda": [("通报城市更新工作进展", 20), ("老旧小区改造", 40), ("背街小巷整治", 40), ("自由交流", 30)],
        "summary": "茶座围绕城市更新开展交流，网络名人和网民代表提出7条建议，相关单位现场回应并认领办理。",
        "agenda_of": [1, 2, 2, 2, 3, 1, 3],
        "suggestions": [
            ("老旧小区加装电梯审批流程长，建议简化手续并公开补贴标准。", "电梯故障", "zjj", "closed_sat", ""),
            ("清河街道背街小巷夜间路灯损坏多处，建议集中排查更换。", "路灯不亮", "gov-yingzhou", "closed_basic", ""),
            ("文峰街道部分小区垃圾清运不及时，夏季异味大，建议增加清运频次。", "垃圾清运", "cgj", "closed_sat", ""),
            ("人民路路面破损已多次反映，建议纳入年度维修计划。", "路面破损", "gov-yingzhou", "in_hand_rated",
             "该问题已有市民通过12345热线反映，正在办理中，办理结果将同步答复。"),
            ("建议在老城区增设公共停车泊位，缓解停车难。", "停车管理", None, "not_adopted_rated",
             "老城区用地紧张，近期无法新增集中停车场；已纳入停车专项规划研究，规划公布后将向网民通报。"),
            ("小区物业服务收费不透明，建议推行物业服务清单公示。", "物业服务", "zjj", "closed_unrated", ""),
            ("建议城市更新项目开工前在网上公示施工时间和围挡范围。", "城市发展", None, "not_adopted",
             "现行规定已要求施工单位在现场和政府网站公示，将督促各项目严格落实，不再另行建立制度。"),
        ],
    },
    {
        "title": "新媒体茶座·优化营商环境", "kind": "city", "venue": "阜阳市政务服务中心", "county": "yingzhou",
        "days_ago": 125, "units": ["scjgj", "rsj"], "state": "outcomes_published",
        "theme": "请网络名人、网民代表和企业代表为优化营商环境“挑刺”。",
        "officials": "市市场监督管理局局长\n市人力资源和社会保障局副局长",
        "agenda": [("营商环境政策解读", 20), ("企业开办与准入", 40), ("消费维权", 30), ("劳动权益", 30)],
        "summary": "本期茶座收集建议7条，涉及企业开办、预付卡监管、欠薪维权等，均已交办或作出说明。",
        "agenda_of": [1, 2, 3, 2, 3, 2, 1],
        "suggestions": [
            ("个体户办理营业执照仍需多次跑窗口，建议推行全程网办。", "营商环境", "scjgj", "closed_sat", ""),
            ("部分健身房预付卡跑路，建议建立预付卡资金监管。", "预付卡退费", "scjgj", "rehandled_sat", ""),
            ("农民工欠薪维权渠道不清楚，建议在工地公示投诉电话。", "拖欠工资", "rsj", "closed_sat", ""),
            ("外卖商家后厨卫生堪忧，建议推广明厨亮灶。", "餐饮卫生", "scjgj", "in_hand",
             "市场监管部门已在开展网络餐饮专项检查，本建议并入该案件办理。"),
            ("建议对小微企业社保缴费给予阶段性减免。", "社保政策", None, "not_adopted_rated",
             "社保费率和减免政策由国家和省统一制定，市级无权调整；已将建议反映至省人社厅。"),
            ("电商直播虚假宣传多，建议加强本地直播带货监管。", "虚假宣传", "scjgj", "closed_basic", ""),
            ("企业开办后的刻章、税务登记建议一窗办结。", "营商环境", "scjgj", "closed_unrated", ""),
        ],
    },
    {
        "title": "新媒体茶座走进界首", "kind": "out_of_town", "venue": "界首市融媒体中心演播厅", "county": "jieshou",
        "days_ago": 100, "units": ["gov-jieshou", "sthjj", "jtj"], "state": "outcomes_published",
        "theme": "茶座走出市区，请界首本地网民谈城乡交通和生态环境。",
        "officials": "界首市人民政府副市长\n市生态环境局界首分局局长",
        "agenda": [("界首发展情况介绍", 15), ("城乡交通", 45), ("生态环境", 45)],
        "summary": "界首专场收集建议6条，交通和环保部门现场认领。",
        "agenda_of": [1, 2, 1, 2, 0, 2],
        "suggestions": [
            ("界首至阜阳城区的城际公交班次少，建议加密。", "公交线路", "jtj", "closed_sat", ""),
            ("工业园区夜间有刺鼻气味，建议加强废气排放监测。", "工业废气", "sthjj", "closed_basic", ""),
            ("东城街道部分路口信号灯配时不合理，早高峰拥堵。", "交通信号", "gaj", "closed_sat", ""),
            ("老城区河道有生活污水直排。", "河道污染", "sthjj", "in_hand_rated",
             "该河段污水直排问题已由生态环境部门立案整治，本建议并入办理。"),
            ("建议在界首设立12345线下服务点。", "城市发展", None, "not_adopted",
             "12345热线全市统一受理，界首市政务服务中心已设热线服务窗口，可就近办理。"),
            ("夏季秸秆焚烧时有发生，建议加大秸秆综合利用补贴。", "秸秆焚烧", "nyncj", "closed_unrated", ""),
        ],
    },
    {
        "title": "新媒体茶座进社区·河东街道", "kind": "grassroots", "venue": "颍东区河东街道党群服务中心", "county": "yingdong",
        "days_ago": 70, "units": ["gov-yingdong", "mzj", "wjw"], "state": "outcomes_published",
        "theme": "把茶座开到社区，听居民和网民代表讲身边的民生小事。",
        "officials": "颍东区人民政府副区长\n河东街道党工委书记",
        "agenda": [("社区治理情况通报", 15), ("养老与医疗", 40), ("居住环境", 40)],
        "summary": "社区专场收集建议7条，街道和区直部门逐条认领。",
        "agenda_of": [1, 2, 2, 1, 2, 2, 2],
        "suggestions": [
            ("社区卫生服务中心周末不开门，老人看病不便。", "医疗服务", "wjw", "closed_sat", ""),
            ("某小区电梯频繁故障，物业推诿。", "电梯故障", "gov-yingdong", "closed_basic", ""),
            ("小区周边夜市噪声扰民到凌晨。", "社会生活噪声", "gov-yingdong", "closed_sat", ""),
            ("独居老人助餐点太少，建议增加社区食堂。", "城市发展", "mzj", "closed_basic", ""),
            ("学区划分每年变化，建议提前公布入学政策。", "入学招生", "jyj", "in_hand",
             "教育部门已在办理市民关于学区划分的反映，本建议一并答复。"),
            ("向阳街道积水点每逢下雨就淹，建议改造排水管网。", "污水排放", "swj", "closed_sat", ""),
            ("建议在社区设置电动自行车集中充电棚。", "城市发展", None, "not_adopted_rated",
             "该小区公共区域产权属业主共有，需业主大会表决；街道将指导业委会按程序推进。"),
        ],
    },
    {
        "title": "交通出行面对面", "kind": "city", "venue": "阜阳市交通运输局会议室", "county": "yingquan",
        "days_ago": 40, "units": ["jtj", "gaj", "cgj"], "state": "outcomes_published",
        "theme": "公交、停车、出租车和慢行交通，听网民说出行难题。",
        "officials": "市交通运输局局长\n市公安局交警支队副支队长",
        "agenda": [("公共交通", 40), ("停车与慢行", 40), ("互动交流", 30)],
        "summary": "本期收集建议6条，公交和停车问题最集中。",
        "agenda_of": [0, 1, 0, 1, 1, 0],
        "suggestions": [
            ("阜阳西站到市区的公交末班车太早。", "公交线路", "jtj", "closed_sat", ""),
            ("医院周边停车难，建议错时共享停车。", "停车管理", "gaj", "rehandled_sat", ""),
            ("出租车拒载、绕路现象多，建议加强监管。", "出租车服务", "jtj", "closed_sat", ""),
            ("学校路口上下学高峰缺少交通疏导。", "交通信号", "gaj", "closed_unrated", ""),
            ("共享单车乱停放占用盲道。", "占道经营", "cgj", "in_hand_rated",
             "城管部门正在办理共享单车停放整治，本建议并入该案件。"),
            ("建议开通夜间定制公交。", "公交线路", None, "not_adopted",
             "经客流测算，夜间需求不足以支撑定制线路；将在夏季试点延长部分线路运营时间。"),
        ],
    },
    {
        "title": "新媒体茶座走进王家坝", "kind": "grassroots", "venue": "阜南县王家坝镇便民服务中心", "county": "funan",
        "days_ago": 5, "units": ["gov-funan", "wjw", "nyncj"], "state": "closed",
        "theme": "走进蓄洪区，听群众和网民代表谈饮水、道路和看病。",
        "officials": "阜南县人民政府副县长\n王家坝镇党委书记",
        "agenda": [("蓄洪区建设情况", 20), ("饮水与道路", 40), ("医疗与产业", 40)],
        "summary": "本期收集建议6条，部分已交办，其余正在研究。",
        "agenda_of": [1, 1, 2, 2, 1, 0],
        "suggestions": [
            ("农村饮水水质有时浑浊。", "水质问题", "gov-funan", "awaiting", ""),
            ("蓄洪区庄台道路硬化进度慢。", "路面破损", "gov-funan", "dissatisfied_open", ""),
            ("镇卫生院缺少儿科医生。", "医疗服务", "wjw", "handling", ""),
            ("农产品电商物流成本高，建议建设县域物流中心。", "营商环境", None, "not_adopted",
             "县域物流中心已列入县“十四五”规划，正在选址，暂不单独立项。"),
            ("建议增加村级公交班次。", "公交线路", None, "pending", ""),
            ("淮河堤防巡查信息希望及时公开。", "城市发展", None, "pending", ""),
        ],
    },
]

KIND_PLAN = ["opinion_leader"] * 3 + ["netizen_rep"] * 5 + ["media"] * 2 + ["official", "unit_rep"]
PLATFORMS = ["微博", "抖音", "今日头条", "微信公众号", "阜阳论坛"]
MEDIA = ["颍州晚报", "阜阳日报", "阜阳广播电视台", "界首融媒体"]
REPLIES = {
    "resolved": "经核实，网民反映的问题属实。我单位已制定整改措施并落实到位，后续将持续跟踪。感谢您在新媒体茶座上的建议！",
    "partly_resolved": "您的建议已部分落实，剩余事项需协调相关单位，预计两个月内完成，届时将再次告知。",
    "again": "经重新核查，已补充落实整改措施，现场问题已解决。",
}


def _person(fake: Faker, i: int, kind: str) -> Person:
    name = fake.name()
    platform, handle = "", ""
    if kind == "opinion_leader":
        platform, handle = PLATFORMS[i % len(PLATFORMS)], f"{fake.user_name()}{i}"
    elif kind == "media":
        platform, handle = MEDIA[i % len(MEDIA)], f"{fake.user_name()}_{i}"
    elif kind == "netizen_rep" and i % 2 == 0:
        platform, handle = "阜阳论坛", f"fy{fake.user_name()}{i}"
    return Person(name=name, kind=kind, platform=platform, handle=handle, phone=f"1355800{i:04d}")


def _local(day, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(timezone.utc)


def load(ref: dict, now: datetime | None = None, seed: int = 2024) -> list:
    """Create the six salons; returns them. The organizer is the demo account "organizer"."""
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    now = now or datetime.now(timezone.utc)
    people = []
    for i in range(len(SALONS) * len(KIND_PLAN)):
        person = _person(fake, i, KIND_PLAN[i % len(KIND_PLAN)])
        db.session.add(person)
        people.append(person)
    db.session.flush()
    created = []
    with notify.muted():
        for k, spec in enumerate(SALONS):
            own = people[k * len(KIND_PLAN):(k + 1) * len(KIND_PLAN)]
            regulars = [] if k == 0 else people[(k - 1) * len(KIND_PLAN):(k - 1) * len(KIND_PLAN) + 2]
            created.append(_one_salon(ref, spec, own, regulars, people, k, now))
            db.session.flush()
    return created


def _one_salon(ref, spec, own, regulars, people, k, now):
    organizer = ref["users"]["organizer"]
    day = (now - timedelta(days=spec["days_ago"])).astimezone(SHANGHAI).date()
    starts, ends = _local(day, 14, 30), _local(day, 17, 0)
    announced = starts - timedelta(days=14)
    salon = salons.create_salon(organizer, salons.SalonData(
        title=spec["title"], theme=spec["theme"], starts_at=starts, ends_at=ends, venue=spec["venue"],
        venue_kind=spec["kind"], capacity=len(own) + len(regulars), invited_officials=spec["officials"],
        unit_ids=tuple(ref["units"][code].id for code in spec["units"]), agenda=tuple(spec["agenda"])),
        at=announced - timedelta(days=3))
    salons.open_registration(salon, organizer)
    roster = []
    for n, person in enumerate(regulars + own):
        at = announced + timedelta(hours=3 * n + 1)
        if person.kind == "netizen_rep":
            participant = salons.register(salon, name=person.name, kind=person.kind, platform=person.platform,
                                          handle=person.handle, phone=person.phone, at=at)
            salons.confirm(participant, organizer, notify_person=False)
        else:
            participant = salons.add_participant(salon, organizer, name=person.name, kind=person.kind,
                                                 platform=person.platform, handle=person.handle,
                                                 phone=person.phone, at=at)
        roster.append(participant)
    if k == 3:  # the community salon was full: one more netizen stayed on the waiting list
        extra = people[5]
        salons.register(salon, name=extra.name, kind=extra.kind, platform=extra.platform, handle=extra.handle,
                        phone=extra.phone, at=starts - timedelta(days=1))
    if k == 1:  # one registration declined (registered twice under another name)
        extra = people[4]
        late = salons.register(salon, name=extra.name, kind=extra.kind, platform=extra.platform,
                               handle=extra.handle, phone=extra.phone, at=starts - timedelta(days=2))
        salons.decline(late, organizer)
    db.session.flush()
    for n, participant in enumerate(roster):
        salons.check_in(salon, organizer, participant.attendance_code, at=starts - timedelta(minutes=20 - n))
    salons.start(salon, organizer)
    raisers = [p for p in roster if p.person.kind in ("opinion_leader", "netizen_rep", "media")]
    recorded = []
    for n, (text, leaf_name, unit_code, fate, explanation) in enumerate(spec["suggestions"]):
        agenda = salon.agenda[spec["agenda_of"][n]]
        leaf = _leaf(ref, leaf_name)
        suggestion = salons.record_suggestion(
            salon, organizer, participant_id=_flushed(raisers[(n * 3) % len(raisers)]).id, text=text,
            agenda_item_id=_flushed(agenda).id, category_id=leaf.id, at=starts + timedelta(minutes=25 + 12 * n))
        db.session.flush()
        recorded.append((suggestion, leaf, unit_code, fate, explanation))
    checked, expected = salons.attendance(salon)
    salons.close(salon, organizer, f"应到{expected}人，实到{checked}人。", spec["summary"], at=ends)
    triaged_at = ends + timedelta(hours=20)
    county = next(c for c in ref["counties"] if c.code == spec["county"])
    for n, (suggestion, leaf, unit_code, fate, explanation) in enumerate(recorded):
        at = triaged_at + timedelta(minutes=10 * n)
        if fate == "pending":
            continue
        if fate.startswith("not_adopted"):
            salons.not_adopt(suggestion, organizer, explanation)
        elif fate.startswith("in_hand"):
            case = _existing_case(ref, leaf, ref["units"][unit_code], county, suggestion, starts - timedelta(days=9))
            salons.mark_in_hand(suggestion, organizer, case.tracking_no, explanation, at=at)
            _close_existing(ref, case, ref["units"][unit_code], at)
        else:
            case = salons.adopt(suggestion, organizer, unit=ref["units"][unit_code], priority="general",
                                county_id=county.id, category_id=leaf.id, title=suggestion.text[:30], at=at)
            _handle(ref, case, ref["units"][unit_code], fate, at, suggestion)
    if spec["state"] == "outcomes_published":
        salons.publish(salon, organizer, at=triaged_at + timedelta(days=1))
        for n, item in enumerate(recorded):
            suggestion, fate = item[0], item[3]
            if fate in ("in_hand_rated", "not_adopted_rated"):
                satisfaction = ["satisfied", "basically_satisfied", "dissatisfied"][n % 3]
                salons.rate(suggestion, satisfaction, "解释不够具体，希望给出时间表。" if satisfaction == "dissatisfied"
                            else None, at=triaged_at + timedelta(days=2, hours=n))
    return salon


def _flushed(obj):
    if obj.id is None:
        db.session.flush()
    return obj


def _leaf(ref, name_zh):
    return next(leaf for leaf, _owner in ref["leaves"] if leaf.name_zh == name_zh)


def _staff(ref, unit, role):
    from portal.demo.cases import _staff_of

    return _staff_of(ref, unit, role)


def _existing_case(ref, leaf, unit, county, suggestion, received):
    """A citizen's earlier hotline case about the same matter, being handled when the salon takes place."""
    operator, dispatcher = ref["users"]["operator"], ref["users"]["dispatcher"]
    case, _code = intake.receive(intake.Submission(
        category_id=leaf.id, county_id=county.id, town_id=None, address=f"{county.name_zh}城区",
        title=f"{leaf.name_zh}问题反映", description=suggestion.text + "多次反映，希望尽快解决。",
        citizen_name="市民" + suggestion.participant.person.name[:1] + "先生", citizen_phone="13955800000",
        publish_consent=True, channel="hotline"), entered_by=operator, at=received)
    db.session.flush()
    workflow.accept(case, dispatcher, at=received + timedelta(hours=1))
    workflow.assign(case, dispatcher, unit, "complex", at=received + timedelta(hours=2), limit_days=30)
    workflow.sign_for(case, _staff(ref, unit, Role.HANDLER), at=received + timedelta(hours=5))
    return case


def _close_existing(ref, case, unit, at):
    """The earlier case is answered after the salon and its citizen is satisfied."""
    handler, lead = _staff(ref, unit, Role.HANDLER), _staff(ref, unit, Role.UNIT_LEAD)
    workflow.draft_reply(case, handler, "resolved", REPLIES["resolved"], at=at + timedelta(days=3))
    workflow.approve_reply(case, lead, at=at + timedelta(days=3, hours=2))
    workflow.release(case, ref["users"]["dispatcher"], at=at + timedelta(days=3, hours=4))
    workflow.evaluate(case, "resolved", "satisfied", at=at + timedelta(days=5))


def _handle(ref, case, unit, fate, at, suggestion):
    """Move an adopted suggestion's case along the loop as far as its fate says."""
    organizer, supervisor = ref["users"]["organizer"], ref["users"]["supervisor"]
    handler, lead = _staff(ref, unit, Role.HANDLER), _staff(ref, unit, Role.UNIT_LEAD)
    workflow.sign_for(case, handler, at=at + timedelta(hours=4))
    if fate == "handling":
        return

    def answer(start, text, reply_type="resolved"):
        workflow.draft_reply(case, handler, reply_type, text, at=start)
        workflow.approve_reply(case, lead, at=start + timedelta(hours=3))
        workflow.release(case, organizer, at=start + timedelta(hours=5))

    answer(at + timedelta(days=2), REPLIES["partly_resolved" if fate == "closed_basic" else "resolved"],
           "partly_resolved" if fate == "closed_basic" else "resolved")
    rated = at + timedelta(days=3)
    if fate == "awaiting":
        return
    if fate == "closed_unrated":
        workflow.close_unevaluated(case, at=at + timedelta(days=10))
        return
    satisfaction = {"closed_sat": "satisfied", "closed_basic": "basically_satisfied"}.get(fate, "dissatisfied")
    salons.rate(suggestion, satisfaction, "整改只做了一半，现场问题仍然存在。" if satisfaction == "dissatisfied" else None,
                at=rated)
    if fate == "rehandled_sat":
        workflow.rehandle(case, supervisor, unit, "urgent", "请现场复核后重新答复。", at=rated + timedelta(hours=6))
        answer(rated + timedelta(days=1), REPLIES["again"])
        salons.rate(suggestion, "satisfied", None, at=rated + timedelta(days=2))
