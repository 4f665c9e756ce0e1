"""Translation status of records, and the exchange of pending translations as PO files.

The source language is the portal's default (Italian). For every other portal language a
record's texts are *complete*, *missing* (a text exists in some language but not in this one)
or *out of date* (the source changed after the translation was last written).

A record's texts are its own multilingual fields and those of its repeated parts (results,
locations, documents…). A part's text is keyed ``<relation>.<part id>.<field>``, e.g.
``results.57.title``; a part added in a draft has no id until it is published, so until then it
is known by its row: ``results.#2.title``. A part's own parts (a result's indicators) follow
their part's key: ``results.57.indicators.#1.title``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cache

import polib
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from modelcluster.models import get_all_child_relations

from opencoop.core.multilingual import MultilingualField, portal_languages

from . import scope
from .models import TranslationState
from .services import submit_for_review

FUZZY = "fuzzy"
PART_KEY_RE = re.compile(
    r"^(?P<relation>[a-z_]+)\.(?P<part>#?\d+)\.(?:[a-z_]+\.#?\d+\.)*(?P<field>[a-z_]+)$"
)
PART_STEP_RE = re.compile(r"([a-z_]+)\.(#?\d+)\.")


def source_language() -> str:
    return settings.LANGUAGE_CODE.split("-")[0]


def translatable_fields(model: type[models.Model]) -> list[str]:
    """Return the names of ``model``'s own multilingual fields."""
    return [f.name for f in model._meta.get_fields() if isinstance(f, MultilingualField)]


@cache
def translatable_parts(model: type[models.Model]) -> dict[str, list[str]]:
    """Return, per repeated part of ``model`` (its relation name), the part's multilingual fields."""
    parts = {}
    for relation in get_all_child_relations(model):
        names = translatable_fields(relation.related_model)
        if names:
            parts[relation.get_accessor_name()] = names
    return parts


def _texts(record: models.Model, name: str) -> dict:
    value = getattr(record, name, None)
    return value if isinstance(value, dict) else {}


def _hash(value: str) -> str:
    return hashlib.sha256(value.strip().encode()).hexdigest()


@dataclass
class RecordText:
    """One multilingual text of a record: an own field, or a field of one of its parts."""

    key: str
    owner: models.Model  # the record, or the part the text belongs to
    name: str
    relation: str = ""  # the part's relation ("results"); empty for the record's own fields
    position: int = 0  # the part's row, from 1
    # For a part's own part (an indicator of a result): (relation, id or "#row") of each step
    # from the record, its own last; empty for the record's own parts and fields.
    steps: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def texts(self) -> dict:
        return _texts(self.owner, self.name)

    def text(self, lang: str) -> str:
        return str(self.texts.get(lang, "")).strip()

    @property
    def row_key(self) -> str:
        """Return the key of a part's text by its row (how a part without an id is known)."""
        if self.steps:
            rows = ".".join(f"{relation}.{names[-1]}" for relation, names in self.steps)
            return f"{rows}.{self.name}"
        return f"{self.relation}.#{self.position}.{self.name}" if self.relation else self.key

    @property
    def keys(self) -> set[str]:
        """Return every key naming this text: each step by its id or by its row."""
        if not self.steps:
            return {self.key, self.row_key}
        keys = {""}
        for relation, names in self.steps:
            keys = {f"{key}{relation}.{name}." for key in keys for name in names}
        return {f"{key}{self.name}" for key in keys}

    def label(self) -> str:
        """Name the text for a translator: the field, and for a part its kind and row."""
        verbose = str(type(self.owner)._meta.get_field(self.name).verbose_name)
        if not self.relation:
            return verbose
        kind = capfirst(type(self.owner)._meta.verbose_name_plural)
        row = _("row %(number)d") % {"number": self.position}
        return f"{kind}, {row} › {verbose}"


def part_id(part: models.Model, position: int) -> str:
    """Name a part by its id, or by its row while it has none (added in an unpublished draft)."""
    return str(part.pk) if part.pk else f"#{position}"


def record_texts(record: models.Model) -> dict[str, RecordText]:
    """Return every multilingual text of ``record`` and of its parts, by key, in form order."""
    model = type(record)
    result = {name: RecordText(name, record, name) for name in translatable_fields(model)}
    for relation, names in translatable_parts(model).items():
        for position, part in enumerate(getattr(record, relation).all(), start=1):
            for name in names:
                key = f"{relation}.{part_id(part, position)}.{name}"
                result[key] = RecordText(key, part, name, relation, position)
            steps = ((relation, tuple(dict.fromkeys((part_id(part, position), f"#{position}")))),)
            _nested_texts(result, part, relation, steps)
    return result


