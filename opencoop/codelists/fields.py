"""Model field and validation helpers for codes of IATI codelists."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import registry

INVALID_CODE_MESSAGE = _("%(field)s: “%(code)s” is not a code of the IATI %(codelist)s codelist.")
INVALID_CODE_MESSAGE_NO_FIELD = _("“%(code)s” is not a code of the IATI %(codelist)s codelist.")

# Keyword arguments that a model form may pass on and that TypedChoiceField accepts.
_CHOICE_FIELD_KWARGS = frozenset(
    {
        "coerce",
        "empty_value",
        "choices",
        "required",
        "widget",
        "label",
        "initial",
        "help_text",
        "error_messages",
        "show_hidden_initial",
        "disabled",
        "localize",
        "validators",
        "label_suffix",
    }
)


# Lists longer than this get the searchable picker in the admin; shorter ones a select.
PICKER_MIN_CODES = 11


def codelist_label(codelist_name: str) -> str:
    """Return the name of a codelist in the active language (IATI's own name in English).

    Lazy, like the messages that name it: rendered in the language active when shown.
    """
    return pgettext_lazy("IATI codelist", codelist_name)


def validate_code(codelist_name: str, code: str, field_label: str | None = None) -> None:
    """Raise ValidationError (code "invalid_code") if ``code`` is not in the codelist.

    Withdrawn codes are accepted, since older files use them. ``field_label`` (a field's
    verbose name, or a path such as "recipient-country/@code") is named in the message.
    """
    if registry.get(codelist_name).is_valid(code):
        return
    params = {"field": field_label, "code": code, "codelist": codelist_label(codelist_name)}
    message = INVALID_CODE_MESSAGE if field_label else INVALID_CODE_MESSAGE_NO_FIELD
    raise ValidationError(message, code="invalid_code", params=params)


def codelist_choices(
    codelist_name: str, include_blank: bool = True, with_code: bool = False
) -> list[tuple[str, str]]:
    """Return the select choices of a codelist in the active language (no withdrawn codes)."""
    choices = registry.get(codelist_name).choices(with_code=with_code)
    if include_blank:
        choices.insert(0, ("", "---------"))
    return choices


class CodelistFormField(forms.CharField):
    """A code typed or picked in a ``CodelistPicker``, checked against its codelist."""

    def __init__(self, *, codelist: str, **kwargs: Any) -> None:
        self.codelist = codelist
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value not in self.empty_values:
            validate_code(self.codelist, value, str(self.label or ""))


class CodelistField(models.CharField):
    """Store a code of an IATI codelist, validated against it and offered as a select.

    ``CodelistField("Country", verbose_name=_("country"), blank=True)``. The choices are not
    stored on the field (nor in migrations): forms get them lazily, in the active language.
    ``show_codes=True`` prefixes the labels of the select with the codes (handy for Sector).
    """

    description = _("Code of the IATI %(codelist)s codelist")

    def __init__(self, codelist: str, *args: Any, show_codes: bool = False, **kwargs: Any) -> None:
        if "choices" in kwargs:
            raise TypeError("CodelistField takes its choices from the codelist; drop choices=.")
        self.codelist = codelist
        self.show_codes = show_codes
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> tuple[str, str, list[Any], dict[str, Any]]:
        """Return the field's construction arguments, with the codelist and no choices."""
        name, path, args, kwargs = super().deconstruct()
        kwargs["codelist"] = self.codelist
        if self.show_codes:
            kwargs["show_codes"] = True
        return name, path, args, kwargs

    def check(self, **kwargs: Any) -> list[checks.CheckMessage]:
        """Run the CharField checks and check that the codelist exists and its codes fit."""
        return [*super().check(**kwargs), *self._check_codelist()]

    def _check_codelist(self) -> list[checks.CheckMessage]:
        if not registry.exists(self.codelist):
            return [
                checks.Error(
                    f"Unknown IATI codelist {self.codelist!r}.",
                    hint="Use the name as IATI spells it, e.g. 'Country' or 'UNSDG-Goals'.",
                    obj=self,
                    id="codelists.E001",
                )
            ]
        longest = max((len(code) for code in registry.get(self.codelist).items), default=0)
        if self.max_length is not None and longest > self.max_length:
            return [
                checks.Error(
                    f"max_length={self.max_length} is too short for the {self.codelist} "
                    f"codelist, whose longest code has {longest} characters.",
                    obj=self,
                    id="codelists.E002",
                )
            ]
        return []

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        """Validate like a CharField, then check that the code is in the codelist."""
        super().validate(value, model_instance)
        if value in self.empty_values or registry.get(self.codelist).is_valid(value):
            return  # the label (a lazy translation) is only worth building for the message
        validate_code(self.codelist, value, str(self.verbose_name or self.name or ""))

    def contribute_to_class(self, cls: type[models.Model], name: str, **kwargs: Any) -> None:
        """Add ``get_<name>_display()`` to the model, returning the label of the code."""
        super().contribute_to_class(cls, name, **kwargs)
        method_name = f"get_{self.name}_display"
        if method_name not in cls.__dict__:
            setattr(cls, method_name, functools.partialmethod(_get_label_display, field=self))

    def formfield(self, **kwargs: Any) -> forms.Field:
        """Return a TypedChoiceField whose choices are computed lazily in the active language."""
        include_blank = self.blank or not (self.has_default() or "initial" in kwargs)
        defaults: dict[str, Any] = {
            "required": not self.blank,
            "label": capfirst(self.verbose_name),
            "help_text": self.help_text,
            "choices": functools.partial(
                codelist_choices, self.codelist, include_blank, self.show_codes
            ),
            "coerce": self.to_python,
            "empty_value": None if self.null else "",
        }
        if self.has_default():
            if callable(self.default):
                defaults["initial"] = self.default
                defaults["show_hidden_initial"] = True
            else:
                defaults["initial"] = self.get_default()
        from .widgets import CodelistPicker

        if kwargs.get("widget") is CodelistPicker:  # asked for by the admin's forms
            kwargs.pop("widget")
            if len(registry.get(self.codelist)) >= PICKER_MIN_CODES:
                return self._picker_formfield(defaults, kwargs)
            defaults["choices"] = functools.partial(
                codelist_choices, self.codelist, include_blank, True
            )
        form_class = kwargs.pop("choices_form_class", None) or forms.TypedChoiceField
        kwargs.pop("form_class", None)
        defaults.update(
            {key: value for key, value in kwargs.items() if key in _CHOICE_FIELD_KWARGS}
        )
        return form_class(**defaults)

    def _picker_formfield(self, defaults: dict[str, Any], kwargs: dict[str, Any]) -> forms.Field:
        from .widgets import CodelistPicker

        defaults.update(
            {key: value for key, value in kwargs.items() if key in _CHOICE_FIELD_KWARGS}
        )
        for key in ("choices", "coerce", "choices_form_class", "form_class"):
            defaults.pop(key, None)
        defaults["widget"] = CodelistPicker([self.codelist])
        return CodelistFormField(codelist=self.codelist, max_length=self.max_length, **defaults)


def _get_label_display(instance: models.Model, *, field: CodelistField) -> str:
    """Return the label of the code stored in ``field``, in the active language."""
    value = field.value_from_object(instance)
    if value in field.empty_values:
        return ""
    return registry.get(field.codelist).label(value)
