"""How the outbox is drained (allowed hosts, attempts, backoff) and what a drain reports.

Apart from ``services.delivery`` so that the notification sender can use them without importing
the drain that calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DeliverySettings:
    allowed_hosts: tuple[str, ...] = ()
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    timeout_seconds: float = 10.0
    # Deliveries claimed and sent per round; HTTP requests in flight at once per worker.
    batch_size: int = 50
    concurrency: int = 8

    @property
    def lock_seconds(self) -> float:
        return self.timeout_seconds * 4 + 30

    @classmethod
    def from_config(cls, config: Any) -> DeliverySettings:
        return cls(
            allowed_hosts=tuple(config.get("WEBHOOK_ALLOWED_HOSTS") or ()),
            max_attempts=int(config.get("WEBHOOK_MAX_ATTEMPTS", 8)),
            backoff_seconds=float(config.get("WEBHOOK_BACKOFF_SECONDS", 30)),
            timeout_seconds=float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10)),
        )


@dataclass
class DrainReport:
    dispatched: int = 0
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    notified: int = 0
    notify_failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)
