"""The admin speaks correct Italian on the project's screens and sends nothing to Gravatar."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.users.models import UserProfile

from .helpers import filled_chooser, form_data, soup, url

pytestmark = pytest.mark.django_db


def in_italian(user):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = "it"
    profile.save()
    return user


def page_text(response) -> str:
    assert response.status_code == 200
    return " ".join(soup(response).get_text().split())


@pytest.mark.parametrize("name", ["wagtailadmin_home", "wagtailadmin_account"])
def test_no_avatar_is_loaded_from_gravatar(client, administrator, name):
    client.force_login(administrator)
    page = client.get(reverse(name))
    assert page.status_code == 200
    assert b"gravatar.com" not in page.content


def test_the_pages_menu_keeps_wagtails_italian_name(client, administrator):
    # The project's pagination label shared the msgid "Pages" with Wagtail's menu.
    client.force_login(in_italian(administrator))
    page = client.get(reverse("wagtailadmin_home"))
    assert page.status_code == 200
    assert "Paginazione" not in page.content.decode()
    assert '"label": "Pagine"' in page.content.decode()


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("editorial:translations", "Testi da tradurre"),
        ("imports:index", "Importazione da foglio di calcolo"),
    ],
)
def test_the_projects_screens_are_titled_by_what_they_do(client, administrator, name, title):
    client.force_login(in_italian(administrator))
    html = soup(client.get(reverse(name)))
    # The title of the screen is the visible breadcrumbs (the <h1> is for screen readers).
    crumbs = [" ".join(item.get_text().split()) for item in html.select("header nav li")]
    assert crumbs[-1] == title, crumbs


def test_a_refused_new_organisation_is_announced_in_proper_italian(client, administrator):
    from opencoop.organisations.models import Organisation

    client.force_login(in_italian(administrator))
    data = form_data(client.get(url(Organisation, "add")))
    text = page_text(client.post(url(Organisation, "add"), data))
    assert "Organizzazionenon" not in text
    assert "Impossibile creare organizzazione a causa di errori." in text


def submit_for_review(client, user, activity) -> None:
    client.force_login(user)
    data = form_data(client.get(url(activity, "edit")))
    data["action-submit"] = "action-submit"
    assert client.post(url(activity, "edit"), data).status_code == 302


def test_how_long_ago_a_record_was_sent_to_review_reads_in_italian(client, editor, activity):
    """Wagtail says it with Django's humanize ("22 seconds ago"): in Italian, "22 secondi fa"."""
    import re

    submit_for_review(client, editor, activity)
    client.force_login(in_italian(editor))
    text = page_text(client.get(url(activity, "edit")))
    assert not re.search(r"\b(second|minute|hour)s? ago\b|\bnow\b", text), text
    assert re.search(r"Inviato a \w+ (adesso|(un|\d+) (second|minut)[oi] fa)", text), text


def test_the_organisation_chooser_reads_well_in_italian(client, editor, activity):
    client.force_login(in_italian(editor))
    html = soup(client.get(url(activity, "edit")))
    chooser = filled_chooser(html, "id_participating_orgs-0-organisation")
    text = " ".join(chooser.get_text().split())
    assert "un' altro" not in text and "questo organizzazione" not in text, text
    assert "Cambia organizzazione" in text, text
    assert "Modifica la voce scelta (organizzazione)" in text, text


def test_the_organisation_chooser_of_a_membership_reads_in_italian(client, superuser):
    client.force_login(in_italian(superuser))
    html = soup(client.get(reverse("wagtailsnippets_editorial_editorialmembership:add")))
    text = " ".join(html.select_one("#id_organisation-chooser").get_text().split())
    assert "Choose" not in text, text
    assert "Cambia organizzazione" in text, text


def test_the_review_request_email_reads_well_in_italian(client, editor, reviewer, activity):
    in_italian(reviewer)
    client.force_login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data["action-submit"] = "action-submit"
    assert client.post(url(activity, "edit"), data).status_code == 302
    sent = [m for m in mail.outbox if m.to == ["reviewer@example.org"]]
    assert sent, [m.to for m in mail.outbox]
    for text in (sent[0].subject, sent[0].body):
        assert "per per" not in text
        assert 'Richiesta di approvazione per "Progetto WELLS" (attività)' in text, text


def test_the_workflow_buttons_and_messages_read_well_in_italian(client, editor, activity):
    client.force_login(in_italian(editor))
    edit = client.get(url(activity, "edit"))
    text = page_text(edit)
    assert "Invia a Review" not in text
    assert "Invia in revisione" in text
    data = form_data(edit)
    data["action-submit"] = "action-submit"
    submitted = client.post(url(activity, "edit"), data, follow=True)
    text = page_text(submitted)
    assert "Elemento inviato in revisione: Attività 'Progetto WELLS'." in text
    text = page_text(client.get(url(activity, "edit")))
    for wrong in ("Questo attività", "Il attività", "è stato inviato"):
        assert wrong not in text, wrong
    assert "Questo elemento (attività) è in attesa di revisione." in text


