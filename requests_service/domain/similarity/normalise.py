"""Normalise a request text: what is asked for, in one canonical spelling.

NFKC (full/half width), lower case, legal citations and request boilerplate removed, Chinese
numerals that are numbers turned into Arabic digits, abbreviations and synonyms of subjects
and of document types spelled one way (:data:`SYNONYMS`).  The text is also cut into clauses
(:func:`clauses`) so that the applicant's own story ("本人是…被征收户") can weigh less than
the request itself.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Final

MAX_TEXT_CHARS: Final = 2000
"""Normalised texts are cut to this many characters; raw input to four times as many first."""

BOILERPLATE: Final[tuple[str, ...]] = (
    "政府信息公开申请表",
    "政府信息公开申请",
    "的信息公开申请",
    "信息公开申请",
    "公开申请",
    "依申请公开",
    "申请公开",
    "申请获取",
    "申请查阅",
    "申请复制",
    "请求公开",
    "要求公开",
    "请予公开",
    "予以公开",
    "依法公开",
    "请依法公开",
    "请依法提供",
    "依法提供",
    "本人申请公开",
    "特申请公开",
    "特申请",
    "请公开",
    "公开一下",
    "我想了解",
    "我想知道",
    "想了解",
    "想知道",
    "想看一下",
    "想看看",
    "希望了解",
    "希望公开",
    "请求提供",
    "要求提供",
    "申请提供",
    "请提供",
    "请告知",
    "请贵单位",
    "贵单位",
    "贵机关",
    "贵局",
    "贵委",
    "贵院",
    "本人申请",
    "申请人",
    "关于",
    "的相关信息",
    "的相关文件",
    "的相关资料",
    "相关信息",
    "相关文件",
    "相关资料",
    "及相关材料",
    "及相关",
    "政府信息",
    "的信息",
    "有关",
    "全文",
    "文件",
    "材料",
    "资料",
    "情况",
    "明细",
    "具体",
    "内容",
    "纸质版",
    "电子版",
    "复印件",
    "公开",
    "盼复",
    "之规定",
    "的规定",
    "特此申请",
    "此致敬礼",
    "以书面形式",
    "以邮寄方式",
    "邮寄方式",
    "望答复",
    "请予答复",
    "请答复",
    "谢谢",
    "您好",
    "你好",
    "麻烦",
    "的",
)
"""Phrases that say *how* something is asked, not *what*; removed after punctuation is
stripped (longest match first).  ``的`` and generic nouns (文件, 材料, 情况, 明细 …) go too:
they do not tell one request's information from another's."""

NOT_BOILERPLATE: Final[tuple[str, ...]] = (
    "新材料",
    "原材料",
    "建筑材料",
    "装饰材料",
    "材料厂",
    "文件柜",
    "批准文件",
    # what to bring to apply: the service guide (SYNONYMS), not a generic 材料
    "所需材料清单",
    "申请材料清单",
    "材料清单",
    "所需材料",
    "哪些材料",
    "什么材料",
    "啥材料",
    "政府信息公开工作年度报告",
    "政府信息公开年度报告",
    "政府信息公开工作年报",
    "政府信息公开年报",
    "政务公开工作年度报告",
    "政务公开工作年报",
    "政务公开年报",
    "信息公开年报",
)
"""Words that contain a :data:`BOILERPLATE` phrase but name a thing (恒泰新材料有限公司 is not
恒泰新有限公司), or an approval (批准文件 is a 批复, not 批准); matched together with the
boilerplate and kept."""

SYNONYMS: Final[Mapping[str, str]] = {
    # subjects: abbreviations and their full names, one spelling
    "供销社": "供销合作社",
    "农商银行": "农村商业银行",
    "农商行": "农村商业银行",
    "航班准点率": "航班正常率",
    "准点率": "正常率",
    "收视维护费": "收视费",
    "环境影响评价报告书": "环评报告",
    "环境影响评价报告表": "环评报告",
    "环境影响评价报告": "环评报告",
    "环境影响报告书": "环评报告",
    "环境影响报告表": "环评报告",
    "环境影响报告": "环评报告",
    "环境影响评价": "环评",
    "可行性研究报告": "可研报告",
    "可行性研究": "可研",
    "初步设计": "初设",
    "控制性详细规划": "控规",
    "控制性详规": "控规",
    "修编": "修改",
    # national censuses by their common abbreviations (五经普, 七人普, 三农普); numerals are
    # Arabic by the time synonyms apply
    "四经普": "第4次全国经济普查",
    "五经普": "第5次全国经济普查",
    "六人普": "第6次全国人口普查",
    "七人普": "第7次全国人口普查",
    "三农普": "第3次全国农业普查",
    # a price list and the charging standard are one document
    "收费项目清单": "收费标准",
    "收费项目及价格清单": "收费标准",
    "收费清单": "收费标准",
    # what to bring and how to apply is the service guide (办事指南), however it is asked
    "所需材料清单": "办事指南",
    "申请材料清单": "办事指南",
    "材料清单": "办事指南",
    "所需材料": "办事指南",
    "哪些材料": "办事指南",
    "什么材料": "办事指南",
    "啥材料": "办事指南",
    "办理流程": "办事指南",
    "办事流程": "办事指南",
    "办理手续": "办事指南",
    "哪些手续": "办事指南",
    "什么手续": "办事指南",
    # a blacklist is the list of those found in serious breach of trust
    "黑名单": "失信名单",
    # common short names of official terms
    "人工影响天气": "人影",
    "成品油价格补贴": "油补",
    "市长热线": "12345热线",
    "市民热线": "12345热线",
    "便民热线": "热线",
    "地震安全性评价": "地震安评",
    "防止返贫": "防返贫",
    # the places of worship in common speech (寺庙教堂) are the registered 宗教活动场所
    "寺庙教堂": "宗教活动场所",
    "寺观教堂": "宗教活动场所",
    # and one religion's places of worship (佛教寺院) are that religion's 活动场所
    "佛教寺院": "佛教活动场所",
    "佛教寺庙": "佛教活动场所",
    # 法定报告传染病 is the class of notifiable diseases, not a report (报告)
    "法定报告传染病": "法定传染病",
    # a numbered cotton mill by its short name (第一棉纺织厂 → 一棉厂)
    "棉纺织厂": "棉厂",
    "棉纺厂": "棉厂",
    "末端服务网点": "快递驿站",
    "末端网点": "快递驿站",
    "公车": "公务用车",
    "成交清单": "中标结果",
    "成交名单": "中标结果",
    "价格清单": "收费标准",
    "因公出国境费公务用车购置及运行费公务接待费": "三公经费",
    "因公出国境经费公务用车购置及运行经费公务接待经费": "三公经费",
    "因公出国境费用公务用车购置及运行费用公务接待费用": "三公经费",
    "三公经费": "三公经费",
    "三公": "三公经费",
    "公共租赁住房": "公租房",
    "城乡居民最低生活保障": "低保",
    "城乡最低生活保障": "低保",
    "最低生活保障": "低保",
    "食品药品监督管理局": "食药监局",
    "药品监督管理局": "药监局",
    "药品监督管理部门": "药监部门",
    "药品监管": "药监",
    "卫生健康委员会": "卫健委",
    "卫生健康委": "卫健委",
    "市场监督管理局": "市场监管局",
    "人力资源和社会保障局": "人社局",
    "住房和城乡建设局": "住建局",
    "发展和改革委员会": "发改委",
    "城市管理综合执法局": "城管局",
    "城市管理局": "城管局",
    # state investment groups by their common short names (市城投集团, 交投集团)
    "城市建设投资": "城投",
    "城建投资": "城投",
    "交通投资": "交投",
    "旧城改造": "旧改",
    "棚户区改造": "棚改",
    "违法建设": "违法建筑",
    "违章建筑": "违法建筑",
    "违章建设": "违法建筑",
    "违建": "违法建筑",
    "房屋征收": "征收",
    "房屋拆迁": "征收",
    "拆迁": "征收",
    "动迁": "征收",
    "集体土地征收": "土地征收",
    "征地": "土地征收",
    "征收与补偿": "征收补偿",
    "征收和补偿": "征收补偿",
    "补偿安置": "补偿",
    "安置补偿": "补偿",
    "污水厂": "污水处理厂",
    "年度": "年",
    "轨道交通": "地铁",
    "人才房": "人才住房",
    "医疗保障": "医保",
    "医疗保险": "医保",
    "社会保险": "社保",
    "住房公积金": "公积金",
    "五保供养": "特困供养",
    "招投标": "招标",
    "建设项目": "工程",
    "工程项目": "工程",
    "项目": "工程",
    "区段": "段",
    "普通高中": "高中",
    "普高": "高中",
    "职业高中": "中职",
    "职高": "中职",
    "公共卫生": "公卫",
    "中等职业学校": "中职",
    "中等职业": "中职",
    "保障性租赁住房": "保租房",
    "经济适用住房": "经适房",
    "经济适用房": "经适房",
    "共有产权住房": "共有产权房",
    "廉租住房": "廉租房",
    "社会稳定风险评估": "稳评",
    "节能评估": "能评",
    "水土保持": "水保",
    "安全评价": "安评",
    "施工图设计": "施工图",
    # school catchment areas: one name for the several an applicant may use
    "招生片区划分": "学区",
    "招生学区范围": "学区",
    "招生划片范围": "学区",
    "学区划片范围": "学区",
    "招生划片": "学区",
    "招生片区": "学区",
    "学区划分": "学区",
    "学区划片": "学区",
    "学区范围": "学区",
    "划片范围": "学区",
    "施教区范围": "学区",
    "施教区划分": "学区",
    "施教区": "学区",
    "录取最低控制线": "录取线",
    "最低控制线": "录取线",
    "录取分数线": "录取线",
    "录取最低分数线": "录取线",
    "最低录取分数线": "录取线",
    # official names against the common ones applicants use
    "高中阶段学校招生考试": "中考",
    "高中阶段学校招生": "中考",
    "高中阶段招生": "中考",
    "互联网租赁自行车": "共享单车",
    "网络预约出租汽车": "网约车",
    "考评": "考核",
    "电子眼": "电子警察",
    "闯红灯抓拍": "电子警察",
    "政府指导价": "收费标准",
    "物业服务费": "物业费",
    "物业服务收费": "物业费",
    "退伍": "退役",
    "拟录用": "拟聘用",
    # an annual report on disclosure under the Regulations (kept from BOILERPLATE above)
    "政府信息公开工作年度报告": "公开年报",
    "政府信息公开年度报告": "公开年报",
    "政府信息公开工作年报": "公开年报",
    "政府信息公开年报": "公开年报",
    "政务公开工作年度报告": "公开年报",
    "政务公开工作年报": "公开年报",
    "政务公开年报": "公开年报",
    "信息公开年报": "公开年报",
    "年度报告": "年报",
    # common slips of a pinyin input method in this vocabulary
    "补尝": "补偿",
    "拔付": "拨付",
    "台帐": "台账",
    "计算公式": "计算公式",
    "公式": "公示",
    # document types: one spelling per kind (see features.DOCUMENT_KINDS)
    "决定书": "决定",
    "审批意见": "批复",
    "审查意见": "批复",
    "环评审批": "环评批复",
    "审批决定": "批复",
    "批准文件": "批复",
    "批准书": "批复",
    "批文": "批复",
    "报告书": "报告",
    "报告表": "报告",
    "名册": "名单",
    "名录": "名单",
    "清册": "名单",
    "清单": "名单",
    "中标候选人公示": "中标结果",
    "中标公告": "中标结果",
    "中标公示": "中标结果",
    "中标单位": "中标结果",
    "中标人": "中标结果",
    "成交结果": "中标结果",
    "成交公告": "中标结果",
    "招标公告": "招标文件",
    "合同文本": "合同",
    "补充协议": "合同",
    "协议书": "合同",
    "会议纪要": "纪要",
    "竣工验收报告": "验收",
    "竣工验收": "验收",
    "验收报告": "验收",
    "审计报告": "审计",
    "管理办法": "办法",
    "实施办法": "办法",
    "实施细则": "细则",
    "复函": "函",
    "函件": "函",
    "商品房预售许可证": "预售许可证",
    "商品房预售许可": "预售许可证",
    "预售许可": "预售许可证",
    "预售证": "预售许可证",
    "预售许可证证": "预售许可证",
}
"""Request wording that names the same thing (applied after :data:`BOILERPLATE`, longest
match first).  Document types are spelled one way so that :mod:`.features` can tell kinds
apart (决定书/决定 → 决定; 审批意见/批文 → 批复; 清单/名册 → 名单 …)."""

STORY_OPENERS: Final[tuple[str, ...]] = (
    "本人",
    "我",
    "因",
    "由于",
    "鉴于",
    "听说",
    "担心",
    "目前",
    "现在",
    "为了",
    "家住",
    "作为",
    "据悉",
)
"""A clause that starts with one of these and asks for nothing (no :data:`REQUEST_VERBS`) is
the applicant's story: it may name the subject, but its details weigh less."""

