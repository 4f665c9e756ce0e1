"""The snippet viewset of editorial records: scoped views, partner proposals, publication checks.

Every record app registers its admin with ``EditorialSnippetViewSet`` so that:

* lists, choosers and every view of one record only reach the user's records (``scope``);
* a partner's contact gets a form with the texts only;
* publishing (the Publish button, or approving a review) is refused while the record fails
  the publication checks, with each problem attached to its field;
* the list shows each record's translation status, and the form a tab with it.
"""

from __future__ import annotations

from functools import cache, wraps

from django import forms
from django.contrib import messages as django_messages
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import redirect
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modelcluster.models import get_all_child_relations
from wagtail.admin import messages
from wagtail.admin.compare import ForeignObjectComparison, register_comparison_class
from wagtail.admin.forms.choosers import SearchFilterMixin
from wagtail.admin.panels import (
    FieldPanel,
    MultiFieldPanel,
    ObjectList,
    Panel,
    PublishingPanel,
    TabbedInterface,
)
from wagtail.admin.ui.tables import Column, TitleColumn, UpdatedAtColumn
from wagtail.log_actions import log
from wagtail.snippets.views import chooser as snippet_chooser
from wagtail.snippets.views import snippets as snippet_views

from opencoop.access import masking, policy
from opencoop.activities.disclosure import LOCAL_PARTNER
from opencoop.core.multilingual import portal_languages, text
from opencoop.organisations.models import Organisation

from . import conflicts, form_errors, listing, quality, review, scope, search, translations
from .compact import EMPTY_ROW, compact_response, empty_row_response, lighten
from .forms import PROPOSAL_LANGUAGE, partner_form_class, proposal_field_name
from .models import RecordCheck, TranslationState
from .services import unique_slug


# Columns and panels ----------------------------------------------------------------------------
def _language_statuses(states: dict[str, str]) -> list[dict[str, str]]:
    names = dict(TranslationState.STATUSES)
    return [
        {
            "code": code,
            "status": states.get(code, ""),
            "label": str(names.get(states.get(code, ""), _("not checked yet"))),
        }
        for code in portal_languages()
    ]


class TranslationStatusColumn(Column):
    """Show, for each portal language, whether the record's texts are complete."""

    cell_template_name = "editorial/tables/translation_status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["languages"] = _language_statuses(getattr(instance, "_translation_states", {}))
        return context


class RecordStatusPanel(Panel):
    """Say which languages are complete and what keeps the record from being published."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "editorial/panels/record_status.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            record = self.instance
            context["saved"] = bool(record.pk)
            if record.pk:
                content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
                states = {
                    s.language: s.status
                    for s in TranslationState.objects.filter(
                        content_type=content_type, object_id=str(record.pk)
                    )
                }
                context["languages"] = _language_statuses(states)
                check = RecordCheck.objects.filter(
                    content_type=content_type, object_id=str(record.pk)
                ).first()
                context["problems"] = (
                    quality.stored_problems(type(record), check.problems) if check else []
                )
            return context


class ReviewPanel(Panel):
    """The review's conversation: a note for the reviewer, and every comment written so far."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "editorial/panels/review.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["comments"] = review.review_comments(self.instance)
            context["previews"] = review.review_previews(self.instance)
            context["note_field"] = review.NOTE_FIELD
            context["note_length"] = review.NOTE_LENGTH
            context["note"] = self.request.POST.get(review.NOTE_FIELD, "") if self.request else ""
            return context


@cache
def partner_panel(model) -> ObjectList:
    """Return the form a partner's contact gets: the texts, in any language, and nothing else."""
    fields = scope.partner_fields(model)
    panel = ObjectList(
        [
            *[FieldPanel(name) for name in fields],
            MultiFieldPanel(
                [FieldPanel(PROPOSAL_LANGUAGE)]
                + [FieldPanel(proposal_field_name(name)) for name in fields],
                heading=gettext_lazy("Texts in another language"),
            ),
        ],
        base_form_class=partner_form_class(model, fields),
    )
    return panel.bind_to_model(model)


# Views -----------------------------------------------------------------------------------------
class ListingSearchMixin:
    """Search a listing with ``opencoop.editorial.search``: a filter on its (scoped) queryset."""

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search.search(queryset, self.search_query, self.request.user)


