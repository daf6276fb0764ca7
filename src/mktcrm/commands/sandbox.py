"""`mktcrm sandbox serve`: the fake marketplaces on 127.0.0.1, for curl, scripts and kill -9 tests."""

from __future__ import annotations

import shlex
import sys
from typing import Annotated, Any

import tomli_w
import typer

from mktcrm import connectors
from mktcrm.commands._common import new_app
from mktcrm.errors import UsageError
from mktcrm.sandbox import open_sandbox
from mktcrm.sandbox.accounts import demo_accounts, sandbox_account

app = new_app("Fake marketplaces that follow the real API contracts.")


@app.command("serve")
def serve(
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0: any free one).")
    ] = 8765,
    sandbox: Annotated[
        list[str] | None,
        typer.Option("--sandbox", "-s", help="MARKETPLACE/NAME to serve, e.g. ebay/ebay-fr (repeatable)."),
    ] = None,
    operator: Annotated[list[str] | None, typer.Option("--operator", help="Mirakl operator name (repeatable).")] = None,
    orders: Annotated[int, typer.Option("--orders", min=0, help="Orders per sandbox account.")] = 200,
    seed: Annotated[int, typer.Option("--seed", min=0, max=2**31 - 1, help="Data seed: same seed, same data.")] = 1,
    anchor: Annotated[str | None, typer.Option("--anchor", help="The data's 'today', YYYY-MM-DD.")] = None,
    latency_ms: Annotated[int, typer.Option("--latency-ms", min=0, help="Delay before each answer.")] = 0,
) -> None:
    """Serve sandbox marketplaces on 127.0.0.1 until Ctrl-C, and print the config to use them.

    Each sandbox is at http://127.0.0.1:PORT/NAME. Without --sandbox or --operator, the five demo
    accounts are served. The printed [[accounts]] tables and secrets (sandbox values, not real ones)
    go to stderr.

    \b
    Examples:
      $ mktcrm sandbox serve --port 8765 --operator leclerc --orders 100000
      $ mktcrm sandbox serve --sandbox ebay/ebay-fr --sandbox etsy/etsy
      $ curl -H 'Authorization: sandbox-leclerc-key' 'http://127.0.0.1:8765/leclerc/api/orders?max=1'
    """
    from mktcrm.sandbox.server import serve as start  # httpx: only once serving

    wanted = [tuple(s.split("/", 1)) for s in sandbox or []] + [(_serving("operator"), n) for n in operator or []]
    if any(len(w) != 2 for w in wanted):
        raise UsageError("--sandbox takes MARKETPLACE/NAME", hint="e.g. --sandbox ebay/ebay-fr")
    query = f"seed={seed}&orders={orders}" + (f"&anchor={anchor}" if anchor else "")
    try:
        configs = [_account(market, name, query) for market, name in (wanted or demo_accounts())]
    except (ValueError, KeyError) as exc:
        raise UsageError(str(exc)) from None
    for sb, _account_table, _secrets in configs:
        sb.faults.latency_ms = latency_ms
    try:
        server = start([c[0] for c in configs], port=port)
    except OSError as exc:
        raise UsageError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror}", hint="pick another --port, or 0"
        ) from None
    bound = server.server_address[1]
    _print_config(configs, bound)
    print(f"Serving on 127.0.0.1:{bound}; Ctrl-C to stop.", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _serving(option: str) -> str:
    """The marketplace whose connector names `option` as its `sandbox serve` shortcut."""
    return next(name for name in connectors.names() if connectors.get(name).serve_option == option)


def _account(market: str, name: str, query: str) -> tuple[Any, dict[str, Any], dict[str, str]]:
    account, secrets = sandbox_account(market, name, query)
    return open_sandbox(f"sandbox://{market}/{name}?{query}"), account, secrets


def _print_config(configs: list[tuple[Any, dict[str, Any], dict[str, str]]], port: int) -> None:
    for sb, account, secrets in configs:
        url = f"http://127.0.0.1:{port}/{sb.name}"
        connector = connectors.get(sb.marketplace)
        for key in connector.config_keys:  # every host of the account (eBay has two) is this server
            if key == connector.url_key or key.endswith("base_url"):
                account[key] = url
        if sb.token_path:
            account["token_url"] = url + sb.token_path
        print(f"# {sb.marketplace} sandbox {sb.name}: {url}", file=sys.stderr)
        print(tomli_w.dumps({"accounts": [account]}), file=sys.stderr)
        for env, value in secrets.items():
            print(f"# export {env}={shlex.quote(value)}", file=sys.stderr)  # `|` in a token must not pipe
