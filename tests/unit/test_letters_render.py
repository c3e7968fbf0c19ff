"""Letters: every kind and every reply outcome renders to HTML and to a real A4 PDF whose text
says what the law requires (rules.md §c, §h), with embedded fonts and Chinese line breaking.

No database.  The PDFs are rendered once per module (fixture ``rendered``).
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from requests_service.domain.outcomes import Outcome, OutcomeGroup, remedy_notice
from requests_service.letters.render import (
    DOCUMENT_KINDS,
    DOCUMENT_TITLES,
    FONT_STACK,
    REPLY_TITLES,
    LetterRenderError,
    check_fonts,
    clause,
    cn_date,
    document_title,
    make_environment,
    render_html,
    render_pdf,
    yuan,
    yuan_upper,
)
from requests_service.letters.samples import SAMPLE_VARIANTS, sample_context
from requests_service.services.letter_kinds import LETTER_KINDS

TEMPLATES = Path(__file__).resolve().parents[2] / "letter_templates"
BASE_URL = TEMPLATES.as_uri() + "/"
A4 = (595.28, 841.89)  # points

# Characters that must never begin a line (Chinese line-breaking rules, 行首禁则).
FORBIDDEN_LINE_START = "，。；：、）》」』】〕！？”’…%％,.;:!?)"
# …and the opening ones that must never end one (行尾禁则).
FORBIDDEN_LINE_END = "（《「『【〔“‘"

NON_KINDS = [k for k in DOCUMENT_KINDS if k != "reply"]
OUTCOMES = [o.value for o in Outcome]


@dataclass(frozen=True)
class Rendered:
    context: dict[str, Any]
    html: str
    pdf: bytes
    reader: PdfReader
    pages: list[str]

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    @property
    def flat(self) -> str:
        """The text without page numbers, line breaks and spaces, for phrases that may wrap
        (also across a page break)."""
        return re.sub(r"\s+", "", re.sub(r"— \d+ —", "", self.text))


def _read(context: dict[str, Any], html: str, pdf: bytes) -> Rendered:
    reader = PdfReader(io.BytesIO(pdf))
    return Rendered(context, html, pdf, reader, [page.extract_text() for page in reader.pages])


def _render(env: Environment, context: dict[str, Any]) -> Rendered:
    html = render_html(env, context["kind"], context)
    return _read(context, html, render_pdf(html, BASE_URL))


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def env() -> Environment:
    return make_environment(TEMPLATES)


@pytest.fixture(scope="module")
def rendered(env: Environment) -> dict[str, Rendered]:
    """One PDF per non-reply kind and per reply outcome, keyed by kind or outcome value."""
    result = {kind: _render(env, sample_context(kind)) for kind in NON_KINDS}
    for outcome in OUTCOMES:
        result[outcome] = _render(env, sample_context("reply", outcome))
    return result


def _punctuation_stress() -> str:
    """Closing and opening punctuation landing on every column of the 28-character grid."""
    return "".join(
        "字" * k + "，“" + "引" * (k % 5 + 1) + "”。《法》；（注）、" + "数" * (k % 3) + "12%："
        for k in range(1, 29)
    )


@pytest.fixture(scope="module")
def stress(env: Environment) -> Rendered:
    context = sample_context("reply", "withheld_process_info")
    context["reply"]["reasons"] = _punctuation_stress()
    return _render(env, context)


@pytest.fixture(scope="module")
def rare(env: Environment) -> Rendered:
    """A reply to an applicant whose name has characters outside GB2312."""
    context = sample_context("reply", "disclosed")
    context["applicant"]["name"] = "王䶮堃喆珺"
    return _render(env, context)


def _fonts(reader: PdfReader) -> Iterator[tuple[str, DictionaryObject]]:
    """(BaseFont, font descriptor) of every font used on any page, descendants included."""
    seen: set[int] = set()
    for page in reader.pages:
        resources = page.get("/Resources")
        if resources is None:
            continue
        fonts = resources.get_object().get("/Font")
        if fonts is None:
            continue
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if id(font) in seen:
                continue
            seen.add(id(font))
            for target in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                descriptor = target.get("/FontDescriptor")
                if descriptor is not None:
                    yield str(target["/BaseFont"]), descriptor.get_object()


def _lines(item: Rendered) -> Iterator[str]:
    """Visual lines; table cells come out space-separated on one line, so split them too."""
    for page in item.pages:
        for line in page.splitlines():
            for part in line.split(" "):
                if part.strip():
                    yield part.strip()


# --- catalogue ----------------------------------------------------------------------------


def test_document_kinds_have_titles_and_templates() -> None:
    assert set(DOCUMENT_TITLES) == set(DOCUMENT_KINDS)
    # the single table of letter kinds (services.letter_kinds) and the printed titles agree
    assert tuple(LETTER_KINDS) == DOCUMENT_KINDS
    assert len(DOCUMENT_KINDS) == 10
    for kind in DOCUMENT_KINDS:
        assert (TEMPLATES / f"{kind}.html.j2").is_file()
        assert LETTER_KINDS[kind].template == f"{kind}.html.j2"
    assert (TEMPLATES / "letter.css").is_file()
    assert (TEMPLATES / "base.html.j2").is_file()


def test_every_outcome_has_its_reply_template() -> None:
    names = {p.name for p in (TEMPLATES / "replies").glob("*.html.j2")}
    assert names == {f"{o.value}.html.j2" for o in Outcome}


def test_document_title_varies_for_closures_and_agency_consultation() -> None:
    assert document_title("reply", "disclosed") == "政府信息公开申请答复书"
    assert document_title("reply", "other_fee_unpaid") == REPLY_TITLES["other_fee_unpaid"]
    assert document_title("third_party_consultation", "other_agency") == "政府信息公开征求意见函"
    with pytest.raises(LetterRenderError):
        document_title("memo")


# --- filters ------------------------------------------------------------------------------


def test_cn_date_writes_arabic_numerals_without_leading_zeros() -> None:
    assert cn_date(dt.date(2026, 3, 2)) == "2026年3月2日"
    assert cn_date(dt.date(2026, 11, 23)) == "2026年11月23日"
    with pytest.raises(LetterRenderError):
        cn_date("2026-03-02")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("amount", "plain", "upper"),
    [
        ("500.00", "500.00", "伍佰元整"),
        (Decimal("2200"), "2200.00", "贰仟贰佰元整"),
        (1005, "1005.00", "壹仟零伍元整"),
        ("10500", "10500.00", "壹万零伍佰元整"),
        ("100000", "100000.00", "壹拾万元整"),
        ("12.05", "12.05", "壹拾贰元零伍分"),
        ("0.50", "0.50", "伍角"),
        ("0", "0.00", "零元整"),
    ],
)
def test_yuan_filters(amount: Any, plain: str, upper: str) -> None:
    assert yuan(amount) == plain
    assert yuan_upper(amount) == upper


def test_clause_strips_final_punctuation() -> None:
    assert clause(" 在市图书馆查阅。 ") == "在市图书馆查阅"
    assert clause("见《办法》；") == "见《办法》"


# --- every kind and every outcome --------------------------------------------------------


@pytest.mark.parametrize("name", NON_KINDS + OUTCOMES)
def test_pdf_is_a4_with_embedded_fonts(rendered: dict[str, Rendered], name: str) -> None:
    item = rendered[name]
    assert item.pdf.startswith(b"%PDF")
    for page in item.reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - A4[0]) <= 1 and abs(height - A4[1]) <= 1
    fonts = list(_fonts(item.reader))
    assert fonts
    for base_font, descriptor in fonts:
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, base_font
    # The common path stays on the TrueType arphic fonts (fast to subset), plus the bold Noto
    # Serif of the title (the free stand-in for 小标宋, GB/T 9704).
    assert all(
        "AR-PL" in base_font or "Noto-Serif-CJK-SC-Bold" in base_font for base_font, _ in fonts
    ), [f for f, _ in fonts]


@pytest.mark.parametrize("name", NON_KINDS + OUTCOMES)
def test_common_skeleton(rendered: dict[str, Rendered], name: str) -> None:
    item = rendered[name]
    context = item.context
    agency = context["agency"]["name"]
    flat = item.flat
    kind = context["kind"]
    variant = context["reply"]["outcome"] if kind == "reply" else None
    assert flat.startswith(agency + document_title(kind, variant))
    assert "— 1 —" in item.pages[0]
    assert "—1—" not in flat
    if kind == "application_form":
        assert context["agency"]["intake_phone"] in flat
        return
    assert context["document_number"] in flat
    assert "〔2026〕" in context["document_number"]
    third_party = context["consultation"] or context["disclosure_notice"]
    addressee = third_party["party_name"] if third_party else "张明远"
    assert addressee + "：" in flat
    # the dashed seal placeholder marks drafts only (these samples are issued letters)
    assert "（印章）" not in flat
    # signature and date close the last page (the signature is positioned over the date, so
    # text extraction may list it after the date; the layout test checks where they sit)
    last = _flat(item.pages[-1])
    assert agency in last and cn_date(context["issue_date"]) in last
    assert "联系电话：" + context["agency"]["intake_phone"] in flat
    if kind not in ("third_party_consultation", "third_party_disclosure_notice", "acknowledgement"):
        # "本机关于2026年3月2日收到您提交的政府信息公开申请…申请获取“…”"
        assert "本机关于2026年3月2日收到您提交的政府信息公开申请" in flat
        assert "申请获取“" + context["case"]["requested_information"] + "”" in flat


@pytest.mark.parametrize("name", NON_KINDS + OUTCOMES)
def test_no_line_starts_with_closing_punctuation(rendered: dict[str, Rendered], name: str) -> None:
    for line in _lines(rendered[name]):
        assert line[0] not in FORBIDDEN_LINE_START, line
        assert line[-1] not in FORBIDDEN_LINE_END, line


def test_line_breaking_under_stress(stress: Rendered) -> None:
    assert _flat(_punctuation_stress()) in stress.flat
    lines = list(_lines(stress))
    assert len(lines) > 60
    for line in lines:
        assert line[0] not in FORBIDDEN_LINE_START, line
        assert line[-1] not in FORBIDDEN_LINE_END, line


def test_body_is_set_on_the_28_character_grid(rendered: dict[str, Rendered]) -> None:
    """A line of only full-width characters holds exactly 28 of them (GB/T 9704: 28 × 22)."""
    lengths = {
        len(line)
        for outcome in OUTCOMES
        for page in rendered[outcome].pages
        for line in page.splitlines()
        if re.fullmatch(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef“”]+", line)
    }
    assert max(lengths) == 28


def test_page_numbers_alternate_sides(rendered: dict[str, Rendered]) -> None:
    item = rendered["partially_disclosed"]
    # three pages since the remedy paragraph distinguishes the Art. 14–16 parts
    assert len(item.pages) >= 2
    assert "— 2 —" in item.pages[1]
    positions: dict[int, float] = {}
    for number, page in enumerate(item.reader.pages, start=1):

        def visit(text: str, cm: Any, tm: Any, *_: Any, number: int = number) -> None:
            if text.strip() == f"— {number} —":
                positions[number] = float(tm[4]) * float(cm[0]) + float(cm[4])

        page.extract_text(visitor_text=visit)
    assert positions[1] > A4[0] / 2 > positions[2]  # odd right, even left
    for number, x in positions.items():
        assert (x > A4[0] / 2) == (number % 2 == 1)


def test_text_block_starts_at_the_left_margin(rendered: dict[str, Rendered]) -> None:
    xs: list[float] = []

    def visit(text: str, cm: Any, tm: Any, *_: Any) -> None:
        if text.strip():
            xs.append(float(tm[4]) * float(cm[0]) + float(cm[4]))

    rendered["withheld_state_secret"].reader.pages[0].extract_text(visitor_text=visit)
    left_margin = 28 / 25.4 * 72
    assert min(xs) == pytest.approx(left_margin, abs=1.0)


# --- what each kind must say --------------------------------------------------------------


def test_acknowledgement(rendered: dict[str, Rendered]) -> None:
    item = rendered["acknowledgement"]
    flat = item.flat
    case = item.context["case"]
    for text in (
        case["tracking_code"],
        case["case_number"],
        case["channel_label"],
        "收到申请之日2026年3月2日",
        "2026年3月30日前",
        "20个工作日",
        item.context["agency"]["online_form_url"],
        "查询办理进度",
        # Art. 30: the period runs afresh from the corrected application, not "not counted"
        "答复期限自本机关收到补正的申请之日起重新计算",
    ):
        assert text in flat, text
    assert "预计" not in flat
    assert "要求补正申请、征求" not in flat


def test_acknowledgement_says_estimated_for_a_provisional_due_date(env: Environment) -> None:
    context = sample_context("acknowledgement")
    context["case"]["due_on"] = dt.date(2027, 1, 13)
    context["case"]["due_provisional"] = True
    html = render_html(env, "acknowledgement", context)
    assert "预计2027年1月13日前" in html
    assert "预计日期" in html


def test_correction_notice_lists_all_items_at_once(rendered: dict[str, Rendered]) -> None:
    item = rendered["correction_notice"]
    flat = item.flat
    correction = item.context["correction"]
    for number, text in enumerate(correction["items"], start=1):
        assert f"{number}．" + _flat(clause(text)) in flat
    for text in (
        "一次性告知",
        "2026年3月19日前",
        "补正期限为10个工作日",
        "答复期限自本机关收到您补正后的申请之日起重新计算",
        "视为放弃申请",
        "不再处理",
        "第三十条",
        item.context["agency"]["online_form_url"],
        item.context["agency"]["intake_address"],
    ):
        assert text in flat, text


def test_extension_notice(rendered: dict[str, Rendered]) -> None:
    flat = rendered["extension_notice"].flat
    for text in (
        "2026年3月30日前",
        "延长20个工作日",
        "2026年4月28日前",
        "政府信息公开工作机构负责人同意",
        "第三十三条第二款",
        "逐项进行保密审查",
    ):
        assert text in flat, text


def test_third_party_consultation(rendered: dict[str, Rendered]) -> None:
    item = rendered["third_party_consultation"]
    flat = item.flat
    consultation = item.context["consultation"]
    for text in (
        consultation["information"],
        "15个工作日",
        "2026年4月1日前",
        "第三十二条",
        "逾期未提出意见的，由本机关依照",
        "决定是否公开",
    ):
        assert text in flat, text
    assert "张明远" not in flat  # the third party is not told who applied


def test_third_party_disclosure_notice(rendered: dict[str, Rendered]) -> None:
    # Art. 32: the content to be disclosed and the reasons, in writing, before disclosure
    item = rendered["third_party_disclosure_notice"]
    flat = item.flat
    notice = item.context["disclosure_notice"]
    assert flat.startswith(_flat("江临市发展和改革委员会政府信息公开第三方告知书"))
    for text in (
        notice["party_name"] + "：",
        "书面答复不同意公开",
        "不公开该政府信息可能对公共利益造成重大影响",
        "第三十二条",
        "决定公开的政府信息内容：" + _flat(clause(notice["content"])),
        "决定公开的理由：" + _flat(clause(notice["reasons"])),
        "本告知书送达后",
        "60日内向江临市人民政府申请行政复议",
        "六个月内向江临市江北区人民法院提起行政诉讼",
    ):
        assert text in flat, text
    assert "张明远" not in flat  # the third party is not told who applied


def test_reasons_request(rendered: dict[str, Rendered]) -> None:
    item = rendered["reasons_request"]
    flat = item.flat
    for text in (
        "明显超过合理范围",
        "第三十五条",
        "2026年3月30日前",
        "15个工作日",
        "书面说明申请理由",
        "逾期未说明理由的，将告知您不予处理",
        "确定延迟答复的合理期限",
        "特此告知",
    ):
        assert text in flat, text


def test_deferral_notice(rendered: dict[str, Rendered]) -> None:
    item = rendered["deferral_notice"]
    flat = item.flat
    for text in (
        "申请理由合理",
        "第三十三条规定的期限内（2026年3月30日前）答复",
        "第三十五条",
        "延迟答复的期限为2026年5月29日",
        "特此告知",
    ):
        assert text in flat, text


def test_consultation_of_another_agency(env: Environment) -> None:
    context = sample_context("third_party_consultation", variant="other_agency")
    html = render_html(env, "third_party_consultation", context)
    assert "政府信息公开征求意见函" in html
    assert "第三十四条" in html
    assert "视为同意公开" in html


def test_fee_notice(rendered: dict[str, Rendered]) -> None:
    item = rendered["fee_notice"]
    flat = item.flat
    fee = item.context["fee"]
    for text in (
        "国办函〔2020〕109号",
        "按量计收",
        "第1—30页",
        "第31—80页",
        "10.00",
        "500.00",
        "人民币500.00元",
        "伍佰元整",
        "自收到本通知书次日起20个工作日内",
        "2026年4月14日前",
        "视为放弃申请",
        "不再处理",
        _flat(clause(fee["payment_instructions"])),
        "本次申请共80页",
    ):
        assert text in flat, text
    for line in fee["lines"]:  # one table row per tier: range, price, units, amount
        row = f"第{line['first_unit']}—{line['last_unit']}页{yuan(line['unit_price'])}"
        assert row + f"{line['units']}{yuan(line['amount'])}" in flat
    assert "合计（人民币伍佰元整）500.00" in flat


def test_application_form(rendered: dict[str, Rendered]) -> None:
    item = rendered["application_form"]
    flat = item.flat
    agency = item.context["agency"]
    for text in (
        agency["intake_office_name"],
        agency["intake_address"],
        agency["intake_postcode"],
        agency["intake_phone"],
        agency["intake_email"],
        _flat(agency["intake_office_hours"]),
        agency["online_form_url"],
        "自然人",
        "法人或者其他组织",
        "□商业企业",
        "□科研机构",
        "□社会公益组织",
        "□法律服务机构",
        "□其他",
        "所需政府信息的描述",
        "提供形式",
        "获取方式",
        "□邮寄",
        "申请人签名或者盖章",
        "申请人无需说明所需政府信息的用途",
    ):
        assert text in flat, text


# --- replies: one per outcome -------------------------------------------------------------

OUTCOME_TEXT: dict[str, tuple[str, ...]] = {
    "disclosed": ("予以公开", "本机关现予提供", "提供形式：纸质复制件"),
    "partially_disclosed": ("能够作区分处理", "资金拨付凭证中收款单位的银行账号", "予以部分公开"),
    "withheld_state_secret": ("国家秘密", "不予公开"),
    "withheld_law_prohibits": ("《中华人民共和国统计法》第二十五条规定禁止公开", "不予公开"),
    "withheld_security_stability": ("国家安全、公共安全、经济安全、社会稳定", "不予公开"),
    "withheld_third_party": ("商业秘密、个人隐私", "书面征求了第三方的意见", "不同意公开"),
    "withheld_internal_affairs": ("内部事务信息", "不予公开"),
    "withheld_process_info": ("过程性信息", "不予公开"),
    "withheld_enforcement_file": ("行政执法案卷", "不予公开"),
    "withheld_special_query": ("依照有关法律、行政法规的规定办理", "江临市不动产登记中心"),
    "unavailable_not_held": ("不属于本机关负责公开", "江临市住房和城乡建设局", "0512-88654100"),
    "unavailable_needs_creation": ("加工、分析", "无法向您提供"),
    "unavailable_still_unclear": ("补正，申请内容仍不明确", "2026年3月5日"),
    "not_processed_petition": ("信访、投诉、举报", "江临市信访局", "不作为政府信息公开申请处理"),
    "not_processed_repeat": ("市发改依申〔2026〕第0003号", "不予重复处理"),
    "not_processed_publication": ("公开出版物", "江临市图书馆", "不予处理"),
    "not_processed_excessive": ("数量、频次明显超过合理范围", "说明理由", "不予处理"),
    "not_processed_confirm_reissue": ("确认或者重新出具", "不予处理"),
    "other_no_correction": ("补正告知书", "2026年3月19日", "视为放弃申请", "不再处理"),
    "other_fee_unpaid": ("收费通知书", "500.00元", "2026年4月14日", "视为放弃申请", "不再处理"),
    "other": ("撤回", "终止办理该申请", "特此告知"),
}


def test_outcome_text_table_is_complete() -> None:
    assert set(OUTCOME_TEXT) == set(OUTCOMES)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_reply_says_what_the_outcome_requires(rendered: dict[str, Rendered], outcome: str) -> None:
    item = rendered[outcome]
    reply = item.context["reply"]
    flat = item.flat
    for text in OUTCOME_TEXT[outcome]:
        assert _flat(text) in flat, text
    if reply["reasons"]:
        assert _flat(reply["reasons"]) in flat
    if reply["legal_basis"]:
        assert "根据" + _flat(clause(reply["legal_basis"])) + "的规定" in flat
    if Outcome(outcome).group is OutcomeGroup.OTHER:
        assert "特此告知" in flat
    else:
        assert "特此答复" in flat


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_reply_remedy_paragraph(rendered: dict[str, Rendered], outcome: str) -> None:
    item = rendered[outcome]
    reply = item.context["reply"]
    flat = item.flat
    if not reply["remedy_required"]:
        assert outcome == "other"
        assert "行政复议" not in flat
        return
    assert _flat(reply["remedy_text"]) in flat
    assert "60日内向江临市人民政府申请行政复议" in flat
    assert "行政复议机关逾期不作决定的，可以自复议期满之日起十五日内" in flat
    route = reply["remedy_route"]
    if outcome in ("partially_disclosed",):
        # the sample's two withheld parts cite Art. 15: reconsideration first for them only
        assert route == "mixed"
        assert "对上表第1、2项依据" in flat
        assert "六个月内向江临市江北区人民法院提起行政诉讼" in flat
    elif Outcome(outcome).requires_reconsideration_first:
        assert route == "reconsideration_first"
        assert "应当先向行政复议机关申请行政复议" in flat
        assert "十五日内向江临市江北区人民法院提起行政诉讼" in flat
        assert "六个月" not in flat
    else:
        assert route == "both"
        assert "六个月内向江临市江北区人民法院提起行政诉讼" in flat
        assert "应当先向行政复议机关" not in flat


def test_reply_names_no_court_unless_configured(env: Environment) -> None:
    context = sample_context("reply", "withheld_special_query")
    context["agency"]["court"] = None
    notice = remedy_notice("withheld_special_query", "江临市人民政府", None)
    context["reply"]["remedy_text"] = notice.text
    flat = _flat(render_html(env, "reply", context))
    assert "六个月内依法向人民法院提起行政诉讼" in flat
    assert "江北区人民法院" not in flat


def test_other_agency_that_cannot_be_determined(env: Environment) -> None:
    context = sample_context("reply", "unavailable_not_held")
    context["reply"]["details"] = {"not_held_basis": "other_agency"}
    flat = _flat(render_html(env, "reply", context))
    assert "目前无法确定负责公开该政府信息的行政机关" in flat


def test_partially_disclosed_lists_each_withheld_part_with_reason_and_basis(
    rendered: dict[str, Rendered],
) -> None:
    item = rendered["partially_disclosed"]
    text = item.text
    for header in ("不予公开的内容", "理由", "法律依据"):
        assert header in text
    for part in item.context["reply"]["details"]["withheld_parts"]:
        for key in ("description", "reason", "legal_basis"):
            assert _flat(part[key]) in item.html
        assert _flat(part["description"])[:8] in _flat(text)


@pytest.mark.parametrize(
    ("outcome", "variant", "expected"),
    [
        ("disclosed", "already_public", ("已经主动公开", "fgw.jianglin.gov.cn/zfxxgk/")),
        ("unavailable_not_held", "does_not_exist", ("进行了检索", "该政府信息不存在")),
    ],
)
def test_reply_variants(
    env: Environment, outcome: str, variant: str, expected: tuple[str, ...]
) -> None:
    assert variant in SAMPLE_VARIANTS[outcome]
    html = render_html(env, "reply", sample_context("reply", outcome, variant=variant))
    for text in expected:
        assert text in html


def test_organisation_is_addressed_as_such(env: Environment) -> None:
    context = sample_context("reply", "disclosed")
    context["applicant"].update(name="江临市某某律师事务所", is_organisation=True)
    html = render_html(env, "reply", context)
    assert "江临市某某律师事务所：" in html
    assert "收到贵单位提交的政府信息公开申请" in html


def test_preview_has_no_number_and_is_marked(env: Environment) -> None:
    context = sample_context("reply", "withheld_state_secret")
    context.update(document_number=None, preview=True)
    html = render_html(env, "reply", context)
    assert "（预览稿，尚未编号）" in html
    assert 'class="preview-mark"' in html
    assert "（印章）" in html  # the seal placeholder belongs on drafts


def _word_boxes(pdf: bytes, tmp_path: Path) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, word) of every word, from poppler's pdftotext -bbox."""
    source = tmp_path / "letter.pdf"
    source.write_bytes(pdf)
    out = subprocess.run(
        ["pdftotext", "-bbox", str(source), "-"], capture_output=True, text=True, check=True
    ).stdout
    pattern = re.compile(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
    )
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in pattern.findall(out)]


