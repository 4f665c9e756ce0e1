"""Find admin addresses and submit admin forms the way a browser would."""

from __future__ import annotations

from bs4 import BeautifulSoup
from django.urls import reverse


def url(record_or_model, view: str, *args) -> str:
    """Return the admin address of a snippet view (``list``, ``add``, ``edit``…)."""
    opts = record_or_model._meta
    name = f"wagtailsnippets_{opts.app_label}_{opts.model_name}:{view}"
    if args:
        return reverse(name, args=args)
    if view in ("list", "add", "list_results"):
        return reverse(name)
    return reverse(name, args=[record_or_model.pk])


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def form_data(response, selector: str = "form[data-edit-form]") -> dict[str, object]:
    """Collect the values a browser would submit from the form in ``response``."""
    form = soup(response).select_one(selector)
    assert form is not None, f"no {selector} in the page"
    data: dict[str, object] = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or "__prefix__" in name or element.has_attr("disabled"):
            continue
        if element.name == "input":
            kind = element.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                continue
            if kind in ("checkbox", "radio"):
                if element.has_attr("checked"):
                    data[name] = element.get("value", "on")
                continue
            data[name] = element.get("value", "")
        elif element.name == "textarea":
            data[name] = element.text.lstrip("\n")
        else:
            selected = [o.get("value", o.text) for o in element.find_all("option", selected=True)]
            if element.has_attr("multiple"):
                data[name] = selected
            else:
                options = element.find_all("option")
                data[name] = (
                    selected[0] if selected else (options[0].get("value", "") if options else "")
                )
    return data


def messages_text(response) -> str:
    """Return the text of the admin's messages and form errors in ``response``."""
    page = soup(response)
    parts = [m.get_text(" ", strip=True) for m in page.select(".messages li, .messages")]
    parts += [e.get_text(" ", strip=True) for e in page.select(".error-message, .help-critical")]
    return " ".join(parts)


def refused(response) -> bool:
    """Say whether the admin refused the request: 403, 404, or Wagtail's redirect home
    (it turns a PermissionDenied into a redirect to the dashboard with an error message)."""
    if response.status_code in (403, 404):
        return True
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def field_errors(response, name: str) -> list[str]:
    """Return the error messages shown next to the form field ``name``."""
    return [
        e.get_text(" ", strip=True)
        for e in soup(response).select(f'[data-contentpath="{name}"] .error-message')
    ]


def filled_chooser(document: BeautifulSoup, id_: str):
    """Return the chooser ``id_`` (its input's id) as the admin's script fills it in: its kind's
    template (buttons, menu) with the chooser's id, the chosen label and edit link."""
    import re

    chooser = document.find(id=f"{id_}-chooser")
    script = chooser.find_next("script").string
    kind = re.search(rf'ocChooser\("{re.escape(id_)}","([0-9a-f]+)"\)', script)[1]
    template = document.select_one(f"template#oc-chooser-{kind}")
    filled = BeautifulSoup(template.decode_contents().replace("OCCHOOSER", id_), "html.parser")
    filled.select_one("[data-chooser-title]").string = chooser.get_text()
    link = filled.select_one("[data-chooser-edit-link]")
    if link is not None and chooser.get("data-edit-url"):
        link["href"] = chooser["data-edit-url"]
        del link["hidden"]
    return filled
