"""Stops at its syntax error, before any process starts."""

def create_and_compile_model(:
    pass
