"""The logged-in person's notice preferences: one choice per category, server-rendered."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from notices.models import Category, Preference
from notices.services import preferences_set


class PreferencesForm(forms.Form):
    """One field per category, named by the category; each starts at the person's choice."""

    def __init__(self, *args, modes: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for category in Category:
            self.fields[category.value] = forms.ChoiceField(
                label=category.label,
                choices=Preference.Mode.choices,
                initial=modes.get(category.value, Preference.Mode.EACH),
                widget=forms.RadioSelect,
            )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    modes = dict(Preference.objects.filter(user=request.user).values_list("category", "mode"))
    form = PreferencesForm(request.POST or None, modes=modes)
    if request.method == "POST" and form.is_valid():
        try:
            changed = preferences_set(actor=request.user, modes=form.cleaned_data)
        except DomainError as error:
            for field, problems in error.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(request, "Saved." if changed else "Nothing changed.")
            return HttpResponseRedirect(reverse("notices:preferences"))
    return render(request, "notices/preferences.html", {"form": form}, status=400 if form.errors else 200)
