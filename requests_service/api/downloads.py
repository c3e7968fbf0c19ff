"""File responses: PDFs, CSVs and attachments, with headers every HTTP server accepts.

Chinese file names (document numbers such as ``A公复〔2026〕1号.pdf``) cannot go raw into a
header: gunicorn refuses the response (``InvalidResponseHeader``) and answers 500. Werkzeug's
``send_file`` writes ``Content-Disposition`` the RFC 6266 / RFC 5987 way: an ASCII ``filename``
fallback plus ``filename*=UTF-8''…`` percent-encoded; every download goes through it.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import Response, send_file

BOM = "\ufeff"


def bytes_response(
    data: bytes, *, mimetype: str, filename: str, as_attachment: bool = False
) -> Response:
    response = send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=filename,
        max_age=0,
        etag=False,
        last_modified=None,
    )
    response.headers["Content-Length"] = str(len(data))
    return response


def pdf_response(data: bytes, filename: str, *, as_attachment: bool = False) -> Response:
    """A PDF shown in the browser (``inline``) unless ``as_attachment``."""
    return bytes_response(
        data, mimetype="application/pdf", filename=filename, as_attachment=as_attachment
    )


def csv_response(text: str, filename: str) -> Response:
    """CSV for download, with a BOM so that Excel reads the Chinese as UTF-8."""
    return bytes_response(
        (BOM + text).encode("utf-8"),
        mimetype="text/csv; charset=utf-8",
        filename=filename,
        as_attachment=True,
    )


def path_response(path: Path, *, mimetype: str, filename: str) -> Response:
    """A stored file (attachments) as a download."""
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=filename)