@pytest.mark.parametrize("agency_name", ["江临市发展和改革委员会", "江临市财政局"])
def test_date_four_characters_from_the_right_with_the_signature_centred_over_it(
    env: Environment, tmp_path: Path, agency_name: str
) -> None:
    # GB/T 9704 7.3.5.2: 成文日期右空四字; 发文机关署名以成文日期为准居中
    context = sample_context("extension_notice")
    context["agency"]["name"] = agency_name
    pdf = render_pdf(render_html(env, "extension_notice", context), BASE_URL)
    boxes = _word_boxes(pdf, tmp_path)
    date = next(b for b in boxes if b[4] == cn_date(context["issue_date"]))
    signature = [b for b in boxes if b[4] == agency_name][-1]
    text_block_right = A4[0] - 26 / 25.4 * 72
    four_characters = 4 * 15.79
    assert date[2] == pytest.approx(text_block_right - four_characters, abs=3)
    assert (signature[0] + signature[2]) / 2 == pytest.approx((date[0] + date[2]) / 2, abs=2)
    assert signature[3] <= date[1] + 1  # signature above the date


def test_typography_says_which_faces_were_used(env: Environment) -> None:
    context = sample_context("reply", "disclosed")
    assert context["typography"]["body"]["source"] == "fallback"
    assert "仿宋_GB2312" in context["typography"]["body"]["label"]
    assert "小标宋" in context["typography"]["title"]["label"]
    html = render_html(env, "reply", context)
    assert 'html { font-family: "AR PL SungtiL GB"' in html
    assert 'h1.title, .letterhead { font-family: "Noto Serif CJK SC"' in html


