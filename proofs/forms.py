"""Forms only parse what a person typed; the services decide whether it is acceptable evidence.

Field names are the services' argument names, so a refusal lands beside the field it names. Text
and number fields are `core.inputs`': no control characters, numbers in ASCII digits.
"""

from __future__ import annotations

from django import forms

from core import inputs
from proofs.models import NOTE_MAX_CHARS, ArtifactKind, MetricUnit, ProofArtifact, RequirementTemplate
from proofs.validation import ALLOWED, MAX_FILE_BYTES


def description_field() -> forms.CharField:
    return inputs.TextField(
        label="Description",
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FileArtifactForm(forms.Form):
    file = forms.FileField(help_text=f"{ALLOWED}, up to {MAX_FILE_BYTES // 1024 // 1024} MB.")
    text = description_field()


class LinkArtifactForm(forms.Form):
    # A plain field: the service names the exact problem with a link (scheme, form).
    url = inputs.TextField(label="Link", max_length=500, help_text="An http:// or https:// address.")
    text = description_field()


class MetricArtifactForm(forms.Form):
    metric_value = inputs.DecimalField(label="Value", max_digits=16, decimal_places=4)
    metric_unit = forms.ChoiceField(label="Unit", choices=MetricUnit.choices)
    period_start = forms.DateField(help_text="YYYY-MM-DD", widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(help_text="YYYY-MM-DD", widget=forms.DateInput(attrs={"type": "date"}))
    source = inputs.TextField(max_length=200, help_text="Where the figure comes from.")
    text = description_field()

    def __init__(self, *args, requirement: RequirementTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        if requirement.metric_unit:
            self.fields["metric_unit"].choices = [
                (requirement.metric_unit, requirement.get_metric_unit_display())
            ]


class NoteArtifactForm(forms.Form):
    text = inputs.TextField(label="Note", max_length=NOTE_MAX_CHARS, widget=forms.Textarea(attrs={"rows": 3}))


FORMS: dict[str, type[forms.Form]] = {
    ArtifactKind.FILE: FileArtifactForm,
    ArtifactKind.LINK: LinkArtifactForm,
    ArtifactKind.METRIC: MetricArtifactForm,
    ArtifactKind.NOTE: NoteArtifactForm,
}


def artifact_form(kind: str, requirement: RequirementTemplate, data=None, files=None) -> forms.Form:
    extra = {"requirement": requirement} if kind == ArtifactKind.METRIC else {}
    return FORMS[kind](data, files, auto_id=f"id_{requirement.pk}_{kind}_%s", **extra)


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(ProofArtifact.Status.ACCEPTED, "Accept"), (ProofArtifact.Status.REJECTED, "Reject")],
        widget=forms.RadioSelect,
    )
    comment = inputs.TextField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Required to reject."
    )
