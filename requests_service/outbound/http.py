"""POST a webhook body to a configured host; redirects are followed only within that host."""

from __future__ import annotations

import http.client
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from requests_service.domain.errors import RuleViolation
from requests_service.domain.events import check_destination, host_key

MAX_REDIRECTS = 3


@dataclass(frozen=True)
class HttpResult:
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allowed_hosts: tuple[str, ...] | frozenset[str],
    timeout: float = 10.0,
) -> HttpResult:
    """One delivery attempt. Never raises for network trouble: the result says what happened."""
    started = time.monotonic()
    origin = host_key(url)
    current = url
    try:
        for _ in range(MAX_REDIRECTS + 1):
            check_destination(current, allowed_hosts)
            parts = urlsplit(current)
            connection_class = (
                http.client.HTTPSConnection
                if parts.scheme == "https"
                else http.client.HTTPConnection
            )
            connection = connection_class(parts.hostname or "", parts.port, timeout=timeout)
            try:
                path = parts.path or "/"
                if parts.query:
                    path += "?" + parts.query
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read(64 * 1024)
                status = response.status
                location = response.getheader("Location")
            finally:
                connection.close()
            if status in (301, 302, 303, 307, 308) and location:
                target = urljoin(current, location)
                if host_key(target) != origin or urlsplit(target).scheme != parts.scheme:
                    return _result(started, status, f"拒绝跟随重定向到其他主机：{host_key(target)}")
                current = target
                continue
            if 200 <= status < 300:
                return _result(started, status, None)
            return _result(started, status, f"接收方返回 HTTP {status}")
        return _result(started, None, "重定向次数过多")
    except RuleViolation as exc:
        return _result(started, None, exc.message)
    except (OSError, http.client.HTTPException) as exc:
        return _result(started, None, f"{type(exc).__name__}: {exc}"[:500])


def _result(started: float, status: int | None, error: str | None) -> HttpResult:
    return HttpResult(status, error, int((time.monotonic() - started) * 1000))