def test_agency_font_is_embedded_for_its_letters(env: Environment) -> None:
    # A licensed face the agency provided (here a stand-in TrueType file) sets the body.
    kai = Path("/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf")
    context = sample_context("correction_notice")
    context["typography"]["faces"] = [{"family": "rs-agency-7-body", "url": kai.as_uri()}]
    context["typography"]["body"].update(family="rs-agency-7-body", source="agency")
    pdf = render_pdf(render_html(env, "correction_notice", context), BASE_URL)
    names = {base for base, _ in _fonts(PdfReader(io.BytesIO(pdf)))}
    assert any("rs-agency-7-body" in name for name in names), names


def test_letterhead_in_red_on_request(env: Environment) -> None:
    context = sample_context("reply", "disclosed")
    assert 'class="letterhead"' not in render_html(env, "reply", context)
    context["agency"]["letterhead"] = "江临市发展和改革委员会"
    html = render_html(env, "reply", context)
    assert '<p class="letterhead-name">江临市发展和改革委员会</p>' in html
    assert "letterhead-rule" in html


def test_text_is_escaped(env: Environment) -> None:
    context = sample_context("reply", "disclosed")
    context["case"]["requested_information"] = "<script>alert(1)</script>"
    html = render_html(env, "reply", context)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


# --- errors -------------------------------------------------------------------------------


