"""Search finds English word forms ('cargo' finds 'cargoes'), and items are filed under places.

SQLite: the FTS5 table is built again with the porter stemmer around the same unicode61
tokenizer (accents still folded; words of other scripts pass through unchanged).
PostgreSQL: a text search configuration 'bureau_english' stems with the English Snowball
stemmer and, unlike 'english', keeps every word (no stop words: Azerbaijani 'on' is "ten"),
like FTS5's porter. See docs/decisions.md "Search: English word forms on both engines".
"""

from django.db import migrations

COLUMNS = "title, summary, body"
TRIGGERS = [
    """CREATE TRIGGER catalog_item_fts_insert AFTER INSERT ON catalog_item BEGIN
        INSERT INTO catalog_item_fts(rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body); END""",
    """CREATE TRIGGER catalog_item_fts_delete AFTER DELETE ON catalog_item BEGIN
        INSERT INTO catalog_item_fts(catalog_item_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body); END""",
    """CREATE TRIGGER catalog_item_fts_update AFTER UPDATE OF title, summary, body ON catalog_item BEGIN
        INSERT INTO catalog_item_fts(catalog_item_fts, rowid, title, summary, body)
        VALUES ('delete', old.id, old.title, old.summary, old.body);
        INSERT INTO catalog_item_fts(rowid, title, summary, body)
        VALUES (new.id, new.title, new.summary, new.body); END""",
]
DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS catalog_item_fts_update",
    "DROP TRIGGER IF EXISTS catalog_item_fts_delete",
    "DROP TRIGGER IF EXISTS catalog_item_fts_insert",
    "DROP TABLE IF EXISTS catalog_item_fts",
]


def _fts(tokenizer):
    return [
        *DROP_SQLITE,
        f"""CREATE VIRTUAL TABLE catalog_item_fts USING fts5(
            {COLUMNS}, content='catalog_item', content_rowid='id', tokenize='{tokenizer}')""",
        *TRIGGERS,
        "INSERT INTO catalog_item_fts(catalog_item_fts) VALUES('rebuild')",
    ]


SQLITE_UP = _fts("porter unicode61 remove_diacritics 2")
SQLITE_DOWN = _fts("unicode61 remove_diacritics 2")


# The English Snowball stemmer without a stop-word list, for every kind of word the parser finds.
CONFIG = "bureau_english"
POSTGRES_CONFIG = [
    "CREATE TEXT SEARCH DICTIONARY bureau_english_stem (TEMPLATE = snowball, Language = english)",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIG} (COPY = english)",
    f"""ALTER TEXT SEARCH CONFIGURATION {CONFIG} ALTER MAPPING
        FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
        WITH bureau_english_stem""",
]


def _tsvector(config):
    expression = " || ".join(
        f"setweight(to_tsvector('{config}', bureau_unaccent(coalesce({column}, ''))), '{weight}')"
        for column, weight in (("title", "A"), ("summary", "B"), ("body", "C"))
    )
    return [
        "DROP INDEX IF EXISTS catalog_item_search",
        "ALTER TABLE catalog_item DROP COLUMN IF EXISTS search",
        f"ALTER TABLE catalog_item ADD COLUMN search tsvector GENERATED ALWAYS AS ({expression}) STORED",
        "CREATE INDEX catalog_item_search ON catalog_item USING gin (search)",
    ]


POSTGRES_UP = [*POSTGRES_CONFIG, *_tsvector(CONFIG)]
POSTGRES_DOWN = [
    *_tsvector("simple"),
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIG}",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS bureau_english_stem",
]
SEARCH_INDEX = POSTGRES_UP[-1]
SQLITE_INSERT_TRIGGER = TRIGGERS[0]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


def file_under_places(apps, schema_editor):
    """Items entered before places were facets: add the place keys of their named places."""
    from bureau.catalog import facets

    ItemFacet = apps.get_model("catalog", "ItemFacet")
    details = (
        ("TradeLead", ("origin_place", "origin_country", "destination_place", "destination_country")),
        ("MarketNotice", ("place",)),
        ("InvestmentOpportunity", ("location",)),
    )
    for model_name, names in details:
        model = apps.get_model("catalog", model_name)
        rows = []
        for values in model.objects.values_list("item_id", *names).iterator(chunk_size=2000):
            detail = dict(zip(names, values[1:], strict=True))
            keys = [k for k in facets.keys_for({}, detail) if k.startswith(f"{facets.PLACE}:")]
            rows += [ItemFacet(item_id=values[0], key=k) for k in keys]
        ItemFacet.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_notice_types")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        ),
        migrations.RunPython(file_under_places, migrations.RunPython.noop),
    ]
