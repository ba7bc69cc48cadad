"""``ecsdev serve``: the AWS endpoint on 127.0.0.1:4566, in the foreground or in the background.

Why this exists: with the endpoint running, the AWS CLI, the SDKs and Terraform drive ecsdev
unchanged (``AWS_ENDPOINT_URL=http://127.0.0.1:4566``). In the foreground it logs one line per
request on stderr, as web servers do (werkzeug, ``python -m http.server``): the log is a
diagnostic stream, and stdout stays for answers, as in every ecsdev command. ``-d`` starts it
in the background and returns once it answers (its log: ``$ECSDEV_STATE_DIR/endpoint/
serve.log``); ``--stop`` stops it. One endpoint runs per state directory (per user), held by a
lock; a second ``serve -d`` reports the running one.
"""

from __future__ import annotations

import click

DEFAULT_PORT = 4566
"""``emulator.endpoint.main.DEFAULT_PORT`` (LocalStack's port). The endpoint's modules are
imported when ``serve`` runs, not here: they bring werkzeug and moto, which every other
``ecsdev`` command would pay for at start-up (~0.2 s)."""


@click.command("serve")
@click.option(
    "--port", type=int, default=DEFAULT_PORT, show_default=True, help="Port to listen on."
)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (keep it local)."
)
@click.option("-d", "--detach", is_flag=True, help="Run in the background; return once it answers.")
@click.option("--stop", is_flag=True, help="Stop the endpoint running in the background.")
def serve(port: int, host: str, detach: bool, stop: bool) -> None:
    """Answer the AWS API (ECS, ELBv2, Logs, EC2 networking, STS; IAM, SSM, S3 ... in memory)
    for the AWS CLI, SDKs and Terraform: export AWS_ENDPOINT_URL=http://127.0.0.1:4566."""
    from emulator.endpoint import daemon
    from emulator.endpoint.main import run, stderr_sink

    if stop:
        pid = daemon.stop()
        click.echo("ecsdev endpoint: not running" if pid is None else f"stopped (pid {pid})")
        return
    if detach:
        state, started = daemon.start(host, port)
        url = state["url"]
        verb = "started" if started else "already running"
        click.echo(f"ecsdev endpoint {verb}: {url} (pid {state['pid']})")
        click.echo(f"export AWS_ENDPOINT_URL={url}")
        if not started and port not in (0, state.get("port")):
            click.echo(f"(not on port {port}: to move it, ecsdev serve --stop first)", err=True)
        click.echo(f"log: {daemon.log_file()}", err=True)
        return
    try:
        run(host, port, sink=stderr_sink, on_ready=lambda s: _ready(str(s["url"])))
    except OSError as e:
        raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror}") from None
    except KeyboardInterrupt:
        pass


def _ready(url: str) -> None:
    click.echo(f"export AWS_ENDPOINT_URL={url}", err=True)
