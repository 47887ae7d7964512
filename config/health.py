"""/healthz for the load balancer: 200 "ok" when the database answers, else 503.
No login, no session, no template: cheap enough to be probed every few seconds."""

import logging

from django.db import connection
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger("portal.health")


@never_cache
@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any database failure means "not ready"
        log.error("health check failed", extra={"event": "healthz_failed", "error": type(error).__name__})
        return HttpResponse("database unavailable", status=503, content_type="text/plain; charset=utf-8")
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")
