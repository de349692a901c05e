"""PostgreSQL only: each evidence item's search vector, its blob's extracted text included.

A generated column cannot read another table, so a trigger computes the vector when an item is
written, and a trigger on the blob refreshes the items that use it when its text is extracted.
A text too rich for one tsvector (1 MB of lexemes) is indexed from its first 200,000 characters.
"""

from django.db import migrations

from apps.core.fts import CONFIG, ensure_config, is_postgresql

ITEM_VECTOR = f"""
CREATE OR REPLACE FUNCTION evidence_search_vector(item evidence_evidence, body text) RETURNS tsvector AS $$
    SELECT setweight(to_tsvector('{CONFIG}', coalesce(item.title, '')), 'A')
        || setweight(to_tsvector('{CONFIG}', regexp_replace(coalesce(item.original_filename, ''), '[._-]+', ' ', 'g')), 'A')
        || setweight(to_tsvector('{CONFIG}', coalesce(item.description, '')), 'B')
        || setweight(to_tsvector('{CONFIG}', coalesce(body, '')), 'C')
$$ LANGUAGE sql STABLE;

CREATE OR REPLACE FUNCTION evidence_search_vector_trigger() RETURNS trigger AS $$
DECLARE
    body text := (SELECT extracted_text FROM evidence_blob WHERE id = NEW.blob_id);
BEGIN
    BEGIN
        NEW.search_vector := evidence_search_vector(NEW, body);
    EXCEPTION WHEN program_limit_exceeded THEN
        NEW.search_vector := evidence_search_vector(NEW, left(body, 200000));
    END;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION evidence_blob_text_changed() RETURNS trigger AS $$
BEGIN
    -- Touching the title fires the item trigger above, which reads the new text.
    UPDATE evidence_evidence SET title = title WHERE blob_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

CREATE = """
CREATE TRIGGER evidence_search_vector BEFORE INSERT OR UPDATE OF title, description, original_filename, blob_id
    ON evidence_evidence FOR EACH ROW EXECUTE FUNCTION evidence_search_vector_trigger();
CREATE TRIGGER evidence_blob_text_changed AFTER UPDATE OF extracted_text ON evidence_blob
    FOR EACH ROW WHEN (OLD.extracted_text IS DISTINCT FROM NEW.extracted_text)
    EXECUTE FUNCTION evidence_blob_text_changed();
UPDATE evidence_evidence SET title = title;
CREATE INDEX evidence_evidence_search_gin ON evidence_evidence USING gin (search_vector);
"""

DROP = """
DROP TRIGGER IF EXISTS evidence_blob_text_changed ON evidence_blob;
DROP TRIGGER IF EXISTS evidence_search_vector ON evidence_evidence;
DROP INDEX IF EXISTS evidence_evidence_search_gin;
ALTER TABLE evidence_evidence DROP COLUMN IF EXISTS search_vector;
DROP FUNCTION IF EXISTS evidence_blob_text_changed();
DROP FUNCTION IF EXISTS evidence_search_vector_trigger();
DROP FUNCTION IF EXISTS evidence_search_vector(evidence_evidence, text);
"""


def create(apps, schema_editor):
    if not is_postgresql(schema_editor):
        return
    ensure_config(schema_editor)
    schema_editor.execute("ALTER TABLE evidence_evidence ADD COLUMN search_vector tsvector")
    schema_editor.execute(ITEM_VECTOR)
    schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if is_postgresql(schema_editor):
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("evidence", "0003_blob_text_extraction")]

    operations = [migrations.RunPython(create, drop)]
