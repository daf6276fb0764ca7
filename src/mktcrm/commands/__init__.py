"""One module per top-level command, named after it, each exposing `app: typer.Typer`: parse options, call the
core, hand rows to `Output`. `mktcrm.cli.COMMANDS` lists them; a module is imported only when its command runs,
and never imports another command module (shared pieces: `_common.py`, `_fields.py`)."""
