"""flask-smorest's Blueprint with schemas built once instead of once per request.

webargs turns an argument schema given as a *class* (``@blp.arguments(SomeSchema)``) into an
instance on every request, and flask-smorest dumps each page's ``X-Pagination`` through a new
``PaginationMetadataSchema()``: building a marshmallow schema deep-copies its declared fields
(and a nested field builds its schema again on first use), about as much work as loading the
body. Here each schema class gets one instance, reused. Schemas keep no per-request state
(marshmallow 4 has no ``context``): flask-smorest already builds its response schemas once, at
decoration time, and serves every request with them.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest.pagination import PaginationMetadataSchema
from webargs.flaskparser import FlaskParser

from requests_service.api.dumping import compile_dump

_PAGINATION_METADATA = PaginationMetadataSchema()
# Every page's X-Pagination header, dumped through a compiled plan (``api/dumping.py``; the
# schema's own dump where the plan does not apply).
_DUMP_PAGINATION = compile_dump(_PAGINATION_METADATA) or (
    lambda metadata, _many: _PAGINATION_METADATA.dump(metadata)
)


class SchemaInstanceParser(FlaskParser):
    """webargs' Flask parser, building one instance per argument schema class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._instances: dict[type[ma.Schema], ma.Schema] = {}

    def _get_schema(self, argmap: Any, req: Any) -> ma.Schema:
        if isinstance(argmap, type) and issubclass(argmap, ma.Schema):
            schema = self._instances.get(argmap)
            if schema is None:
                schema = self._instances.setdefault(argmap, argmap())
            return schema
        built: ma.Schema = super()._get_schema(argmap, req)
        return built


class Blueprint(SmorestBlueprint):  # type: ignore[misc]  # flask-smorest ships no type hints
    """The service's blueprints: flask-smorest's, with argument and pagination schemas reused."""

    ARGUMENTS_PARSER = SchemaInstanceParser()

    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> Any:
        metadata: dict[str, int] = {"total": item_count}
        if item_count == 0:
            metadata["total_pages"] = 0
            return _DUMP_PAGINATION(metadata, False)
        last_page = (item_count - 1) // page_size + 1
        metadata.update(total_pages=last_page, first_page=1, last_page=last_page)
        if page <= last_page:
            metadata["page"] = page
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < last_page:
                metadata["next_page"] = page + 1
        return _DUMP_PAGINATION(metadata, False)