def test_missing_variable_names_it(env: Environment) -> None:
    context = sample_context("reply", "disclosed")
    del context["agency"]["intake_phone"]
    with pytest.raises(LetterRenderError) as caught:
        render_html(env, "reply", context)
    assert "intake_phone" in caught.value.message
    assert "缺少变量" in caught.value.message
    assert caught.value.details["variable"] == "intake_phone"


def test_missing_top_level_variable_names_it(env: Environment) -> None:
    context = sample_context("correction_notice")
    del context["correction"]
    with pytest.raises(LetterRenderError, match="correction"):
        render_html(env, "correction_notice", context)


def test_reply_without_reply_section_is_refused(env: Environment) -> None:
    context = sample_context("reply", "disclosed")
    context["reply"] = None
    with pytest.raises(LetterRenderError):
        render_html(env, "reply", context)


def test_missing_outcome_detail_is_refused(env: Environment) -> None:
    context = sample_context("reply", "not_processed_repeat")
    context["reply"]["details"] = {}
    with pytest.raises(LetterRenderError, match="earlier_case_number"):
        render_html(env, "reply", context)


def test_none_is_never_printed(env: Environment) -> None:
    context = sample_context("reply", "disclosed")
    context["applicant"]["name"] = None
    with pytest.raises(LetterRenderError, match="None"):
        render_html(env, "reply", context)


