"""One use case, one transaction: rolls back unless ``commit()`` is called.

Use cases compose: inside an outer unit of work (a composite decision that drafts, approves
and issues in one go), an inner ``commit()`` only flushes, and the outer one commits or rolls
back everything together. Events written to the outbox during the use case commit or roll back
with it; after a commit that wrote any, the worker is woken (``services.outbox``).
"""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session

from requests_service.services import outbox

_DEPTH = "unit_of_work_depth"


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._committed = False
        self._nested = False

    def __enter__(self) -> UnitOfWork:
        self._committed = False
        depth = self.session.info.get(_DEPTH, 0)
        self._nested = depth > 0
        self.session.info[_DEPTH] = depth + 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.session.info[_DEPTH] = self.session.info.get(_DEPTH, 1) - 1
        if not self._committed and not self._nested:
            self.session.rollback()
            outbox.after_rollback(self.session)

    def commit(self) -> None:
        if self._nested:
            self.session.flush()
            self._committed = True
            return
        wrote_events = outbox.before_commit(self.session)
        self.session.commit()
        self._committed = True
        outbox.after_commit(self.session, wrote_events)
