"""Letter rendering benchmark: our ``render_html`` + ``render_pdf`` against WeasyPrint alone.

For a two-page reply letter (default ``partially_disclosed`` from ``sample_context``) it measures
the median wall time per letter of

* ours:   ``render_html(env, "reply", context)`` + ``render_pdf(html, base_url)``
* direct: ``weasyprint.HTML(string=html).write_pdf()`` on the same HTML (same fonts: the
          stylesheet is inside the HTML)

after one warm-up render each, ``--runs`` times each (default 15), alternating the two so that
machine load hits both alike.  Targets: median(ours) <= 0.5 s and ratio ours/direct <= 1.2.

WeasyPrint subsets fonts with HarfBuzz-subset when ``libharfbuzz-subset0`` is installed and
falls back to fontTools otherwise; ``--subsetter fonttools`` forces the fallback to show what a
machine without the library gets.  ``--rare`` puts characters outside GB2312 (䶮堃喆珺) in the
applicant's name so that the Noto CJK fallback font is embedded too.

    .venv/bin/python bench/bench_letters.py [--runs 15] [--outcome partially_disclosed]
                                            [--subsetter auto|fonttools] [--rare] [--check]
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pypdf import PdfReader  # noqa: E402

from requests_service.letters.render import (  # noqa: E402
    check_fonts,
    make_environment,
    render_html,
    render_pdf,
)
from requests_service.letters.samples import sample_context  # noqa: E402

TEMPLATES = ROOT / "letter_templates"
TARGET_MEDIAN_S = 0.5
TARGET_RATIO = 1.2


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _fonts(pdf: bytes) -> list[str]:
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            names.add(str(ref.get_object()["/BaseFont"]).split("+", 1)[-1])
    return sorted(names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--outcome", default="partially_disclosed")
    parser.add_argument("--subsetter", choices=("auto", "fonttools"), default="auto")
    parser.add_argument("--rare", action="store_true", help="rare characters in the name")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    # WeasyPrint warns on every letter when it falls back to fontTools; say it once here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    import weasyprint
    import weasyprint.pdf.fonts as wp_fonts

    if args.subsetter == "fonttools":
        wp_fonts.harfbuzz_subset = None  # type: ignore[attr-defined]
    subsetter = "HarfBuzz-subset" if wp_fonts.harfbuzz_subset else "fontTools"

    missing = check_fonts()
    if missing:
        print(f"missing fonts: {', '.join(missing)}", file=sys.stderr)
        return 2

    env = make_environment(TEMPLATES)
    base_url = TEMPLATES.as_uri() + "/"
    context = sample_context("reply", args.outcome)
    if args.rare:
        context["applicant"]["name"] = "王䶮堃喆珺"
    html = render_html(env, "reply", context)

    def ours() -> bytes:
        return render_pdf(render_html(env, "reply", context), base_url)

    def direct() -> bytes:
        return weasyprint.HTML(string=html).write_pdf()

    first = ours()  # warm-up: Pango, fontconfig, font files
    direct()
    pages = len(PdfReader(io.BytesIO(first)).pages)
    ours_s: list[float] = []
    direct_s: list[float] = []
    for _ in range(args.runs):
        ours_s.append(_timed(ours))
        direct_s.append(_timed(direct))

    median_ours = statistics.median(ours_s)
    median_direct = statistics.median(direct_s)
    ratio = median_ours / median_direct
    print(f"letter:        reply/{args.outcome}, {pages} pages, {len(first):,} bytes")
    print(f"fonts:         {', '.join(_fonts(first))}")
    print(f"subsetter:     {subsetter}; weasyprint {weasyprint.__version__}; runs {args.runs}")
    print(
        f"ours:          median {median_ours:.3f} s  (min {min(ours_s):.3f}, max {max(ours_s):.3f})"
    )
    print(
        f"direct:        median {median_direct:.3f} s  "
        f"(min {min(direct_s):.3f}, max {max(direct_s):.3f})"
    )
    ok_median = median_ours <= TARGET_MEDIAN_S
    ok_ratio = ratio <= TARGET_RATIO
    print(
        f"ratio:         {ratio:.3f}  (target <= {TARGET_RATIO}: {'ok' if ok_ratio else 'MISSED'})"
    )
    print(f"median target: <= {TARGET_MEDIAN_S} s: {'ok' if ok_median else 'MISSED'}")
    return 1 if args.check and not (ok_median and ok_ratio) else 0


if __name__ == "__main__":
    raise SystemExit(main())