def test_unknown_kind_and_outcome_are_refused(env: Environment) -> None:
    with pytest.raises(LetterRenderError):
        render_html(env, "memo", {"kind": "memo"})
    context = sample_context("reply", "disclosed")
    context["reply"]["outcome"] = "lost"
    with pytest.raises(LetterRenderError, match="lost"):
        render_html(env, "reply", context)


def test_optional_values_may_be_absent(env: Environment) -> None:
    """Optional contract fields set to None never break a letter."""
    for kind in DOCUMENT_KINDS:
        context = sample_context(kind)
        for key in context["agency"]:
            if key not in ("name", "reconsideration_body", "court"):
                context["agency"][key] = None
        for key in ("address", "postcode", "phone", "email", "contact_person"):
            context["applicant"][key] = None
        if kind != "application_form":
            context["case"].update(
                submitted_on=None,
                clock_explanation=[],
                tracking_code=None,
                channel_label=None,
                due_on=None,
            )
        html = render_html(env, kind, copy.deepcopy(context))
        assert "None" not in html
        assert "联系单位" not in html


# --- fonts --------------------------------------------------------------------------------


def test_rare_name_characters_fall_back_to_noto(rare: Rendered) -> None:
    assert "王䶮堃喆珺：" in rare.flat
    names = [base_font for base_font, _ in _fonts(rare.reader)]
    assert any("Noto" in name for name in names), names
    assert any("SungtiL" in name for name in names), names
    for base_font, descriptor in _fonts(rare.reader):
        assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, base_font


def test_check_fonts_finds_the_stack_installed() -> None:
    assert check_fonts() == []
    assert check_fonts((*FONT_STACK, "No Such Font XYZ")) == ["No Such Font XYZ"]


def test_render_pdf_takes_html_from_render_html(env: Environment) -> None:
    html = render_html(env, "extension_notice", sample_context("extension_notice"))
    assert "<style>" in html and "@page" in html  # the stylesheet travels inside the HTML
    assert render_pdf(html, BASE_URL).startswith(b"%PDF")


def test_sample_contexts_follow_the_contract() -> None:
    keys = {
        "kind",
        "document_number",
        "issue_date",
        "preview",
        "agency",
        "typography",
        "applicant",
        "case",
        "correction",
        "extension",
        "consultation",
        "disclosure_notice",
        "reasons_request",
        "deferral",
        "fee",
        "reply",
    }
    for kind in DOCUMENT_KINDS:
        context = sample_context(kind)
        assert set(context) == keys
        assert context["kind"] == kind
        assert set(context["agency"]) >= {"reconsideration_body", "court", "intake_office_hours"}
    with pytest.raises(ValueError):
        sample_context("acknowledgement", "disclosed")
