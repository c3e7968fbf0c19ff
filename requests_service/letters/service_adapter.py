"""Wire the Jinja/WeasyPrint renderer to the app's configuration (templates dir, fonts)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from requests_service.domain.errors import Unavailable
from requests_service.letters.render import check_fonts, make_environment, render_html, render_pdf

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _environment(templates_dir: str) -> Any:
    # Templates are code, not case state: caching the compiled environment per process is safe.
    return make_environment(templates_dir)


@lru_cache(maxsize=1)
def missing_fonts() -> tuple[str, ...]:
    """Fonts of the letter stack fontconfig lacks (checked once per process)."""
    missing = tuple(check_fonts())
    if missing:
        log.error("letter fonts missing, letters cannot be issued: %s", ", ".join(missing))
    return missing


def html_renderer(templates_dir: str) -> Callable[[str, dict[str, Any]], str]:
    env = _environment(templates_dir)
    return lambda kind, context: render_html(env, kind, context)


def pdf_renderer(templates_dir: str) -> Callable[[str, dict[str, Any]], bytes]:
    to_html = html_renderer(templates_dir)

    def render(kind: str, context: dict[str, Any]) -> bytes:
        if missing_fonts():
            # WeasyPrint would silently print empty boxes: refuse instead of issuing them.
            raise Unavailable(
                "服务器缺少文书字体（" + "、".join(missing_fonts()) + "），暂不能生成PDF文书，"
                "请管理员运行 ./scripts/serve 安装字体。"
            )
        return render_pdf(to_html(kind, context), base_url=templates_dir)

    return render
