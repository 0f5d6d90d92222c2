"""Reference data for the demo city (Fuyang, Anhui): regions, platforms, units, categories, users."""
from portal.extensions import db
from portal.models import Category, Platform, Region, Role, RoutingRule, Unit, User

COUNTIES = [  # code, zh, en, towns [(zh, en)]
    ("yingzhou", "颍州区", "Yingzhou District", [("鼓楼街道", "Gulou Street"), ("文峰街道", "Wenfeng Street"),
                                                  ("清河街道", "Qinghe Street"), ("西湖镇", "Xihu Town")]),
    ("yingdong", "颍东区", "Yingdong District", [("河东街道", "Hedong Street"), ("向阳街道", "Xiangyang Street"),
                                                 ("插花镇", "Chahua Town"), ("口孜镇", "Kouzi Town")]),
    ("yingquan", "颍泉区", "Yingquan District", [("周棚街道", "Zhoupeng Street"), ("中市街道", "Zhongshi Street"),
                                                  ("伍明镇", "Wuming Town"), ("宁老庄镇", "Ninglaozhuang Town")]),
    ("jieshou", "界首市", "Jieshou City", [("东城街道", "Dongcheng Street"), ("西城街道", "Xicheng Street"),
                                            ("光武镇", "Guangwu Town"), ("泉阳镇", "Quanyang Town")]),
    ("linquan", "临泉县", "Linquan County", [("城关街道", "Chengguan Street"), ("杨桥镇", "Yangqiao Town"),
                                             ("长官镇", "Changguan Town"), ("姜寨镇", "Jiangzhai Town")]),
    ("taihe", "太和县", "Taihe County", [("城关镇", "Chengguan Town"), ("旧县镇", "Jiuxian Town"),
                                          ("税镇镇", "Shuizhen Town"), ("原墙镇", "Yuanqiang Town")]),
    ("funan", "阜南县", "Funan County", [("鹿城镇", "Lucheng Town"), ("方集镇", "Fangji Town"),
                                          ("王家坝镇", "Wangjiaba Town"), ("中岗镇", "Zhonggang Town")]),
    ("yingshang", "颍上县", "Yingshang County", [("慎城镇", "Shencheng Town"), ("谢桥镇", "Xieqiao Town"),
                                                  ("江店孜镇", "Jiangdianzi Town"), ("润河镇", "Runhe Town")]),
]

DEPARTMENTS = [  # code, zh, en, sector platform code or None
    ("cgj", "市城市管理局", "City Urban Management Bureau", "sector-cg"),
    ("scjgj", "市市场监督管理局", "City Market Regulation Administration", "sector-scjg"),
    ("zjj", "市住房和城乡建设局", "City Housing and Urban-Rural Development Bureau", "sector-zj"),
    ("jtj", "市交通运输局", "City Transport Bureau", None),
    ("sthjj", "市生态环境局", "City Ecology and Environment Bureau", None),
    ("rsj", "市人力资源和社会保障局", "City Human Resources and Social Security Bureau", None),
    ("jyj", "市教育局", "City Education Bureau", None),
    ("wjw", "市卫生健康委员会", "City Health Commission", None),
    ("gaj", "市公安局", "City Public Security Bureau", None),
    ("zrzyj", "市自然资源和规划局", "City Natural Resources and Planning Bureau", None),
    ("ybj", "市医疗保障局", "City Healthcare Security Bureau", None),
    ("nyncj", "市农业农村局", "City Agriculture and Rural Affairs Bureau", None),
    ("swj", "市水务局", "City Water Affairs Bureau", None),
    ("mzj", "市民政局", "City Civil Affairs Bureau", None),
]

SECTOR_PLATFORMS = [
    ("sector-cg", "城管分平台", "Urban management sub-platform"),
    ("sector-scjg", "市场监管分平台（12315）", "Market regulation sub-platform (12315)"),
    ("sector-zj", "住建分平台", "Housing and construction sub-platform"),
]

