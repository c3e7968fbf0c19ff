"""Letters adapter: Jinja templates in ``letter_templates/`` → HTML → PDF via WeasyPrint.

Every letter follows GB/T 9704-2012 《党政机关公文格式》 on A4 (rules.md §h): the layout lives
in ``letter_templates/letter.css``; this module fills the templates and prints them.

Fonts.  Debian has no free 仿宋, so the body is set in "AR PL SungtiL GB" (文鼎简报宋,
fonts-arphic-gbsn00lp), with "AR PL KaitiM GB" (楷体) as second choice and for level-2
headings, and Noto Serif / Sans CJK SC last, for the characters GB2312 lacks (rare name
characters such as 䶮, 堃, 喆, 珺).  Pango takes each character from the first family that has
it, so Noto is only embedded when a letter needs one of its glyphs.  That matters for speed:
WeasyPrint spends most of a render subsetting fonts, and without HarfBuzz-subset it subsets the
CFF outlines of Noto CJK with fontTools (seconds), the TrueType arphic fonts in a fraction of
that.  When a font of the stack is missing WeasyPrint silently prints empty boxes, so
:func:`check_fonts` lets the application refuse to issue letters and log an error at start-up.

Templates use :class:`jinja2.StrictUndefined`: a variable that the context lacks raises
:class:`LetterRenderError` naming it, and printing ``None`` is refused as well, so an optional
value a template forgot to test never appears in a letter as "None".
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import MappingProxyType, TracebackType
from typing import Any, Final

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateNotFound,
    TemplateSyntaxError,
    Undefined,
    UndefinedError,
)

from requests_service.domain.errors import RuleViolation

__all__ = [
    "DOCUMENT_KINDS",
    "DOCUMENT_TITLES",
    "FALLBACK_FACES",
    "FONT_STACK",
    "REPLY_TITLES",
    "LetterRenderError",
    "check_fonts",
    "clause",
    "cn_date",
    "document_title",
    "fallback_typography",
    "make_environment",
    "render_html",
    "render_pdf",
    "yuan",
    "yuan_upper",
]

DOCUMENT_KINDS: Final[tuple[str, ...]] = (
    "acknowledgement",
    "correction_notice",
    "extension_notice",
    "third_party_consultation",
    "third_party_disclosure_notice",
    "fee_notice",
    "reasons_request",
    "deferral_notice",
    "reply",
    "application_form",
)

DOCUMENT_TITLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "acknowledgement": "政府信息公开申请登记回执",
        "correction_notice": "政府信息公开申请补正告知书",
        "extension_notice": "政府信息公开申请延期答复告知书",
        "third_party_consultation": "政府信息公开第三方意见征询函",
        "third_party_disclosure_notice": "政府信息公开第三方告知书",
        "reasons_request": "政府信息公开申请说明理由告知书",
        "deferral_notice": "政府信息公开申请延迟答复告知书",
        "fee_notice": "政府信息公开信息处理费收费通知书",
        "reply": "政府信息公开申请答复书",
        "application_form": "政府信息公开申请表",
    }
)

# A reply that closes the case without a decision on the information is a notice, not an
# answer (rules.md §h item 7: 终止/不再处理告知).
REPLY_TITLES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "other_no_correction": "政府信息公开申请不再处理告知书",
        "other_fee_unpaid": "政府信息公开申请不再处理告知书",
        "other": "政府信息公开申请办理情况告知书",
    }
)

# Art. 34: consulting the agency that made the information jointly is not a third-party letter.
_OTHER_AGENCY_CONSULTATION_TITLE: Final = "政府信息公开征求意见函"

# The families of letter.css, in its order.  Body: Song; level-2 headings: Kai; last: the wide
# Noto CJK fonts for characters outside GB2312 (serif first, sans for level-1 headings).
FONT_STACK: Final[tuple[str, ...]] = (
    "AR PL SungtiL GB",
    "AR PL KaitiM GB",
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
)

# GB/T 9704: body 3号仿宋, title 2号小标宋.  Both are licensed faces; when the agency gave
# none (services.fonts), letters use these free ones and say so in ``typography``.
FALLBACK_FACES: Final[Mapping[str, Mapping[str, str]]] = MappingProxyType(
    {
        "body": MappingProxyType(
            {
                "family": "AR PL SungtiL GB",
                "label": "AR PL SungtiL GB（文鼎简报宋，免费替代字体；机关未提供仿宋_GB2312）",
            }
        ),
        "title": MappingProxyType(
            {
                "family": "Noto Serif CJK SC",
                "label": "Noto Serif CJK SC 粗体（思源宋体，免费替代字体；机关未提供方正小标宋）",
            }
        ),
    }
)


def fallback_typography() -> dict[str, Any]:
    """``typography`` of a letter set entirely in the free faces."""
    return {
        "faces": [],
        **{
            role: {
                "family": face["family"],
                "font_name": face["family"],
                "source": "fallback",
                "label": face["label"],
            }
            for role, face in FALLBACK_FACES.items()
        },
    }


_TEMPLATE_SUFFIX: Final = ".html.j2"
_LOG = logging.getLogger(__name__)


class LetterRenderError(RuleViolation):
    """A letter cannot be rendered: its context lacks a variable, a value is empty where the
    template prints it, or the document kind has no template.  ``details`` name the variable,
    the template and the line where one is known."""


# --- filters -----------------------------------------------------------------------------


def cn_date(value: dt.date | dt.datetime) -> str:
    """GB/T 9704 date in Arabic numerals without leading zeros: 2026年3月2日."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, dt.date):
        raise LetterRenderError(
            f"日期格式不正确：{value!r}（应为日期）", variable="date", value=repr(value)
        )
    return f"{value.year}年{value.month}月{value.day}日"


