"""Shared fixtures: the Florence demo is loaded once into the test database."""

import pytest
from django.test import Client

from opencoop.demo.loader import load_demo

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
    """Start each test without chrome remembered from pages an earlier test rolled back."""
    from opencoop.pages.published import forget

    forget()
