"""The API's routes, mounted at /api/ by the project.

Every path under /api/ answers JSON, also those that are not there (404) and a method an
endpoint does not take (405), which ninja and Django would otherwise answer in plain text or HTML.
"""

import functools

from django.http import Http404, HttpRequest, JsonResponse
from django.urls import URLPattern, re_path
from django.views.decorators.csrf import csrf_exempt

from villagebooks.api.api import api
from villagebooks.api.errors import (
    METHOD_NOT_ALLOWED,
    NO_SUCH_ENDPOINT,
    NOT_ALLOWED,
    NOT_FOUND,
    error_body,
)

JSON_OPTIONS = {"ensure_ascii": False}


def _json_errors(view):
    """``view`` with ninja's own plain answers (its root's 404, a 405) turned into the JSON error."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return no_such_endpoint(request)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = response.get("Allow", "")
            response = JsonResponse(
                error_body(METHOD_NOT_ALLOWED, NOT_ALLOWED), status=405, json_dumps_params=JSON_OPTIONS
            )
            response["Allow"] = allowed
        return response

    return wrapper


@csrf_exempt
def no_such_endpoint(request: HttpRequest, rest: str = "") -> JsonResponse:
    return JsonResponse(error_body(NOT_FOUND, NO_SUCH_ENDPOINT), status=404, json_dumps_params=JSON_OPTIONS)


_patterns, _ninja_app, _namespace = api.urls
app_name = "api"  # the namespace ninja reverses its own routes in (NinjaAPI(urls_namespace="api"))
urlpatterns = [
    URLPattern(p.pattern, _json_errors(p.callback), p.default_args, p.name)
    if isinstance(p, URLPattern)
    else p
    for p in _patterns
] + [re_path(r"^(?P<rest>.*)$", no_such_endpoint)]
