"""One use case, one transaction: rolls back unless ``commit()`` is called."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session


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

    def commit(self) -> None:
        self.session.commit()
        self._committed = True
