"""The few SQL expressions PostgreSQL and SQLite spell differently, for the insights.

A month of a timestamp (``YYYY-MM``, UTC), the elements of a JSON array column as a
table (to group by a field of the award's evidence or of an item's reasons), a field
of such an element as text, and the seconds between two timestamps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Float, Numeric, String, cast, func, literal
from sqlalchemy.sql.selectable import TableValuedAlias


class Dialect:
    """Expressions for one backend (``postgresql`` or ``sqlite``)."""

    def __init__(self, name: str) -> None:
        if name not in {"postgresql", "sqlite"}:
            raise ValueError(f"unsupported database backend {name!r}")
        self.name = name

    @property
    def postgres(self) -> bool:
        return self.name == "postgresql"

    def month(self, column: Any) -> ColumnElement[str]:
        """``YYYY-MM`` of a timestamp, in UTC."""
        if self.postgres:
            return func.to_char(func.timezone("UTC", column), literal("YYYY-MM"), type_=String)
        return func.strftime(literal("%Y-%m"), column, type_=String)

    def elements(self, column: Any) -> TableValuedAlias:
        """The elements of a JSON array column, one row each (column ``value``)."""
        if self.postgres:
            return func.jsonb_array_elements(column).table_valued("value")
        return func.json_each(column).table_valued("value")

    def field(self, elements: TableValuedAlias, name: str) -> ColumnElement[str]:
        """The text of field ``name`` of a JSON object element (NULL if absent)."""
        if self.postgres:
            return elements.c.value.op("->>", return_type=String)(literal(name))
        return func.json_extract(elements.c.value, literal(f"$.{name}"), type_=String)

    def seconds_between(self, later: Any, earlier: Any) -> ColumnElement[float]:
        """``later - earlier`` in seconds."""
        if self.postgres:
            return cast(func.extract("epoch", later - earlier), Numeric).cast(Float)
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0
