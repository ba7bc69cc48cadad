"""Container runtimes: the Protocol the engine uses, and Docker behind it."""
