"""The SQLite cache: connection, migrations, writes (`store`) and reads (`queries`)."""
