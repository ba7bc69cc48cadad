"""The endpoint process: ``python -m emulator.endpoint.main --port 4566``.

Why this exists: ``ecsdev serve`` runs the endpoint in the foreground, and ``ecsdev serve -d``
starts this module as a background process. It holds one lock per state directory
(``$ECSDEV_STATE_DIR/endpoint/serve.lock``, so one endpoint per machine and user), binds
127.0.0.1 unless told otherwise, writes ``serve.json`` (pid, host, port, url) atomically
once it answers, logs one line per request on stderr, and removes ``serve.json`` when it
stops (SIGTERM, SIGINT).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import FrameType
from typing import IO, Any

from emulator.endpoint.api import DEFAULT_ACCOUNT, ServiceHandlers
from emulator.endpoint.fallback import MotoFallback, warm_up
from emulator.endpoint.motojournal import Journal
from emulator.endpoint.registry import EndpointContext, routing_table
from emulator.endpoint.resources import endpoint_dir
from emulator.endpoint.server import Endpoint, bound_port, make
from emulator.errors import EcsdevError
from emulator.events import Event, EventSink
from emulator.store import state_home

DEFAULT_PORT = 4566


class AlreadyServing(EcsdevError):
    """Another endpoint holds this state directory's lock."""


def configured_account() -> str:
    """``ECSDEV_ACCOUNT_ID``, else ``000000000000``."""
    return os.environ.get("ECSDEV_ACCOUNT_ID") or DEFAULT_ACCOUNT


def state_file() -> Path:
    return endpoint_dir() / "serve.json"


def lock_file() -> Path:
    return endpoint_dir() / "serve.lock"


def read_state() -> dict[str, Any] | None:
    """What the running endpoint wrote (pid, host, port, url), or None."""
    try:
        data = json.loads(state_file().read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_atomically(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(dict(data), indent=1))
    os.replace(tmp, path)


def acquire_lock() -> IO[str]:
    """The process-lifetime lock; raises ``AlreadyServing`` naming the holder."""
    fh = open(lock_file(), "a+")  # noqa: SIM115 - held for the process lifetime
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        state = read_state() or {}
        where = f" at {state['url']} (pid {state.get('pid')})" if "url" in state else ""
        raise AlreadyServing(
            f"an ecsdev endpoint is already running{where}",
            hint="stop it with: ecsdev serve --stop",
        ) from None
    return fh


def build(
    account_id: str = DEFAULT_ACCOUNT,
    sink: EventSink | None = None,
    extra: Mapping[str, ServiceHandlers] | None = None,
) -> Endpoint:
    """The application with every registered service (plus ``extra``)."""
    log = sink or stderr_sink
    ctx = EndpointContext(account_id=account_id, sink=log)
    fallback = MotoFallback(account_id, Journal(endpoint_dir() / "moto", state_home()))
    return Endpoint(
        routing_table(ctx, extra=extra), account_id=account_id, sink=log, fallback=fallback
    )


def stderr_sink(event: Event) -> None:
    """A web server's log: the time, then the line; problems marked by their level."""
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(event.at))
    mark = "" if event.level == "info" else f"{event.level.upper()} "
    print(f"{stamp}Z {mark}{event.message}", file=sys.stderr, flush=True)


def _stop(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def run(
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    account_id: str | None = None,
    sink: EventSink | None = None,
    on_ready: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Serves until SIGTERM/SIGINT. Raises ``AlreadyServing``, or ``OSError`` when the port
    cannot be bound."""
    log = sink or stderr_sink
    account_id = account_id or configured_account()
    lock = acquire_lock()
    try:
        app = build(account_id, log)
        server = make(app, host, port)
        bound = bound_port(server)
        state = {
            "pid": os.getpid(),
            "host": host,
            "port": bound,
            "url": f"http://{host}:{bound}",
            "account": account_id,
            "started": time.time(),
        }
        _write_atomically(state_file(), state)
        signal.signal(signal.SIGTERM, _stop)
        # Ctrl-C stops it even when started with SIGINT ignored (a background job of a script)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        log(Event(f"ecsdev endpoint on {state['url']} (account {account_id})", kind="endpoint"))
        if on_ready is not None:
            on_ready(state)
        threading.Thread(target=warm_up, args=(app.fallback,), daemon=True).start()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            current = read_state()
            if current and current.get("pid") == os.getpid():
                state_file().unlink(missing_ok=True)
            log(Event(f"ecsdev endpoint on {state['url']} stopped", kind="endpoint"))
    finally:
        lock.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ecsdev-endpoint", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument(
        "--account", default=None, help="default: $ECSDEV_ACCOUNT_ID or 000000000000"
    )
    args = parser.parse_args(argv)
    try:
        run(args.host, args.port, args.account)
    except EcsdevError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(e.exit_code)
    except OSError as e:
        print(f"error: cannot listen on {args.host}:{args.port}: {e.strerror}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
