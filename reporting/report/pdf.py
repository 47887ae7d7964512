"""HTML → PDF with WeasyPrint, locked down, optionally in a capped child process.

This module imports nothing from Django so that the child process
(`python -m reporting.report.pdf`) starts fast and holds no database connection: the
parent renders the HTML from the templates, the child only lays it out. The
child gets hard limits on address space and CPU time (and the parent a
wall-clock timeout), so one huge or hostile plan can never take a worker down.
"""

import errno
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

EXIT_MEMORY = 3


class RenderLimitExceeded(Exception):
    """A render hit its time or memory cap. `kind` is "timeout" or "memory"."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


class RenderFailed(Exception):
    pass


def static_fetcher(static_roots):
    """A WeasyPrint URL fetcher that serves only files under `static_roots` and data: URLs.

    Everything else (http, https, ftp, file:// elsewhere, symlinks out of the
    roots) is refused, so no text a user typed can make the renderer fetch
    anything: no SSRF, no local file disclosure.
    """
    from weasyprint.urls import URLFetcher

    roots = [Path(root).resolve() for root in static_roots]

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            scheme = url.split(":", 1)[0].lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(unquote(urlsplit(url).path)).resolve()
                if any(path.is_relative_to(root) for root in roots) and path.is_file():
                    return super().fetch(path.as_uri(), headers)
            raise ValueError(f"Refused to fetch {url[:100]!r}: only the portal's static files are allowed")

    return StaticOnlyFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def html_to_pdf(html: str, stylesheets: list[str], static_roots: list[str], base_url: str) -> bytes:
    """Lay out `html` with `stylesheets` (file paths) as a tagged PDF/UA document."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    fetcher = static_fetcher(static_roots)
    fonts = FontConfiguration()  # shared, or the @font-face rules are not used
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    css = [CSS(filename=path, url_fetcher=fetcher, font_config=fonts) for path in stylesheets]
    return document.write_pdf(stylesheets=css, font_config=fonts, pdf_variant="pdf/ua-1", pdf_tags=True)


def _limit_child(memory_bytes: int, cpu_seconds: int):
    def apply():
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    return apply


def html_to_pdf_capped(html, stylesheets, static_roots, base_url, *, timeout: float, memory_mb: int) -> bytes:
    """`html_to_pdf` in a child process with a wall-clock timeout and memory/CPU caps."""
    payload = json.dumps({
        "html": html, "stylesheets": stylesheets, "static_roots": static_roots, "base_url": base_url,
    }).encode()
    cpu = max(1, int(timeout) + 1)
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_SECRET")}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "reporting.report.pdf"],
            input=payload, capture_output=True, timeout=timeout,
            preexec_fn=_limit_child(memory_mb * 1024 * 1024, cpu),
            cwd=str(Path(__file__).resolve().parents[2]), env=env,
        )
    except subprocess.TimeoutExpired:
        raise RenderLimitExceeded("timeout") from None
    if done.returncode == 0:
        return done.stdout
    if done.returncode in (-signal.SIGXCPU, -signal.SIGKILL):  # the CPU cap
        raise RenderLimitExceeded("timeout")
    # Under the address-space cap, Python raises MemoryError, and the C libraries
    # (GLib, pango, harfbuzz) that fail to allocate trap, abort or crash.
    crashed = (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS, -signal.SIGTRAP)
    if done.returncode == EXIT_MEMORY or done.returncode in crashed \
            or b"MemoryError" in done.stderr or b"allocate" in done.stderr:
        raise RenderLimitExceeded("memory")
    raise RenderFailed(f"exit {done.returncode}: " + done.stderr.decode(errors="replace")[-2000:])


def _child_main():
    try:
        args = json.loads(sys.stdin.buffer.read())
        pdf = html_to_pdf(args["html"], args["stylesheets"], args["static_roots"], args["base_url"])
    except MemoryError:
        os._exit(EXIT_MEMORY)
    except OSError as error:
        if error.errno == errno.ENOMEM:
            os._exit(EXIT_MEMORY)
        raise
    sys.stdout.buffer.write(pdf)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    _child_main()
