"""Template helpers shared by every page: Bootstrap widgets for form fields, traffic lights."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms, template

register = template.Library()

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


def _widget_css(widget: forms.Widget) -> str:
    if isinstance(widget, _CHECK_WIDGETS):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


@register.filter
def is_check(bound_field) -> bool:
    """A single checkbox (label after the box)."""
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.filter
def is_choice_list(bound_field) -> bool:
    """Radio buttons or several checkboxes (rendered as a row of form-checks)."""
    return isinstance(bound_field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple)


@register.simple_tag
def dd_widget(bound_field, **attrs):
    """Render the field's widget with Bootstrap classes, is-invalid when it has errors, and
    aria-describedby pointing at its help and error text. Extra attributes pass through."""
    widget = bound_field.field.widget
    css = [_widget_css(widget), widget.attrs.get("class", ""), attrs.pop("class", "")]
    if bound_field.errors:
        css.append("is-invalid")
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_errors")
    final = {"class": " ".join(c for c in css if c).strip(), **attrs}
    if described:
        final["aria-describedby"] = " ".join(described)
    if bound_field.errors:
        final["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=final)


@register.simple_tag
def dd_choice(subwidget):
    """One radio/checkbox of a choice list, with Bootstrap's form-check class."""
    subwidget.data["attrs"] = {**(subwidget.data.get("attrs") or {}), "class": "form-check-input"}
    return subwidget.tag()


LIGHT_CSS = {"red": "dd-light-red", "yellow": "dd-light-yellow", "green": "dd-light-green", "none": "dd-light-none"}


@register.filter
def light_css(light) -> str:
    """CSS class of a traffic light value ('red', 'yellow', 'green', 'none')."""
    return LIGHT_CSS.get(str(light), "dd-light-none")


@register.filter
def amount(value) -> str:
    """A figure without trailing zeros: 205.40 -> '205.4', 3200.00 -> '3200' (亿元, 亩 …)."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = format(number.quantize(Decimal("0.01")).normalize(), "f")
    return text


@register.filter
def department_name(department) -> str:
    """The one display rule for a department on screen: its short name (简称), the full name only
    when it has none — in tables, filters, summaries and forms alike (accounts.models.Department's
    display_name and __str__ say the same). Official documents (Word/Excel exports) print full names.
    Takes a Department or a values() dict with name / short_name."""
    if department is None or department == "":
        return ""
    if isinstance(department, dict):
        return department.get("short_name") or department.get("name") or ""
    return getattr(department, "display_name", None) or str(department)
