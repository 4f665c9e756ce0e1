"""Admin views of the editorial app: the texts to translate and the translator's PO file."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from opencoop.core.multilingual import portal_languages

from . import translations
from .forms import TranslationFileForm
from .guide import render_guide
from .roles import ADMINISTRATOR, EDITOR, REVIEWER, role_names
from .selectors import edit_url


def may_translate(user) -> bool:
    """Say whether ``user`` works on translations (staff roles; not partners' contacts)."""
    return user.is_superuser or bool(role_names(user) & {EDITOR, REVIEWER, ADMINISTRATOR})


class TranslatorMixin:
    def dispatch(self, request, *args, **kwargs):
        if not may_translate(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def target_languages(self) -> list[str]:
        return [c for c in portal_languages() if c != translations.source_language()]

    def chosen_language(self) -> str:
        lang = self.request.GET.get("language") or self.request.POST.get("language") or ""
        targets = self.target_languages()
        return lang if lang in targets else targets[0]


class TranslationListView(TranslatorMixin, WagtailAdminTemplateMixin, TemplateView):
    """List every record whose texts are missing or out of date in a language."""

    template_name = "editorial/translations.html"
    page_title = gettext_lazy("Texts to translate")
    header_icon = "globe"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        # The slim header shows only the breadcrumbs: without this it reads "Home".
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        lang = self.chosen_language()
        pairs = translations.records_for_states(translations.pending(self.request.user, lang))
        context.update(
            {
                "language": lang,
                "languages": self.target_languages(),
                "rows": [
                    {
                        "record": record,
                        "kind": type(record)._meta.verbose_name,
                        "status": state.get_status_display(),
                        "status_code": state.status,
                        # Several parts may miss the same field: name it once.
                        "fields": list(
                            dict.fromkeys(
                                translations.field_label(type(record), key)
                                for key in [*state.missing_fields, *state.outdated_fields]
                            )
                        ),
                        "edit_url": edit_url(record),
                    }
                    for state, record in pairs
                ],
                "form": kwargs.get("form") or TranslationFileForm(),
                "errors": kwargs.get("errors", []),
            }
        )
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        """Import a PO file: every entry is checked first; one error and nothing changes."""
        form = TranslationFileForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            content = form.cleaned_data["file"].read().decode("utf-8")
        except UnicodeDecodeError:
            return self.render_to_response(
                self.get_context_data(
                    form=form, errors=[_("The file is not UTF-8 text: save it as UTF-8.")]
                )
            )
        result = translations.read_po(content, request.user)
        if result.errors:
            return self.render_to_response(self.get_context_data(form=form, errors=result.errors))
        count = translations.apply_translations(translation_import=result, user=request.user)
        messages.success(
            request,
            _("%(count)d texts imported as drafts and submitted for review; nothing was published.")
            % {"count": count},
        )
        return redirect(f"{request.path}?language={result.language}")


def export_translations(request: HttpRequest) -> HttpResponse:
    """Download the texts to translate into one language as a PO file."""
    if not may_translate(request.user):
        raise PermissionDenied
    view = TranslatorMixin()
    view.request = request
    lang = view.chosen_language()
    po = translations.export_po(request.user, lang)
    response = HttpResponse(str(po), content_type="text/x-gettext-translation; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="opencoop-{lang}.po"'
    return response


class EditorsGuideView(WagtailAdminTemplateMixin, TemplateView):
    """Show the editors' guide inside the admin (the Help menu links here)."""

    template_name = "editorial/guide.html"
    page_title = gettext_lazy("Editors' guide")
    header_icon = "help"

    def get_breadcrumbs_items(self) -> list[dict[str, str]]:
        return [*super().get_breadcrumbs_items(), {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["guide"] = render_guide(get_language() or "")
        return context
