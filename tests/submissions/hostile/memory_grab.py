"""Allocates (and touches) 100 MB after 100 MB at import until the memory limit ends it."""

hoard = []
while True:
    hoard.append(b"\x01" * (100 * 2**20))
    print(f"holding {len(hoard) * 100} MB", flush=True)
