"""Admin actions refuse ids that are not ids instead of failing.

The admin's action form posts the ids of the rows ticked on a change list, and Django filters the
list by them as they come: a value that cannot be an id of that model (only a tampered form sends
one) raised a ValueError and answered 500. This refuses such a post with 400, naming the field and
the value, before the admin sees it. It covers every change list, the libraries' included.
"""

from __future__ import annotations

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.urls import Resolver404, resolve, reverse


class ActionIdsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path_info.startswith(reverse("admin:index")):
            refused = forged_action_id(request)
            if refused:
                return HttpResponseBadRequest(refused, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def forged_action_id(request) -> str | None:
    """Why the ticked rows posted to a change list cannot be ids of its model; None when they can."""
    try:
        model_admin = getattr(resolve(request.path_info).func, "model_admin", None)
    except Resolver404:
        return None
    if model_admin is None or ACTION_CHECKBOX_NAME not in request.POST:
        return None
    pk = model_admin.model._meta.pk
    for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
        try:
            pk.clean(value, None)
        except ValidationError:
            name = model_admin.model._meta.verbose_name
            return f"{ACTION_CHECKBOX_NAME}: {value[:40]!r} is not the id of a {name}."
    return None
