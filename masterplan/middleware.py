import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.utils import translation

logger = logging.getLogger("django.request")


class DanishFirstLocaleMiddleware:
    """Danish unless the user chose another language (the set_language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and many
    municipal PCs are set up in English; the portal speaks Danish by default.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, settings.LANGUAGE_CODE)
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        try:
            response = self.get_response(request)
        finally:
            # The thread goes back to Danish: code run after the request (a task in the same
            # thread, the next test) must not speak the last visitor's language.
            translation.deactivate()
        response.headers.setdefault("Content-Language", language)
        return response


class PortalErrorPagesMiddleware:
    """With DEBUG on (the quick start), users still get the portal's Danish error
    pages instead of Django's English debug pages; `DJANGO_DEBUG_PAGES=1` brings the
    debug pages back for a developer. With DEBUG off it does nothing: Django already
    renders 404.html, 403.html and 500.html.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def active(self) -> bool:
        return settings.DEBUG and not settings.DEBUG_PAGES

    def __call__(self, request):
        response = self.get_response(request)
        # A URL that matches no route never reaches a view (or process_exception).
        if response.status_code == 404 and self.active() and getattr(request, "resolver_match", None) is None:
            from django.views import defaults

            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        if not self.active():
            return None
        from django.views import defaults

        if isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        if isinstance(exception, PermissionDenied):
            return defaults.permission_denied(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            return defaults.bad_request(request, exception)
        logger.error("Internal Server Error: %s", request.path, exc_info=exception,
                     extra={"status_code": 500, "request": request})
        return defaults.server_error(request)
