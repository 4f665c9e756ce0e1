"""Parts of the page chrome that every page of a site shows alike, rendered once a publication."""

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag(takes_context=True)
def site_footer(context) -> SafeString:
    """Render the footer, remembered for the site, language and section until a publication.

    It shows the site's settings and notices and the menu of the section the page is in, alike
    on each page of the section; what it reads changes only with a publication
    (``opencoop.pages.published``).
    """
    footer = context.template.engine.get_template("components/footer.html")
    chrome = context.get("chrome")
    if chrome is None:  # a page rendered without the portal's context (an error page)
        return footer.render(context)
    section = chrome.section.pk if chrome.section is not None else None
    return chrome.for_site(("footer", section), lambda: footer.render(context))
