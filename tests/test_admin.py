"""The editors' back office opens every record type, with revisions and workflow."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from opencoop.activities.models import Activity, RecipientCountry, Sector
from opencoop.exchanges.models import Exchange
from opencoop.initiatives.models import Initiative
from opencoop.plans.models import AnnualPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    user = get_user_model().objects.create_superuser(
        "chief", "chief@example.org", "x-long-password-1"
    )
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", [Activity, Initiative, Exchange, AnnualPlan])
def test_add_and_edit_forms_render(editor_client, model):
    opts = model._meta
    add = editor_client.get(reverse(f"wagtailsnippets_{opts.app_label}_{opts.model_name}:add"))
    assert add.status_code == 200
    record = model.objects.first()
    edit = editor_client.get(
        reverse(f"wagtailsnippets_{opts.app_label}_{opts.model_name}:edit", args=[record.pk])
    )
    assert edit.status_code == 200
    body = edit.content.decode()
    assert 'lang="it"' in body and 'lang="en"' in body


def test_saving_a_draft_keeps_the_published_text(editor_client, client):
    activity = Activity.objects.get(slug="baan-unrak-house-of-joy")
    published_title = activity.title["en"]
    revision = activity.save_revision()
    activity.refresh_from_db()
    assert activity.live and activity.title["en"] == published_title
    draft = revision.as_object()
    draft.title = {**draft.title, "en": "Changed in a draft"}
    draft.save_revision()
    activity.refresh_from_db()
    assert activity.title["en"] == published_title
    assert activity.has_unpublished_changes
    assert activity.revisions.count() >= 2


def test_sector_and_country_names_in_the_plural():
    with translation.override("it"):
        assert str(Sector._meta.verbose_name_plural) == "settori"
        assert str(RecipientCountry._meta.verbose_name_plural) == "Paesi beneficiari"
    with translation.override("en"):
        assert str(Sector._meta.verbose_name_plural) == "sectors"
        assert str(RecipientCountry._meta.verbose_name_plural) == "recipient countries"


@pytest.mark.parametrize("model", list(apps.get_app_config("activities").get_models()))
def test_no_italian_plural_is_the_singular_with_an_s(model):
    """Django makes a missing plural by adding "s": "settore" would become "settores"."""
    with translation.override("it"):
        singular, plural = str(model._meta.verbose_name), str(model._meta.verbose_name_plural)
    assert plural != singular + "s", f"{model.__name__}: set verbose_name_plural"


def test_before_the_code_the_admin_serves_its_icons_but_no_page(client):
    """The code page loads the admin's icons and script translations: they must not redirect."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.create_user("coded", "coded@example.org", "x-long-password-1")
    user.is_staff = True
    user.save()
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    client.force_login(user)
    assert client.get("/admin/").url.startswith(reverse("two_factor_verify"))
    assert client.get(reverse("wagtailadmin_sprite")).status_code == 200
    assert client.get(reverse("wagtailadmin_javascript_catalog")).status_code == 200
