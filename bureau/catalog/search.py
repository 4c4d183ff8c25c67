"""Full-text search behind one selector: SQLite FTS5 or PostgreSQL text search.

The index itself is kept by the database (FTS5 triggers on SQLite, a generated tsvector
column on PostgreSQL; see migration 0002), so every write path keeps it current.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12


def terms(query: str) -> list[str]:
    """The words of a user's query, without any search-engine syntax."""
    return WORD.findall(query.lower())[:MAX_TERMS]


def fts5_query(query: str) -> str:
    """Every word quoted so that nothing a user types is read as FTS5 syntax; all must match."""
    return " ".join(f'"{term}"' for term in terms(query))


def filter_fulltext(qs: QuerySet, query: str, *, ranked: bool = True) -> QuerySet:
    """Keep the items that contain every word of ``query``; annotate ``rank`` (lower is better)."""
    if not terms(query):
        return qs
    if connection.vendor == "postgresql":
        return _postgres(qs, " ".join(terms(query)), ranked)
    return _sqlite(qs, fts5_query(query), ranked)


def _sqlite(qs: QuerySet, match: str, ranked: bool) -> QuerySet:
    if not ranked:  # usable inside subqueries, where Django renames the item table
        return qs.filter(
            id__in=RawSQL(
                "SELECT rowid FROM catalog_item_fts WHERE catalog_item_fts MATCH %s", [match]
            )
        )
    return qs.extra(
        tables=["catalog_item_fts"],
        where=["catalog_item_fts.rowid = catalog_item.id", "catalog_item_fts MATCH %s"],
        params=[match],
        select={"rank": "catalog_item_fts.rank"},
    )


def _postgres(qs: QuerySet, text: str, ranked: bool) -> QuerySet:
    matches = RawSQL(
        "search @@ plainto_tsquery('simple', bureau_unaccent(%s))",
        [text],
        output_field=BooleanField(),
    )
    qs = qs.alias(fulltext_match=matches).filter(fulltext_match=True)
    if ranked:
        qs = qs.extra(
            select={
                "rank": "-ts_rank_cd(catalog_item.search, plainto_tsquery('simple', bureau_unaccent(%s)))"
            },
            select_params=[text],
        )
    return qs
