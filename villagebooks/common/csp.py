"""The Content-Security-Policy of every response: what a page may load and run.

Pages load scripts, styles and images from the app only and run no inline script, so text a
village typed that slipped into a page as markup could not run; no page may be framed by
another site, nor post a form elsewhere, nor change its base address. A response that sets its
own policy keeps it: the attachment previews (``sandbox``, framed by the app's own pages) and
the claim photos set theirs. Django 5.2 has no CSP middleware of its own (6.0 does).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"
PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # data: for the API docs' icons; blob: for the preview of a file chosen but not yet uploaded.
        "img-src 'self' data: blob:",
        "frame-src 'self' blob:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)
# An uploaded file shown inline: a document of its own with no script, no plugin, no form and an
# opaque origin, framed only by the app's pages.
ATTACHMENT_POLICY = (
    "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
)
# A PDF shown inline: browsers refuse to run their PDF viewer in a sandboxed document (no sandbox
# keyword re-enables it), and the viewer keeps the PDF's own scripts away from the page; framed
# only by the app's pages.
PDF_POLICY = "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"


def inline_file_headers(response: HttpResponse, content_type: str) -> HttpResponse:
    """The headers of an uploaded file a browser may show: its own policy, and no type sniffing.

    Sandboxed, except a PDF shown inline (a download is never shown, so it may be sandboxed).
    """
    shown_pdf = content_type == "application/pdf" and not response.get("Content-Disposition", "").startswith(
        "attachment"
    )
    response[HEADER] = PDF_POLICY if shown_pdf else ATTACHMENT_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response


class ContentSecurityPolicyMiddleware:
    """Adds ``PAGE_POLICY`` to every response that has no policy of its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if HEADER not in response:
            response[HEADER] = PAGE_POLICY
        return response