class RecordIndexView(ListingSearchMixin, snippet_views.IndexView):
    @cached_property
    def filters(self):
        """Offer, in each filter on an organisation, only those that the user may see and that
        the user's records name in that field (no other authority's hidden partners)."""
        filterset = super().filters
        if filterset is None:
            return filterset
        records = self.get_base_queryset()
        for name, field in filterset.form.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None or not issubclass(queryset.model, Organisation):
                continue
            named = records.values(name) if _is_model_field(self.model, name) else None
            choices = policy.visible_to(self.request.user, queryset)
            field.queryset = choices.filter(pk__in=named) if named is not None else choices
        return filterset

    def get_base_queryset(self):
        return listing.with_states(super().get_base_queryset())

    @cached_property
    def columns(self):
        # Wagtail's "Updated" column (the latest log entry, one subquery), named for editors;
        # the authority under one name in every list.
        replaced = {"_updated_at", "reporting_org"}
        columns = [c for c in super().columns if getattr(c, "name", None) not in replaced]
        extra = [listing.StateColumn("state", label=gettext_lazy("State"))]
        if _is_model_field(self.model, "reporting_org"):
            extra.append(Column("reporting_org", label=gettext_lazy("Authority")))
        extra.append(UpdatedAtColumn(label=gettext_lazy("Last change")))
        title = next((i for i, c in enumerate(columns) if isinstance(c, TitleColumn)), 0)
        return [
            *columns[: title + 1],
            *extra,
            *columns[title + 1 :],
            TranslationStatusColumn("translations", label=gettext_lazy("Translations")),
        ]

    def get_table(self, object_list):
        records = list(object_list)
        states = translations.states_by_record(records)
        for record in records:
            content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
            record._translation_states = states.get((content_type.pk, str(record.pk)), {})
        return super().get_table(records)


def _is_model_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:  # FieldDoesNotExist, or a filter on something else
        return False
    return True


def attach_problems(form, problems: list[quality.Problem]) -> None:
    """Show each problem next to its field, or on the row of a repeated part."""
    for problem in problems:
        formsets = getattr(form, "formsets", {})
        if problem.row is None and problem.field in form.fields:
            form.add_error(problem.field, problem.message)
        elif problem.field in formsets and problem.row:
            rows = [
                f
                for f in formsets[problem.field].forms
                if not (f.cleaned_data or {}).get("DELETE") and (f.instance.pk or f.has_changed())
            ]
            if problem.row <= len(rows):
                row = rows[problem.row - 1]
                target = problem.child_field if problem.child_field in row.fields else None
                row.add_error(target, problem.message)
            else:
                form.add_error(None, str(problem))
        else:
            form.add_error(None, str(problem))


def refusal_message(model, problems: list[quality.Problem]) -> str:
    return _("This %(model)s cannot be published yet. Fix: %(problems)s") % {
        "model": model._meta.verbose_name,
        "problems": "; ".join(str(p) for p in problems),
    }


def has_repeated_parts(model) -> bool:
    return bool(get_all_child_relations(model))


