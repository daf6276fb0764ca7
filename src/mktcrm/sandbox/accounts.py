"""Config for sandbox accounts: what `mktcrm demo` and the tests write to point at a sandbox.

Built from the sandbox's own `credentials` and `account_options`, so adding a marketplace needs no
change here: every secret key gets an environment-variable name and the value the sandbox accepts.
Which accounts the demo sets up is each connector's `demo_accounts`.
"""

from __future__ import annotations

from typing import Any


def sandbox_account(marketplace: str, name: str, query: str = "") -> tuple[dict[str, Any], dict[str, str]]:
    """`([[accounts]] table, {secret env name: value})` for a sandbox account called `name`."""
    from mktcrm import connectors
    from mktcrm.sandbox import open_sandbox

    url = f"sandbox://{marketplace}/{name}" + (f"?{query}" if query else "")
    sandbox = open_sandbox(url)
    connector = connectors.get(marketplace)
    account: dict[str, Any] = {"name": name, "marketplace": marketplace, connector.url_key: url}
    account.update(sandbox.account_options)
    secrets: dict[str, str] = {}
    for key, value in sandbox.credentials.items():
        env = f"MKTCRM_{name.upper().replace('-', '_')}_{key.removesuffix('_env').upper()}"
        account[key] = env
        secrets[env] = value
    return account, secrets


def demo_accounts() -> list[tuple[str, str]]:
    """(marketplace, name) of every sandbox account `mktcrm demo` and `mktcrm sandbox serve` set up."""
    from mktcrm import connectors

    return [(market, name) for market in connectors.names() for name in connectors.get(market).demo_accounts]
