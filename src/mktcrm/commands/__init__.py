"""One module per command group: parse options, call the core, hand rows to `Output`."""
