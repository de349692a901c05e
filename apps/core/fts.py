"""PostgreSQL full-text search plumbing shared by the apps' migrations.

Each app owns the ``search_vector`` column of its own tables; this module only writes the SQL.
The ``cnil_fr`` configuration is French stemming over ``unaccent``: "sécurité", "securite" and
"sécurités" all become the lexeme ``secur``. Every function here does nothing on another database.
"""

from __future__ import annotations

CONFIG = "cnil_fr"

_CREATE_CONFIG = """
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'cnil_fr') THEN
        CREATE TEXT SEARCH CONFIGURATION cnil_fr (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION cnil_fr
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
"""


def is_postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


def ensure_config(schema_editor) -> None:
    """``unaccent`` and the ``cnil_fr`` configuration, created once whichever app migrates first."""
    if not is_postgresql(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    schema_editor.execute(_CREATE_CONFIG)


def vector_sql(weighted: list[tuple[str, str]]) -> str:
    """``setweight(to_tsvector('cnil_fr', col), W) || ...`` for (SQL expression, weight) pairs."""
    return " || ".join(
        f"setweight(to_tsvector('{CONFIG}'::regconfig, coalesce({expression}, '')), '{weight}')"
        for expression, weight in weighted
    )


def add_generated_vector(schema_editor, table: str, weighted: list[tuple[str, str]]) -> None:
    """A STORED generated ``search_vector`` column on ``table`` and its GIN index."""
    if not is_postgresql(schema_editor):
        return
    ensure_config(schema_editor)
    schema_editor.execute(
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector_sql(weighted)}) STORED"
    )
    schema_editor.execute(f"CREATE INDEX {table}_search_gin ON {table} USING gin (search_vector)")


def drop_vector(schema_editor, table: str) -> None:
    if not is_postgresql(schema_editor):
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")
    schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
