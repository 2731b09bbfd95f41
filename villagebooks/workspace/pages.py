"""What every workspace page shares: a missing or out-of-scope object is the 404 page (the same
for both, so a page never tells whether something exists), a refused act the 403 page with the
service's reason."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from villagebooks.common.errors import NotPermitted


class PageNotFound(Exception):
    """Raised while reading a request: the page answers 404 with this message."""


def workspace_page(
    forbidden_template: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Logged-in pages: ``PageNotFound`` is the 404 page, ``NotPermitted`` ``forbidden_template`` (403)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                return view(request, *args, **kwargs)
            except PageNotFound as missing:
                return render(request, "web/not_found.html", {"message": str(missing)}, status=404)
            except NotPermitted as refused:
                message = "；".join(problem.message for problem in refused.problems)
                return render(request, forbidden_template, {"message": message}, status=403)

        return login_required(wrapped)

    return decorate
