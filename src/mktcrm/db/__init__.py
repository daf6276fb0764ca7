"""The SQLite cache: connection, migrations, writes (`store`) and reads (`queries`)."""


def placeholders(values: object) -> str:
    """`?, ?, ?` for an IN (…) list: the values themselves always travel as parameters."""
    return ", ".join("?" * len(values))  # type: ignore[arg-type]
