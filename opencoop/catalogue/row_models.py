"""The catalogue's rows: one per published record, what its filters, facets and pages read.

Apart from ``models`` (the catalogue's pages), so that the selectors and the open-data outputs
can read rows without importing the pages that use them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .fields import FacetKeysField, SearchDocument

# The facets whose keys a row keeps as an array: the catalogue's parameter and the row's column.
ARRAY_FACETS: dict[str, str] = {
    "year": "years",
    "region": "regions",
    "country": "countries",
    "sector_group": "sector_groups",
    "sector": "sectors",
    "sdg": "sdgs",
    "sdg_target": "sdg_targets",
    "marker": "markers",
    "partner": "partners",
}


class CatalogueRow(models.Model):
    """What the catalogue knows of one published record, kept for its filters, facets and pages.

    One row per published activity, initiative and exchange (``kind``), written by
    ``rows.refresh`` when a record is published, unpublished, deleted or written by
    ``write_records``, and by ``manage.py rebuild_catalogue_rows``. Each facet's keys are a
    column (an array with a GIN index on PostgreSQL), so the catalogue filters, counts and pages
    without reading the records' parts. ``public_from`` is the day the access policy makes the
    record public (``policy.public_from``: the end of an embargo, or the first day), so a record
    whose embargo ends is counted from that day without being written again.
    """

    ACTIVITY, INITIATIVE, EXCHANGE = "activity", "initiative", "exchange"

    kind = models.CharField(max_length=12)
    record_id = models.BigIntegerField()
    authority = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    public_from = models.DateField()
    status = models.CharField(max_length=3, blank=True)
    partnership_id = models.BigIntegerField(null=True, blank=True)
    years = FacetKeysField()
    regions = FacetKeysField()
    countries = FacetKeysField()
    sector_groups = FacetKeysField()
    sectors = FacetKeysField()
    sdgs = FacetKeysField()
    sdg_targets = FacetKeysField()
    markers = FacetKeysField()
    partners = FacetKeysField()
    title = models.JSONField(default=dict, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    # Saved outside publication (a part edited, a record saved by code): written again by the
    # next read of the catalogue (``rows.refresh_stale``), hidden until then.
    stale = models.BooleanField(default=False, db_index=True)

    class Meta:
        verbose_name = _("catalogue row")
        constraints = [
            models.UniqueConstraint(fields=["kind", "record_id"], name="catalogue_row_unique")
        ]
        indexes = [models.Index(fields=["authority", "public_from"], name="catalogue_row_scope")]

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}"

    # The words a row is found by, given when the row is built: written to ``CatalogueWord``
    # with the row, not kept on it (a second copy cost every write a GIN index and was unread).
    _document: SearchDocument | None = None

    @property
    def search_document(self) -> SearchDocument | None:
        return self._document

    @search_document.setter
    def search_document(self, value: SearchDocument | None) -> None:
        self._document = value


class KeptCount(models.Model):
    """A count kept of rows holding one key of one facet, per authority, kind and first public
    day: what ``CatalogueCount`` and ``CataloguePairCount`` share."""

    authority = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12)
    public_from = models.DateField()
    facet = models.CharField(max_length=16)
    facet_key = models.CharField(max_length=64)
    n = models.IntegerField()

    class Meta:
        abstract = True


class CatalogueCount(KeptCount):
    """How many rows hold one key of one facet: the unfiltered catalogue reads these, not rows.

    Per authority, kind and ``public_from`` (so a site's authorities, a ticked kind or authority
    and an embargo that ends are answered by adding kept figures); ``facet`` is a catalogue
    parameter (``status``, ``partnership`` or one of ``ARRAY_FACETS``), or "" with key "" for
    the rows themselves (the kind and authority facets, and the total). Rows marked stale are
    not counted. Written only by ``rows``, in the transaction that writes the rows.
    """

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authority", "kind", "public_from", "facet", "facet_key"],
                name="catalogue_count_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.facet} {self.facet_key}: {self.n}"


# The facets whose one ticked key the pair counts answer for (``CataloguePairCount``): the
# codes a row holds itself. Partners and partnerships are ticked by slug or under the access
# policy, so a filter on them is counted in the rows.
PAIRED_FACETS = ("status", *(param for param in ARRAY_FACETS if param != "partner"))


class CataloguePairCount(KeptCount):
    """How many rows hold one key of one facet among the rows holding one key of another.

    The catalogue with one code ticked (a country, say) counts every other facet among the rows
    with that code: these counts, added up over the site's authorities, kinds and embargoes as
    ``CatalogueCount``'s are, rather than the rows themselves (7,884 rows for one country at
    100,000 activities). ``given_facet`` is one of ``PAIRED_FACETS``; ``facet`` any facet but
    "" (partners and partnerships too). Written only by ``rows``, beside ``CatalogueCount``.
    """

    given_facet = models.CharField(max_length=16)
    given_key = models.CharField(max_length=64)

    class Meta:
        constraints = [
            # Read by the key ticked first: the unique index is the one the catalogue reads.
            models.UniqueConstraint(
                fields=[
                    "given_facet",
                    "given_key",
                    "facet",
                    "facet_key",
                    "authority",
                    "kind",
                    "public_from",
                ],
                name="catalogue_pair_count_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.given_facet} {self.given_key}, {self.facet} {self.facet_key}: {self.n}"


# What a word of a row weighs in a search's relevance: a title word as ten others (the ratio of
# PostgreSQL's ts_rank weights A and D, which ranked the catalogue before).
TITLE_WEIGHT = 10
OTHER_WEIGHT = 1


class CatalogueWord(models.Model):
    """One word of a row's search document: a word search reads these through their key.

    The key (word, row) is a btree, so the rows holding a word are one range of it, read in
    order without visiting the rows: counting the matches of a common word and ranking them
    costs an index range, not a read of every row holding it. Written only by ``rows``, with
    the row, in the same transaction; ``weight`` is ``TITLE_WEIGHT`` for a word of the title.
    """

    pk = models.CompositePrimaryKey("word", "row")
    word = models.TextField()
    row = models.ForeignKey(
        CatalogueRow, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    weight = models.SmallIntegerField()

    class Meta:
        # A row's words, title words apart, read without the table: a match's relevance
        # (``selectors.Relevance``: its few title words) and the words to delete when a row
        # is written again.
        indexes = [
            models.Index(fields=["row", "weight", "word"], name="catalogue_word_of_row"),
            # The title words alone (a tenth of the entries): which rows rank first for a
            # search, and each word's rows as one hash (``selectors.Relevance``).
            models.Index(
                fields=["word", "row"],
                condition=models.Q(weight=TITLE_WEIGHT),
                name="catalogue_word_title",
            ),
        ]

    def __str__(self) -> str:
        return self.word
