"""Keep the search index and its vocabulary in step with what is published."""

from wagtail.search import index


def reindex_published(sender, instance, **kwargs) -> None:
    """Index a published activity again, now that its parts are saved too.

    Wagtail indexes on ``post_save``, which a clusterable model sends before it saves its child
    rows (countries, partners, places): the words taken from them would lag one publication
    behind without this.
    """
    index.insert_or_update_object(instance)


def learn_published(sender, instance, **kwargs) -> None:
    """Add the words of a record or page just published to the vocabulary of "did you mean"."""
    from .spelling import learn_public_records

    learn_public_records([instance])


def refresh_row(sender, instance, **kwargs) -> None:
    """Write again the catalogue row of a record just published or unpublished (same transaction)."""
    from .rows import refresh

    refresh(sender, [instance])


def forget_row(sender, instance, **kwargs) -> None:
    """Drop the catalogue row of a deleted record."""
    from .rows import forget

    forget(sender, [instance.pk])


def refresh_written_rows(sender, records, **kwargs) -> None:
    """Write the rows of records ``write_records`` wrote, in its transaction."""
    from .rows import refresh

    refresh(sender, records)


# Saves of these fields alone (a draft, a lock) change nothing the public sees.
BOOKKEEPING = frozenset(
    {"latest_revision", "has_unpublished_changes", "locked", "locked_at", "locked_by"}
)


def record_saved(sender, instance, update_fields=None, raw=False, **kwargs) -> None:
    """Mark the row of a record saved outside publication (written again at the next read)."""
    if raw or (update_fields and set(update_fields) <= BOOKKEEPING):
        return
    from .rows import mark_stale

    mark_stale(sender, instance.pk, instance.reporting_org_id)


def part_changed(sender, instance, raw=False, **kwargs) -> None:
    """Mark the row of the record a saved or deleted part belongs to."""
    from opencoop.core.writes import replacing_parts

    if raw or replacing_parts():  # the write refreshes the row itself
        return
    from .rows import PARENTS, mark_stale

    model, key = PARENTS[sender]
    record_id = getattr(instance, key, None)
    if record_id is not None:
        mark_stale(model, record_id)
