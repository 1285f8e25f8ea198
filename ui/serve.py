"""``python -m ui.serve [streamlit flags]``: ``streamlit run app.py`` that imports the first page's modules while a
browser loads Streamlit.

The first page's script run imports pandas, pyarrow and DuckDB (~0.3 s on a 2-core machine); it starts
only once a browser has loaded Streamlit's bundle and connected, while the server process mostly waits. A
background thread imports them in the meantime, as a preloading web server does: they are the imports the script
would do (a module is imported once per process). Measured with perf/app_start.py at 1M attempts: the first page
2.67 s -> 2.48 s (median of 3; 2.22 s, median of 5, with this stop's other changes). Reading the stored facts there
too (~0.2 s) gained nothing measurable: the server serves the bundle under the same interpreter lock, so the
browser waited for it instead. Streamlit's own command line takes every flag.
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"
# the libraries the default page (Overview) imports on its first run, slowest first. Not the project's own modules
# (~0.1 s): a page script importing them at the same moment could meet this thread in an import cycle, which Python
# breaks by failing one of the two imports; these libraries never import the project, so no cycle can form. litellm
# is not here on purpose: no page visit loads it unless a call is made.
PRELOAD = ("pandas", "pyarrow", "duckdb")

log = logging.getLogger("routeboard.serve")


def _server_up() -> bool:
    from streamlit import runtime

    return runtime.exists() and runtime.get_instance().state != runtime.RuntimeState.INITIAL


def preload() -> None:
    """Once the server is up, import PRELOAD. Not before: with the interpreter lock, imports beside the server's
    start-up only delay it (its health endpoint answered ~0.35 s later, measured). A module that fails to import
    is left to the page, which shows the error where the user sees it."""
    main = threading.main_thread()
    while not _server_up():
        if not main.is_alive():  # the server never came up (e.g. its port was taken): nothing to prepare
            return
        time.sleep(0.02)
    try:
        for name in PRELOAD:
            importlib.import_module(name)
    except Exception:  # the page's own import raises it again, in the browser
        log.debug("preloading failed", exc_info=True)


def main() -> None:
    # streamlit first: its own import reads modules such as pandas from sys.modules, and would see one that another
    # thread has only half imported
    from streamlit.web import cli

    # not a daemon: a stop (Ctrl+C) right after the start waits for the imports (~0.3 s) rather than leaving a thread
    # inside a C extension's import while the interpreter shuts down
    threading.Thread(target=preload, name="routeboard-preload", daemon=False).start()
    sys.argv = ["streamlit", "run", str(APP), *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