REQUEST_VERBS: Final[tuple[str, ...]] = (
    "公开",
    "提供",
    "查阅",
    "获取",
    "复制",
    "告知",
    "请",
    "申请",
    "要求",
    "想知道",
    "想了解",
    "想看",
    "想要",
    "需要",
    "希望",
)

_RAW_CAP: Final = 4 * MAX_TEXT_CHARS
_DIGIT_GAP = re.compile(r"(?<=\d)[\W_]+(?=\d)")
_NON_WORD = re.compile(r"[^\w\ue000\ue001]+|_+")


def _bmp_table() -> dict[int, str | None]:
    """str.translate table for the Basic Multilingual Plane: drop every character that is
    not a letter or digit (punctuation, spaces, symbols, ``_``), turn the digit-gap marks
    into "." and "/"."""
    table: dict[int, str | None] = {cp: None for cp in range(0x10000) if not chr(cp).isalnum()}
    table[0xE000] = "."
    table[0xE001] = "/"
    return table


_BMP_TABLE: Final = _bmp_table()
_CN_RUN = re.compile("[〇零一二两三四五六七八九十百千万亿]+")
_CN_DIGITS: Final[Mapping[str, int]] = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS: Final[Mapping[str, int]] = {"十": 10, "百": 100, "千": 1000}
_CN_BIG: Final[Mapping[str, int]] = {"万": 10_000, "亿": 100_000_000}
# A lone numeral is a number only next to a counter ("三幢", "十二月", "第一") — "统一",
# "三公经费" and "一网通办" stay as they are.
_COUNTERS: Final = frozenset(
    "年月日号个项期批次届条款幢栋层楼室组户人名家所座宗件份元岁周天季轮类级线区"
)


