"""One use case, one transaction: rolls back unless ``commit()`` is called.

Events written to the outbox during the use case commit or roll back with it; after a commit
that wrote any, the worker is woken (``services.outbox``)."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session

from requests_service.services import outbox


class UnitOfWork:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self._committed = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.session.rollback()
            outbox.after_rollback(self.session)

    def commit(self) -> None:
        wrote_events = outbox.before_commit(self.session)
        self.session.commit()
        self._committed = True
        outbox.after_commit(self.session, wrote_events)
