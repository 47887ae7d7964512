"""The 400 page, which must render whatever made the request bad.

Django's own `bad_request` handler asks the CSRF middleware for a token, which reads
the request's body again; a body Django refused to read (a form posted in latin-1 or
UTF-16, too many fields) then fails a second time and the user gets a bare server
error instead of the portal's Danish page. This handler never touches the body.
"""

from django.shortcuts import render


def bad_request(request, exception=None):
    return render(request, "400.html", status=400)
