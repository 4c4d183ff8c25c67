"""Search behind one selector: what a query means, and the SQLite FTS5 or PostgreSQL query for it.

A query is read in two parts. Parts that name a code — an HS code ('1006', '1006.30', '10 06'),
a UN/LOCODE ('PKKHI', 'PK KHI') or a country's name ('Pakistan', 'United Arab Emirates') — find
the items filed under that code (their facets) or mentioning it in their text. Every other word
must be in the item's text, in any English inflection ('cargo' finds 'cargoes'; see
docs/decisions.md "Search: English word forms on both engines"), however its letters were typed
(Azerbaijani with or without ə ğ ı ö ş ü ç, Urdu with Arabic or Urdu letters; ``folding``).

The full-text index is kept by the database (FTS5 triggers on SQLite, a generated tsvector
column on PostgreSQL; see migrations 0002 and 0005), so every write path keeps it current.
The user's words are always quoted or passed as parameters, so nothing typed is query syntax.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from bureau.catalog import facets, folding
from bureau.catalog.models import ItemFacet
from bureau.reference import countries, hs, places

WORD = re.compile(r"\w+", re.UNICODE)
MAX_TERMS = 12
HS_TOKEN = re.compile(r"^\d{2}(?:\.?\d{2}){0,2}$")
HS_QUERY = re.compile(r"^[\d.\s]+$")


@dataclass(frozen=True)
class Code:
    """A part of the query that names a code: items filed under ``keys`` or whose text has ``words``."""

    words: tuple[str, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True)
class Query:
    words: tuple[str, ...] = ()  # every one must be in the text
    codes: tuple[Code, ...] = ()  # every one must match, by its facet or its text

    def __bool__(self) -> bool:
        return bool(self.words or self.codes)


@functools.lru_cache(maxsize=4096)
def parse(query: str) -> Query:
    """What ``query`` asks for; at most ``MAX_TERMS`` words and codes in all. Kept for the
    queries asked most: a search reads its query several times (whether the index serves it,
    the index's query) and the reference data it consults does not change."""
    query = query.strip()
    if HS_QUERY.match(query) and (code := _hs(hs.normalise(query))):
        return Query(codes=(code,))
    tokens = query.split()
    words: list[str] = []
    codes: list[Code] = []
    position = 0
    while position < len(tokens) and len(words) + len(codes) < MAX_TERMS:
        found, used = _code_at(tokens, position)
        if found is not None:
            codes.append(found)
        else:
            words += WORD.findall(folding.fold(tokens[position]).lower())
        position += used
    return Query(tuple(dict.fromkeys(words))[:MAX_TERMS], tuple(codes))


def _code_at(tokens: list[str], start: int) -> tuple[Code | None, int]:
    """The code that the tokens from ``start`` name, and how many tokens it takes (at least 1)."""
    for end in range(min(len(tokens), start + countries.LONGEST_NAME_WORDS), start, -1):
        if alpha_2 := countries.code_for_name(" ".join(tokens[start:end])):
            name = folding.fold(places.fold(" ".join(tokens[start:end])))
            return Code(
                tuple(WORD.findall(name)), (facets.key(facets.COUNTRY, alpha_2),)
            ), end - start
    if start + 1 < len(tokens) and (code := places.code_of(" ".join(tokens[start : start + 2]))):
        return _place(code), 2
    token = tokens[start]
    if HS_TOKEN.match(token) and (found := _hs(hs.normalise(token))):
        return found, 1
    if code := places.code_of(token):
        return _place(code), 1
    return None, 1


def _hs(code: str) -> Code | None:
    if hs.validation_error(code):
        return None
    return Code((code,), (facets.key(facets.HS, code),))


def _place(code: str) -> Code:
    name = places.by_code()[code].name
    return Code(
        tuple(WORD.findall(folding.fold(places.fold(name)))), (facets.key(facets.PLACE, code),)
    )


def terms(query: str) -> list[str]:
    """The free words of a user's query (those that name no code)."""
    return list(parse(query).words)


def is_search(query: str) -> bool:
    """Whether ``query`` asks for anything (else every item matches)."""
    return bool(parse(query))


def ranks(query: str) -> bool:
    """Whether the matches of ``query`` can be ranked by relevance (it has free words)."""
    return bool(parse(query).words)


def fts5_query(words: list[str] | tuple[str, ...] | str) -> str:
    """Every word quoted so that nothing a user types is read as FTS5 syntax; all must match."""
    if isinstance(words, str):
        words = terms(words)
    return " ".join('"{}"'.format(word.replace('"', "")) for word in words)


def filter_fulltext(qs: QuerySet, query: str, *, ranked: bool = True) -> QuerySet:
    """Keep the items that match ``query``; annotate ``rank`` (lower is better) when ``ranked``
    and the query has free words."""
    parsed = parse(query)
    for code in parsed.codes:
        qs = qs.filter(Q(id__in=_text_ids(code.words)) | Q(id__in=_facet_ids(code.keys)))
    if not parsed.words:
        return qs
    if connection.vendor == "postgresql":
        return _postgres(qs, parsed.words, ranked)
    return _sqlite(qs, parsed.words, ranked)


def _facet_ids(keys: tuple[str, ...]) -> QuerySet:
    return ItemFacet.objects.filter(key__in=keys).values("item_id")


def _text_ids(words: tuple[str, ...]) -> RawSQL:
    """The ids of the items whose text has every one of ``words`` (a subquery)."""
    if connection.vendor == "postgresql":
        tsquery, params = pg_tsquery(words)
        sql = f"SELECT id FROM catalog_item WHERE search @@ {tsquery}"  # noqa: S608 - constants
        return RawSQL(sql, params)  # noqa: S611 - the words are parameters
    return RawSQL(
        "SELECT rowid FROM catalog_item_fts WHERE catalog_item_fts MATCH %s", [fts5_query(words)]
    )


def phrase_ids(text: str) -> RawSQL:
    """The ids of the items whose text has the words of ``text`` one after another."""
    words = WORD.findall(folding.fold(places.fold(text)))[:MAX_TERMS]
    if not words:
        return RawSQL("SELECT NULL WHERE 1 = 0", [])
    if connection.vendor == "postgresql":
        sql = f"SELECT id FROM catalog_item WHERE search @@ {PG_PHRASE}"  # noqa: S608 - constants
        return RawSQL(sql, [" ".join(words)])  # noqa: S611 - the words are a parameter
    phrase = '"{}"'.format(" ".join(words))
    return RawSQL("SELECT rowid FROM catalog_item_fts WHERE catalog_item_fts MATCH %s", [phrase])


def _sqlite(qs: QuerySet, words: tuple[str, ...], ranked: bool) -> QuerySet:
    if not ranked:  # usable inside subqueries, where Django renames the item table
        return qs.filter(id__in=_text_ids(words))
    return qs.extra(
        tables=["catalog_item_fts"],
        where=["catalog_item_fts.rowid = catalog_item.id", "catalog_item_fts MATCH %s"],
        params=[fts5_query(words)],
        select={"rank": "catalog_item_fts.rank"},
    )


# English Snowball stems without stop words (migration 0005), as FTS5's porter on SQLite.
PG_CONFIG = "bureau_english"
PG_PHRASE = f"phraseto_tsquery('{PG_CONFIG}', bureau_unaccent(%s))"


def pg_tsquery(words: tuple[str, ...] | list[str]) -> tuple[str, list[str]]:
    """A tsquery expression for all of ``words`` and its parameters (the words, never in the SQL)."""
    return f"plainto_tsquery('{PG_CONFIG}', bureau_unaccent(%s))", [" ".join(words)]


def _postgres(qs: QuerySet, words: tuple[str, ...], ranked: bool) -> QuerySet:
    tsquery, params = pg_tsquery(words)
    # The SQL is made of constants (one per word); the words are parameters.
    matches = RawSQL(f"search @@ {tsquery}", params, output_field=BooleanField())  # noqa: S611
    qs = qs.alias(fulltext_match=matches).filter(fulltext_match=True)
    if ranked:
        qs = qs.extra(  # noqa: S610 - as above
            select={"rank": f"-ts_rank_cd(catalog_item.search, {tsquery})"},
            select_params=params,
        )
    return qs