class RecordFormMixin:
    """Shared by the create and edit views of records."""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Wagtail's autosave posts the whole form while the editor types; on a record with
        # repeated parts an autosave finishing after "Save draft" rewrote rows with a stale
        # half-filled copy. An explicit save, checked for conflicts, is the only save here.
        if has_repeated_parts(self.model):
            self.autosave_enabled = False

    def form_invalid(self, form):
        lines = [] if self.expects_json_response else form_errors.summary(form, self.panel)
        if lines and getattr(self, "produced_error_message", None) is not None:
            # Wagtail's own message names no field; this one names tab, row and field.
            detail = format_html(
                '<ul class="errorlist" data-error-summary>{}</ul>',
                format_html_join("\n", "<li>{}</li>", ((line,) for line in lines)),
            )
            django_messages.error(
                self.request, messages.render(self.produced_error_message, None, detail)
            )
            self.produced_error_message = None
        return super().form_invalid(form)

    @property
    def partner_only(self) -> bool:
        record = getattr(self, "object", None)
        if record is None or not getattr(record, "pk", None):
            return False
        return scope.access(self.request.user, record) == scope.PARTNER_TEXTS

    def get(self, request, *args, **kwargs):
        relation = request.GET.get(EMPTY_ROW)
        if relation:
            # The "add" button of a repeated part asks for its empty row (editorial/compact.py).
            return empty_row_response(self.get_bound_panel(self.get_form()), relation)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The panel tree again as JSON (~30 KB on an activity), for scripts that read
        # window.wagtail.editHandler: none of Wagtail's or ours does (compact.py).
        context["edit_handler_data"] = None
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if hasattr(response, "add_post_render_callback"):
            response.add_post_render_callback(compact_response)
        return response

    def get_panel(self):
        if self.partner_only:
            return lighten(partner_panel(self.model))
        return lighten(super().get_panel())

    def get_form_class(self):
        if self.partner_only:
            return partner_panel(self.model).get_form_class()
        # Wagtail builds a snippet's form class once, when the admin's URLs load, and the
        # choosers' texts ("Choose organisation") are fixed in the language of that moment:
        # build it for each request, in the editor's admin language, as Wagtail does for pages.
        return self.panel.get_form_class()

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        slug = form.fields.get("slug")
        if slug is not None:
            slug.required = False
            slug.help_text = _("Part of the address. Leave it empty to make it from the title.")
        field = form.fields.get("reporting_org")
        if field is not None:
            # A plain list of the user's authorities: records cannot be filed under another's.
            field.widget = forms.Select()
            field.queryset = scope.filing_organisations(self.request.user)
            if not form.is_bound and self.view_name == "create":
                first, *others = list(field.queryset[:2]) or [None]
                if first is not None and not others:
                    form.initial["reporting_org"] = first.pk
                    # The officer types only the project code after the authority's prefix.
                    if "iati_identifier" in form.fields and first.identifier:
                        form.initial.setdefault("iati_identifier", f"{first.identifier}-")
        return form

    def publishing_requested(self) -> bool:
        if self.action == "publish":
            return True
        return (
            self.action == "workflow-action"
            and self.request.POST.get("workflow-action-name") == "approve"
        )

    def is_valid(self, form):
        valid = super().is_valid(form)
        if valid and "slug" in form.fields and not form.instance.slug:
            form.instance.slug = unique_slug(record=form.instance)
        if valid and self.publishing_requested():
            problems = quality.publication_problems(form.save(commit=False))
            if problems:
                attach_problems(form, problems)
                self.produced_error_code = "publication_refused"
                self.produced_error_message = refusal_message(self.model, problems)
                return False
        return valid

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.action == "submit" and self.object is not None:
            review.attach_note(
                record=self.object,
                user=self.request.user,
                note=self.request.POST.get(review.NOTE_FIELD, ""),
            )
        # A partner's contact only proposes texts: the other fields' problems are not theirs.
        # Autosaves get no message: it would wait in the session and show, stale, on the next page.
        if (
            self.action in ("create", "edit", "submit")
            and self.object is not None
            and not self.partner_only
            and not self.expects_json_response
        ):
            problems = quality.publication_problems(self.object)
            if problems:
                messages.warning(
                    self.request,
                    _("Saved. Before it can be published, fix: %(problems)s")
                    % {"problems": "; ".join(str(p) for p in problems)},
                )
            warnings = quality.publication_warnings(self.object)
            if warnings:
                messages.warning(
                    self.request,
                    _("Saved. Please check: %(warnings)s")
                    % {"warnings": "; ".join(str(w) for w in warnings)},
                )
        return response


class RecordCreateView(RecordFormMixin, snippet_views.CreateView):
    pass


class RecordEditView(RecordFormMixin, snippet_views.EditView):
    conflict: conflicts.Conflict | None = None

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if kwargs.get("data") is not None and self.revision_enabled and not self.partner_only:
            self.conflict = conflicts.detect(
                self.object, kwargs["data"], self.panel, self.request.user
            )
            if self.conflict is not None:
                kwargs["data"] = self.conflict.data
        return kwargs

    def is_valid(self, form):
        if self.conflict is None:
            return super().is_valid(form)
        form.is_valid()  # so the form also shows its own errors
        self.produced_error_code = "conflict"
        self.produced_error_message = self.conflict.message()
        return False

    def get(self, request, *args, **kwargs):
        # The reviewer's comment stays in sight while the changes it asks for are made.
        asked = review.changes_requested(self.object)
        if asked is not None:
            messages.warning(
                request,
                _("%(author)s asked for changes on %(date)s: “%(comment)s”")
                % {
                    "author": asked.author or _("A reviewer"),
                    "date": date_format(localtime(asked.when), "DATETIME_FORMAT"),
                    "comment": asked.comment,
                },
            )
        return super().get(request, *args, **kwargs)

    def dispatch(self, request, *args, **kwargs):
        # Reverting restores every field of an old version: more than a partner may change.
        if self.view_name == "revisions_revert" and self.partner_only:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# History, compare and revisions: what the user may not read is masked -------------------------
