"""A pre-warmed launcher for CLI processes that a drill kills: ``python -m tests.drills.zygote``.

Importing litellm costs a process 5-10 s of CPU; twenty kill/resume cycles would spend minutes on imports alone.
This process imports the CLI and litellm once, then forks one child per request; each child runs
``routeboard.cli.main(argv)`` (what ``python -m routeboard`` runs) and is the process the drill SIGKILLs.
Protocol: one JSON line per child on stdin, {"argv": [...], "log": path for its stdout and stderr}; "ready" and
then "pid N" per child on stdout.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    from routeboard.settings import prepare_environment

    prepare_environment()
    import litellm  # noqa: F401 - the expensive import, done once
    import rich.progress  # noqa: F401
    import rich.table  # noqa: F401

    import routeboard.run.start  # noqa: F401
    from routeboard.cli.main import build_parser
    from routeboard.cli.main import main as cli_main

    build_parser()  # imports every command module
    print("ready", flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        _reap()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            try:
                code = cli_main(request["argv"])
            except BaseException:  # the child's exit status is all the drill reads
                code = 70
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
        print(f"pid {pid}", flush=True)
    while _reap(block=True):
        pass


def _reap(block: bool = False) -> bool:
    """Collect finished children (killed or done); True while any are left."""
    try:
        while True:
            pid, _ = os.waitpid(-1, 0 if block else os.WNOHANG)
            if pid == 0 or block:
                return pid != 0
    except ChildProcessError:
        return False


if __name__ == "__main__":
    main()
