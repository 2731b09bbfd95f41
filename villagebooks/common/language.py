"""The language of a request: the one the user chose in the user menu, else Chinese.

VillageBooks is Chinese throughout (zh-hans, ``LANGUAGE_CODE``); English is there for the user who
picks it. Django's ``LocaleMiddleware`` would also follow the browser's Accept-Language, so an
office computer set up in English would show English pages nobody asked for. This middleware
reads only the choice that Django's ``set_language`` view stores (the language cookie) and
ignores Accept-Language; a cookie naming no language of ``LANGUAGES`` counts as no choice.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin


def chosen_language(request) -> str:
    """The language code chosen in the user menu, or ``LANGUAGE_CODE`` without a valid choice."""
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen and chosen in dict(settings.LANGUAGES):
        return chosen
    return settings.LANGUAGE_CODE


class ChosenLanguageMiddleware(MiddlewareMixin):
    """Activate the user's chosen language for the request (in place of ``LocaleMiddleware``)."""

    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        # The answer depends on the cookie, never on Accept-Language.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        # The page is rendered by now; the thread goes back to the default language, so that one
        # user's choice never reaches work done after the request (or the next test).
        translation.deactivate()
        return response
