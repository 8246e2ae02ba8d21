"""The progress board: the engine's events, kept per hand-in while it grades; anything malformed is ignored."""

from __future__ import annotations

import asyncio

from grader.service.progress import Board

KEY = ("fashion_mnist_callback", 7)


def test_events_build_the_live_view():
    board = Board()
    board.started(KEY)
    for event in (
        {"kind": "stage", "stage": "running"},
        {"kind": "epoch", "epoch": 1, "of": 10, "accuracy": 0.81, "loss": 0.52},
        {"kind": "epoch", "epoch": 2, "of": 10, "accuracy": 0.86, "loss": 0.39},
        {"kind": "stage", "stage": "evaluating"},
        {"kind": "check", "id": "model", "passed": True},
    ):
        board.event(KEY, event)
    live = board.live(KEY)
    assert live["stage"] == "evaluating" and [e["accuracy"] for e in live["epochs"]] == [0.81, 0.86] and live["epochs"][1]["of"] == 10
    assert live["checks"] == [{"id": "model", "passed": True}]
    board.finished(KEY)
    assert board.live(KEY) is None


def test_malformed_events_change_nothing():
    board = Board()
    board.started(KEY, "running")
    version = board.version
    for event in ("text", None, {"kind": "stage", "stage": "hacked"}, {"kind": "epoch", "epoch": "1"}, {"kind": "check"}, {}):
        board.event(KEY, event)
    board.event(("other", 1), {"kind": "stage", "stage": "done"})  # no such grading
    assert board.version == version and board.live(KEY) == {"stage": "running", "epochs": [], "checks": []}


def test_a_waiting_page_wakes_on_a_change():
    board = Board()

    async def wait_and_change() -> int:
        waiting = asyncio.ensure_future(board.changed(board.version, seconds=5))
        await asyncio.sleep(0.05)
        board.bump()
        return await waiting

    assert asyncio.run(wait_and_change()) == 1


def test_an_epochs_values_are_numbers_or_nothing():
    board = Board()
    board.started(KEY)
    board.event(KEY, {"kind": "epoch", "epoch": 1, "of": "ten", "accuracy": float("nan"), "loss": "<script>"})
    assert board.live(KEY)["epochs"] == [{"epoch": 1, "of": None, "accuracy": None, "loss": None}]
