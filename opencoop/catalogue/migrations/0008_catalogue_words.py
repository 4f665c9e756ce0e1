"""The words of each catalogue row in a table of their own, keyed by (word, row).

A word search read the rows' documents: PostgreSQL answered a common word by reading every row
holding it. The words of the rows already written are copied from their documents here (the
title's words weigh ``TITLE_WEIGHT``), so no rebuild is needed.
"""

import django.db.models.deletion
from django.db import migrations, models

TITLE_WEIGHT = 10  # row_models.TITLE_WEIGHT when this migration was written
OTHER_WEIGHT = 1
BATCH = 5000


def copy_words(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # A title word is the one position weighted A in the document (fields._tsvector_literal).
        schema_editor.execute(
            "INSERT INTO catalogue_catalogueword (word, row_id, weight) "
            f"SELECT d.lexeme, r.id, CASE WHEN 'A' = ANY(d.weights) THEN {TITLE_WEIGHT} "
            f"ELSE {OTHER_WEIGHT} END "
            "FROM catalogue_cataloguerow r, unnest(r.search_document) AS d "
            "WHERE r.search_document IS NOT NULL"
        )
        # The planner's figures of the new table now, not at autovacuum's next pass: without
        # them it reads every row and probes the words of each.
        schema_editor.execute("ANALYZE catalogue_catalogueword")
        return
    row_model = apps.get_model("catalogue", "CatalogueRow")
    word_model = apps.get_model("catalogue", "CatalogueWord")
    batch = []
    documents = row_model.objects.exclude(search_document=None).values_list("id", "search_document")
    for row_id, document in documents.iterator():
        # The text form: " title words | other words " (fields.SearchDocument.as_text).
        title, _bar, other = document.partition("|")
        for words, weight in ((title, TITLE_WEIGHT), (other, OTHER_WEIGHT)):
            batch += [word_model(word=w, row_id=row_id, weight=weight) for w in words.split()]
        if len(batch) >= BATCH:
            word_model.objects.bulk_create(batch)
            batch = []
    word_model.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0007_search_document_lz4")]

    operations = [
        migrations.CreateModel(
            name="CatalogueWord",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "word",
                        "row",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("word", models.TextField()),
                ("weight", models.SmallIntegerField()),
                (
                    "row",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="catalogue.cataloguerow",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["row", "weight", "word"], name="catalogue_word_of_row"
                    )
                ],
            },
        ),
        migrations.RunPython(copy_words, migrations.RunPython.noop),
    ]
