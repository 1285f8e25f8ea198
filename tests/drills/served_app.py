"""The dashboard served for real, with a run the readers drill can start: ``python -m tests.drills.served_app``.

Arguments: PORT GO_FILE DONE_FILE; the database comes from ROUTEBOARD_DB. Before serving, this process seeds the
database through the app's own store (ui.state) and registers a fake model with a small latency.
When GO_FILE appears, it launches a run exactly as the Run page does (ui.runs.launch, a background thread of the
server process); when the run ends it writes the run's final progress to DONE_FILE as JSON.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TASKS = 300
MODELS = ("fake/reader-a", "fake/reader-b")
LATENCY_S = 0.04


def seed():
    import ui.state
    from routeboard.catalog.models import add_model
    from routeboard.domain import GraderSpec, Suite, Task
    from routeboard.library import save_suite
    from routeboard.settings import db_path
    from tests.fakes import FakeProvider, install_fake

    install_fake(FakeProvider(latency_s=LATENCY_S))
    assert ui.state.store().path == db_path()
    with ui.state.holding() as con:
        for model_id in MODELS:
            add_model(
                con, model_id, tier="small-proprietary", input_price_per_mtok_usd=1.0, output_price_per_mtok_usd=2.0
            )
        tasks = tuple(Task(id=f"t{i:03d}", input=f"say: {i}", expected=str(i)) for i in range(TASKS))
        save_suite(con, Suite(name="busy", category="busy", grader=GraderSpec("exact"), tasks=tasks))


def run_when_asked(go_file: Path, done_file: Path) -> None:
    from routeboard.providers.base import GenerationSettings
    from routeboard.run.request import RunRequest
    from ui import runs

    while not go_file.exists():
        time.sleep(0.05)
    handle = runs.launch(
        RunRequest(suites=("busy",), models=MODELS, concurrency=4, settings=GenerationSettings(max_output_tokens=8)),
    )
    handle.done.wait()
    done_file.write_text(json.dumps({"run_id": handle.run_id, "error": handle.error, **asdict(handle.progress)}))


def main() -> None:
    port, go_file, done_file = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    seed()
    threading.Thread(target=run_when_asked, args=(go_file, done_file), daemon=True).start()
    from streamlit.web import bootstrap

    flags = {
        "server_port": port,
        "server_address": "127.0.0.1",
        "server_headless": True,
        "server_fileWatcherType": "none",
        "browser_gatherUsageStats": False,
    }
    bootstrap.load_config_options(flag_options=flags)
    bootstrap.run(str(ROOT / "app.py"), False, [], flags)


if __name__ == "__main__":
    main()
