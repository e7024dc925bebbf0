"""The `brandgate` command line: a thin adapter over the engine and the workflow services."""
