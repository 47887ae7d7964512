"""HTML → PDF with WeasyPrint, locked down, optionally in a capped child process.

This module imports nothing from Django, so the render children hold no
database connection, settings or secrets: the parent renders the HTML from the
templates, a child only lays it out. Children are forked from a *fork server*
(multiprocessing's "forkserver"), a small process started once per parent with
a bare environment that has WeasyPrint already imported: each render pays a
fork, not a Python and WeasyPrint start-up. Every child gets hard limits on
address space and CPU time (and the parent a wall-clock timeout), so one huge or
hostile plan can never take a worker down.
"""

import errno
import os
import resource
import signal
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

EXIT_MEMORY = 3
EXIT_FAILED = 4
# The render child's whole environment: what fontconfig, pango and Python need, nothing else
# (no database URL, secret key or single sign-on secret).
CHILD_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "FONTCONFIG_FILE", "FONTCONFIG_PATH",
                     "XDG_CACHE_HOME", "XDG_DATA_DIRS", "PYTHONPATH")
# A failure while the child's peak address space is this close to its cap is the cap's doing,
# whatever exception the C libraries turned it into.
MEMORY_NEAR_CAP = 0.9
# A render child runs at this lower CPU priority (os.nice), so that on a machine shared with
# the web server a long report never starves its requests; and a worker renders one at a time.
CHILD_NICENESS = 10
# REPORT_RENDER_TIMEOUT is the render's CPU budget. The child runs niced, and on a busy
# machine it may get half a core, so the parent waits up to twice as long by the clock
# before it gives up (a 3,000-initiative report needs ~150 s of CPU: seen taking 300 s).
WALL_CLOCK_FACTOR = 2


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


def _show_bookmarks(document, pdf):
    """Open the PDF with its bookmarks (direction → initiative) shown."""
    pdf.catalog["PageMode"] = "/UseOutlines"


# A report of more elements than this is laid out in chunks of about this many (see
# chunked.py): about 80 pages, 100 MB of WeasyPrint's boxes at a time.
CHUNK_ELEMENTS = 5000


def html_to_pdf(html: str, stylesheets: list[str], static_roots: list[str], base_url: str, *,
                chunk_elements: int = CHUNK_ELEMENTS) -> bytes:
    """Lay out `html` with `stylesheets` (file paths) as a tagged PDF/UA document.

    A long report is laid out in chunks of about `chunk_elements` elements, so its
    memory stays that of one chunk (chunked.py); a short one in one go.
    """
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from . import chunked

    fetcher = static_fetcher(static_roots)
    fonts = FontConfiguration()  # shared, or the @font-face rules are not used
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    css = [CSS(filename=path, url_fetcher=fetcher, font_config=fonts) for path in stylesheets]
    plan = chunked.plan_chunks(document.etree_element, chunk_elements)
    if plan is not None:
        return chunked.write_chunked(plan, document.etree_element, document.base_url, fetcher, css, fonts)
    return document.write_pdf(stylesheets=css, font_config=fonts, pdf_variant="pdf/ua-1", pdf_tags=True,
                              finisher=_show_bookmarks)


_context = None
_context_lock = threading.Lock()
# CPU time and peak memory of the last capped render's child (for logs and bench/report.py).
last_render: dict = {}


def _fork_server():
    """The multiprocessing context whose fork server has WeasyPrint loaded (started once)."""
    global _context
    with _context_lock:
        if _context is None:
            import multiprocessing
            from multiprocessing import forkserver

            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["reporting.report.pdf", "reporting.report.chunked", "weasyprint"])
            saved = dict(os.environ)
            try:  # the server, and so every child, starts with the bare environment
                os.environ.clear()
                os.environ.update({k: v for k, v in saved.items() if k in CHILD_ENVIRONMENT})
                forkserver.ensure_running()
            finally:
                os.environ.clear()
                os.environ.update(saved)
            _context = context
        return _context


