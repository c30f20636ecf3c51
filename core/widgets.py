"""Form widgets shared by the apps."""

from __future__ import annotations

import html

from django import forms
from django.core.cache import cache
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

OPTIONS_CACHE_SECONDS = 600


def _escape(value) -> str:
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


class FastSelect(forms.Select):
    """A single <select> whose options are rendered in Python.

    Django renders every <option> through its own template, about 0.1 ms each: a city's ledger
    offers 2,000 projects in one filter, which made option rendering most of the page's time.
    The HTML is the same as forms.Select's (escaped values and labels, `selected` on the chosen one).

    With `options_cache_key` set, the options (none selected) are kept in the cache under it and
    the choices are not even read: the key must change whenever they could (see
    core.dataversion), and carry the language of any translated label.
    """

    options_cache_key: str | None = None

    def __init__(self, attrs=None, choices=(), *, label_fields: tuple[str, ...] = ()):
        """label_fields: for a model choice list, the columns whose first non-empty value is the
        label, exactly what the model's __str__ shows; the options are then read with values_list()
        instead of building a model instance per option."""
        super().__init__(attrs, choices)
        self.label_fields = label_fields

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(item) for item in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs["name"] = name
        options = cache.get(self.options_cache_key) if self.options_cache_key else None
        if options is None:
            options = self._options()
            if self.options_cache_key:
                cache.set(self.options_cache_key, options, OPTIONS_CACHE_SECONDS)
        for value_text in selected:
            plain = f'<option value="{escape(value_text)}">'
            options = options.replace(plain, f"{plain.removesuffix('>')} selected>", 1)
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))

    def _choice_pairs(self):
        if not (self.label_fields and isinstance(self.choices, ModelChoiceIterator)):
            return self.choices
        field = self.choices.field
        pairs = [] if field.empty_label is None else [("", field.empty_label)]
        for pk, *labels in self.choices.queryset.values_list("pk", *self.label_fields):
            pairs.append((pk, next((label for label in labels if label), "")))
        return pairs

    def _options(self) -> str:
        parts: list[str] = []
        for option_value, label in self._choice_pairs():
            if isinstance(label, (list, tuple)):  # an <optgroup>
                inner = "".join(self._option(value, text) for value, text in label)
                parts.append(format_html('<optgroup label="{}">{}</optgroup>', option_value, mark_safe(inner)))
            else:
                parts.append(self._option(option_value, label))
        return "".join(parts)

    @staticmethod
    def _option(option_value, label) -> str:
        # Django's conditional_escape() by hand (html.escape unless already safe HTML), without the
        # lazy-string wrappers around it: 2,000 options a page make that overhead show.
        text = "" if option_value is None else str(option_value)
        return f'<option value="{_escape(text)}">{_escape(label)}</option>'