def _decimal(value: Any) -> Decimal:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, bool) or value is None:
        raise LetterRenderError(f"金额格式不正确：{value!r}", variable="amount")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise LetterRenderError(f"金额格式不正确：{value!r}", variable="amount") from None
    if not amount.is_finite():
        raise LetterRenderError(f"金额格式不正确：{value!r}", variable="amount")
    return amount.quantize(Decimal("0.01"))


def yuan(value: Decimal | str | int) -> str:
    """Money in yuan with two decimals and no grouping, as on fee notices: ``500.00``."""
    return f"{_decimal(value):.2f}"


_DIGITS_UPPER: Final = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS: Final = ("", "拾", "佰", "仟")
_BIG_UNITS: Final = ("", "万", "亿", "万亿")


def _upper_group(group: int) -> str:
    """0 < group < 10000 → 壹仟零伍拾 style (leading zeros handled by the caller)."""
    text = ""
    zero = False
    for position in range(3, -1, -1):
        digit = group // 10**position % 10
        if digit == 0:
            zero = bool(text)
            continue
        if zero:
            text += "零"
            zero = False
        text += _DIGITS_UPPER[digit] + _SMALL_UNITS[position]
    return text


def yuan_upper(value: Decimal | str | int) -> str:
    """The amount in capital numerals as written on fiscal documents: 伍佰元整, 壹仟零伍元伍角."""
    amount = _decimal(value)
    if amount < 0 or amount >= Decimal(10) ** 16:
        raise LetterRenderError(f"金额超出范围：{value!r}", variable="amount")
    cents = int(amount * 100)
    text = _yuan_whole_upper(cents // 100)
    jiao, fen = cents // 10 % 10, cents % 10
    if not text and not (jiao or fen):
        return "零元整"
    if text:
        text += "元"
    if not (jiao or fen):
        return text + "整"
    if jiao:
        text += _DIGITS_UPPER[jiao] + "角"
    elif text:
        text += "零"
    if fen:
        text += _DIGITS_UPPER[fen] + "分"
    return text


def _yuan_whole_upper(whole: int) -> str:
    """Whole yuan in capitals, by groups of four digits (万, 亿, 万亿), "" for zero."""
    groups: list[int] = []
    while whole:
        groups.append(whole % 10000)
        whole //= 10000
    text = ""
    need_zero = False
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            need_zero = bool(text)
            continue
        if text and (need_zero or group < 1000):
            text += "零"
        text += _upper_group(group) + _BIG_UNITS[index]
        need_zero = False
    return text


_CLAUSE_END: Final = "。；;，,.！!？?、：: \t\r\n\u3000"


def clause(value: str) -> str:
    """Free text embedded in a sentence: stripped of surrounding space and of its final
    punctuation, so that "……：{{ x|clause }}。" never prints "。。"."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if value is None:
        raise LetterRenderError("公文模板输出了空值（None）", variable="None")
    return str(value).strip().rstrip(_CLAUSE_END)


_OPENINGS = re.compile(r"^\s*(经审查|经审核|经研究)[，,：:\s]*")


def without_opening(value: str) -> str:
    """The officer's reasons after the outcome paragraph, which already opens with "经审查，":
    a second "经审查" at the start of the reasons is dropped (it printed twice)."""
    return _OPENINGS.sub("", str(value), count=1)


_ARROW_DATE = re.compile(r"\s*→\s*(\d{4})-(\d{2})-(\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def readable(value: str) -> str:
    """A deadline explanation line as a person writes it: "… → 2026-12-30" becomes
    "…，期限至2026年12月30日" and ISO dates become Chinese dates."""
    text = _ARROW_DATE.sub(
        lambda m: f"，期限至{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日", str(value)
    )
    return _ISO_DATE.sub(lambda m: f"{m.group(1)}年{int(m.group(2))}月{int(m.group(3))}日", text)


def document_title(kind: str, variant: str | None = None) -> str:
    """The Chinese title of a letter; ``variant`` is the reply outcome or the consultation kind
    (``other_agency`` letters go to the agency that made the information with us, Art. 34)."""
    if kind == "reply" and variant is not None and variant in REPLY_TITLES:
        return REPLY_TITLES[variant]
    if kind == "third_party_consultation" and variant == "other_agency":
        return _OTHER_AGENCY_CONSULTATION_TITLE
    try:
        return DOCUMENT_TITLES[kind]
    except KeyError:
        raise LetterRenderError(f"未知的公文类型“{kind}”", variable="kind") from None


def _refuse_none(value: Any) -> Any:
    """Jinja ``finalize``: an official letter never prints "None"."""
    if value is None:
        raise LetterRenderError(
            "公文模板输出了空值（None）：可选变量须先判断是否有值再输出", variable="None"
        )
    return value


# --- environment and rendering ------------------------------------------------------------


def make_environment(templates_dir: str | os.PathLike[str]) -> Environment:
    """Jinja environment over ``templates_dir``: StrictUndefined, HTML autoescaping, the
    ``cn_date``, ``clause``, ``yuan`` and ``yuan_upper`` filters, the ``document_title``
    global, and a ``finalize`` that refuses to print ``None``."""
    path = Path(templates_dir)
    if not (path / "base.html.j2").is_file():
        raise LetterRenderError(f"公文模板目录不存在或不完整：{path}", variable="templates_dir")
    env = Environment(
        loader=FileSystemLoader(str(path)),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_refuse_none,
        auto_reload=False,
    )
    env.filters["cn_date"] = cn_date
    env.filters["clause"] = clause
    env.filters["without_opening"] = without_opening
    env.filters["readable"] = readable
    env.filters["yuan"] = yuan
    env.filters["yuan_upper"] = yuan_upper
    env.globals["document_title"] = document_title
    return env


_UNDEFINED_PATTERNS: Final = (
    re.compile(r"'(?P<name>[^']+)' is undefined"),
    re.compile(r"has no attribute '(?P<name>[^']+)'"),
    re.compile(r"has no element '?(?P<name>[^']+?)'?$"),
)


def _template_location(tb: TracebackType | None, root: str | None) -> tuple[str | None, int | None]:
    """The innermost template frame of a Jinja traceback (Jinja rewrites frames so that the
    template file and line appear as the code location)."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(_TEMPLATE_SUFFIX) or filename.endswith(".css"):
            name = os.path.relpath(filename, root) if root else os.path.basename(filename)
            found = (name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def render_html(env: Environment, kind: str, context: Mapping[str, Any]) -> str:
    """Render the letter of ``kind`` (one of :data:`DOCUMENT_KINDS`) to an HTML string.

    Raises :class:`LetterRenderError` when the context lacks a variable the template uses
    (the message names it), when a template prints ``None``, or for an unknown kind/outcome.
    """
    if kind not in DOCUMENT_KINDS:
        raise LetterRenderError(f"未知的公文类型“{kind}”", variable="kind")
    if context.get("kind", kind) != kind:
        raise LetterRenderError(
            f"公文类型不一致：模板为“{kind}”，上下文为“{context.get('kind')}”", variable="kind"
        )
    root = getattr(env.loader, "searchpath", [None])[0]
    try:
        template = env.get_template(kind + _TEMPLATE_SUFFIX)
        return template.render(context)
    except UndefinedError as exc:
        message = str(exc.message or exc)
        name = next(
            (m.group("name") for p in _UNDEFINED_PATTERNS if (m := p.search(message))), message
        )
        template_name, line = _template_location(exc.__traceback__, root)
        where = f"（模板 {template_name} 第{line}行）" if template_name else ""
        raise LetterRenderError(
            f"公文“{DOCUMENT_TITLES[kind]}”缺少变量“{name}”{where}",
            variable=name,
            template=template_name,
            line=line,
        ) from exc
    except LetterRenderError as exc:
        template_name, line = _template_location(exc.__traceback__, root)
        if template_name:
            exc.message = f"{exc.message}（模板 {template_name} 第{line}行）"
            exc.args = (exc.message,)
            exc.details.update(template=template_name, line=line)
        raise
    except TemplateNotFound as exc:
        outcome = context.get("reply", {}) or {}
        raise LetterRenderError(
            f"公文“{DOCUMENT_TITLES[kind]}”缺少模板“{exc.name}”"
            + (f"（办理结果“{outcome.get('outcome')}”）" if kind == "reply" else ""),
            variable="template",
            template=exc.name,
        ) from exc
    except TemplateSyntaxError as exc:
        raise LetterRenderError(
            f"公文模板“{exc.name}”第{exc.lineno}行有语法错误：{exc.message}",
            variable="template",
            template=exc.name,
            line=exc.lineno,
        ) from exc


class _DropGlyfSizeWarning(logging.Filter):
    """fontTools warns on every load of the arphic fonts that their 'glyf' table has four
    bytes of padding more than 'loca' says; harmless, and it would flood the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "too much 'glyf' table data" not in record.getMessage()


_GLYF_FILTER: Final = _DropGlyfSizeWarning()


def render_pdf(html: str, base_url: str) -> bytes:
    """Print HTML from :func:`render_html` to PDF bytes (fonts subset and embedded).

    ``base_url`` resolves relative URLs in the letter (the templates directory).
    """
    from weasyprint import HTML  # imported here: loading Pango takes a while

    glyf_logger = logging.getLogger("fontTools.ttLib.tables._g_l_y_f")
    if _GLYF_FILTER not in glyf_logger.filters:
        glyf_logger.addFilter(_GLYF_FILTER)
    pdf = HTML(string=html, base_url=base_url).write_pdf()
    if not isinstance(pdf, bytes):  # write_pdf() without a target returns bytes
        raise LetterRenderError("PDF生成失败", variable="pdf")
    return pdf


# --- fonts ---------------------------------------------------------------------------------


def check_fonts(fonts: tuple[str, ...] = FONT_STACK) -> list[str]:
    """The families of the letter font stack that fontconfig does not know (``fc-list``).

    Empty means every letter prints with real glyphs; otherwise the caller must not issue
    letters (WeasyPrint would print empty boxes) and should log an error.  Without ``fc-list``
    every family is reported missing: WeasyPrint needs fontconfig anyway.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        _LOG.error("fc-list not found: fontconfig is not installed")
        return list(fonts)
    try:
        result = subprocess.run(
            [fc_list, ":", "family"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        _LOG.error("fc-list failed: %s", exc)
        return list(fonts)
    installed = {
        name.strip().casefold()
        for line in result.stdout.splitlines()
        for name in line.split(",")
        if name.strip()
    }
    return [font for font in fonts if font.casefold() not in installed]
