"""Shared form behaviour: Bootstrap classes and accessible error wiring on every widget."""

from __future__ import annotations

from typing import Any

from django import forms


class StyledForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
                css = "form-check-input"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self) -> None:
        # Marked after validation, never in __init__: reading errors there would validate the form
        # before a subclass has finished setting its fields up.
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-invalid"] = "true"
                # The id form_fields.html gives the error element, whatever the prefix or auto_id.
                attrs["aria-describedby"] = f"{self[name].id_for_label}-error"
