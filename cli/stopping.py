"""Stopping a run from a terminal (Ctrl-C) or a supervisor (SIGTERM) within seconds.

The signal becomes an exception in the main thread; the flow marks its run `cancelled` on the
way out (what was committed stays committed). The process then leaves at once: threads still
blocked on a slow board are not waited for (their work was never committed), but the
temporary Prefect server is stopped first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

import typer

EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Stopped(BaseException):
    """A stop signal arrived (raised in the main thread, like KeyboardInterrupt)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


def stop_signal(error: BaseException) -> int | None:
    """The signal an exception stands for, or None when it is not a stop."""
    if isinstance(error, Stopped):
        return error.signum
    if isinstance(error, KeyboardInterrupt):
        return signal.SIGINT
    if type(error).__name__ == "TerminationSignal":  # Prefect's own SIGTERM bridge, in flows
        return int(getattr(error, "signal", signal.SIGTERM))
    return None


@contextmanager
def stoppable(what: str) -> Iterator[None]:
    """Run a command's work so that SIGTERM or Ctrl-C stops it within seconds."""
    previous = {s: signal.signal(s, _raise_stopped) for s in EXIT_CODES}
    try:
        yield
    except BaseException as error:
        signum = stop_signal(error)
        if signum is None:
            raise
        name = signal.Signals(signum).name
        typer.echo(
            f"error: {what} stopped by {name}: the run is marked cancelled;"
            " everything committed before is kept",
            err=True,
        )
        leave_now(EXIT_CODES.get(signal.Signals(signum), 128 + signum))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def leave_now(code: int) -> None:
    """Stop the temporary Prefect server, then exit without waiting for worker threads stuck
    on the network, nor for Prefect's exit handlers (they flush logs to that server, with
    retries, for 5 s)."""
    for sig in EXIT_CODES:
        signal.signal(sig, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
    _stop_temporary_servers()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _stop_temporary_servers(grace: float = 1.5) -> None:
    """Stop the temporary Prefect API (a subprocess) quickly: its atexit handler waits 5 s."""
    server_module = sys.modules.get("prefect.server.api.server")
    if server_module is None:
        return
    for server in list(server_module.SubprocessASGIServer._instances.values()):
        process = server.server_process
        if process is None:
            continue
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
