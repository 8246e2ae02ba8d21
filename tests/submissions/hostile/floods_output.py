"""Prints without end at import: the output limit cuts the output and ends the run."""

while True:
    print("flood " * 200)
