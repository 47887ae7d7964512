"""The page for a form whose CSRF check failed (usually: open too long, or logged out
in between). Reloading would lose what the user typed, so the page says so and shows
the text fields they sent, escaped and read-only, to copy back after reloading."""

from django.shortcuts import render

NOT_SHOWN = {"csrfmiddlewaretoken", "version", "password", "token"}


def csrf_failure(request, reason=""):
    typed = []
    if request.method == "POST":  # files are never shown: request.POST holds no uploads
        for name, values in request.POST.lists():
            texts = [value for value in values if value.strip()]
            if name not in NOT_SHOWN and "password" not in name and texts:
                typed.append({"name": name, "text": "\n".join(texts)[:10_000]})
    return render(request, "403_csrf.html", {"typed": typed[:20]}, status=403)