class _LocalPartner:
    """Stand in, in a comparison, for an organisation the user may not see named."""

    def __str__(self) -> str:
        return text(LOCAL_PARTNER)

    def __eq__(self, other) -> bool:
        return isinstance(other, _LocalPartner)

    __hash__ = object.__hash__


class MaskableOrganisationComparison(ForeignObjectComparison):
    """Compare two organisations, as "a local partner" where ``masking`` hid them."""

    def __init__(self, field, obj_a, obj_b):
        super().__init__(field, obj_a, obj_b)
        self.masked_a = masking.is_masked(obj_a, field.name)
        self.masked_b = masking.is_masked(obj_b, field.name)

    def get_objects(self):
        obj_a, obj_b = super().get_objects()
        if self.masked_a and obj_a is not None:
            obj_a = _LocalPartner()
        if self.masked_b and obj_b is not None:
            obj_b = _LocalPartner()
        return obj_a, obj_b


register_comparison_class(
    models.ForeignKey, to=Organisation, comparison_class=MaskableOrganisationComparison
)


def _in_memory(record):
    """Return a copy of ``record`` whose parts live in memory, so that masking them sticks."""
    return type(record).from_serializable_data(record.serializable_data(), check_fks=False)


class RecordRevisionsCompareView(snippet_views.RevisionsCompareView):
    """Compare two versions, with hidden partners and exact places masked for who may not read
    them (``opencoop.access.masking``)."""

    def _get_revision_and_heading(self, revision_id):
        version, heading = super()._get_revision_and_heading(revision_id)
        if version is self.object:
            version = _in_memory(version)
        return version, heading

    def _get_comparison(self, revision_a, revision_b):
        # Both versions at once: a partner hidden in either is hidden in both.
        masking.mask_for(self.request.user, self.object, revision_a, revision_b)
        return super()._get_comparison(revision_a, revision_b)


class RecordPreviewRevisionView(snippet_views.PreviewRevisionView):
    """Preview an old version, masked like the comparison (for records that have previews)."""

    def get_revision_object(self):
        version = super().get_revision_object()
        masking.mask_for(self.request.user, self.object, version)
        return version


class RecordWorkflowPreviewView(snippet_views.WorkflowPreviewView):
    """Preview the version in review in the language asked for (``?mode=it``, ``?mode=en``).

    Wagtail's own view always draws the default mode: a reviewer could not see the English page.
    """

    def get(self, request, *args, **kwargs):
        if not self.task_state:
            self.add_error_message()
            return redirect("wagtailadmin_home")
        if not self.task.get_actions(self.object, request.user):
            raise PermissionDenied
        revision = self.task_state.revision
        version = revision.as_object()
        modes = [name for name, _label in version.preview_modes]
        mode = request.GET.get("mode", version.default_preview_mode)
        return version.make_preview_request(
            request,
            mode if mode in modes else version.default_preview_mode,
            extra_request_attrs={"revision_id": revision.id},
        )


class ChooserSearchForm(SearchFilterMixin):
    """The chooser's search box, searched like the listings (``opencoop.editorial.search``)."""

    user = None

    def filter(self, objects):
        objects = super(SearchFilterMixin, self).filter(objects)  # not the search index
        query = self.cleaned_data.get("q")
        if query:
            objects = search.search(objects, query, self.user)
            self.is_searching = True
            self.search_query = query
        return objects


class ChooserSearchMixin:
    """Search a chooser with ``opencoop.editorial.search`` rather than the search index."""

    def get_filter_form_class(self):
        form_class = super().get_filter_form_class()
        bases = tuple(
            ChooserSearchForm if base is SearchFilterMixin else base
            for base in form_class.__bases__
        )
        return type(form_class.__name__, bases, {})

    def get_filter_form(self):
        form = super().get_filter_form()
        form.user = self.request.user
        return form


class ScopedChooseMixin(ChooserSearchMixin):
    def filter_object_list(self, objects):
        scoped = scope.reachable(self.model_class, self.request.user)
        return super().filter_object_list(objects.filter(pk__in=scoped.values("pk")))


