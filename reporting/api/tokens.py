"""The profile page: personal API tokens for the open data, made and revoked by their
owner. The key is shown once; only its hash is kept."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..public.forms import ApiTokenForm
from ..public.models import ApiToken

log = logging.getLogger("portal.security")
MAX_TOKENS = 20


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    tokens = list(request.user.api_tokens.all())
    new_key = None
    status = 200
    if request.method == "POST":
        if sum(t.is_active for t in tokens) >= MAX_TOKENS:
            form.add_error(None, _("Du har allerede %(max)s aktive nøgler. Tilbagekald en, før du opretter en ny.")
                           % {"max": MAX_TOKENS})
        if form.is_valid():
            token, new_key = ApiToken.issue(request.user, form.cleaned_data["name"])
            log.info("event=api_token_created user=%s token=%s", request.user.get_username(), token.hint)
            tokens.insert(0, token)
            form = ApiTokenForm()
        else:
            status = 422
    return render(request, "reporting/api/profile.html",
                  {"form": form, "tokens": tokens, "new_key": new_key}, status=status)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(request.user.api_tokens, pk=pk)  # someone else's token is 404
    token.revoke()
    log.info("event=api_token_revoked user=%s token=%s", request.user.get_username(), token.hint)
    messages.success(request, _("Nøglen »%(name)s« er tilbagekaldt og virker ikke længere.") % {"name": token.name})
    return redirect("profile")
