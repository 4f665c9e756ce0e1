"""Writes about organisations that more than one caller needs."""

from __future__ import annotations

from django.db import transaction
from wagtail.models import Collection

from opencoop.core.multilingual import text


def ensure_collection(organisation) -> Collection | None:
    """Give a reporting authority its own collection of documents and images (once).

    Documents and images are scoped by collection (``opencoop.editorial.permissions``): an
    authority's staff work in its collection only, so each authority needs one from the start.
    """
    if not organisation.is_reporting or organisation.collection_id or not organisation.pk:
        return organisation.collection if organisation.collection_id else None
    with transaction.atomic():
        root = Collection.get_first_root_node()
        if root is None:
            return None
        name = text(organisation.name, "en") or organisation.identifier or organisation.slug
        collection = root.add_child(instance=Collection(name=name))
        type(organisation).objects.filter(pk=organisation.pk).update(collection=collection)
        organisation.collection = collection
    return collection


def unique_slug(organisation) -> str:
    """Return a slug for ``organisation`` from its English (else any) name or its identifier,
    unique among organisations (a number is added to a slug already taken)."""
    from django.utils.text import slugify

    base = slugify(text(organisation.name, "en") or organisation.identifier)[:90]
    base = base or "organisation"
    taken = set(
        type(organisation)
        ._default_manager.filter(slug__startswith=base)
        .exclude(pk=organisation.pk)
        .values_list("slug", flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    return slug
