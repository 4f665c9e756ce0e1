"""Translation status of records, and the exchange of pending translations as PO files.

The source language is the portal's default (Italian). For every other portal language a
record's texts are *complete*, *missing* (a text exists in some language but not in this one)
or *out of date* (the source changed after the translation was last written).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

import polib
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from opencoop.core.multilingual import MultilingualField, portal_languages

from . import scope
from .models import TranslationState
from .services import submit_for_review

FUZZY = "fuzzy"


def source_language() -> str:
    return settings.LANGUAGE_CODE.split("-")[0]


def translatable_fields(model: type[models.Model]) -> list[str]:
    """Return the names of ``model``'s own multilingual fields."""
    return [f.name for f in model._meta.get_fields() if isinstance(f, MultilingualField)]


def _texts(record: models.Model, name: str) -> dict:
    value = getattr(record, name, None)
    return value if isinstance(value, dict) else {}


def _hash(value: str) -> str:
    return hashlib.sha256(value.strip().encode()).hexdigest()


def source_hashes(record: models.Model) -> dict[str, str]:
    """Hash each source-language text of ``record`` (what a translation is made from)."""
    lang = source_language()
    return {
        name: _hash(str(_texts(record, name).get(lang, "")))
        for name in translatable_fields(type(record))
    }


def missing_fields(record: models.Model, lang: str) -> list[str]:
    """List the fields that have text in some language but none in ``lang``."""
    return [
        name
        for name in translatable_fields(type(record))
        if any(str(v).strip() for v in _texts(record, name).values())
        and not str(_texts(record, name).get(lang, "")).strip()
    ]


def _followed_sources(
    record: models.Model, previous: models.Model | None, lang: str, known: dict[str, str]
) -> dict[str, str]:
    """Return, per field, the hash of the source text the ``lang`` translation follows.

    A translation changed in this save follows the current source; an unchanged one keeps
    following what it followed before (``known``, else the previous version's source).
    """
    current = source_hashes(record)
    if previous is None:
        # No earlier version to compare: keep what is known, else take it as in step.
        return {name: known.get(name, value) for name, value in current.items()}
    before = source_hashes(previous)
    followed = {}
    for name, value in current.items():
        touched = _texts(record, name).get(lang, "") != _texts(previous, name).get(lang, "")
        followed[name] = value if touched else known.get(name, before[name])
    return followed


def _state(content_type, record, lang: str, existing: dict) -> TranslationState:
    return existing.get(lang) or TranslationState(
        content_type=content_type, object_id=str(record.pk), language=lang
    )


def _settle(state: TranslationState, record: models.Model, followed: dict[str, str]) -> str:
    """Set the state's status from the record's texts and the sources they follow; save it."""
    current = source_hashes(record)
    missing = missing_fields(record, state.language)
    outdated = [
        name
        for name, value in current.items()
        if name not in missing
        and str(_texts(record, name).get(state.language, "")).strip()
        and followed.get(name) != value
    ]
    if missing:
        state.status = TranslationState.MISSING
    elif outdated:
        state.status = TranslationState.OUTDATED
    else:
        state.status = TranslationState.COMPLETE
    state.source_hashes, state.missing_fields, state.outdated_fields = followed, missing, outdated
    state.save()
    return state.status


def update_translation_states(
    *, record: models.Model, previous: models.Model | None
) -> dict[str, str]:
    """Record the status of each portal language of ``record`` after a change from ``previous``.

    Return ``{language: status}``.
    """
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    existing = {
        state.language: state
        for state in TranslationState.objects.filter(
            content_type=content_type, object_id=str(record.pk)
        )
    }
    result = {}
    for lang in portal_languages():
        state = _state(content_type, record, lang, existing)
        if lang == source_language():
            followed = source_hashes(record)
        else:
            followed = _followed_sources(record, previous, lang, state.source_hashes or {})
        result[lang] = _settle(state, record, followed)
    return result


def confirm_translation(*, record: models.Model, lang: str) -> str:
    """Mark every ``lang`` text of ``record`` as following the current source; return the status."""
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    existing = {
        s.language: s
        for s in TranslationState.objects.filter(
            content_type=content_type, object_id=str(record.pk), language=lang
        )
    }
    return _settle(_state(content_type, record, lang, existing), record, source_hashes(record))


def states_by_record(records: list[models.Model]) -> dict[tuple[int, str], dict[str, str]]:
    """Return ``{(content type id, object id): {language: status}}`` for ``records``."""
    by_type: dict[int, list[str]] = {}
    for record in records:
        content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
        by_type.setdefault(content_type.pk, []).append(str(record.pk))
    result: dict[tuple[int, str], dict[str, str]] = {}
    condition = models.Q(pk__in=[])
    for content_type_id, ids in by_type.items():
        condition |= models.Q(content_type_id=content_type_id, object_id__in=ids)
    for state in TranslationState.objects.filter(condition):
        key = (state.content_type_id, state.object_id)
        result.setdefault(key, {})[state.language] = state.status
    return result


def pending(user, lang: str | None = None) -> models.QuerySet:
    """Return the translation states the ``user`` may work on that are not complete."""
    queryset = TranslationState.objects.exclude(status=TranslationState.COMPLETE)
    if lang:
        queryset = queryset.filter(language=lang)
    queryset = queryset.exclude(language=source_language())
    return scope.reachable_states(queryset, user).order_by("content_type_id", "object_id")


