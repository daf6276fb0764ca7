"""`mktcrm sandbox serve`: the fake marketplaces on 127.0.0.1, for curl, scripts and kill -9 tests."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mktcrm.errors import UsageError

app = typer.Typer(help="Fake marketplaces that follow the real API contracts.", no_args_is_help=True)


@app.command()
def serve(
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: any free one).")
    ] = 8765,
    operator: Annotated[list[str] | None, typer.Option("--operator", help="Mirakl operator name (repeatable).")] = None,
    orders: Annotated[int, typer.Option("--orders", min=0, help="Orders per operator.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Data seed: same seed, same data.")] = 1,
    anchor: Annotated[str | None, typer.Option("--anchor", help="The data's 'today', YYYY-MM-DD.")] = None,
    latency_ms: Annotated[int, typer.Option("--latency-ms", min=0, help="Delay before each answer.")] = 0,
) -> None:
    """Serve sandbox Mirakl operators until Ctrl-C.

    Each operator is at http://127.0.0.1:PORT/NAME and accepts the key `sandbox-NAME-key`.

    \b
    Examples:
      $ mktcrm sandbox serve --port 8765 --operator leclerc --orders 100000
      $ curl -H 'Authorization: sandbox-leclerc-key' 'http://127.0.0.1:8765/leclerc/api/orders?max=1'
    """
    from mktcrm.sandbox import open_sandbox
    from mktcrm.sandbox.server import serve as start

    names = operator or ["intermarche", "leclerc"]
    query = f"seed={seed}&orders={orders}" + (f"&anchor={anchor}" if anchor else "")
    try:
        sandboxes = [open_sandbox(f"sandbox://mirakl/{name}?{query}") for name in names]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    for sb in sandboxes:
        sb.faults.latency_ms = latency_ms
    server = start(sandboxes, port=port)
    bound = server.server_address[1]
    for sb in sandboxes:
        print(f"{sb.name}\thttp://127.0.0.1:{bound}/{sb.name}\tkey: {sb.api_key}", file=sys.stderr)
    print(f"Serving on 127.0.0.1:{bound}; Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