def test_the_state_filter_of_activities_reads_in_italian(client, editor, activity):
    from opencoop.activities.models import Activity

    client.force_login(in_italian(editor))
    page = client.get(url(Activity, "list") + "?state=live")
    html = soup(page)
    pills = [" ".join(p.get_text().split()) for p in html.select("[data-w-active-filter-id]")]
    assert pills == ["Stato: Online"], pills
    assert "Project WELLS" in page_text(page) or "Progetto WELLS" in page_text(page)
    assert "Progetto WELLS" not in page_text(client.get(url(Activity, "list") + "?state=draft"))


def test_the_dashboard_names_the_stage_that_asked_for_changes(client, editor, reviewer, activity):
    client.force_login(editor)
    data = form_data(client.get(url(activity, "edit")))
    data["action-submit"] = "action-submit"
    assert client.post(url(activity, "edit"), data).status_code == 302
    task_state = activity.current_workflow_task_state
    client.force_login(reviewer)
    action = url(activity, "workflow_action", activity.pk, "reject", task_state.pk)
    assert client.post(action, {"comment": "Quanti pozzi?"}).status_code == 302
    client.force_login(in_italian(editor))
    text = page_text(client.get(reverse("wagtailadmin_home")))
    assert "Modifiche richieste il" not in text
    assert "Modifiche richieste nella fase Review" in text


@pytest.fixture
def superuser(db):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("root", "root@example.org", "x-long-1")


def test_the_editorial_roles_are_named_in_italian(client, superuser, editor):
    client.force_login(in_italian(superuser))
    groups = page_text(client.get(reverse("wagtailusers_groups:index")))
    for name in ("Redattore", "Revisore", "Amministratore"):
        assert name in groups, name
    form = soup(client.get(reverse("wagtailusers_users:edit", args=[editor.pk])))
    labels = [" ".join(label.get_text().split()) for label in form.select("#id_groups label")]
    assert "Redattore" in labels, labels
    assert "Editor" not in labels, labels


def test_the_help_menu_opens_the_editors_guide_in_the_admin(client, editor):
    client.force_login(in_italian(editor))
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("editorial:guide") in home
    assert '"label": "Guida per i redattori"' in home
    guide = soup(client.get(reverse("editorial:guide")))
    crumbs = [" ".join(item.get_text().split()) for item in guide.select("header nav li")]
    assert crumbs[-1] == "Guida per i redattori", crumbs
    article = guide.select_one("[data-editors-guide]")
    # Italian users get the Italian guide (docs/editors.it.md).
    assert article.select_one("h2#ruoli") is not None
    assert article.select_one("h2#progetti-sensibili") is not None
    # The guide's own links to its sections land on a heading.
    links = {a["href"] for a in article.select('a[href^="#"]')}
    assert "#controlli-prima-della-pubblicazione" in links
    for link in links:
        assert article.select_one(f"[id='{link[1:]}']") is not None, link


def test_english_users_get_the_english_guide(client, editor):
    from wagtail.users.models import UserProfile

    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "en"
    profile.save()
    client.force_login(editor)
    article = soup(client.get(reverse("editorial:guide"))).select_one("[data-editors-guide]")
    assert article.select_one("h2#roles") is not None
    assert article.select_one("h2#sensitive-projects") is not None
    links = {a["href"] for a in article.select('a[href^="#"]')}
    assert "#checks-before-publishing" in links
    for link in links:
        assert article.select_one(f"[id='{link[1:]}']") is not None, link


def test_the_italian_guide_has_every_section_and_step_of_the_english_one():
    """The two guides keep in step: the same sections, sub-sections and numbered steps."""
    import re

    from django.conf import settings

    def outline(name: str) -> tuple[list[str], int, int]:
        text = (settings.BASE_DIR / "docs" / name).read_text(encoding="utf-8")
        headings = re.findall(r"^(#{2,3}) ", text, re.M)
        steps = re.findall(r"^(\d+)\. \*\*", text, re.M)
        return headings, len(steps), text.count("`manage.py ")

    english, italian = outline("editors.md"), outline("editors.it.md")
    assert len(english[0]) >= 15, english
    assert italian == english


def project_msgids() -> list[str]:
    """Return the English texts of the project's messages that Italian translates differently.

    Each text is cut at its placeholders; pieces shorter than 12 characters or of one word are
    left out ("Partner", "Stato") since they may be Italian too.
    """
    import re

    import polib
    from django.conf import settings

    texts = set()
    for path in (
        settings.BASE_DIR / "opencoop/locale/it/LC_MESSAGES/django.po",
        settings.BASE_DIR / "opencoop/codelists/locale/it/LC_MESSAGES/django.po",
    ):
        for entry in polib.pofile(str(path)):
            if not entry.msgstr or entry.msgstr == entry.msgid or entry.obsolete:
                continue
            for piece in re.split(r"%\(\w+\)\w|%\w|\{\w*\}|\{%.*?%\}", entry.msgid):
                piece = piece.strip(" .:,;()")
                if len(piece) >= 12 and " " in piece:
                    texts.add(piece)
    return sorted(texts)