def records_for_states(states) -> list[tuple[TranslationState, models.Model]]:
    """Pair each state with the latest version of its record (skipping deleted records)."""
    by_type: dict[int, dict[str, TranslationState]] = {}
    for state in states:
        by_type.setdefault(state.content_type_id, {})[state.object_id] = state
    pairs = []
    for content_type_id, states_by_id in by_type.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        for record in model._default_manager.filter(pk__in=list(states_by_id)):
            latest = record.get_latest_revision_as_object()
            pairs.append((states_by_id[str(record.pk)], latest))
    return pairs


# PO files --------------------------------------------------------------------------------------
CONTEXT_RE = re.compile(r"^(?P<model>[a-z_]+\.[a-z_]+):(?P<pk>[^:]+):(?P<field>[a-z_]+)$")


def entry_context(record: models.Model, name: str) -> str:
    return f"{record._meta.label_lower}:{record.pk}:{name}"


def export_po(user, lang: str) -> polib.POFile:
    """Build a PO file of every text ``user`` may translate that is missing or out of date."""
    source = source_language()
    po = polib.POFile()
    po.metadata = {
        "Project-Id-Version": "OpenCoop records",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "POT-Creation-Date": timezone.now().strftime("%Y-%m-%d %H:%M%z"),
        "X-Source-Language": source,
    }
    for state, record in records_for_states(pending(user, lang)):
        for name in translatable_fields(type(record)):
            original = str(_texts(record, name).get(source, "")).strip()
            if not original or name not in (*state.missing_fields, *state.outdated_fields):
                continue
            translation = str(_texts(record, name).get(lang, ""))
            verbose = type(record)._meta.get_field(name).verbose_name
            po.append(
                polib.POEntry(
                    msgctxt=entry_context(record, name),
                    msgid=original,
                    msgstr=translation,
                    comment=f"{type(record)._meta.verbose_name}: {record} — {verbose}",
                    flags=[FUZZY] if translation else [],
                )
            )
    return po


@dataclass
class TranslationImport:
    """What a PO import would change, or why it cannot."""

    language: str = ""
    changes: dict[tuple[type[models.Model], str], dict[str, str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(fields) for fields in self.changes.values())


def read_po(content: str, user) -> TranslationImport:
    """Check every entry of a PO file against the records; collect changes or errors."""
    result = TranslationImport()
    try:
        po = polib.pofile(content)
    except (OSError, ValueError) as exc:
        result.errors.append(_("The file is not a valid PO file: %(error)s") % {"error": exc})
        return result
    lang = (po.metadata.get("Language") or "").split("_")[0].split("-")[0].lower()
    if lang not in portal_languages() or lang == source_language():
        result.errors.append(
            _("Header “Language”: “%(lang)s” is not a language to translate into (%(langs)s).")
            % {
                "lang": lang,
                "langs": ", ".join(c for c in portal_languages() if c != source_language()),
            }
        )
        return result
    result.language = lang
    source = source_language()
    for entry in po:
        where = _("line %(line)d (%(context)s)") % {
            "line": entry.linenum,
            "context": entry.msgctxt or "—",
        }
        match = CONTEXT_RE.match(entry.msgctxt or "")
        if not match:
            result.errors.append(
                _("%(where)s: the context does not name a record.") % {"where": where}
            )
            continue
        try:
            model = ContentType.objects.get_by_natural_key(*match["model"].split(".")).model_class()
        except ContentType.DoesNotExist:
            model = None
        if model is None or not scope.is_record_model(model):
            result.errors.append(_("%(where)s: unknown kind of record.") % {"where": where})
            continue
        if match["field"] not in translatable_fields(model):
            result.errors.append(_("%(where)s: unknown text field.") % {"where": where})
            continue
        record = scope.reachable(model, user).filter(pk=match["pk"]).first()
        if record is None:
            result.errors.append(
                _("%(where)s: the record does not exist or you may not edit it.") % {"where": where}
            )
            continue
        latest = record.get_latest_revision_as_object()
        current = str(_texts(latest, match["field"]).get(source, "")).strip()
        if current != entry.msgid.strip():
            result.errors.append(
                _(
                    "%(where)s: the Italian text has changed since the file was exported; "
                    "export the file again."
                )
                % {"where": where}
            )
            continue
        if not entry.msgstr.strip() or entry.obsolete:
            continue
        result.changes.setdefault((model, record.pk), {})[match["field"]] = entry.msgstr.strip()
    return result


@transaction.atomic
def apply_translations(*, translation_import: TranslationImport, user) -> int:
    """Save the imported translations as new draft revisions, all or nothing; return the count."""
    if translation_import.errors:
        raise ValueError("Cannot apply a translation import with errors.")
    lang = translation_import.language
    for (model, pk), texts in translation_import.changes.items():
        record = model._default_manager.select_for_update().get(pk=pk)
        latest = record.get_latest_revision_as_object()
        for name, text in texts.items():
            setattr(latest, name, {**_texts(latest, name), lang: text})
        latest.save_revision(user=user, log_action=True)
        # The translator has seen the current source, even where the text stayed the same.
        confirm_translation(record=latest, lang=lang)
        submit_for_review(record=record, user=user)
    return translation_import.count
