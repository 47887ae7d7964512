"""Run the test provider: `python -m tests.sso_provider.serve` with SSO_PROVIDER_DB (a
SQLite file) and SSO_PROVIDER_CLIENT (JSON: client_id, client_secret, redirect_uris,
post_logout_redirect_uris) in the environment. Prints "port N" once it listens on
127.0.0.1:N, then serves until killed."""

import json
import os
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import django


class QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class ThreadingServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


def main():
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.sso_provider.settings"
    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey", stdout=open(os.devnull, "w"))
    spec = json.loads(os.environ["SSO_PROVIDER_CLIENT"])
    client = Client.objects.create(
        name="Masterplan-portalen", client_id=spec["client_id"], client_secret=spec["client_secret"],
        client_type="confidential", jwt_alg="RS256", require_consent=True, reuse_consent=True,
        _redirect_uris="\n".join(spec["redirect_uris"]),
        _post_logout_redirect_uris="\n".join(spec["post_logout_redirect_uris"]),
    )
    client.response_types.add(ResponseType.objects.get(value="code"))
    server = make_server("127.0.0.1", 0, get_wsgi_application(), server_class=ThreadingServer,
                         handler_class=QuietHandler)
    print(f"port {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
