"""Demo knowledge base articles (approved, most public) and reply templates, written by the demo units."""
from datetime import timedelta

from sqlalchemy import select

from portal.domain import calendar, knowledge, reply_templates
from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow

ARTICLES = [
    ("cgj", "窨井盖丢失或破损该找谁", "城区道路上的窨井盖丢失、破损由市城市管理局负责，接报后2小时内到场设置警示，24小时内补装。"
     "请拨打12345说明具体位置（路名、门牌号或附近标志物）。", "阜阳市城市市容和环境卫生管理条例", True),
    ("cgj", "夜间施工噪音扰民怎么办", "夜间（22时至次日6时）在居民区附近施工须取得夜间施工许可。未经许可施工的，可拨打12345反映，"
     "城管执法人员将到场核查处理。", "中华人民共和国噪声污染防治法 第四十三条", True),
    ("cgj", "占道经营如何处理", "在道路、广场等公共场所占道经营的，由城管部门依法劝导、责令改正；多次反映同一地点的，将纳入重点巡查。",
     "阜阳市城市管理条例", True),
    ("zjj", "老旧小区改造如何申请", "老旧小区改造由所在县区住建部门每年初征集项目，居民可通过社区居委会提出申请，经三分之二以上业主同意后"
     "列入年度计划。", "阜阳市老旧小区改造实施方案", True),
    ("jtj", "公交线路调整的意见怎么提", "对公交线路、站点设置的意见可拨打12345或在网上平台提交，市交通运输局每季度汇总研究，"
     "调整方案向社会公示。", "阜阳市城市公共交通条例", True),
    ("cgj", "城管执法车辆调度内部流程", "执法车辆由指挥中心统一调度，紧急事件优先；内部参考，不对外公开。", "市城管局内部工作规程", False),
]
TEMPLATES = [
    ("cgj", "通用答复（已处理）", "您好！您于{received_date}反映的“{title}”（编号{tracking_no}）已收悉。经核查，"
     "（请写明核查情况和处理结果）。感谢您对城市管理工作的支持！"),
    ("cgj", "解释说明", "您好！关于您反映的“{title}”（编号{tracking_no}，{address}），经了解，（请写明原因和政策依据）。"
     "如有疑问，可拨打12345咨询。"),
]


def load(ref: dict) -> None:
    users = ref["users"]
    approver = users["dispatcher"]
    today = calendar.local_day(utcnow())
    for unit_code, question, answer, source, public in ARTICLES:
        writer = db.session.scalar(select(User).where(User.unit_id == ref["units"][unit_code].id,
                                                      User.role == "handler").order_by(User.id))
        version = knowledge.write(writer, None, knowledge.ArticleData(
            question=question, answer=answer, policy_source=source, valid_until=today + timedelta(days=365),
            public=public))
        knowledge.decide(approver, version, True)
    lead = users["unit_lead"]
    for unit_code, title, body in TEMPLATES:
        reply_templates.save(lead, None, ref["units"][unit_code].id, None, title, body)