# level-1 code, zh, en, owning department, [(level-2 zh, en, [(leaf zh, en)])]
CATEGORIES = [
    ("cxjs", "城乡建设", "Urban and rural construction", "zjj", [
        ("道路设施", "Road facilities", [("路面破损", "Damaged road surface"), ("井盖缺失", "Missing manhole cover"),
                                      ("路灯不亮", "Street light out")]),
        ("供水供气", "Water and gas supply", [("停水", "Water outage"), ("水质问题", "Water quality"),
                                          ("燃气安全", "Gas safety")]),
        ("物业管理", "Property management", [("物业服务", "Property services"), ("维修资金", "Maintenance fund"),
                                         ("电梯故障", "Lift breakdown")]),
    ]),
    ("csgl", "城市管理", "Urban management", "cgj", [
        ("市容环境", "City appearance", [("占道经营", "Street vending"), ("垃圾清运", "Rubbish collection"),
                                      ("违规广告", "Illegal advertising")]),
        ("违法建设", "Illegal construction", [("违章搭建", "Unauthorised structure"), ("私挖乱建", "Illegal excavation")]),
        ("噪声扰民", "Noise nuisance", [("施工噪声", "Construction noise"), ("社会生活噪声", "Neighbourhood noise")]),
    ]),
    ("scjg", "市场监管", "Market regulation", "scjgj", [
        ("食品安全", "Food safety", [("过期食品", "Expired food"), ("餐饮卫生", "Restaurant hygiene")]),
        ("消费维权", "Consumer rights", [("预付卡退费", "Prepaid card refund"), ("虚假宣传", "False advertising"),
                                     ("价格欺诈", "Price fraud")]),
    ]),
    ("ldbz", "劳动保障", "Labour and social security", "rsj", [
        ("劳动关系", "Labour relations", [("拖欠工资", "Unpaid wages"), ("劳动合同", "Labour contracts")]),
        ("社会保险", "Social insurance", [("养老保险", "Pension insurance"), ("医保报销", "Medical insurance claims")]),
    ]),
    ("jtys", "交通运输", "Transport", "jtj", [
        ("公共交通", "Public transport", [("公交线路", "Bus routes"), ("出租车服务", "Taxi service")]),
        ("道路交通", "Road traffic", [("交通信号", "Traffic signals"), ("停车管理", "Parking")]),
    ]),
    ("sthj", "生态环境", "Environment", "sthjj", [
        ("大气污染", "Air pollution", [("秸秆焚烧", "Straw burning"), ("工业废气", "Industrial emissions")]),
        ("水污染", "Water pollution", [("河道污染", "River pollution"), ("污水排放", "Sewage discharge")]),
    ]),
    ("jyws", "教育卫生", "Education and health", "jyj", [
        ("教育", "Education", [("入学招生", "School admission"), ("校外培训", "Private tutoring")]),
        ("医疗卫生", "Health care", [("医疗服务", "Medical services"), ("疫苗接种", "Vaccination")]),
    ]),
    ("zxjy", "咨询建议", "Enquiries and suggestions", "mzj", [
        ("政策咨询", "Policy enquiries", [("户籍办理", "Household registration"), ("社保政策", "Social security policy")]),
        ("意见建议", "Suggestions", [("城市发展", "City development"), ("营商环境", "Business environment")]),
    ]),
]

# Level-1 categories routed to the county government of the place (territorial responsibility, 属地管理).
TERRITORIAL = ("csgl", "cxjs")

DEMO_PASSWORD = "demo12345"  # nosec B105 - the documented password of the demo accounts only
# username, display name (a person's name: pages print the role and unit beside it), role, unit code or None,
# platform code or None
DEMO_USERS = [
    ("operator", "王芳", Role.OPERATOR, None, "city"),
    ("dispatcher", "李强", Role.DISPATCHER, None, "city"),
    ("dispatcher_yz", "赵敏", Role.DISPATCHER, None, "county-yingzhou"),
    ("handler", "陈刚", Role.HANDLER, "cgj", None),
    ("handler_yz", "孙丽", Role.HANDLER, "gov-yingzhou", None),
    ("unit_lead", "周涛", Role.UNIT_LEAD, "cgj", None),
    ("supervisor", "吴静", Role.SUPERVISOR, None, "city"),
    ("monitor", "郑华", Role.MONITOR, None, None),
    ("organizer", "何伟", Role.SALON_ORGANIZER, None, None),
    ("admin", "刘洋", Role.ADMIN, None, "city"),
]