def project_screens(record) -> list[str]:
    """Return the admin addresses of the project's own screens, with ``record``'s kin filled in."""
    from django.urls import NoReverseMatch
    from wagtail.models import Page
    from wagtail.snippets.models import get_snippet_models

    from opencoop.pages.models import PortalPage

    addresses = [
        reverse("wagtailadmin_home"),
        reverse("editorial:translations"),
        reverse("editorial:guide"),
        reverse("imports:index"),
        reverse("iati_import"),
        reverse("two_factor_links"),
        reverse("wagtailusers_groups:index"),
        reverse("jobs:index"),
        reverse("harvest_status"),
        reverse("geography_admin:picker-map") + "?country=SN",
        reverse("wagtailadmin_explore_root"),
    ]
    # The edit page of one page of each of the project's page types (the atlas's among them).
    for model in {type(p.specific) for p in Page.objects.type(PortalPage).specific()}:
        page = model.objects.order_by("pk").first()
        addresses.append(reverse("wagtailadmin_pages:edit", args=[page.pk]))
    for model in get_snippet_models():
        if not model.__module__.startswith("opencoop."):
            continue
        opts = model._meta
        base = f"wagtailsnippets_{opts.app_label}_{opts.model_name}"
        addresses += [reverse(f"{base}:list"), reverse(f"{base}:add")]
        first = record if isinstance(record, model) else model.objects.order_by("pk").first()
        if first is None:
            continue
        for view in ("edit", "history", "usage", "delete", "workflow_history"):
            try:
                addresses.append(reverse(f"{base}:{view}", args=[first.pk]))
            except NoReverseMatch:
                continue
    return addresses


def test_every_admin_screen_of_the_project_speaks_italian(client, superuser, editor, activity):
    """No English text of the project's messages, nor Wagtail's English words, on any screen."""
    import re

    # In review: the record's screens say since when, and how it is previewed.
    submit_for_review(client, editor, activity)
    client.force_login(in_italian(superuser))
    english = project_msgids()
    assert len(english) > 300, len(english)  # the check has something to look for
    addresses = project_screens(activity)
    leaks: list[str] = []
    # A screen that fails to open is a failure too, not a screen with nothing to check.
    unopened = []
    for address in addresses:
        response = client.get(address)
        if response.status_code != 200:
            unopened.append(f"{address}: {response.status_code}")
            continue
        text = page_text(response)
        leaks += [f"{address}: {piece!r}" for piece in english if piece in text]
        for word in (r"\b\w+ ago\b", r"\bTrue\b", r"\bFalse\b", r"\bLive\b"):
            leaks += [f"{address}: {m.group(0)!r}" for m in re.finditer(word, text)]
    assert len(addresses) >= 60, addresses
    assert not unopened, unopened
    assert not leaks, "\n".join(leaks)


def untranslated_words(template: str) -> list[str]:
    """Return the words of ``template``'s text that no translation tag holds.

    Left out: what the translation tags, comments, scripts and styles hold, Django's tags and
    variables, HTML tags, addresses ("www.agid.gov.it"), acronyms ("CSV") and names of CSS
    classes given in a block. Kept: the visible text and the text of the attributes a person
    reads (title, aria-label, placeholder, alt).
    """
    import re

    for pattern in (
        r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}",
        r"\{#.*?#\}",
        r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}",
        r"\{%\s*block bodyclass\s*%\}.*?\{%\s*endblock\s*%\}",
        r"<(script|style)\b.*?</\1>",
    ):
        template = re.sub(pattern, " ", template, flags=re.S)
    read = re.findall(r'\b(?:title|aria-label|placeholder|alt)="([^"]*)"', template)
    text = " ".join([re.sub(r"<[^>]*>", " ", template), *read])
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"[\w.-]+\.[a-z]{2,}\b", " ", text)
    return [
        word
        for word in re.findall(r"[\w']+", text)
        if re.fullmatch(r"[A-Za-z']{2,}", word) and not word.isupper()
    ]


def test_untranslated_words_are_found_in_text_and_read_attributes():
    template = (
        '{% load i18n %}<p title="Close">{% translate "Saved" %} Delete {{ name }}</p>'
        '{% blocktranslate %}Kept {{ n }}{% endblocktranslate %}<a href="/x">CSV</a>'
    )
    assert untranslated_words(template) == ["Delete", "Close"]


def test_no_template_of_the_project_shows_text_left_out_of_translation():
    """Every text of the project's templates (the admin's screens and the site's) is in a
    translation tag: none reaches an Italian screen in English."""
    from django.conf import settings

    root = settings.BASE_DIR / "opencoop"
    templates = sorted(root.glob("*/templates/**/*.html")) + sorted(
        (root / "templates").glob("**/*.html")
    )
    assert len(templates) > 60, len(templates)
    found = {}
    for path in templates:
        words = untranslated_words(path.read_text(encoding="utf-8"))
        if words:
            found[str(path.relative_to(root))] = words
    assert not found, found