def _nested_texts(
    result: dict[str, RecordText],
    owner: models.Model,
    relation: str,
    steps: tuple[tuple[str, tuple[str, ...]], ...],
) -> None:
    """Add the texts of the parts ``owner`` holds (a result's indicators, their periods)."""
    for inner, names in translatable_parts(type(owner)).items():
        for position, part in enumerate(getattr(owner, inner).all(), start=1):
            ids = tuple(dict.fromkeys((part_id(part, position), f"#{position}")))
            here = (*steps, (inner, ids))
            prefix = "".join(f"{step}.{step_ids[0]}." for step, step_ids in here)
            for name in names:
                key = f"{prefix}{name}"
                result[key] = RecordText(key, part, name, relation, position, here)
            _nested_texts(result, part, relation, here)


def _part_model(model: type[models.Model], key: str) -> tuple[type[models.Model], str] | None:
    """Return the model of the part a text key names and the key's field (None: no such part)."""
    part = PART_KEY_RE.match(key)
    if not part:
        return None
    for relation, _row in PART_STEP_RE.findall(key):
        try:
            model = model._meta.get_field(relation).related_model
        except FieldDoesNotExist:
            return None
        if model is None:
            return None
    return model, part["field"]


def field_label(model: type[models.Model], key: str) -> str:
    """Name the field behind a text key of ``model`` (e.g. "results › indicator")."""
    try:
        if not PART_KEY_RE.match(key):
            return str(model._meta.get_field(key).verbose_name)
        found = _part_model(model, key)
        if found is None:
            return key
        part_model, name = found
        verbose = part_model._meta.get_field(name).verbose_name
    except FieldDoesNotExist:
        return key
    return f"{part_model._meta.verbose_name_plural} › {verbose}"


def _source_hashes(texts: dict[str, RecordText]) -> dict[str, str]:
    lang = source_language()
    return {key: _hash(item.text(lang)) for key, item in texts.items()}


def source_hashes(record: models.Model) -> dict[str, str]:
    """Hash each source-language text of ``record`` (what a translation is made from)."""
    return _source_hashes(record_texts(record))


def _missing(texts: dict[str, RecordText], lang: str) -> list[str]:
    return [
        key
        for key, item in texts.items()
        if any(str(v).strip() for v in item.texts.values()) and not item.text(lang)
    ]


def missing_fields(record: models.Model, lang: str) -> list[str]:
    """List the texts (keys) that exist in some language but not in ``lang``."""
    return _missing(record_texts(record), lang)


def _followed_sources(
    texts: dict[str, RecordText],
    previous: dict[str, RecordText] | None,
    lang: str,
    known: dict[str, str],
) -> dict[str, str]:
    """Return, per text, the hash of the source text the ``lang`` translation follows.

    A translation changed in this save follows the current source; an unchanged one keeps
    following what it followed before (``known``, else the previous version's source).
    """
    current = _source_hashes(texts)
    if previous is None:
        # No earlier version to compare: keep what is known, else take it as in step.
        return {key: known.get(key, value) for key, value in current.items()}
    before = _source_hashes(previous)
    followed = {}
    for key, value in current.items():
        # A part published since the previous version has an id now, and had only its row.
        old = next((k for k in sorted(texts[key].keys) if k in previous), key)
        if old not in previous:
            # A part added in this save: a translation written with it follows its source.
            followed[key] = value
            continue
        touched = texts[key].texts.get(lang, "") != previous[old].texts.get(lang, "")
        followed[key] = value if touched else known.get(old, before[old])
    return followed


def _state(content_type, record, lang: str, existing: dict) -> TranslationState:
    return existing.get(lang) or TranslationState(
        content_type=content_type, object_id=str(record.pk), language=lang
    )


def _settle(state: TranslationState, texts: dict[str, RecordText], followed: dict[str, str]) -> str:
    """Set the state's status from the record's texts and the sources they follow; save it."""
    _assess(state, texts, followed)
    state.save()
    return state.status


def _assess(
    state: TranslationState,
    texts: dict[str, RecordText],
    followed: dict[str, str],
    current: dict[str, str] | None = None,
) -> None:
    """Set the state's status from the record's texts and the sources they follow.

    ``current`` holds the hashes of the texts' sources when the caller has them already (one
    record's languages share them).
    """
    if current is None:
        current = _source_hashes(texts)
    missing = _missing(texts, state.language)
    outdated = [
        key
        for key, value in current.items()
        if key not in missing and texts[key].text(state.language) and followed.get(key) != value
    ]
    if missing:
        state.status = TranslationState.MISSING
    elif outdated:
        state.status = TranslationState.OUTDATED
    else:
        state.status = TranslationState.COMPLETE
    state.source_hashes, state.missing_fields, state.outdated_fields = followed, missing, outdated


def first_translation_states(record: models.Model) -> list[TranslationState]:
    """Return, unsaved, the states of a record saved for the first time (none stored yet).

    What ``update_translation_states`` works out without an earlier version, for writing many
    records' states in one insert (a bulk import).
    """
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    texts = record_texts(record)
    followed = _source_hashes(texts)  # with no earlier version, every text is in step
    states = []
    for lang in portal_languages():
        state = _state(content_type, record, lang, {})
        _assess(state, texts, followed, current=followed)
        states.append(state)
    return states


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
    states = assessed_states(record, previous, existing)
    for state in states:
        state.save()
    return {state.language: state.status for state in states}