def _alternation(words: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return re.compile("|".join(re.escape(w) for w in ordered))


def _parse_cn_number(run: str) -> int | None:
    """Value of a positional Chinese numeral ("二十三", "一百零五", "三万"); None if malformed."""
    total = section = 0
    digit: int | None = None
    last_unit = 10**9
    for ch in run:
        if ch in _CN_DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row without a unit
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            if unit >= last_unit:
                return None
            if digit is None:
                if ch != "十" or section or total:
                    return None
                digit = 1  # "十二" = 12
            section += digit * unit
            digit = None
            last_unit = unit
        else:
            big = _CN_BIG[ch]
            value = section + (digit or 0)
            if value == 0:
                return None
            total = total * big if total and total < big else total
            total += value * big
            section, digit, last_unit = 0, None, 10**9
    return total + section + (digit or 0)


def _numeral(match: re.Match[str]) -> str:
    run = match.group()
    text = match.string
    start, end = match.span()
    before = text[start - 1] if start else ""
    after = text[end] if end < len(text) else ""
    has_units = any(ch in _CN_UNITS or ch in _CN_BIG for ch in run)
    if not has_units:
        if len(run) >= 3 or (len(run) == 2 and (after == "年" or "〇" in run or "零" in run)):
            return "".join(str(_CN_DIGITS[ch]) for ch in run)  # 二〇二五 → 2025
        if len(run) == 1 and (before == "第" or after in _COUNTERS):
            return str(_CN_DIGITS[run])
        return run
    if len(run) == 1 and not (before == "第" or after in _COUNTERS):
        return run
    value = _parse_cn_number(run)
    return run if value is None else str(value)


def _drop_boilerplate(match: re.Match[str]) -> str:
    word = match.group()
    return word if word in _KEEP else ""


def _digit_gap(match: re.Match[str]) -> str:
    gap = match.group()
    if gap == ".":
        return "\ue000"  # "2.5" stays
    return "" if gap.isspace() else "\ue001"  # "2020-2024" → "2020/2024"; "2 0 2 5" → "2025"


_BOILERPLATE_RE = _alternation(BOILERPLATE)
_BOILERPLATE_OR_KEPT_RE = _alternation((*BOILERPLATE, *NOT_BOILERPLATE))
_KEPT_RE = _alternation(NOT_BOILERPLATE)
_KEEP: Final = frozenset(NOT_BOILERPLATE)
_SYNONYM_RE = _alternation(SYNONYMS)
# Citations (根据《…条例》第二十七条) say nothing about the information asked for; a quoted
# title that is asked for (申请获取《…管理规定》全文, 公开《地震应急预案》) is the information
# itself and keeps its words.  A title is a citation when it is introduced as the basis
# (根据, 依据 …), followed by an article, or is the Regulations on disclosure themselves.
_CITATION_RE = re.compile(
    r"(根据|依据|按照|依照|依)?《([^》]{0,40})》(第[〇零一二三四五六七八九十百\d]+条)?(?:之?的?规定)?"
)


def _citation(m: re.Match[str]) -> str:
    if m.group(1) or m.group(3) or "信息公开" in m.group(2):
        return "，"
    return m.group(2) + m.string[m.end(2) + 1 : m.end()]  # the title, then what followed 》


_CLAUSE_SPLIT_RE = re.compile(r"[，。；！？,;!?\n\r：:]+")


def _prepare(text: object) -> str:
    if not isinstance(text, str) or not text:
        return ""
    s = unicodedata.normalize("NFKC", text[:_RAW_CAP]).lower()
    return _CITATION_RE.sub(_citation, s) if "《" in s else s


def _canonical(s: str) -> str:
    """One clause (already NFKC + lower case) → canonical form."""
    s = _DIGIT_GAP.sub(_digit_gap, s)
    if s.isascii() or max(s) <= "\uffff":
        s = s.translate(_BMP_TABLE)
    else:  # emoji and other astral characters: the slower regex path
        s = _NON_WORD.sub("", s).translate(_BMP_TABLE)
    s = _CN_RUN.sub(_numeral, s)
    if _KEPT_RE.search(s) is None:  # the common case: plain removal, no callback per match
        s = _BOILERPLATE_RE.sub("", s)
    else:
        s = _BOILERPLATE_OR_KEPT_RE.sub(_drop_boilerplate, s)
    s = s.removeprefix("请")
    return _SYNONYM_RE.sub(lambda m: SYNONYMS[m.group()], s)


def _is_story(raw_clause: str) -> bool:
    stripped = raw_clause.strip()
    return stripped.startswith(STORY_OPENERS) and not any(v in stripped for v in REQUEST_VERBS)


def clauses(text: str) -> list[tuple[str, bool]]:
    """``(canonical clause, is_story)`` for each clause of ``text`` that keeps any content.

    Clauses are cut at sentence punctuation (，。；！？ and a colon), not at 、 (lists of items
    belong together).  ``"".join`` of the clauses is :func:`normalise`.
    """
    out: list[tuple[str, bool]] = []
    total = 0
    for raw in _CLAUSE_SPLIT_RE.split(_prepare(text)):
        canon = _canonical(raw)
        if not canon:
            continue
        canon = canon[: MAX_TEXT_CHARS - total]
        out.append((canon, _is_story(raw)))
        total += len(canon)
        if total >= MAX_TEXT_CHARS:
            break
    return out


def normalise(text: str) -> str:
    """Canonical form of a request text for comparison; never raises for any ``str``.

    NFKC (full-width → half-width), lower case, citations of the Regulations removed, Chinese
    numerals that are numbers → Arabic (二〇二五年 → 2025年, 十二月 → 12月, 第三幢 → 第3幢),
    punctuation, whitespace, emoji and symbols removed (a ``.`` between digits stays, other
    separators between digits become ``/``), then :data:`BOILERPLATE` removed and
    :data:`SYNONYMS` applied, clause by clause.  Input beyond ``4 × MAX_TEXT_CHARS``
    characters is ignored and the result is cut to :data:`MAX_TEXT_CHARS`.  Non-``str``
    input gives ``""``.
    """
    return "".join(c for c, _ in clauses(text))
