"""What identifies the information a request asks for: slots that must agree, and content.

From the clauses of a normalised text (:func:`~.normalise.clauses`) :func:`features` extracts

* **slots** — document kinds (:data:`DOCUMENT_KINDS`: 方案, 决定, 批复, 报告, 许可证 by kind,
  招标/中标/合同, 名单, 预算/决算 by kind, 标准, 纪要 …), years, months, ordinals (第N批, N季度,
  第N次, N期, N号 …), levels (小学/初中/高中/中职, 高级/中级/初级), administrative places (朝阳区,
  永乐村), named entities (companies, roads, estates, rivers, hospitals …) and facets — which
  information about the subject (:data:`FACETS`: a list or outcome, money, a plan, a standard,
  data, a catchment) and objects — the category the information is about (:data:`OBJECTS`:
  电动自行车 or 头盔, 小麦 or 稻谷, 停车场 or 充电桩).  Two texts whose slots of one kind
  disagree ask for different information (:mod:`.scoring` vetoes them).
  A number or named thing told only in the applicant's story is marked
  (:data:`STORY_MARK`): it disagrees with what another request asks about, never with
  another applicant's story;
* **content** — character unigrams and bigrams of what remains, with the applicant's story
  clauses weighed down.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Final

from requests_service.domain.similarity.normalise import _alternation, clauses

GRAM_WEIGHT_POWER: Final = 0.5
"""How strongly common wording is weighed down: a gram's weight is its inverse document
frequency in the own texts (:data:`GRAM_DF`), relative to an unseen gram's, to this power
(0: every gram weighs the same).  Chosen on the own sets (``bench/eval_grouping.py``)."""


def _load_gram_df() -> tuple[int, dict[str, int]]:
    path = Path(__file__).with_name("gram_weights.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    return int(data["texts"]), {str(g): int(d) for g, d in data["df"].items()}


GRAM_TEXTS, GRAM_DF = _load_gram_df()
"""Number of own texts and, per content gram, in how many of them it occurs (built by
``bench/build_gram_weights.py``; grams in fewer than 3 texts are left out)."""


def _gram_weights(power: float) -> dict[str, float]:
    unseen = math.log(1 + GRAM_TEXTS) + 1.0
    return {
        g: ((math.log((1 + GRAM_TEXTS) / (1 + d)) + 1.0) / unseen) ** power
        for g, d in GRAM_DF.items()
    }


GRAM_WEIGHTS: Final[Mapping[str, float]] = _gram_weights(GRAM_WEIGHT_POWER)

STORY_WEIGHT: Final = 0.5
"""Weight of the content of a story clause ("本人是…村民") against the request clauses (1.0).
Chosen on ``tests/data/grouping_own.jsonl``."""

STORY_MARK: Final = "~"
"""Prefix of the key of a serial or named thing named only in the applicant's story
(``("~estate", "阳光")``, ``("~号", "12")``)."""

# 我们村, 本小区, 该公司, 这条路, 对其: the request names what the story told of.
_BACK_REFERENCE_RE = re.compile(
    "(?:我们|我|本|该|这个|这条|这家|此)"
    "(?:村|社区|小区|镇|乡|街道|公司|企业|厂|单位|楼|栋|幢|路|路段|河|学校|医院|店|项目|地块)"
    "|对其|其违"
)

HEAD_CHARS: Final = 4
"""Chinese noun phrases end in their head: the last characters of the request ("…选址论证",
"…环评报告", "…资金使用") say which information about the subject is asked for."""

DOCUMENT_KINDS: Final[Mapping[str, str]] = {
    "建设工程规划许可证": "许可证/规划/工程",
    "工程规划许可证": "许可证/规划/工程",
    "建设用地规划许可证": "许可证/规划/用地",
    "用地规划许可证": "许可证/规划/用地",
    "规划许可证": "许可证/规划",
    # the permits as applicants often write them, without 证
    "建设工程规划许可": "许可证/规划/工程",
    "工程规划许可": "许可证/规划/工程",
    "建设用地规划许可": "许可证/规划/用地",
    "用地规划许可": "许可证/规划/用地",
    "规划许可": "许可证/规划",
    "施工许可": "许可证/施工",
    "排污许可": "许可证/排污",
    "取水许可": "许可证/取水",
    "预售许可证": "许可证/预售",
    "施工许可证": "许可证/施工",
    "排污许可证": "许可证/排污",
    "取水许可证": "许可证/取水",
    "许可证": "许可证",
    "一般公共预算": "预算/一般公共",
    "政府性基金预算": "预算/政府性基金",
    "国有资本经营预算": "预算/国有资本经营",
    "社会保险基金预算": "预算/社会保险基金",
    # short and former names of the four budgets (社会保险 is spelled 社保 by then)
    "社保基金预算": "预算/社会保险基金",
    "基金预算": "预算/政府性基金",
    "公共财政预算": "预算/一般公共",
    "国资预算": "预算/国有资本经营",
    "预算": "预算",
    "决算": "决算",
    "招标文件": "招标",
    "招标": "招标",
    "中标结果": "中标",
    "中标": "中标",
    "合同": "合同",
    "决定": "决定",
    "批复": "批复",
    # two plans of one project: how owners are compensated, how traffic is routed meanwhile
    "补偿方案": "方案/补偿",
    "交通组织方案": "方案/交通组织",
    "交通导改方案": "方案/交通组织",
    "交通疏解方案": "方案/交通组织",
    "方案": "方案",
    "报告": "报告",
    "名单": "名单",
    "标准": "标准",
    "纪要": "纪要",
    # how to apply or to get a thing done: not the list of those who got it
    "申报指南": "指南",
    "办事指南": "指南",
    "指南": "指南",
    "通知": "通知",
    "公告": "公告",
    "通报": "通报",
    "公报": "公报",
    "台账": "台账",
    "图纸": "图纸",
    "听证": "听证",
    "验收": "验收",
    "校验": "校验",
    "审计": "审计",
    "成绩": "成绩",
    "年报": "报告/年报",
    "公开年报": "报告/年报",
    "意见": "意见",
    "办法": "办法",
    "细则": "细则",
    "请示": "请示",
    "通告": "通告",
    "函": "函",
    # a rectification report is not the audit or inspection it answers
    "整改报告": "整改",
    "整改": "整改",
    "监测数据": "监测",
    "监测报告": "监测",
    "监测结果": "监测",
    "处理结果": "处理",
    "处理情况": "处理",
    "处理决定": "处理",
    "处理意见": "处理",
    "考核结果": "考核",
    "考核情况": "考核",
    "考核排名": "考核",
    "安全生产许可证": "许可证/安全生产",
    # plans of land use: a plan is not the permit issued under it (控规 vs 规划许可证)
    "控规": "规划/控规",
    "修建性详细规划": "规划/修建性详细",
    "总体规划": "规划/总体",
    "专项规划": "规划/专项",
    "营业执照": "执照",
    # an agreement is a contract; a case file's records are not its decision
    "协议": "合同",
    "笔录": "笔录",
    "立案": "立案",
}
"""Canonical spellings (after :data:`~.normalise.SYNONYMS`) of document types → kind.  Kinds
are paths: ``许可证/规划`` agrees with ``许可证/规划/工程`` and ``许可证/规划/用地``, which
disagree with each other.  A kind directly followed by an approval of it ("可研报告批复",
"环评报告的批复") only says what the approval is about and is dropped; "预算报告" and
"征收决定公告" keep both."""

LEVELS: Final[Mapping[str, tuple[str, str]]] = {
    "幼儿园": ("stage", "幼儿园"),
    # which financial sector a regulator's figures cover
    "银行业": ("sector", "银行"),
    "保险业": ("sector", "保险"),
    "证券业": ("sector", "证券"),
    "保险公司": ("sector", "保险"),
    "银行": ("sector", "银行"),
    "小学": ("stage", "小学"),
    "初中": ("stage", "初中"),
    "高中": ("stage", "高中"),
    "中职": ("stage", "中职"),
    "高职": ("stage", "高职"),
    "正高级": ("grade", "正高级"),
    "副高级": ("grade", "副高级"),
    "高级": ("grade", "高级"),
    "中级": ("grade", "中级"),
    "初级": ("grade", "初级"),
    "上半年": ("half", "1"),
    "下半年": ("half", "2"),
    "春季": ("season", "春"),
    "夏季": ("season", "夏"),
    "秋季": ("season", "秋"),
    "冬季": ("season", "冬"),
    # which environmental medium
    "大气污染": ("medium", "大气"),
    "大气环境": ("medium", "大气"),
    "空气质量": ("medium", "大气"),
    "水污染": ("medium", "水"),
    "水环境": ("medium", "水"),
    "水质": ("medium", "水"),
    "土壤污染": ("medium", "土壤"),
    "土壤环境": ("medium", "土壤"),
    "噪声": ("medium", "噪声"),
    "噪音": ("medium", "噪声"),
    "固体废物": ("medium", "固废"),
    "固废": ("medium", "固废"),
    # which social insurance, for whom, paid by whom
    "养老保险": ("insurance", "养老"),
    "医疗保险": ("insurance", "医疗"),
    "医保": ("insurance", "医疗"),
    "失业保险": ("insurance", "失业"),
    "工伤保险": ("insurance", "工伤"),
    "生育保险": ("insurance", "生育"),
    "城镇职工": ("insured", "职工"),
    "职工医保": ("insured", "职工"),
    "城乡居民": ("insured", "居民"),
    "居民医保": ("insured", "居民"),
    "个人缴费": ("payer", "个人"),
    "个人缴纳": ("payer", "个人"),
    "单位缴费": ("payer", "单位"),
    "单位缴纳": ("payer", "单位"),
    "财政补助": ("payer", "财政"),
    "财政补贴": ("payer", "财政"),
    # which kind of case, of social assistance, of subsidised housing, of list
    "治安": ("case", "治安"),
    "刑事": ("case", "刑事"),
    "低保": ("assistance", "低保"),
    "特困": ("assistance", "特困"),
    "临时救助": ("assistance", "临时救助"),
    "医疗救助": ("assistance", "医疗救助"),
    "公租房": ("housing", "公租房"),
    "廉租房": ("housing", "廉租房"),
    "保租房": ("housing", "保租房"),
    "经适房": ("housing", "经适房"),
    "共有产权房": ("housing", "共有产权房"),
    "人才住房": ("housing", "人才住房"),
    "安置房": ("housing", "安置房"),
    # which providers a health-insurance list names: hospitals or pharmacies
    "定点医疗机构": ("designated", "医疗机构"),
    "定点医院": ("designated", "医疗机构"),
    "定点零售药店": ("designated", "药店"),
    "定点药店": ("designated", "药店"),
    "定点药房": ("designated", "药店"),
    # which kind of hospital (梧桐区中医院 vs 梧桐区妇幼保健院: the names say only the kind)
    "中医院": ("hospital", "中医"),
    "中医医院": ("hospital", "中医"),
    "妇幼保健院": ("hospital", "妇幼"),
    "妇幼保健计划生育服务中心": ("hospital", "妇幼"),
    "儿童医院": ("hospital", "儿童"),
    "口腔医院": ("hospital", "口腔"),
    "肿瘤医院": ("hospital", "肿瘤"),
    "精神卫生中心": ("hospital", "精神"),
    "传染病医院": ("hospital", "传染病"),
    "人民医院": ("hospital", "人民"),
    "建设补贴": ("subsidy", "建设"),
    "运营补贴": ("subsidy", "运营"),
    "轮候": ("queue", "轮候"),
    "配租": ("queue", "配租"),
    # public or private school; tier of government; stage of a selection or review
    "公办": ("ownership", "公办"),
    "民办": ("ownership", "民办"),
    "国家级": ("tier", "国家"),
    "省级": ("tier", "省"),
    "市级": ("tier", "市"),
    "市本级": ("tier", "市"),
    "区级": ("tier", "区"),
    "县级": ("tier", "县"),
    "笔试": ("exam", "笔试"),
    "面试": ("exam", "面试"),
    "体检": ("exam", "体检"),
    # which real-estate registration (不动产登记暂行条例 art. 3): first, transfer, mortgage …
    "首次登记": ("registration", "首次"),
    "初始登记": ("registration", "首次"),
    "转移登记": ("registration", "转移"),
    "过户登记": ("registration", "转移"),
    "抵押登记": ("registration", "抵押"),
    "变更登记": ("registration", "变更"),
    "注销登记": ("registration", "注销"),
    "预告登记": ("registration", "预告"),
    "更正登记": ("registration", "更正"),
    "异议登记": ("registration", "异议"),
    "查封登记": ("registration", "查封"),
    "初审": ("review", "初审"),
    "复审": ("review", "复审"),
    "终审": ("review", "终审"),
    # tobacco products sold under separate rules: cigarettes (卷烟, 烟草制品) and e-cigarettes.
    # Like every scale here it vetoes only when both texts name one: 零售点布局规定 alone
    # agrees with either
    "卷烟": ("tobacco", "卷烟"),
    "烟草制品": ("tobacco", "卷烟"),
    "电子烟": ("tobacco", "电子烟"),
    # classes of medical products under separate rules: a request naming one class (中药饮片
    # 抽检, 精神药品零售) and one naming medicines at large (药品抽检) ask for different lists
    # only when both name their class; a request naming no class agrees with either
    "药品": ("medical", "药品"),
    "中药饮片": ("medical", "中药饮片"),
    "精神药品": ("medical", "精神药品"),
    "麻醉药品": ("medical", "麻醉药品"),
    "医疗器械": ("medical", "医疗器械"),
    "化妆品": ("medical", "化妆品"),
}
"""Levels of one scale (school stage, professional grade, half year, season) and sibling
categories (environmental medium, social insurance, insured group and payer, case type, social
assistance, subsidised housing, queue or allocation list, public or private school, tier of
government, exam or review stage): two texts naming different values of one scale, and none
in common, ask for different information (大气污染防治资金 vs 土壤污染防治资金)."""

FACETS: Final[Mapping[str, str]] = {
    # who or what was selected, found or listed: a list and the outcome it records are one
    # information (评审结果 / 评审通过名单, 录用结果 / 拟聘用人员名单)
    "名单": "名单",
    "一览表": "名单",
    "拟聘用": "名单",
    "结果": "名单",
    "得分": "名单",
    "排名": "名单",
    "打分": "名单",
    # an exam's scores rank those who sat it: an outcome, not the posts offered
    "成绩": "名单",
    # those who passed (合格人员公示) or are to be appointed (拟录用人员公示): a list of them
    "合格人员": "名单",
    "拟录用": "名单",
    # the posts a recruitment offers are not the people it hired (岗位一览表 vs 拟聘用人员一览表)
    "岗位表": "岗位",
    "岗位一览表": "岗位",
    "岗位信息表": "岗位",
    "岗位计划": "岗位",
    "职位表": "岗位",
    "职位一览表": "岗位",
    "职位计划": "岗位",
    # a recruitment's announcement (招聘简章, 招聘公告) offers its posts; it is not the list of
    # those hired
    "招聘简章": "岗位",
    "招聘公告": "岗位",
    "招考简章": "岗位",
    "招考公告": "岗位",
    # those a programme pays or serves (补助对象, 发放对象): a list of them
    "对象": "名单",
    # money: how much, to whom, paid or allocated (a list of payments, 补贴发放名单, is both
    # about the money and a list of those paid)
    "资金": "资金",
    "经费": "资金",
    "拨付": "资金",
    "发放": "资金",
    "金额": "资金",
    "兑现": "资金",
    # a fee or contribution paid in (易地建设费缴纳情况, 收缴情况)
    "缴纳": "资金",
    "收缴": "资金",
    "缴费": "资金",
    "奖补": "资金",
    "多少钱": "资金",
    "分配表": "资金",
    "分配方案": "资金",
    "资金安排": "资金",
    "经费安排": "资金",
    # a penalty imposed (处罚决定书, 行政处罚信息): not the figures or list it was based on
    "行政处罚": "处罚",
    "处罚": "处罚",
    # how well money was spent (资金绩效评价报告, 绩效自评): not how it was allocated
    "资金绩效": "绩效",
    "绩效评价": "绩效",
    "绩效自评": "绩效",
    # money taken in and spent (水费收支明细, 水资源费征收使用情况): not the rate it is charged at
    "收支": "资金",
    "征收和使用": "资金",
    "征收使用": "资金",
    # what is planned: plans, programmes, arrangements of work
    "计划": "计划",
    "方案": "计划",
    "规划": "计划",
    "安排": "计划",
    "工作要点": "计划",
    # the rule a thing is measured by: standards, eligibility criteria, rules and guides; an
    # amount fixed per item (农机补贴额一览表, 每亩补贴金额) is a standard, not a payment
    "标准": "标准",
    "补贴额": "标准",
    "补助额": "标准",
    "指南": "标准",
    "办法": "标准",
    "细则": "标准",
    "认定条件": "标准",
    "申报条件": "标准",
    "申请条件": "标准",
    "准入条件": "标准",
    # measured or counted figures (a monitoring result is its data)
    "数据": "数据",
    "统计": "数据",
    "监测结果": "数据",
    "检测结果": "数据",
    # a filing with the agency (备案证明, 备案表): not the fee, list or plan filed about
    "备案": "备案",
    # where a rule applies: catchment areas, boundaries
    "学区": "范围",
    "范围": "范围",
    # words that only contain a facet word: no facet
    "计划生育": "",
    "计划单列": "",
    "高标准": "",
    "标准化": "",
    "大数据": "",
}
"""Words naming which information about a subject is asked for — its **facet**: a list or
outcome (名单), money (资金), a plan (计划), a standard (标准), figures (数据), the posts
a recruitment offers (岗位) or a filing (备案).  Coarser
than :data:`DOCUMENT_KINDS` and named by words that are no document ("补助资金分配",
"岗位计划", "选岗结果"): two requests that each name a facet and share none ask for different
information about one subject (老旧小区改造名单 vs 改造资金分配表; 安置岗位计划 vs 选岗结果),
while requests naming one facet in different words agree (名单 / 一览表 / 录用结果; 方案 /
计划; 资金 / 经费 / 拨付).  Longest words first: 资金分配方案 is money, not a plan; a word
mapped to "" (计划生育, 高标准农田) names no facet."""


OBJECTS: Final[Mapping[str, str]] = {
    # the main canals of one irrigation district (东干渠 vs 西干渠)
    "总干渠": "总干渠",
    "东干渠": "东干渠",
    "西干渠": "西干渠",
    "南干渠": "南干渠",
    "北干渠": "北干渠",
    # kinds of bank: a village bank is not a rural commercial bank
    "村镇银行": "村镇银行",
    "农村商业银行": "农村商业银行",
    # amusement rides of one park: each is inspected on its own
    "过山车": "过山车",
    "摩天轮": "摩天轮",
    "大摆锤": "大摆锤",
    "旋转木马": "旋转木马",
    # vehicles and what goes with them
    "新能源汽车": "汽车",
    "乘用车": "汽车",
    "小轿车": "汽车",
    "小汽车": "汽车",
    "轿车": "汽车",
    "私家车": "汽车",
    "汽车": "汽车",
    "摩托车": "摩托车",
    "电动自行车": "电动自行车",
    "电动车": "电动自行车",
    "电瓶车": "电动自行车",
    "头盔": "头盔",
    "货车": "货车",
    "卡车": "货车",
    "渣土车": "渣土车",
    "校车": "校车",
    "公共汽车": "公交",
    "公交车": "公交",
    "公交": "公交",
    "出租汽车": "出租车",
    "出租车": "出租车",
    "网约车": "网约车",
    "共享单车": "共享单车",
    "停车场": "停车场",
    "停车位": "停车场",
    "停车": "停车场",
    "充电桩": "充电桩",
    "充电站": "充电桩",
    "充电设施": "充电桩",
    # goods a consumption voucher or a trade-in scheme is for
    "家电": "家电",
    "家用电器": "家电",
    "手机": "数码",
    "数码产品": "数码",
    "家具": "家居",
    "家居": "家居",
    # grain and oil in store or bought at a support price
    "小麦": "小麦",
    "稻谷": "稻谷",
    "中晚稻": "稻谷",
    "早籼稻": "稻谷",
    "早稻": "稻谷",
    "水稻": "稻谷",
    "玉米": "玉米",
    "大豆": "大豆",
    "油菜籽": "油料",
    "储备粮": "粮食",
    "原粮": "粮食",
    "食用油": "食用油",
    "储备油": "食用油",
    "植物油": "食用油",
    # providers a list names
    "定点医疗机构": "医疗机构",
    "医疗机构": "医疗机构",
    "医院": "医疗机构",
    "零售药店": "药店",
    "药店": "药店",
    "药房": "药店",
    "律师事务所": "律所",
    "律所": "律所",
    "律师": "律师",
    "公证处": "公证机构",
    "公证机构": "公证机构",
    "公证员": "公证员",
    "司法鉴定机构": "鉴定机构",
    "鉴定机构": "鉴定机构",
    "鉴定人": "鉴定人",
    "快递柜": "快递柜",
    "智能快件箱": "快递柜",
    "快递驿站": "快递驿站",
    "驿站": "快递驿站",
    # alarms: where the sirens stand is not when they are sounded
    "警报器": "警报器",
    "试鸣": "试鸣",
    # what a housing-fund withdrawal pays for
    "租房": "租房",
    "租赁住房": "租房",
    "购房": "购房",
    "买房": "购房",
    "购买自住住房": "购房",
    "二手房": "购房",
    # taxpayers a tax list names
    "欠税": "欠税",
    "欠缴税款": "欠税",
    "纳税信用": "纳税信用",
    "失信": "失信",
    # fire-safety lists: units with a major hazard, units of special concern
    "火灾隐患": "火灾隐患",
    "消防安全重点单位": "重点单位",
    "重点单位": "重点单位",
}
"""Categories of the subject a request is about — the object the information concerns
(电动自行车 or its 头盔, 汽车 or 家电 消费券, 公交 or 出租车 补贴, 定点医疗机构 or 药店, 律师事务所
or 律师, 小麦 or 稻谷 收购库点, 储备粮 or 储备油).  Each request clause's **object** is the
rightmost category it names: the head of its noun phrase ("电动自行车乘员头盔抽查结果" is about
头盔, "新能源汽车充电桩收费标准" about 充电桩).  Two requests naming objects and no common one
ask about different things (:mod:`.scoring` vetoes them: "所涉对象不同"); one that names none
agrees with any."""


NARROWER_KINDS: Final[Mapping[str, tuple[str, Mapping[str, str], str]]] = {
    # scale: (its category head, {qualifier: the narrower kind it names}, words that hint at
    # a narrower kind without naming it).  Only classifications that split the category
    # into sibling kinds are listed, never grades an official short name leaves out
    # (残疾人护理补贴 is 重度残疾人护理补贴's own short name).
    "patent": ("专利", {"发明": "发明", "实用新型": "实用新型", "外观设计": "外观设计"}, ""),
    "religion": (
        "宗教活动场所|宗教场所|活动场所|寺院|寺庙|教堂",
        {
            "佛教": "佛教",
            "道教": "道教",
            "伊斯兰教": "伊斯兰教",
            "天主教": "天主教",
            "基督教": "基督教",
        },
        "寺|庙|道观|教堂|清真",
    ),
    "fishing_ban": ("休渔", {"专项捕捞": "专项捕捞", "特许捕捞": "专项捕捞"}, "专项|特许"),
    "climate": (
        "气候(?:评价)?公报",
        {"农业气候": "农业", "生态气候": "生态", "城市气候": "城市"},
        "农",
    ),
    "school_cases": (
        "传染病|疫情|流感|发病",
        {
            "学校": "学校",
            "校园": "学校",
            "中小学": "学校",
            "托幼": "学校",
            "幼儿园": "学校",
            "学生": "学校",
            "在校": "学校",
            "高校": "学校",
        },
        "校|学生|托|幼|儿童",
    ),
    "base_station": ("基站", {"5g": "5g", "五g": "5g", "4g": "4g", "四g": "4g"}, ""),
    "petition": (
        "信访",
        {
            "网上信访": "网上",
            "网络信访": "网上",
            "网上投诉": "网上",
            "来信": "来信",
            "来访": "来访",
        },
        "网上|网络",
    ),
    "copyright": ("著作权|版权|软著", {"软件": "软件", "软著": "软件"}, ""),
    "water_level": ("水位", {"地下水": "地下水"}, "井"),
    "income": (
        "可支配收入|人均收入|居民收入",
        {"农村": "农村", "农民": "农村", "城镇": "城镇", "城市居民": "城镇"},
        "农|村",
    ),
    "heritage_tier": (
        "文物保护单位|文保单位",
        {"全国重点": "国", "国家级": "国", "省级": "省", "市级": "市", "县级": "县", "区级": "县"},
        "",
    ),
    "food": ("食品", {"冷链": "冷链"}, "冷|冻"),
    "disability": (
        "残疾",
        {
            "视力残疾": "视力",
            "听力残疾": "听力",
            "言语残疾": "言语",
            "肢体残疾": "肢体",
            "智力残疾": "智力",
            "精神残疾": "精神",
            "多重残疾": "多重",
        },
        "",
    ),
}
"""Categories whose narrower kinds are asked for apart (外观设计专利 vs 专利, 佛教活动场所 vs
宗教活动场所, 地下水水位 vs 水位, 农村居民 vs 居民 人均可支配收入).  A request naming a
narrower kind in its request takes that kind as a level of the category's scale; one naming
the category head in its request, and no narrower kind nor a hint of one anywhere in its text
(story included), takes :data:`BARE_KIND` — the category at large.  Two requests disagree only
when both carry the scale, so a request naming neither the head nor a kind agrees with
either, and a narrower kind told only in a story is no level."""

BARE_KIND: Final = "全部"


ENTITY_SUFFIXES: Final[Mapping[str, str]] = {
    "有限责任公司": "company",
    "股份有限公司": "company",
    "有限公司": "company",
    "公司": "company",
    # 城投集团, 交投集团: a group named without its legal suffix
    "集团": "company",
    "水厂": "company",
    "厂": "company",
    "大道": "road",
    "大街": "road",
    "路": "road",
    "街": "road",
    "巷": "road",
    "桥": "bridge",
    "小区": "estate",
    "社区": "community",
    "花园": "estate",
    "家园": "estate",
    "华庭": "estate",
    "名邸": "estate",
    "府": "estate",
    "苑": "estate",
    "湾": "estate",
    "河": "river",
    "江": "river",
    "医院": "hospital",
    "卫生院": "hospital",
    "诊所": "hospital",
    "卫生室": "hospital",
    "药店": "shop",
    "药房": "shop",
    "学校": "school",
    "中学": "school",
    "小学": "school",
    "养老院": "care_home",
    "超市": "shop",
    "片区": "area",
    "地块": "area",
    "园区": "area",
    "段": "section",
    "水库": "reservoir",
    # state farms: 红星农场 vs 红旗农场
    "农场": "farm",
    "林场": "farm",
    "牧场": "farm",
    # buildings: 锦华大厦 and 锦华广场 are two buildings of one name (the suffix is kept)
    "大厦": "building",
    "大楼": "building",
    "广场": "building",
}
"""Suffixes of named things; the (up to) two characters before the suffix name it
("宏达化工有限公司" → 宏达 after the trade words are dropped, "建设北路" → 设北).  Two texts
naming things of one kind and no common one ask about different things — unless the names
differ only by homophones (越澜府 for 樾澜府), a typing slip."""

TRADE_WORDS: Final[tuple[str, ...]] = (
    # what a works does: 城东自来水厂 and 城东水厂 are one plant, named 城东
    "自来水",
    "自来",
    "净",
    "污水处理",
    "垃圾焚烧",
    "垃圾处理",
    "房地产开发",
    "房地产",
    "物业服务",
    "物业管理",
    "物业",
    "建设工程",
    "建设",
    "建筑",
    "工程",
    "化工",
    "食品",
    "科技",
    "实业",
    "置业",
    "投资",
    "贸易",
    "环保",
    "能源",
    "集团",
    "医药",
    "电子",
    "商贸",
    "发展",
    "控股",
    "股份",
    "有限",
    "责任",
    "新材料",
    "材料",
    "机械",
    "制造",
    "服务",
    "餐饮管理",
    "企业管理",
    "商业管理",
    "管理",
    "餐饮",
    "文化传媒",
    "传媒",
    "文化",
    "旅游",
    "农业",
    "生物",
    "信息技术",
    "网络",
    "咨询",
    "劳务",
    "运输",
    "物流",
    "酒店",
    "健康",
)

_NOT_NAMES: Final = frozenset(
    "我本该此贵各全这那其省市区县镇乡村的和与及或在对于是为了有等老旧新些哪个们含括涉至到"
    # 明年上小学, 想看 …: a date or a verb is not part of a name
    "年月想要看说问"
)
# 望江路以北地块 and 望江路北侧地块 name one plot: position words are not part of a name.
_POSITION_RE = re.compile(
    "(?:以东|以西|以南|以北|东侧|西侧|南侧|北侧|周边|附近|沿线|一带|两侧|对面)$"
)
_NOT_ENTITIES: Final = frozenset(
    [
        *("政府", "学府", "首府", "长江", "黄河", "运河", "内河", "界河", "护城河", "港湾", "海湾"),
        # 小学阶段, 高峰时段: a stage or a time of day is no section of a road
        *("阶段", "时段", "手段", "片段"),
    ]
)
_NOT_ROAD_BEFORE: Final = frozenset("铁公道马线网水路")
_GENERIC_NAMES: Final = frozenset(
    [
        "人民",
        "中心",
        "公路",
        "道路",
        "马路",
        "高速",
        "铁路",
        "地铁",
        "城市",
        "国有",
        "民营",
        "集体",
        "公办",
        "民办",
        "中小",
        "小学",
        "初中",
        "高中",
        "附近",
        "周边",
        "沿线",
        "省道",
        "国道",
        "县道",
        "拆除",
        "新建",
        "改建",
        "扩建",
        "工程",
        "改造",
        "排污",
        "污水",
        "全部",
        "河道",
        "综合",
        "治理",
        "整治",
        "江段",
        "河段",
        "车站",
        "站点",
        "办公",
        "该小",
        "住宅",
        "居民",
        "商品",
        "安置",
        "既有",
        "城镇",
        "所有",
        "处理",
        "焚烧",
        "来水",
        "自来",
        "发电",
        "加工",
        "屠宰",
        "搅拌",
        "工厂",
        "教育",
        "定点",
        "零售",
        "交叉",
        "十字",
        "丁字",
    ]
)

# An administrative place: the two characters before 省/市/区/县/镇/乡/村/街道 ("朝阳区").
# 市场 (market) and 区域 (area) are words, not a city or a district; 市属/区属/县属 (owned by
# the city …: 市属国有企业) names no place.
_PLACE_SUFFIX_RE = re.compile("省|市(?!场|属)|区(?!域|属)|县(?!属)|镇|乡|村|街道")
_LEVELS: Final[Mapping[str, str]] = {
    "省": "province",
    "市": "city",
    "区": "county",  # 区 and 县 are both county-level divisions
    "县": "county",
    "镇": "township",
    "乡": "township",
    "街道": "township",
    "村": "village",
}
_NOT_PLACES: Final = frozenset(
    [
        "小区",
        "社区",
        "学区",
        "园区",
        "景区",
        "辖区",
        "片区",
        "街区",
        "城市",
        "超市",
        # markets are not cities: 凤鸣路夜市, 夜间集市, 农贸早市
        "夜市",
        "集市",
        "早市",
        "菜市",
        "街市",
        "门市",
        "花市",
        "都市",
        "上市",
        "城镇",
        "乡镇",
        "城乡",
        "农村",
        "乡村",
        "中村",
        # areas that are not administrative divisions: 厂区, 城区, 校区, 开发区, 示范区 …
        "厂区",
        "城区",
        "校区",
        "矿区",
        "营区",
        "灾区",
        "郊区",
        "山区",
        "库区",
        "林区",
        "牧区",
        "院区",
        "港区",
        "护区",
        "发区",
        # 托市收购 (purchase at a support price) is no city
        "托市",
        "范区",
        "能区",
        "验区",
        "务区",
        "宅区",
        "业区",
        "活区",
        "住区",
        "政区",
        "货区",
        "游区",
    ]
)


def _name_char(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" and ch not in _NOT_PLACE_CHARS


# "全市", "我市", "本区", "征收省政府", "东岗村村民": not names of places.
_NOT_PLACE_CHARS: Final = frozenset(
    "全我本该各此其贵收级度年月季批次号的在是为住到于从省市区县镇乡村"
)


# A city bureau's branch office is named after the district it serves.
_BRANCH_WORDS: Final = frozenset(["公安", "交警", "税务", "监管", "环境", "规划", "资源", "管理"])
_BRANCH_RE = re.compile(
    "([\u4e00-\u9fff]{2})(?:公安|交警|税务|市场监管|生态环境|自然资源|规划)?分局"
)


def _place_spans(norm: str) -> list[tuple[int, int, str, str]]:
    """(start, end, two-character name, level) of the administrative places in ``norm``."""
    found: list[tuple[int, int, str, str]] = []
    for m in _PLACE_SUFFIX_RE.finditer(norm):
        i = m.start()
        if i < 2:
            continue
        name = norm[i - 2 : i]
        suffix = m.group()
        if name[1] + suffix[0] in _NOT_PLACES or not (_name_char(name[0]) and _name_char(name[1])):
            continue
        found.append((i - 2, m.end(), name, _LEVELS[suffix]))
    for m in _BRANCH_RE.finditer(norm):  # 东湖分局, 东湖公安分局: the district's branch
        name = m.group(1)
        if _name_char(name[0]) and _name_char(name[1]) and name not in _BRANCH_WORDS:
            found.append((m.start(1), m.end(1), name, "county"))
    return found


def _places(norm: str) -> frozenset[tuple[str, str]]:
    """(two-character name, level) of the administrative places a text names."""
    return frozenset((name, level) for _, _, name, level in _place_spans(norm))


@dataclass(frozen=True, slots=True)
class Features:
    """Slots and weighted content grams of one request text."""

    norm: str
    content: Mapping[str, float]  # gram → weight (1.0 request, STORY_WEIGHT story)
    kinds: frozenset[str]
    years: frozenset[str]
    months: frozenset[str]
    serials: frozenset[tuple[str, str]]  # (unit, number): ("批", "2"), ("季度", "1")
    levels: frozenset[tuple[str, str]]  # (scale, level)
    places: frozenset[tuple[str, str]]  # (two-character name, level)
    entities: frozenset[tuple[str, str]]  # (kind, name)
    head: frozenset[str] = frozenset()  # bigrams of the last HEAD_CHARS of the request
    content_norm: float = 0.0  # Euclidean norm of ``content``
    slots_key: tuple[frozenset[Any], ...] = ()  # all slot values together
    tail: str = ""  # the request's last two characters (an index key)
    facets: frozenset[str] = frozenset()  # which information about the subject (FACETS)
    objects: frozenset[str] = frozenset()  # what the information is about (OBJECTS)


_KIND_RE = _alternation(DOCUMENT_KINDS)
_LEVEL_RE = _alternation(LEVELS)
_FACET_RE = _alternation(FACETS)
_OBJECT_REVERSED_RE = _alternation(w[::-1] for w in OBJECTS)
_OBJECT_OF_REVERSED: Final = {w[::-1]: frozenset({o}) for w, o in OBJECTS.items()}
_NO_OBJECT: Final[frozenset[str]] = frozenset()
_ENTITY_RE = _alternation(ENTITY_SUFFIXES)
_TRADE_RE = _alternation(TRADE_WORDS)
_NUMBER_RE = re.compile(
    r"(第)?(?<![\d.])(\d{1,4})(?![\d.])"
    r"(年|月|季度|季|号线|号楼|号|批次|批|次|期|届|幢|栋|标段|轮|路(?=公交|车|线|$))?"
)
_ORDINAL_RE = re.compile(r"第(\d{1,3})([\u4e00-\u9fff])")
_SERIAL_UNITS: Final[Mapping[str, str]] = {
    "季度": "季度",
    "季": "季度",
    "号线": "号线",
    "号楼": "号楼",
    "号": "号",
    "批次": "批",
    "批": "批",
    "次": "次",
    "期": "期",
    "届": "届",
    "幢": "幢",
    "栋": "幢",
    "标段": "标段",
    "轮": "轮",
    "路": "公交线路",
}


_ACTS_ON_DOCUMENTS: Final = frozenset({"批复"})
CARRIER_KINDS: Final = frozenset({"通知", "公告", "通告", "函"})
"""Kinds that often carry another document: right after one (征收决定公告, 补偿方案的通知,
最低工资标准调整通知) they say how it was published, not which information is asked for, and
are dropped; alone (挂牌出让公告) they are the document."""
_CARRIER_GAP: Final = 2


# What an approval approves: 可研批复, 初设批复, 立项批复 and 环评批复 of one project are four
# documents (批复/可研 …); a bare 批复 agrees with each.
_APPROVED_RE = re.compile(
    "(可研|初设|立项|环评|稳评|能评|水保|安评|施工图|概算|选址|用地)(?:报告)?的?$"
)


CALL_NOTICE: Final = "通知/申报"
"""A notice that calls for applications (申报通知, 关于申报…的通知, 报名通知): a 通知 like any
other, and, when both texts name one (:mod:`.scoring`), the same information as the
application guide (申报指南) — it is published with its conditions."""
_CALL_RE = re.compile("申报|报名")
_CALL_SPAN: Final = 24


def _approval_kind(norm: str, start: int) -> str:
    m = _APPROVED_RE.search(norm, max(0, start - 6), start)
    return "批复/" + m.group(1) if m else "批复"


def _kinds(norm: str) -> set[str]:
    found = list(_KIND_RE.finditer(norm))
    out: set[str] = set()
    rectified = next((m.start() for m in found if m.group().startswith("整改")), None)
    if rectified is not None:  # 审计查出问题整改报告: what is rectified is not what is asked
        found = [m for m in found if m.start() >= rectified]
    for k, m in enumerate(found):
        if m.group() == "标准" and (
            norm[m.start() - 1 : m.start()] == "高" or norm[m.end() : m.end() + 1] == "化"
        ):
            continue  # 高标准农田, 标准化建设: a quality, not a standard (document)
        prev = found[k - 1] if k else None
        if (
            prev is not None
            and DOCUMENT_KINDS[m.group()] in CARRIER_KINDS
            and m.start() - prev.end() <= _CARRIER_GAP
        ):
            continue
        nxt = found[k + 1] if k + 1 < len(found) else None
        if (
            nxt is not None
            and DOCUMENT_KINDS[nxt.group()] in _ACTS_ON_DOCUMENTS
            and (nxt.start() == m.end() or (nxt.start() == m.end() + 1 and norm[m.end()] == "的"))
        ):
            continue  # 可研报告批复: the 报告 is what the 批复 approves
        kind = DOCUMENT_KINDS[m.group()]
        if kind == "批复":
            kind = _approval_kind(norm, m.start())
        elif kind == "通知" and _CALL_RE.search(norm, max(0, m.start() - _CALL_SPAN), m.start()):
            kind = CALL_NOTICE
        out.add(kind)
    return out


_NAMED_AFTER_OTHERS: Final = frozenset({"area", "section", "estate", "community"})
_ORDINAL_BEFORE_RE = re.compile(r"第(\d{1,2})$")


def _name_ok(name: str) -> bool:
    return (
        len(name) == 2
        and not any(ch in _NOT_NAMES or not ("\u4e00" <= ch <= "\u9fff") for ch in name)
        and name not in _GENERIC_NAMES
    )


# 人民路, 中心街: names of roads, though elsewhere these words name nothing (人民医院, 中心).
_ROAD_NAMES: Final = frozenset(["人民", "中心"])
_ROAD_END_RE = re.compile("(?:大道|大街|路|街|巷)$")


# 蓝湾化工园区, 城东工业园区: a park is named by the words before its industry (蓝湾园区).
_PARK_INDUSTRY_RE = _alternation(
    (*TRADE_WORDS, "工业", "产业", "高新", "高新技术", "经济技术", "创业", "创新", "物流")
)


# 临港化工园区 and 临港物流园区: one place, two parks.  A park keeps its name without its
# industry (蓝湾化工园区 is 蓝湾园区), but two industries are two parks: the industry is a level
# of the "park" scale, which vetoes only when both texts name one.
_PARK_INDUSTRY_LEVEL_RE = re.compile(
    "(化工|石化|食品|医药|电子|新材料|机械|装备制造|物流|纺织|冶金|光伏|新能源|电商|软件"
    "|文化创意|航空|汽车)(?:产业)?园区"
)


def _park_industries(clause: str) -> set[tuple[str, str]]:
    return {("park", m.group(1)) for m in _PARK_INDUSTRY_LEVEL_RE.finditer(clause)}


def _without_trade(head: str, *, company: bool) -> str:
    """Drop trade words from the right: 宏达化工 → 宏达, 蓝湾化工 (园区) → 蓝湾.  A company
    named by its trade alone (化工有限公司) keeps it; a park then has no name."""
    words = _TRADE_RE if company else _PARK_INDUSTRY_RE
    while True:
        last = None
        for last in words.finditer(head):  # noqa: B007 - the last match is wanted
            pass
        if last is None or last.end() != len(head) or (company and last.start() == 0):
            return head
        head = head[: last.start()]


def _entity_name(norm: str, start: int, kind: str, suffix: str) -> str | None:
    head = norm[max(0, start - 12) : start]
    if kind == "company" or suffix == "园区":
        head = _without_trade(head, company=kind == "company")
    head = _POSITION_RE.sub("", head)
    # 锦屏巷片区, 东风一路地块: a place named after a street is named by the street's name.
    inner = _ROAD_END_RE.search(head) if kind in _NAMED_AFTER_OTHERS else None
    if inner is not None and len(head) - len(inner.group()) >= 2:
        head = head[: inner.start()]
    if kind == "road" and head[-1:] in _NOT_ROAD_BEFORE:
        return None  # 铁路, 公路, 线路 are not road names
    if head[-1:] + suffix in _NOT_ENTITIES:
        return None  # 政府 is not an estate called 政…府
    name = head[-2:]
    ordinal = _ORDINAL_BEFORE_RE.search(head[:-2]) if kind in ("school", "hospital") else None
    if ordinal is not None:  # 第二实验小学 is not 实验小学
        return ordinal.group(1) + name if _name_ok(name) else None
    if (
        len(name) < 2
        or any(ch in _NOT_NAMES or not ("\u4e00" <= ch <= "\u9fff") for ch in name)
        or (name in _GENERIC_NAMES and not (kind == "road" and name in _ROAD_NAMES))
    ):
        return None
    return name


# 初中学区, 高中学段, 中小学生: a school stage followed by another word, not a school's name.
_NOT_SCHOOL_BEFORE: Final = frozenset("初高")
# 小学初中, 中学小学: a list of school stages, not a school's name.
_NOT_SCHOOL_AFTER: Final = frozenset("区段生籍龄期费初高小幼")
_NOT_PLANT_AFTER: Final = frozenset("房区家长商内址界")
_PLACE_AFTER: Final = frozenset("省市区县镇乡村")


# 华瑞化工, 宏盛劳务: a company named without its legal suffix, by a trade that is only ever a
# company's (not 化工园区, 化工行业, 地产项目, nor one with its suffix, found below).
_BARE_COMPANY_RE = re.compile(
    # the trade first (a literal search), its two-character name looked back to
    "(?<=[\u4e00-\u9fff]{2})(?:化工|置业|实业|劳务|房地产|地产)"
    # 硬化工程, 绿化工作, 落实业务: other words that only look like a trade
    "(?!有限|股份|公司|集团|厂|园|行业|企业|产业|产品|项目|安全|基地|集中|工程|建设|市场|开发|派遣|程|作|务)"
)


def _bare_companies(norm: str) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for m in _BARE_COMPANY_RE.finditer(norm):
        name = norm[m.start() - 2 : m.start()]
        if _name_ok(name) and not _TRADE_RE.fullmatch(name) and name[1] != "房":
            out.add(("company", name))
    return out


def _entities(norm: str) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = _bare_companies(norm)
    for m in _ENTITY_RE.finditer(norm):
        kind = ENTITY_SUFFIXES[m.group()]
        after = norm[m.end() : m.end() + 1]
        if kind == "school" and (
            norm[m.start() - 1 : m.start()] in _NOT_SCHOOL_BEFORE or after in _NOT_SCHOOL_AFTER
        ):
            continue
        if kind in ("estate", "river") and after and after in _PLACE_AFTER:
            continue  # 芦湾市, 清河区: the name of a place, not an estate or a river
        if m.group() == "厂" and (
            after in _NOT_PLANT_AFTER or norm[m.start() - 1 : m.start()] == "出"
        ):
            continue  # 厂房, 厂区, 厂家, 出厂水 are not plants' names
        name = _entity_name(norm, m.start(), kind, m.group())
        if name is not None:
            out.add((kind, name + m.group() if kind == "building" else name))
    return out


def _with_slots(
    norm: str, content: Mapping[str, float], content_norm: float, *slots: frozenset[Any]
) -> Features:
    kinds, years, months, serials, levels, places, entities, facets, objects = slots
    return Features(
        norm,
        content,
        kinds,
        years,
        months,
        serials,
        levels,
        places,
        entities,
        frozenset(),
        content_norm,
        slots,
        facets=facets,
        objects=objects,
    )


def merge_slots(a: Features, b: Features) -> Features:
    """The slots of a topic: every value its members name (content: ``a``'s).  A text that
    conflicts with a topic's merged slots names another year, kind, entity … than its members."""
    return _with_slots(
        a.norm,
        a.content,
        a.content_norm,
        a.kinds | b.kinds,
        a.years | b.years,
        a.months | b.months,
        a.serials | b.serials,
        a.levels | b.levels,
        a.places | b.places,
        a.entities | b.entities,
        a.facets | b.facets,
        a.objects | b.objects,
    )


def slot_keys(f: Features) -> list[str]:
    """Index keys beside the MinHash band keys, so that paraphrases with little wording in
    common still meet: one per named entity ("e:area:滨河"), administrative place ("p:滨河"),
    document kind ("k:方案"), level ("l:小学"), year ("y:2025") and the request's last two
    characters ("h:方案", "h:取线").  Wide keys only add candidates; the candidates sharing
    most keys are compared (:data:`~.clustering.MAX_CANDIDATES`).  The year key lets
    "补贴额一览表" meet "每种机具能补多少钱" (nothing else in common); it was withdrawn once
    for merging 补贴额一览表 with 资金分配方案, which the facet veto now keeps apart."""
    keys = {f"e:{kind.removeprefix(STORY_MARK)}:{name}" for kind, name in f.entities}
    keys.update(f"p:{name}" for name, _ in f.places)
    keys.update(f"k:{kind}" for kind in f.kinds)
    keys.update(f"l:{level}" for _, level in f.levels)
    keys.update(f"y:{year}" for year in f.years)
    if f.tail:
        keys.add(f"h:{f.tail}")
    return sorted(keys)


_CODE_RE = re.compile(r"(?<![a-z0-9])[a-z]{1,3}\d{2,}(?:/\d+)*")
# a plot's code without its letters: 2025-07号地块 (2025/07 by then)
_BARE_PLOT_CODE_RE = re.compile(r"(?<![a-z0-9/])\d{4}/\d{1,3}(?=号?(?:地块|宗地))")


def _code_key(code: str) -> str:
    """A plot or road code by its numbers: LW2025-07, LW-2025-07 and 2025-07号地块 are one
    plot (2025/7); the letters name the city, which the agency already fixes.  A code of one
    number (s208, g15) keeps its letters."""
    numbers = re.findall(r"\d+", code)
    if len(numbers) < 2:
        return code
    return "/".join(str(int(n)) for n in numbers)


# 第一人民医院, 市二医院, 江州一中, 实验二小: an institution's number ("统一中心" is not).
_NUMBERED_RE = re.compile(
    r"(?:第|(?<=[\u4e00-\u9fff]))(\d{1,3}|[一二三四五六七八九十]{1,3})"
    r"(?=人民医院|中医院|医院|中学|小学|中(?![心央间国文期华型等])|小(?![区组时学型])|院)"
)
# 第二棉纺织厂, 第一建筑公司: a works or a firm numbered in its name.
_NUMBERED_PLANT_RE = re.compile("[\u4e00-\u9fff]{0,5}?(?:厂|公司)")
_CN_SMALL: Final = {c: i for i, c in enumerate("零一二三四五六七八九", start=0)}


def _small_number(s: str) -> str:
    if s.isdigit():
        return str(int(s))
    if s == "十":
        return "10"
    if s.startswith("十"):
        return str(10 + _CN_SMALL.get(s[1], 0))
    if len(s) == 2 and s[1] == "十":
        return str(10 * _CN_SMALL.get(s[0], 0))
    if len(s) == 3 and s[1] == "十":
        return str(10 * _CN_SMALL.get(s[0], 0) + _CN_SMALL.get(s[2], 0))
    return str(_CN_SMALL.get(s[0], 0))


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and (digits.startswith("20") or "1949" <= digits <= "1999")


def features_of(text: str) -> Features:
    """Slots and content of a raw request text (see the module docstring)."""
    return features_of_clauses(clauses(text))


ClauseSlots = tuple[
    str,
    frozenset[str],
    frozenset[str],
    frozenset[str],
    frozenset[tuple[str, str]],
    frozenset[tuple[str, str]],
    frozenset[tuple[str, str]],
    frozenset[tuple[str, str]],
    frozenset[str],
    frozenset[str],
]
"""Per clause: the content left once slots are cut out, then kinds, years, months, serials,
levels, places, entities, facets and objects (:func:`_clause_slots`)."""


@lru_cache(maxsize=4096)
def _clause_slots(clause: str, story: bool) -> ClauseSlots:
    spans = _place_spans(clause)
    cuts = [(a, b) for a, b, _, _ in spans]
    years, months, serials = _dated_and_numbered(clause, cuts)
    levels = {LEVELS[m.group()] for m in _LEVEL_RE.finditer(clause)}
    if "园区" in clause:
        levels |= _park_industries(clause)
    _month_ranges(clause, months, serials, levels)
    content = _without_spans(clause, cuts)
    if story:  # the dates in a story are when things happened, not what is asked for
        years, months = set(), set()
    return (
        content,
        frozenset(_kinds(clause)) if not story else frozenset(),
        frozenset(years),
        frozenset(months),
        frozenset(serials),
        frozenset(levels),
        frozenset((name, level) for _, _, name, level in spans),
        frozenset(_entities(clause)),
        _facets(clause) if not story else frozenset(),
        _object(clause),
    )


def _object(clause: str) -> frozenset[str]:
    """The object (:data:`OBJECTS`) a request clause is about: the rightmost one it names
    (the first match in the reversed clause)."""
    m = _OBJECT_REVERSED_RE.search(clause[::-1])
    return _NO_OBJECT if m is None else _OBJECT_OF_REVERSED[m.group()]


# 重点工程计划, 改造工程计划表: a plan of projects lists them (项目 is spelled 工程 by then).
_LISTING_PLAN_RE = re.compile("工程[\u4e00-\u9fff]{0,4}计划")
# 每亩补贴金额, 每种机具能补多少钱: an amount per unit is a standard, not a payment.
_PER_UNIT_RE = re.compile("每[\u4e00-\u9fff]{1,6}?(?:金额|多少钱|补多少|发多少)")
# 要交多少钱, 怎么收费: the price asked is the charging standard, not a sum paid (交了多少).
_PRICE_RE = re.compile("(?:交|缴|付|收)多少钱?|(?:怎么|如何|怎样)收费")


def _facets(clause: str) -> frozenset[str]:
    """The facets (:data:`FACETS`) a request clause names."""
    per_unit = _PER_UNIT_RE.search(clause)
    if per_unit is None and ("多少" in clause or "收费" in clause):
        per_unit = _PRICE_RE.search(clause)
    if per_unit is not None:
        clause = clause[: per_unit.start()] + "标准" + clause[per_unit.end() :]
    found = {f for m in _FACET_RE.finditer(clause) if (f := FACETS[m.group()])}
    if "计划" in found and _LISTING_PLAN_RE.search(clause):
        found.add("名单")
    return frozenset(found)


# 7-9月 (7/9月 by then), 7月至9月, 一至三月: a quarter or a half year written as months.
_MONTH_RANGE_RE = re.compile(
    r"(?<!\d)(\d{1,2}|[一二三四五六七八九十]{1,2})月?(?:至|到|/|~)(\d{1,2})月"
)
_PERIOD_OF_MONTHS: Final[Mapping[tuple[int, int], tuple[str, str, str]]] = {
    (1, 3): ("serial", "季度", "1"),
    (4, 6): ("serial", "季度", "2"),
    (7, 9): ("serial", "季度", "3"),
    (10, 12): ("serial", "季度", "4"),
    (1, 6): ("level", "half", "1"),
    (7, 12): ("level", "half", "2"),
}


def _month_ranges(
    clause: str,
    months: set[str],
    serials: set[tuple[str, str]],
    levels: set[tuple[str, str]],
) -> None:
    """A run of months that is a quarter or a half year (7-9月, 1至6月) names that period
    (三季度, 上半年), not its first and last months."""
    for m in _MONTH_RANGE_RE.finditer(clause):
        first, last = int(_small_number(m.group(1))), int(m.group(2))
        period = _PERIOD_OF_MONTHS.get((first, last))
        if period is None:
            continue
        months.discard(str(first))
        months.discard(str(last))
        slot, key, value = period
        (serials if slot == "serial" else levels).add((key, value))


def _dated_and_numbered(
    clause: str, cuts: list[tuple[int, int]]
) -> tuple[set[str], set[str], set[tuple[str, str]]]:
    """Years, months and serials (unit, number) named in ``clause``; appends the span of each
    to ``cuts`` so the content left over is what the clause asks for."""
    years: set[str] = set()
    months: set[str] = set()
    serials: set[tuple[str, str]] = set()
    for m in _NUMBER_RE.finditer(clause):
        ordinal, digits, unit = m.group(1), m.group(2), m.group(3)
        if _is_year(digits) and not ordinal:
            years.add(digits)
            cuts.append((m.start(2), m.end() if unit == "年" else m.end(2)))
        elif unit == "月" and 1 <= int(digits) <= 12:
            months.add(str(int(digits)))
            cuts.append(m.span())
        elif unit in _SERIAL_UNITS:
            serials.add((_SERIAL_UNITS[unit], str(int(digits))))
            cuts.append(m.span())
        elif ordinal:
            cuts.append(m.span())  # 第N of something else (第3份申请): not an identifying slot
            if _NUMBERED_PLANT_RE.match(clause, m.end()):  # 第二棉纺织厂: the plant's number
                serials.add(("院校", str(int(digits))))
    codes = list(_CODE_RE.finditer(clause))  # plot and road codes: g2024/18, s208
    if "/" in clause and ("地块" in clause or "宗地" in clause):
        codes += _BARE_PLOT_CODE_RE.finditer(clause)
    for m in codes:
        serials.add(("编号", _code_key(m.group())))
        cuts.append(m.span())
    for m in _NUMBERED_RE.finditer(clause):  # 第一人民医院, 市二医院, 二中: an institution's number
        serials.add(("院校", _small_number(m.group(1))))
        cuts.append(m.span())
    serials = {(u, n) for u, n in serials if u not in ("第人", "第中", "第小", "第医", "第院")}
    return years, months, serials


def _without_spans(clause: str, cuts: list[tuple[int, int]]) -> str:
    """``clause`` with the spans ``cuts`` removed; a span overlapping an earlier one is
    skipped whole."""
    if not cuts:
        return clause
    pieces: list[str] = []
    pos = 0
    for a, b in sorted(cuts):
        if a >= pos:
            pieces.append(clause[pos:a])
            pos = b
    pieces.append(clause[pos:])
    return "".join(pieces)


def _grams(text: str) -> list[str]:
    """Characters and character bigrams."""
    return [*text, *map(str.__add__, text, text[1:])]


_NARROWER: Final = tuple(
    (scale, re.compile(head), _alternation(kinds), kinds, re.compile(hint) if hint else None)
    for scale, (head, kinds, hint) in NARROWER_KINDS.items()
)


_ANY_NARROWER_HEAD: Final = re.compile("|".join(f"(?:{head.pattern})" for _, head, *_ in _NARROWER))
"""Matches where any :data:`NARROWER_KINDS` head does: most texts name none (one search)."""


def _narrower_levels(parts: list[tuple[str, bool]]) -> set[tuple[str, str]]:
    """The :data:`NARROWER_KINDS` levels of a text (once per text, not per pair)."""
    whole = "".join(clause for clause, _ in parts)
    if _ANY_NARROWER_HEAD.search(whole) is None:
        return set()
    request = "".join(clause for clause, story in parts if not story)
    found: set[tuple[str, str]] = set()
    for scale, head, kind_re, kinds, hint in _NARROWER:
        if head.search(whole) is None:
            continue
        named = {kinds[m.group()] for m in kind_re.finditer(request)}
        if named:
            found.update((scale, kind) for kind in named)
        elif (
            head.search(request) is not None
            and kind_re.search(whole) is None
            and (hint is None or hint.search(whole) is None)
        ):
            found.add((scale, BARE_KIND))
    return found


def unweighted_features(parts: Iterable[tuple[str, bool]]) -> Features:
    """:func:`features_of_clauses` with every content gram at its clause's weight (what
    ``bench/build_gram_weights.py`` counts)."""
    return features_of_clauses(parts, weigh_grams=False)


def clause_slots(
    parts: Iterable[tuple[str, bool]],
) -> tuple[list[tuple[str, bool]], list[ClauseSlots]]:
    """The regular-expression half of :func:`features_of_clauses`: the clauses (background
    clauses marked as story) and each one's slots.  ``cluster`` runs it in worker processes;
    :func:`features_from_slots` finishes the features."""
    parts = list(parts)
    slots_of = [_clause_slots(clause, story) for clause, story in parts]
    # A clause that names no document and no year, before one that names a document, is the
    # applicant's background ("我家住在…厂旁边，晚上气味很重，请公开…环评报告"): a story.
    later_kind = False
    for pos in range(len(parts) - 1, -1, -1):
        clause, story = parts[pos]
        kinds_here, years_here = slots_of[pos][1], slots_of[pos][2]
        if not story and later_kind and not kinds_here and not years_here:
            parts[pos] = (clause, True)
            slots_of[pos] = _clause_slots(clause, True)
        later_kind = later_kind or bool(kinds_here) or (not story and bool(years_here))
    return parts, slots_of


def features_of_clauses(parts: Iterable[tuple[str, bool]], *, weigh_grams: bool = True) -> Features:
    """Slots and content of a text's clauses (:func:`~.normalise.clauses`)."""
    marked, slots_of = clause_slots(parts)
    return features_from_slots(marked, slots_of, weigh_grams=weigh_grams)


def features_from_slots(
    parts: list[tuple[str, bool]], slots_of: list[ClauseSlots], *, weigh_grams: bool = True
) -> Features:
    """The rest of :func:`features_of_clauses` from :func:`clause_slots`' output."""
    norm_parts: list[str] = []
    kinds: set[str] = set()
    years: set[str] = set()
    months: set[str] = set()
    serials: set[tuple[str, str]] = set()
    levels: set[tuple[str, str]] = set()
    story_levels: set[tuple[str, str]] = set()
    story_places: set[tuple[str, str]] = set()
    story_serials: set[tuple[str, str]] = set()
    story_entities: set[tuple[str, str]] = set()
    places: set[tuple[str, str]] = set()
    entities: set[tuple[str, str]] = set()
    facets: set[str] = set()
    objects: set[str] = set()
    story_objects: set[str] = set()
    head = ""
    story_texts: list[str] = []
    request_texts: list[str] = []
    for (clause, story), slots_here in zip(parts, slots_of, strict=True):
        norm_parts.append(clause)
        text, k, y, mo, se, lv, pl, en, fa, ob = slots_here
        if not story and len(text) >= 2:
            head = text[-HEAD_CHARS:]
        kinds |= k
        facets |= fa
        if ob:
            (story_objects if story else objects).update(ob)
        years |= y
        months |= mo
        (story_serials if story else serials).update(se)
        (story_levels if story else levels).update(lv)
        (story_places if story else places).update(pl)
        (story_entities if story else entities).update(en)
        (story_texts if story else request_texts).append(text)
    # A level in the story counts unless the request names one of the same scale: in
    # "一直在轮候，申请公开…配租名单" the applicant's status is not what is asked for, in
    # "我是初中学生家长，请公开划片范围" the story's level is all the request has.
    if story_levels:
        asked_scales = {scale for scale, _ in levels}
        levels.update(lv for lv in story_levels if lv[0] not in asked_scales)
    levels |= _narrower_levels(parts)
    # So do the story's numbers and named things, marked as the story's (STORY_MARK):
    # "我是锦华路5号的邻居，申请公开…拆除决定书" asks about 5号, but "本人住阳光小区，请公开
    # 星河湾…许可证" about 星河湾 only.  Two stories alone never disagree (:mod:`.scoring`):
    # applicants with different addresses, estates or employers may ask for one thing.  A
    # request that points back at the story ("我是锦华路5号的邻居…对其", "我们小区") asks
    # about what the story names: its values are not marked.  A story's place counts, in
    # full, only when the request names no place and no named thing: "本人是松林村村民，申请
    # 公开征地批复" asks about 松林村, "本人家住和平村，请公开滨河片区征收补偿方案" about
    # 滨河片区 wherever one lives.
    mark = STORY_MARK
    if (story_serials or story_entities) and any(  # (most texts tell no story)
        _BACK_REFERENCE_RE.search(t) for t in request_texts
    ):
        mark = ""
    if story_serials:
        asked_units = {unit for unit, _ in serials}
        serials.update((mark + u, n) for u, n in story_serials if u not in asked_units)
    if not places and not entities:
        places.update(story_places)
    # "家里小轿车一年交多少钱，请公开税额标准": the story says what the request is about.
    if story_objects and not objects:
        objects.update(STORY_MARK + o for o in story_objects)
    if story_entities:
        asked_kinds = {kind for kind, _ in entities}
        entities.update((mark + k, n) for k, n in story_entities if k not in asked_kinds)
    content = _content(story_texts, request_texts, weigh_grams=weigh_grams)
    slots = (
        frozenset(kinds),
        frozenset(years),
        frozenset(months),
        frozenset(serials),
        frozenset(levels),
        frozenset(places),
        frozenset(entities),
        frozenset(facets),
        frozenset(objects),
    )
    return Features(
        "".join(norm_parts),
        content,
        *slots[:7],
        frozenset(a + b for a, b in pairwise(head)),
        math.hypot(*content.values()),
        slots,
        head[-2:] if len(head) >= 2 else "",
        slots[7],
        slots[8],
    )


def _content(
    story_texts: list[str], request_texts: list[str], *, weigh_grams: bool
) -> dict[str, float]:
    """The weighted content grams of a text's story and request clauses."""
    if story_texts or len(request_texts) != 1:
        content: dict[str, float] = {}
        # Story grams first, so that a gram also in a request clause ends with the higher weight.
        for text in story_texts:
            content.update(dict.fromkeys(_grams(text), STORY_WEIGHT))
        for text in request_texts:
            content.update(dict.fromkeys(_grams(text), 1.0))
    else:  # the common case: one request clause
        content = dict.fromkeys(_grams(request_texts[0]), 1.0)
    if weigh_grams:
        weights = GRAM_WEIGHTS
        for g in content.keys() & weights.keys():  # the few common grams of this text
            content[g] *= weights[g]
    return content


def slots_to_json(f: Features) -> dict[str, list[list[str]] | list[str]]:
    """A topic's merged slots as JSON (stored with the topic)."""
    return {
        "kinds": sorted(f.kinds),
        "years": sorted(f.years),
        "months": sorted(f.months),
        "serials": sorted([list(x) for x in f.serials]),
        "levels": sorted([list(x) for x in f.levels]),
        "places": sorted([list(x) for x in f.places]),
        "entities": sorted([list(x) for x in f.entities]),
        "facets": sorted(f.facets),
        "objects": sorted(f.objects),
    }


def slots_from_json(data: Mapping[str, object] | None) -> Features:
    """Inverse of :func:`slots_to_json` (no content); ``None`` or junk → no slots."""
    data = data if isinstance(data, Mapping) else {}

    def flat(key: str) -> frozenset[str]:
        value = data.get(key)
        return frozenset(str(v) for v in value) if isinstance(value, list) else frozenset()

    def pairs(key: str) -> frozenset[tuple[str, str]]:
        value = data.get(key)
        if not isinstance(value, list):
            return frozenset()
        return frozenset(
            (str(v[0]), str(v[1])) for v in value if isinstance(v, list) and len(v) == 2
        )

    return _with_slots(
        "",
        {},
        0.0,
        flat("kinds"),
        flat("years"),
        flat("months"),
        pairs("serials"),
        pairs("levels"),
        pairs("places"),
        pairs("entities"),
        flat("facets"),
        flat("objects"),
    )
