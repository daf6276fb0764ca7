"""Domain logic free of Typer and Rich: queries turned into answers (KPIs, attention lists)."""