def load_reference() -> dict:
    """Create the organisation and categories; returns lookups the case generator uses."""
    city_platform = Platform(code="city", name_zh="阜阳市12345主平台", name_en="Fuyang 12345 main platform", kind="city")
    db.session.add(city_platform)
    platforms, units, counties, towns = {"city": city_platform}, {}, [], {}
    for i, (code, zh, en, town_list) in enumerate(COUNTIES):
        county = Region(code=code, name_zh=zh, name_en=en, sort=i)
        db.session.add(county)
        counties.append(county)
        towns[code] = []
        for j, (tzh, ten) in enumerate(town_list):
            town = Region(code=f"{code}-{j + 1}", name_zh=tzh, name_en=ten, parent=county, sort=j)
            db.session.add(town)
            towns[code].append(town)
        platform = Platform(code=f"county-{code}", name_zh=f"{zh}分平台", name_en=f"{en} sub-platform",
                            kind="county", region=county)
        db.session.add(platform)
        platforms[platform.code] = platform
        gov = Unit(code=f"gov-{code}", name_zh=f"{zh}人民政府", name_en=f"{en} Government", kind="county_government",
                   ranking_group="county", platform=platform, region=county)
        db.session.add(gov)
        units[gov.code] = gov
        for j, town in enumerate(towns[code][:2]):
            office = Unit(code=f"town-{code}-{j + 1}", name_zh=f"{zh}{town.name_zh}办事处" if "街道" in town.name_zh
                          else f"{zh}{town.name_zh}人民政府", name_en=f"{town.name_en} Office, {en}",
                          kind="town_street", parent=gov, platform=platform, region=town)
            db.session.add(office)
            units[office.code] = office
    for code, zh, en in SECTOR_PLATFORMS:
        platforms[code] = Platform(code=code, name_zh=zh, name_en=en, kind="sector")
        db.session.add(platforms[code])
    for code, zh, en, sector in DEPARTMENTS:
        units[code] = Unit(code=code, name_zh=zh, name_en=en, kind="city_department", ranking_group="city_department",
                           platform=platforms[sector] if sector else city_platform)
        db.session.add(units[code])
    leaves = []
    for i, (code, zh, en, owner, subs) in enumerate(CATEGORIES):
        top = Category(code=code, name_zh=zh, name_en=en, level=1, sort=i)
        db.session.add(top)
        db.session.add(RoutingRule(category=top, county_id=None, unit=units[owner]))
        if code in TERRITORIAL:  # 属地管理: the county government handles these in its territory
            for county in counties:
                db.session.add(RoutingRule(category=top, county=county, unit=units[f"gov-{county.code}"]))
        for j, (szh, sen, leaf_list) in enumerate(subs):
            mid = Category(code=f"{code}-{j + 1}", name_zh=szh, name_en=sen, parent=top, level=2, sort=j)
            db.session.add(mid)
            for k, (lzh, len_) in enumerate(leaf_list):
                leaf = Category(code=f"{code}-{j + 1}-{k + 1}", name_zh=lzh, name_en=len_, parent=mid, level=3, sort=k)
                db.session.add(leaf)
                leaves.append((leaf, units[owner]))
    users = {}
    # every unit has a handler and a unit lead (the named demo accounts above are two of them)
    named_units = {(unit_code, role) for _, _, role, unit_code, _ in DEMO_USERS if unit_code}
    for code, unit in units.items():
        for role, prefix, title in ((Role.HANDLER, "h", "承办人"), (Role.UNIT_LEAD, "lead", "负责人")):
            if (code, role) not in named_units:
                user = User(username=f"{prefix}_{code}", display_name=f"{unit.name_zh}{title}", role=role, unit=unit)
                user.set_password(DEMO_PASSWORD)
                db.session.add(user)
                users[user.username] = user
    for username, name, role, unit_code, platform_code in DEMO_USERS:
        user = User(username=username, display_name=name, role=role,
                    unit=units.get(unit_code), platform=platforms.get(platform_code))
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[username] = user
    db.session.flush()
    return {"counties": counties, "towns": towns, "units": units, "leaves": leaves, "users": users,
            "platforms": platforms}
