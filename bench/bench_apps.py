"""The two apps bench/bench_http.py runs under gunicorn (imported only by the benchmark).

``baseline_app()`` is the bare Flask + SQLAlchemy floor: one INSERT, one SELECT by id, an echo.
``service_app()`` is the real service with a statement counter bolted on from the outside: the
production app never carries it, so production pays nothing for it. Each response says in
``X-Bench-Statements`` how many statements its request sent (one counter per thread: exact
under sync workers and threaded ones alike).
"""

from __future__ import annotations

import os
import threading
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy import Column, Integer, MetaData, Table, Text, create_engine, event, insert, select

STATEMENTS_HEADER = "X-Bench-Statements"

_metadata = MetaData()
bench_items = Table(
    "bench_items",
    _metadata,
    Column("id", Integer, primary_key=True),
    Column("body", Text, nullable=False),
)


def _count_statements(app: Flask, engine: Any) -> None:
    # One counter per thread: a request runs on one thread from its first hook to its response,
    # so the count is exact under sync workers and threaded (gthread) ones alike.
    counter = threading.local()

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args: Any) -> None:
        counter.n = getattr(counter, "n", 0) + 1

    def _reset() -> None:
        counter.n = 0

    # First of all before-request hooks: the service authenticates in one of them.
    app.before_request_funcs.setdefault(None, []).insert(0, _reset)

    @app.after_request
    def _report(response: Response) -> Response:
        response.headers[STATEMENTS_HEADER] = str(getattr(counter, "n", 0))
        return response


def baseline_app() -> Flask:
    app = Flask("bench_baseline")
    engine = create_engine(os.environ["DATABASE_URL"], pool_pre_ping=True)
    _count_statements(app, engine)

    @app.post("/insert")
    def insert_one() -> Any:
        body = request.get_json()
        with engine.begin() as conn:
            new_id = conn.execute(
                insert(bench_items).values(body=body["text"]).returning(bench_items.c.id)
            ).scalar_one()
        return jsonify({"id": new_id}), 201

    @app.get("/items/<int:item_id>")
    def select_one(item_id: int) -> Any:
        with engine.connect() as conn:
            row = conn.execute(select(bench_items).where(bench_items.c.id == item_id)).first()
        if row is None:
            return jsonify({"message": "not found"}), 404
        return jsonify({"id": row.id, "body": row.body})

    @app.post("/echo")
    def echo() -> Any:
        return jsonify(request.get_json())

    return app


def service_app() -> Flask:
    from requests_service import create_app

    app = create_app()
    _count_statements(app, app.extensions["db_engine"])
    return app


def create_baseline_schema(url: str) -> None:
    engine = create_engine(url)
    try:
        _metadata.create_all(engine)
    finally:
        engine.dispose()