def child_environment() -> dict:
    """The environment a render child sees (run in one, e.g. by a test)."""
    return dict(os.environ)


def _peak_address_space() -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _out_of_memory(error: BaseException, memory_bytes: int) -> bool:
    """Whether a failed render ran out of memory: a MemoryError or ENOMEM anywhere in the
    chain, or a peak address space near the cap (the C libraries fail in other ways there)."""
    chain, cause = [], error
    while cause is not None and len(chain) < 10:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(e, MemoryError) or getattr(e, "errno", None) == errno.ENOMEM for e in chain):
        return True
    return _peak_address_space() >= MEMORY_NEAR_CAP * memory_bytes


def _child(connection, args, memory_bytes: int, cpu_seconds: int):
    """In the forked child: apply the caps, render, send back the PDF or why it failed."""
    os.nice(CHILD_NICENESS)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    try:
        pdf = html_to_pdf(*args)
    except BaseException as error:  # noqa: BLE001  (the parent needs a reason, whatever it was)
        try:
            memory = _out_of_memory(error, memory_bytes)
        except BaseException:  # noqa: BLE001  (even reading /proc failed: the cap is the reason)
            memory = True
        try:
            connection.send(("memory",) if memory else ("failed", f"{type(error).__name__}: {error}"[:2000]))
        except BaseException:  # noqa: BLE001
            os._exit(EXIT_MEMORY if memory else EXIT_FAILED)
        os._exit(EXIT_MEMORY if memory else EXIT_FAILED)
    connection.send_bytes(pdf)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    connection.send({"cpu_seconds": usage.ru_utime + usage.ru_stime, "max_rss_mb": usage.ru_maxrss / 1024,
                     "niceness": os.nice(0)})
    os._exit(0)


def _one_at_a_time(render):
    """Renders of one process wait for each other: one child per worker at a time."""
    lock = threading.Lock()

    def wrapper(*args, **kwargs):
        with lock:
            return render(*args, **kwargs)

    wrapper.lock = lock
    return wrapper


@_one_at_a_time
def html_to_pdf_capped(html, stylesheets, static_roots, base_url, *, timeout: float, memory_mb: int) -> bytes:
    """`html_to_pdf` in a forked child with memory and CPU caps (`timeout` CPU seconds) and a
    wall-clock backstop of WALL_CLOCK_FACTOR × `timeout`."""
    context = _fork_server()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, (html, stylesheets, static_roots, base_url), memory_mb * 1024 * 1024,
                             max(1, int(timeout) + 1)), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout * WALL_CLOCK_FACTOR):
            process.kill()
            raise RenderLimitExceeded("timeout")
        try:
            message = receiver.recv_bytes()
            # A PDF (then its stats) or, from a failed child, the pickled reason.
            stats = receiver.recv() if message.startswith(b"%PDF") else {}
        except EOFError:
            message, stats = None, {}
    finally:
        process.join(5)  # a child that sent its answer exits by itself
        if process.is_alive():
            process.kill()
            process.join(5)
        receiver.close()
    code = process.exitcode
    if message is not None and message.startswith(b"%PDF") and stats:
        last_render.clear()
        last_render.update(stats)
        return message
    if code == EXIT_MEMORY:
        raise RenderLimitExceeded("memory")
    if code in (-signal.SIGXCPU, -signal.SIGKILL):  # the CPU cap
        raise RenderLimitExceeded("timeout")
    # Under the address-space cap the C libraries (GLib, pango, harfbuzz) that fail to
    # allocate abort or crash rather than raise.
    if code in (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS, -signal.SIGTRAP):
        raise RenderLimitExceeded("memory")
    detail = ""
    if message:
        import pickle

        try:
            detail = str(pickle.loads(message)[-1])
        except Exception:  # noqa: BLE001
            detail = ""
    raise RenderFailed(f"exit {code}: {detail}")
