"""Shared fixtures: the Florence demo is loaded once into the test database."""

from collections.abc import Iterator

import pytest
from django.db import connections
from django.test import Client

from opencoop.demo.loader import load_demo
from tests.databases import primary_sql

SECTION_EN = "/en/administration/international-florence/decentralized-cooperation/"
SECTION_IT = "/it/amministrazione/firenze-internazionale/cooperazione-decentrata/"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo once; each test then runs in a transaction that is rolled back."""
    with django_db_blocker.unblock():
        load_demo()


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture(autouse=True)
def _forget_remembered_chrome():
    """Start each test without chrome remembered from pages an earlier test rolled back.

    Wagtail's list of sites is cached too, and a rolled-back site (the atlas of a generated
    authority) sends no signal that clears it.
    """
    from django.core.exceptions import SynchronousOnlyOperation
    from django.db import OperationalError
    from wagtail.models import Site

    from opencoop.pages.published import forget

    forget()
    Site.clear_site_root_paths_cache()
    try:
        Site.get_site_root_paths()  # read again here, not in the test's first request
    except (RuntimeError, SynchronousOnlyOperation, OperationalError):
        # A test without the database, one inside the browser's event loop, or one whose
        # database is made by its own fixture (the replica's copy): the first request reads it.
        pass


@pytest.fixture
def every_authority(db) -> None:
    """Have the demo's site show every authority's records, as an atlas does.

    The demo's site is Florence's own and shows Florence's records only
    (``opencoop.core.sites``); tests of an outlet with records of several authorities made by
    the factories ask for this.
    """
    from wagtail.models import Site

    from opencoop.core.models import PortalSettings
    from opencoop.pages.published import forget

    PortalSettings.for_site(Site.objects.get(is_default_site=True)).authorities.clear()
    forget()


@pytest.fixture(scope="module")
def own_database(django_db_setup, django_db_blocker) -> Iterator[None]:
    """Point ``default`` at a copy of the test database (the demo included) for this module.

    For tests that commit (``transaction=True``): the copy, not the test database, is emptied
    after each, so the demo stays for the tests that follow.
    """
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as patch:
        default = connections["default"]
        name = default.settings_dict["NAME"]
        copy = f"{name}_own"
        connections.close_all()
        primary_sql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        primary_sql(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
        patch.setitem(default.settings_dict, "NAME", copy)
        try:
            yield
        finally:
            connections.close_all()
            primary_sql(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
