"""Segments as SQL: the same membership as Python, computed by DuckDB, PostgreSQL or Spark.

``select(book, names)`` compiles segments to one query over a customer table (one row per
customer, a column ``id``, one column per top-level attribute; records are STRUCTs or
composites, lists are arrays) with a BOOLEAN column per segment. The compiler
(``compiler``) turns conditions into sqlglot expressions; each dialect module (``duckdb``,
``postgres``, ``spark``) holds the few things its engine spells differently, in the style of
sqlglot's own dialects; sqlglot writes the text. ``tables`` puts profiles into a typed table on
each engine; ``run`` executes the query there (``members``, ``rows``, ``spark_members``).
"""

from __future__ import annotations

from .run import members, rows, spark_members
from .select import DIALECTS, SqlWarning, dialect_named, select

__all__ = ["DIALECTS", "SqlWarning", "dialect_named", "members", "rows", "select",
           "spark_members"]
