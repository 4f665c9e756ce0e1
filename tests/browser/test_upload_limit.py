"""In Chromium, the admin's upload forms refuse a file over the limit before sending anything.

The test creates its own administrator in the shared test database (the live server must see
it) and removes it whatever the outcome.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

pytestmark = pytest.mark.browser

USERNAME = "upload-limit-admin"
PASSWORD = "upload-limit-password-1"
MB = 1024 * 1024


@pytest.fixture
def administrator(django_db_blocker, monkeypatch) -> Iterator:
    # Playwright's sync API runs an event loop in this thread; these ORM calls are plain blocking
    # calls between browser steps, which Django refuses by default next to a loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with django_db_blocker.unblock():
        user = get_user_model().objects.create_superuser(USERNAME, "limit@example.org", PASSWORD)
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "it"
        profile.save()
    try:
        yield user
    finally:
        with django_db_blocker.unblock():
            get_user_model().objects.filter(username=USERNAME).delete()


@pytest.mark.parametrize(
    ("address", "field"), [("/admin/iati-import/", "file"), ("/admin/imports/", "files")]
)
def test_a_file_over_the_limit_is_refused_before_it_is_sent(
    site, new_context, administrator, settings, address, field
):
    settings.OPENCOOP_MAX_UPLOAD_MB = 1
    page = new_context().new_page()
    page.goto(site.url + "/admin/")
    page.locator("input[name=username]").fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(site.url + address)
    posted = []
    page.on("request", lambda request: posted.append(request) if request.method == "POST" else 0)

    upload = page.locator(f"input[type=file][name={field}]")
    name = "grande.xml" if field == "file" else "activities.csv"
    upload.set_input_files({"name": name, "mimeType": "text/plain", "buffer": b"x" * (MB + 1)})
    note = page.locator(f"#{upload.get_attribute('id')}-too-large")
    expect(note).to_be_visible()
    expect(note).to_have_text(
        "Il file supera 1 MB, il massimo che il portale accetta: non è stato inviato nulla. "
        "Dividilo, oppure chiedi a un amministratore di importarlo con il comando."
    )
    upload.locator("xpath=ancestor::form").locator("button[type=submit]").click()
    page.wait_for_timeout(300)
    assert posted == [] and page.url == site.url + address

    # A file within the limit clears the message.
    upload.set_input_files({"name": name, "mimeType": "text/plain", "buffer": b"x" * 10})
    expect(note).to_be_hidden()
