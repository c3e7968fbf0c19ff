"""Complete, realistic letter contexts for every document kind and every reply outcome.

The service builds the same shape from a case (see the contract in :mod:`.render`); tests, the
benchmark and the preview tests use these samples.  Every optional key is present (``None``
or empty where it does not apply), reply details are valid for
:func:`~requests_service.domain.outcomes.validate_reply`, and the remedy paragraph comes from
:func:`~requests_service.domain.outcomes.remedy_notice`.

The fictional agency is 江临市发展和改革委员会.  Dates follow the official 2026 working-day
calendar (rules.md §i): received Monday 2026-03-02, reply due 20 working days later on
2026-03-30; extension to 2026-04-28 (Qingming 4–6 April off); and so on.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any, Final

from requests_service.domain.channels import Channel
from requests_service.domain.fees import quote_per_volume
from requests_service.domain.outcomes import Outcome, remedy_notice, validate_reply
from requests_service.letters.render import fallback_typography

__all__ = ["SAMPLE_VARIANTS", "sample_context"]

_OGI: Final = "《中华人民共和国政府信息公开条例》"

_AGENCY: Final[dict[str, Any]] = {
    "name": "江临市发展和改革委员会",
    "short_name": "市发改委",
    "intake_office_name": "江临市发展和改革委员会政务公开科",
    "intake_address": "江临市江北区人民路88号行政中心3号楼",
    "intake_postcode": "215300",
    "intake_phone": "0512-88652301",
    "intake_email": "zwgk@fgw.jianglin.gov.cn",
    "intake_office_hours": "工作日上午9:00—12:00，下午13:30—17:00",
    "online_form_url": "https://fgw.jianglin.gov.cn/ysqgk/",
    "reconsideration_body": "江临市人民政府",
    "court": "江临市江北区人民法院",
    "letterhead": None,
}

_APPLICANT: Final[dict[str, Any]] = {
    "name": "张明远",
    "address": "江临市滨江区望江路16号3幢201室",
    "postcode": "215321",
    "phone": "139 1234 5678",
    "email": "zhang.mingyuan@example.com",
    "contact_person": None,
    "is_organisation": False,
}

_REQUESTED: Final = (
    "江临市轨道交通2号线二期工程可行性研究报告的批复文件，以及该项目2025年度资金拨付情况"
)

_RECEIPT: Final = dt.date(2026, 3, 2)  # Monday
_DUE: Final = dt.date(2026, 3, 30)  # 20th working day after receipt

_CASE: Final[dict[str, Any]] = {
    "case_number": "市发改依申〔2026〕第0012号",
    "tracking_code": "YS7K3M-9QX2-HT5D-W8PA",
    "receipt_date": _RECEIPT,
    "submitted_on": _RECEIPT,
    "channel_label": Channel.IN_PERSON.label,
    "requested_information": _REQUESTED,
    "due_on": _DUE,
    "due_provisional": False,
    "clock_explanation": [
        "收到申请之日为2026年3月2日（当面提交，以提交之日为收到申请之日）",
        "答复期限为自收到申请之日起20个工作日，自次日起算，节假日按国务院公布的2026年安排扣除",
        "期限届满日为2026年3月30日",
    ],
}

_DOCUMENT_NUMBERS: Final[dict[str, str | None]] = {
    "acknowledgement": "市发改公登〔2026〕12号",
    "correction_notice": "市发改公补〔2026〕5号",
    "extension_notice": "市发改公延〔2026〕3号",
    "third_party_consultation": "市发改公征〔2026〕2号",
    "third_party_disclosure_notice": "市发改公告〔2026〕1号",
    "fee_notice": "市发改公费〔2026〕1号",
    "reasons_request": "市发改公理〔2026〕1号",
    "deferral_notice": "市发改公迟〔2026〕1号",
    "reply": "市发改公复〔2026〕12号",
    "application_form": None,
}

_ISSUE_DATES: Final[dict[str, dt.date]] = {
    "acknowledgement": _RECEIPT,
    "correction_notice": dt.date(2026, 3, 5),
    "extension_notice": dt.date(2026, 3, 27),
    "third_party_consultation": dt.date(2026, 3, 10),
    "third_party_disclosure_notice": dt.date(2026, 4, 7),
    "fee_notice": dt.date(2026, 3, 13),
    "reasons_request": dt.date(2026, 3, 9),
    "deferral_notice": dt.date(2026, 3, 16),
    "reply": dt.date(2026, 3, 20),
    "application_form": dt.date(2026, 1, 5),
}

_CORRECTION: Final[dict[str, Any]] = {
    "items": [
        "请明确所需政府信息的具体名称、文号或者其他特征性描述：“轨道交通相关文件”"
        "范围不明确，请写明是可行性研究报告的批复、初步设计的批复还是投资计划文件",
        "请明确所需信息的时间范围（如2025年1月1日至2025年12月31日）",
        "请提供申请人有效身份证件（居民身份证）的复印件；申请表所附复印件模糊，无法辨认",
        "请补充有效的联系电话或者通信地址，以便本机关送达答复",
    ],
    "period_working_days": 10,
    "requested_on": dt.date(2026, 3, 5),  # within 7 working days of receipt (Art. 30)
    "due_on": dt.date(2026, 3, 19),  # 10 working days after 2026-03-05
}

_EXTENSION: Final[dict[str, Any]] = {
    "extra_working_days": 20,
    "reason": "您申请的信息涉及2025年度12个批次的投资计划和资金拨付凭证，"
    "需要调取多个处室的档案并逐项进行保密审查",
    "original_due": _DUE,
    "new_due": dt.date(2026, 4, 28),  # 20 further working days (Qingming 4–6 April off)
}

_CONSULTATIONS: Final[dict[str, dict[str, Any]]] = {
    "third_party": {
        "party_name": "江临轨道交通建设投资有限公司",
        "party_address": "江临市江北区华山路200号（邮政编码：215301）",
        "kind": "third_party",
        "information": "江临市轨道交通2号线二期工程可行性研究报告中的投资估算明细及融资方案",
        "reason": "该信息中的投资估算明细、融资方案涉及贵方的经营信息，可能属于商业秘密",
        "reply_due": dt.date(2026, 4, 1),  # 15 working days after receipt on 2026-03-11
    },
    "other_agency": {
        "party_name": "江临市财政局",
        "party_address": "江临市江北区人民路90号（邮政编码：215300）",
        "kind": "other_agency",
        "information": "《关于下达2025年度江临市轨道交通2号线二期工程政府投资计划的通知》",
        "reason": "该文件由本机关与贵机关联合制作（江发改投资〔2025〕36号）",
        "reply_due": dt.date(2026, 4, 1),
    },
}

_DISCLOSURE_NOTICE: Final[dict[str, Any]] = {
    "party_name": "江临轨道交通建设投资有限公司",
    "party_address": "江临市江北区华山路200号（邮政编码：215301）",
    "consulted_on": dt.date(2026, 3, 11),
    "objection": "投资估算明细属于本公司商业秘密，公开后将影响本公司后续融资谈判",
    "objection_on": dt.date(2026, 3, 30),
    "content": "江临市轨道交通2号线二期工程可行性研究报告中的投资估算总额及分项汇总表"
    "（不含单价构成和融资利率）",
    "reasons": "该工程为全额使用财政资金的重大公共基础设施项目，投资估算总额及分项汇总"
    "涉及公共资金使用，社会公众普遍关注；不公开可能对公共利益造成重大影响，"
    "且本机关已删除单价构成和融资利率等核心经营信息",
    "decided_on": dt.date(2026, 4, 3),
}

# Art. 35: asked on 2026-03-09 with 15 working days → 2026-03-30.
_REASONS_REQUEST: Final[dict[str, Any]] = {
    "volume_summary": "您自2026年2月1日以来向本机关提出政府信息公开申请86件，"
    "其中71件系将同一项目的资金拨付凭证按日期拆分提出",
    "period_working_days": 15,
    "requested_on": dt.date(2026, 3, 9),
    "due_on": dt.date(2026, 3, 30),
}

_DEFERRAL: Final[dict[str, Any]] = {
    "reasons_received_on": dt.date(2026, 3, 12),
    "deferred_due_on": dt.date(2026, 5, 29),
    "reason": "您申请的86件政府信息涉及2025年度全部资金拨付凭证约3400页，"
    "需要逐页进行保密审查和区分处理",
    "original_due": _DUE,
}

_FEE_DUE: Final = dt.date(2026, 4, 14)  # 20 working days from the day after receipt on 3-16


def _fee() -> dict[str, Any]:
    # 80 A4 pages on paper: pages 1-30 free, 31-80 at 10 yuan each = 500.00 yuan.
    quote = quote_per_volume(80)
    return {
        "method_label": quote.method.label,
        "amount": f"{quote.amount:.2f}",
        "lines": [
            {
                "first_unit": line.first_unit,
                "last_unit": line.last_unit,
                "unit_price": line.unit_price,
                "units": line.units,
                "amount": line.amount,
                "explanation": line.explanation,
            }
            for line in quote.lines
        ],
        "explanation": list(quote.explanation),
        "payment_due_on": _FEE_DUE,
        "payment_instructions": "请通过江临市非税收入统一缴款平台（https://fs.jianglin.gov.cn/pay）"
        "凭缴款码2026031300012缴纳，或者持本通知书到本机关政务公开科办理缴款",
    }


_PARTIAL_REASONS: Final = (
    "上述内容涉及第三方经营信息和个人隐私，第三方书面答复不同意公开；"
    "本机关已作遮盖处理，其余部分向您公开。"
)

# Details per outcome (valid for validate_outcome_details), and the officer's reasons.
_REPLIES: Final[dict[str, tuple[dict[str, Any], str]]] = {
    "disclosed": (
        {
            "disclosure_route": "provided",
            "delivery_form": "纸质复制件，通过中国邮政EMS邮寄至您提供的通信地址",
        },
        "您申请获取的批复文件和投资计划下达文件由本机关制作并保存，"
        "不涉及国家秘密、商业秘密和个人隐私，依法应当公开。",
    ),
    "partially_disclosed": (
        {
            "disclosed_part_description": "可行性研究报告批复文件（江发改投资〔2025〕18号）、"
            "2025年度政府投资计划下达文件和资金拨付情况汇总表",
            "withheld_parts": [
                {
                    "description": "资金拨付凭证中收款单位的银行账号",
                    "reason": "属于第三方经营信息，第三方书面答复不同意公开",
                    "legal_basis": f"{_OGI}第十五条、第三十二条",
                },
                {
                    "description": "审批单上经办人员的身份证号码",
                    "reason": "属于个人隐私，公开会损害其合法权益",
                    "legal_basis": f"{_OGI}第十五条",
                },
            ],
            "delivery_form": "纸质复制件，通过中国邮政EMS邮寄至您提供的通信地址",
        },
        _PARTIAL_REASONS,
    ),
    "withheld_state_secret": (
        {},
        "该信息已由定密责任人依照《中华人民共和国保守国家秘密法》确定为秘密级国家秘密，"
        "保密期限尚未届满，也未解密。",
    ),
    "withheld_law_prohibits": (
        {"cited_law": "《中华人民共和国统计法》第二十五条"},
        "您申请获取的是统计调查中获得的能够识别单个统计调查对象身份的资料，"
        "法律规定任何单位和个人不得对外提供、泄露。",
    ),
    "withheld_security_stability": (
        {},
        "您申请获取的轨道交通控制中心的平面布置和安防系统配置资料，"
        "公开后可能被用于破坏公共交通设施，危及公共安全。",
    ),
    "withheld_third_party": (
        {
            "third_party_objection": "江临轨道交通建设投资有限公司于2026年3月18日书面答复，"
            "认为投资估算明细和融资方案属于其商业秘密，不同意公开"
        },
        "您申请获取的投资估算明细和融资方案包含第三方的成本构成、融资渠道和利率等经营信息，"
        "属于商业秘密。",
    ),
    "withheld_internal_affairs": (
        {},
        "您申请获取的本机关2025年度公务用车派车记录属于后勤管理方面的内部事务信息，"
        "对外部不产生直接约束力。",
    ),
    "withheld_process_info": (
        {},
        "您申请获取的项目推进协调会议纪要系讨论稿，尚未形成正式文件。",
    ),
    "withheld_enforcement_file": (
        {},
        "您申请获取的是本机关对某企业作出价格行政处罚过程中形成的调查笔录、证据材料等"
        "行政执法案卷材料。",
    ),
    "withheld_special_query": (
        {
            "special_procedure": "不动产登记资料的查询，"
            "请依照《不动产登记资料查询暂行办法》的规定，持有效身份证件到江临市不动产登记中心（江临市江北区长江路18号）申请查询"
        },
        "您申请获取的是江临市滨江区望江路16号房屋的不动产登记资料。",
    ),
    "unavailable_not_held": (
        {
            "not_held_basis": "other_agency",
            "competent_agency_name": "江临市住房和城乡建设局",
            "competent_agency_contact": "联系电话0512-8865 4100，地址江临市江北区人民路96号",
        },
        "根据职责分工，轨道交通工程建设质量安全监督由江临市住房和城乡建设局负责，"
        "相关信息由该局制作和保存。",
    ),
    "unavailable_needs_creation": (
        {},
        "本机关未制作按区县、按月份汇总的轨道交通项目资金使用统计表，"
        "提供该统计表需要从多个项目的原始凭证中重新汇总、计算。",
    ),
    "unavailable_still_unclear": (
        {
            "unclear_points": "补正后的申请仍只写明“轨道交通相关文件”，"
            "未说明文件的名称、文号、制作时间或者其他特征性描述"
        },
        "本机关无法根据补正后的描述确定您所需政府信息的范围。",
    ),
    "not_processed_petition": (
        {"proper_channel": "江临市12345政务服务便民热线或者江临市信访局"},
        "您在申请中反映轨道交通施工扰民问题并要求查处施工单位，属于投诉、举报事项。",
    ),
    "not_processed_repeat": (
        {"earlier_case_number": "市发改依申〔2026〕第0003号"},
        "本机关已于2026年1月20日就相同信息向您作出答复，并已送达。",
    ),
    "not_processed_publication": (
        {
            "publication_source": "《江临统计年鉴2025》已由中国统计出版社公开出版，"
            "您可以在江临市图书馆查阅，或者通过正规图书销售渠道购买"
        },
        "您申请获取的江临市2025年主要经济指标已全部载于《江临统计年鉴2025》。",
    ),
    "not_processed_excessive": (
        {
            "reason_request_summary": "本机关于2026年3月9日书面要求您说明理由，"
            "您于2026年3月12日答复称“为了解政府工作”，未说明在一个月内提出86件申请的合理需要"
        },
        "您自2026年2月以来就同一事项拆分提出86件申请，所涉信息的数量、频次明显超过合理范围。",
    ),
    "not_processed_confirm_reissue": (
        {},
        "您要求本机关对您已取得的批复文件复印件加盖印章以确认其真实性，"
        "该请求不属于政府信息公开申请。",
    ),
    "other_no_correction": (
        {},
        "补正告知书已于2026年3月6日由您本人签收（EMS回执存卷），补正期限内您未与本机关联系。",
    ),
    "other_fee_unpaid": (
        {},
        "收费通知书已于2026年3月16日通过电子邮件送达您提供的邮箱，缴费期限内您未缴纳费用，"
        "也未与本机关联系。",
    ),
    "other": (
        {},
        "您于2026年3月10日通过本机关政府信息公开申请平台申请撤回上述政府信息公开申请。"
        "经与您电话确认，本机关终止办理该申请。",
    ),
}

# Alternative details for the same outcome (``variant=``): the other branch of Art. 36.
SAMPLE_VARIANTS: Final[dict[str, dict[str, tuple[dict[str, Any], str]]]] = {
    "disclosed": {
        "already_public": (
            {
                "disclosure_route": "already_public",
                "public_location": "该文件已于2025年6月18日在江临市发展和改革委员会门户网站"
                "“政府信息公开—法定主动公开内容—计划规划”栏目公开"
                "（https://fgw.jianglin.gov.cn/zfxxgk/），您也可以到江临市政务服务中心"
                "政府信息查阅点查阅",
            },
            "您申请获取的批复文件属于本机关已主动公开的政府信息。",
        ),
    },
    "unavailable_not_held": {
        "does_not_exist": (
            {
                "not_held_basis": "does_not_exist",
                "search_description": "本机关检索了2020年以来的发文目录、收文登记、"
                "档案管理系统和投资项目在线审批监管平台，以“轨道交通3号线”“可行性研究”"
                "为关键词进行了查询",
            },
            "本机关未审批过江临市轨道交通3号线工程的可行性研究报告，未制作或者获取相关信息。",
        ),
    },
}


def _reply(outcome: Outcome, variant: str | None) -> dict[str, Any]:
    details, reasons = _REPLIES[outcome.value]
    if variant is not None:
        try:
            details, reasons = SAMPLE_VARIANTS[outcome.value][variant]
        except KeyError:
            raise ValueError(f"no sample variant {variant!r} for outcome {outcome}") from None
    decision = validate_reply(outcome, reasons or None, None, copy.deepcopy(details))
    remedy = (
        remedy_notice(
            outcome, _AGENCY["reconsideration_body"], _AGENCY["court"], details=decision.details
        )
        if outcome.remedy_notice_required
        else None
    )
    return {
        "outcome": outcome.value,
        "outcome_label": outcome.label,
        "group": outcome.group.value,
        "reasons": decision.reasons,
        "legal_basis": decision.legal_basis,
        "details": decision.details,
        "remedy_required": remedy is not None,
        "reconsideration_first": bool(remedy and remedy.reconsideration_first),
        "remedy_route": remedy.route.value if remedy else None,
        "remedy_text": remedy.text if remedy else "",
    }


def sample_context(
    kind: str, outcome: str | None = None, *, variant: str | None = None
) -> dict[str, Any]:
    """A complete context for ``kind`` (one of ``DOCUMENT_KINDS``); for ``reply`` pass the
    ``outcome`` (an :class:`Outcome` value, default ``partially_disclosed``, a two-page
    letter) and optionally a ``variant`` from :data:`SAMPLE_VARIANTS`.  Fresh objects on every
    call, so callers may change them."""
    if kind not in _DOCUMENT_NUMBERS:
        raise ValueError(f"unknown document kind {kind!r}")
    if outcome is not None and kind != "reply":
        raise ValueError("outcome applies to reply letters only")
    if variant is not None and kind not in ("reply", "third_party_consultation"):
        raise ValueError("variant applies to reply and consultation letters only")
    if kind == "third_party_consultation" and variant not in (None, *_CONSULTATIONS):
        raise ValueError(f"no consultation variant {variant!r}: {', '.join(_CONSULTATIONS)}")
    context: dict[str, Any] = {
        "kind": kind,
        "document_number": _DOCUMENT_NUMBERS[kind],
        "issue_date": _ISSUE_DATES[kind],
        "preview": False,
        "agency": dict(_AGENCY),
        "typography": fallback_typography(),
        "applicant": dict(_APPLICANT),
        "case": copy.deepcopy(_CASE),
        "correction": None,
        "extension": None,
        "consultation": None,
        "disclosure_notice": None,
        "reasons_request": None,
        "deferral": None,
        "fee": None,
        "reply": None,
    }
    _SAMPLE_FILLERS.get(kind, _no_filler)(context, outcome, variant)
    return context


_Filler = Callable[[dict[str, Any], str | None, str | None], None]


def _no_filler(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    return None


def _blank_form(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    # A blank form: no applicant, no case yet.
    context["applicant"] = {key: None for key in _APPLICANT} | {
        "name": "",
        "is_organisation": False,
    }
    context["case"] = {key: None for key in _CASE} | {
        "due_provisional": False,
        "clock_explanation": [],
    }


def _correction(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    context["correction"] = copy.deepcopy(_CORRECTION)
    context["case"]["due_on"] = None  # the reply period restarts on the correction


def _extension(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    context["extension"] = dict(_EXTENSION)
    context["case"]["due_on"] = _EXTENSION["new_due"]


def _consultation(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    context["consultation"] = dict(_CONSULTATIONS[variant or "third_party"])


def _disclosure(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    context["disclosure_notice"] = dict(_DISCLOSURE_NOTICE)


def _reasons(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    context["reasons_request"] = dict(_REASONS_REQUEST)


def _deferral(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    context["deferral"] = dict(_DEFERRAL)
    context["case"]["due_on"] = _DEFERRAL["deferred_due_on"]


def _fee_notice(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    context["fee"] = _fee()


def _reply_letter(context: dict[str, Any], outcome: str | None, variant: str | None) -> None:
    chosen = Outcome(outcome or Outcome.PARTIALLY_DISCLOSED)
    context["reply"] = _reply(chosen, variant)
    if chosen in (Outcome.OTHER_NO_CORRECTION, Outcome.UNAVAILABLE_STILL_UNCLEAR):
        context["correction"] = copy.deepcopy(_CORRECTION)
    if chosen is Outcome.OTHER_FEE_UNPAID:
        context["fee"] = _fee()
        context["issue_date"] = dt.date(2026, 4, 15)
    if chosen is Outcome.OTHER_NO_CORRECTION:
        context["issue_date"] = dt.date(2026, 3, 20)


# What each kind of letter adds to the common sample context.
_SAMPLE_FILLERS: dict[str, _Filler] = {
    "application_form": _blank_form,
    "correction_notice": _correction,
    "extension_notice": _extension,
    "third_party_consultation": _consultation,
    "third_party_disclosure_notice": _disclosure,
    "reasons_request": _reasons,
    "deferral_notice": _deferral,
    "fee_notice": _fee_notice,
    "reply": _reply_letter,
}
