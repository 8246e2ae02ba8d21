"""Spins at import and never ends: the CPU-time limit ends it before the wall clock does."""

print("spinning", flush=True)
while True:
    pass