class RecordChooseView(ScopedChooseMixin, snippet_chooser.ChooseView):
    pass


class RecordChooseResultsView(ScopedChooseMixin, snippet_chooser.ChooseResultsView):
    pass


class RecordChosenView(snippet_chooser.SnippetChosenView):
    def get_object(self, pk):
        record = scope.reachable(self.model_class, self.request.user).filter(pk=pk).first()
        if record is None:
            raise PermissionDenied
        return record


class RecordChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    choose_view_class = RecordChooseView
    choose_results_view_class = RecordChooseResultsView
    chosen_view_class = RecordChosenView


class VisibleChooseMixin(ChooserSearchMixin):
    """Offer only the objects the access policy lets the user see (``policy.visible_to``)."""

    def filter_object_list(self, objects):
        return super().filter_object_list(policy.visible_to(self.request.user, objects))


class OrganisationChooseView(VisibleChooseMixin, snippet_chooser.ChooseView):
    pass


class OrganisationChooseResultsView(VisibleChooseMixin, snippet_chooser.ChooseResultsView):
    pass


class OrganisationChosenView(snippet_chooser.SnippetChosenView):
    def get_object(self, pk):
        queryset = self.model_class._default_manager.filter(pk=unquote(str(pk)))
        organisation = policy.visible_to(self.request.user, queryset).first()
        if organisation is None:
            raise PermissionDenied
        return organisation


class OrganisationCreateView(snippet_chooser.SnippetCreateView):
    def save_form(self, form):
        # Logged like the admin's own "Add", so the organisation's history says who added it.
        organisation = super().save_form(form)
        log(instance=organisation, action="wagtail.create", user=self.request.user)
        return organisation


class OrganisationChooserViewSet(snippet_chooser.SnippetChooserViewSet):
    """The organisation chooser: no other authority's hidden partners (see ``policy``)."""

    choose_view_class = OrganisationChooseView
    choose_results_view_class = OrganisationChooseResultsView
    chosen_view_class = OrganisationChosenView
    create_view_class = OrganisationCreateView
    # A partner missing from the list is added without leaving the record being edited.
    creation_form_class = "opencoop.organisations.forms.OrganisationCreationForm"
    create_action_label = gettext_lazy("Add a new organisation")
    creation_tab_label = gettext_lazy("New organisation")


# The viewset -----------------------------------------------------------------------------------
class EditorialSnippetViewSet(snippet_views.SnippetViewSet):
    """Admin of a record model, scoped to the user's authority; see the module docstring."""

    index_view_class = RecordIndexView
    add_view_class = RecordCreateView
    edit_view_class = RecordEditView
    revisions_compare_view_class = RecordRevisionsCompareView
    revisions_view_class = RecordPreviewRevisionView
    workflow_preview_view_class = RecordWorkflowPreviewView
    chooser_viewset_class = RecordChooserViewSet

    def get_queryset(self, request):
        return scope.reachable(self.model, request.user)

    def construct_view(self, view_class, **kwargs):
        """Refuse any record outside the user's scope, whatever the view.

        PermissionDenied rather than 404: Wagtail turns it into a redirect to the dashboard
        with "you do not have permission", which an officer understands.
        """
        view = super().construct_view(view_class, **kwargs)
        model = self.model

        @wraps(view)
        def scoped_view(request, *args, **view_kwargs):
            pk = view_kwargs.get("pk")
            if pk is not None:
                reachable = scope.reachable(model, request.user)
                if not reachable.filter(pk=unquote(str(pk))).exists():
                    raise PermissionDenied
            return view(request, *args, **view_kwargs)

        return scoped_view

    def get_edit_handler(self):
        """Add a tab for scheduled publishing, translation status and publication checks."""
        if hasattr(self, "edit_handler"):
            base = self.edit_handler
        elif hasattr(self.model, "edit_handler"):
            base = self.model.edit_handler
        else:
            base = ObjectList(getattr(self, "panels", None) or self.model.panels)
        status = ObjectList(
            [ReviewPanel(), PublishingPanel(), RecordStatusPanel()],
            heading=gettext_lazy("Publishing and translations"),
        )
        if isinstance(base, TabbedInterface):
            tabs = [*base.children, status]
        else:
            tabs = [ObjectList(base.children, heading=gettext_lazy("Content")), status]
        handler = TabbedInterface(tabs, base_form_class=base.base_form_class)
        return handler.bind_to_model(self.model)