def assessed_states(
    record: models.Model, previous: models.Model | None, existing: dict[str, TranslationState]
) -> list[TranslationState]:
    """Return, unsaved, the state of each portal language of ``record`` after a change.

    ``existing`` holds the record's stored states by language (those returned keep their
    primary keys); what ``update_translation_states`` saves, for writing many records at once.
    """
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    texts = record_texts(record)
    previous_texts = record_texts(previous) if previous is not None else None
    states = []
    for lang in portal_languages():
        state = _state(content_type, record, lang, existing)
        if lang == source_language():
            followed = _source_hashes(texts)
        else:
            followed = _followed_sources(texts, previous_texts, lang, state.source_hashes or {})
        _assess(state, texts, followed)
        states.append(state)
    return states


def confirm_translation(*, record: models.Model, lang: str) -> str:
    """Mark every ``lang`` text of ``record`` as following the current source; return the status."""
    content_type = ContentType.objects.get_for_model(record, for_concrete_model=False)
    existing = {
        s.language: s
        for s in TranslationState.objects.filter(
            content_type=content_type, object_id=str(record.pk), language=lang
        )
    }
    texts = record_texts(record)
    return _settle(_state(content_type, record, lang, existing), texts, _source_hashes(texts))


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
CONTEXT_RE = re.compile(
    r"^(?P<model>[a-z_]+\.[a-z_]+):(?P<pk>[^:]+):(?P<key>[a-z_]+(\.#?\d+\.[a-z_]+)?)$"
)


def entry_context(record: models.Model, key: str) -> str:
    return f"{record._meta.label_lower}:{record.pk}:{key}"


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
        wanted = {*state.missing_fields, *state.outdated_fields}
        for key, item in record_texts(record).items():
            original = item.text(source)
            # The state may still know a part by its row if it was published since.
            if not original or not item.keys & wanted:
                continue
            translation = str(item.texts.get(lang, ""))
            po.append(
                polib.POEntry(
                    msgctxt=entry_context(record, key),
                    msgid=original,
                    msgstr=translation,
                    comment=f"{type(record)._meta.verbose_name}: {record} — {item.label()}",
                    flags=[FUZZY] if translation else [],
                )
            )
    return po


def _is_text_key(model: type[models.Model], key: str) -> bool:
    if PART_KEY_RE.match(key):
        found = _part_model(model, key)
        return found is not None and found[1] in translatable_fields(found[0])
    return key in translatable_fields(model)


def _find_text(texts: dict[str, RecordText], key: str) -> RecordText | None:
    """Return the text ``key`` names; a part named by its row may have been given an id since."""
    if key in texts:
        return texts[key]
    if PART_KEY_RE.match(key) and "#" in key:
        return next((item for item in texts.values() if key in item.keys), None)
    return None


@dataclass
class TranslationImport:
    """What a PO import would change, or why it cannot."""

    language: str = ""
    # Per record (model, pk): the new text of each text key.
    changes: dict[tuple[type[models.Model], str], dict[str, str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(len(texts) for texts in self.changes.values())


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
        if not _is_text_key(model, match["key"]):
            result.errors.append(_("%(where)s: unknown text field.") % {"where": where})
            continue
        record = scope.reachable(model, user).filter(pk=match["pk"]).first()
        if record is None:
            result.errors.append(
                _("%(where)s: the record does not exist or you may not edit it.") % {"where": where}
            )
            continue
        item = _find_text(record_texts(record.get_latest_revision_as_object()), match["key"])
        if item is None:
            result.errors.append(
                _(
                    "%(where)s: this part of the record has been removed since the file was "
                    "exported; export the file again."
                )
                % {"where": where}
            )
            continue
        if item.text(source) != entry.msgid.strip():
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
        result.changes.setdefault((model, record.pk), {})[item.key] = entry.msgstr.strip()
    return result


@transaction.atomic
def apply_translations(*, translation_import: TranslationImport, user) -> int:
    """Save the imported translations as new draft revisions, all or nothing; return the count."""
    if translation_import.errors:
        raise ValueError("Cannot apply a translation import with errors.")
    lang = translation_import.language
    for (model, pk), changes in translation_import.changes.items():
        record = model._default_manager.select_for_update().get(pk=pk)
        latest = record.get_latest_revision_as_object()
        texts = record_texts(latest)
        for key, text in changes.items():
            item = texts[key]
            setattr(item.owner, item.name, {**item.texts, lang: text})
        # Parts go into the revision through their relation: give it the (changed) parts held.
        for relation in {texts[key].relation for key in changes} - {""}:
            first = translatable_parts(model)[relation][0]
            parts = [
                t.owner
                for t in texts.values()
                if t.relation == relation and not t.steps and t.name == first
            ]
            setattr(latest, relation, parts)
        latest.save_revision(user=user, log_action=True)
        # The translator has seen the current source, even where the text stayed the same.
        confirm_translation(record=latest, lang=lang)
        submit_for_review(record=record, user=user)
    return translation_import.count
