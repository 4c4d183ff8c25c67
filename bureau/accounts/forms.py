"""Web forms of the accounts app: sign-in and the directory filters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from bureau.accounts.models import Organisation
from bureau.core import parsing
from bureau.reference import countries


class DirectoryFilterForm(forms.Form):
    """Filters of the directory page; a bad value is reported beside its field and ignored."""

    q = forms.CharField(label=_("Name"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("Any kind")), *Organisation.Kind.choices],
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    verified = forms.BooleanField(label=_("Verified only"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["country"].choices = [  # type: ignore[attr-defined]
            ("", _("Any country")),
            *countries.country_choices(),
        ]

    def clean_q(self) -> str:
        try:
            return parsing.text(self.cleaned_data.get("q"), max_length=100)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def filters(self) -> dict[str, object]:
        """The valid filters only, so that one bad value does not hide the whole directory."""
        self.is_valid()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update(
                    {"aria-invalid": "true", "aria-describedby": f"id_{name}-error"}
                )
        return {name: self.cleaned_data[name] for name in self.fields if name in self.cleaned_data}
