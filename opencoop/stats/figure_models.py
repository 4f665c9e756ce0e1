"""The kept figures' tables (``opencoop.stats.kept``), apart from the pages' models.

``models.py`` imports them (Django finds an app's models there); they live here so that the
selectors, which the pages import, can read them without a circular import.
"""

from __future__ import annotations

from django.db import models


class FigureColumns(models.Model):
    """The columns of a kept figure row: a table, its key and a value (see ``KeptFigure``)."""

    table = models.CharField(max_length=20)
    country = models.CharField(max_length=2, blank=True)
    kind = models.CharField(max_length=6, blank=True)
    code = models.CharField(max_length=40, blank=True)
    n = models.IntegerField(null=True)
    stated = models.IntegerField(null=True)
    total = models.DecimalField(max_digits=12, decimal_places=2, null=True)
    percentage = models.DecimalField(max_digits=8, decimal_places=2, null=True)
    measure = models.CharField(max_length=12, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    value = models.DecimalField(max_digits=20, decimal_places=2)

    # Every column but the value: rows with the same key add up.
    KEY = (
        "table",
        "country",
        "kind",
        "code",
        "n",
        "stated",
        "total",
        "percentage",
        "measure",
        "currency",
    )

    class Meta:
        abstract = True


class KeptFigure(FigureColumns):
    """One authority's sum in one figure table, kept so that pages add rows, not activities.

    The columns are those ``opencoop.stats.figures`` returns for the table: a code (country,
    sector, year, plan…), the share parameters of a split (``n``, ``stated``, ``total``,
    ``percentage``), a measure and a currency. Written only by ``opencoop.stats.kept``.
    """

    authority = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        # A page reads one table of some authorities; a country page one country of one table.
        indexes = [
            models.Index(fields=["table", "authority"]),
            models.Index(fields=["table", "country"]),
        ]


class FigureState(models.Model):
    """When an authority's kept figures were computed, and until when they hold.

    ``dirty``: a row they are made from changed outside the write paths that refresh them;
    ``valid_until``: the day an embargo of one of its activities ends (the figures change then
    without any write). Figures that are dirty, past their day or missing are read afresh.
    """

    authority = models.OneToOneField(
        "organisations.Organisation", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    refreshed_at = models.DateTimeField()
    valid_until = models.DateField(null=True)
    dirty = models.BooleanField(default=False)


class KeptTotal(FigureColumns):
    """The sum of every authority's ``KeptFigure`` rows of one key: the figures over all of them.

    A page over every authority reads these few rows instead of adding every authority's. One
    row per key (the table and every column but the value), with the number of authorities'
    rows it adds up (``rows``: at 0 the key is gone). Kept equal to the sum of ``KeptFigure``
    by ``opencoop.stats.kept``, in the transaction that changes those rows.
    """

    key = models.CharField(max_length=255, unique=True)
    rows = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["table", "country"])]
