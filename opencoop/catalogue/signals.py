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
