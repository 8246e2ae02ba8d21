"""What the evaluation process measured, read defensively: it loaded a student's files.

``InputForm`` (how the images are fed), ``Evaluation`` (one ``ModelFacts`` per model file and the
assignment's own experiments) and their parsing from ``evaluation.json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from grader.checks.facts import Layer, ModelFacts
from grader.text import messages


@dataclass(frozen=True)
class InputForm:
    """How the student's training fed the images to fit, so the model is evaluated on the same form."""

    scaled: bool  # divided by 255
    shape: tuple[int, ...] | None  # one image as fed: (28, 28), (28, 28, 1), (784,); None: the dataset's own shape

    @classmethod
    def of(cls, x_shape: tuple[int | None, ...] | None, x_max: float | None, default_scaled: bool, pixels: int) -> InputForm:
        scaled = default_scaled if x_max is None else x_max <= 1.5
        image = tuple(x_shape[1:]) if x_shape and len(x_shape) > 1 else None
        valid = image is not None and all(isinstance(d, int) and d > 0 for d in image) and math.prod(image) == pixels  # type: ignore[arg-type]
        return cls(scaled, image if valid else None)  # type: ignore[arg-type]

    def to_json(self) -> dict:
        return {"scale": 1 / 255 if self.scaled else 1.0, **({"shape": list(self.shape)} if self.shape else {})}


@dataclass(frozen=True)
class Evaluation:
    """What the evaluation process measured: one ``ModelFacts`` per model file, and the assignment's own experiments."""

    models: dict[str, ModelFacts] = field(default_factory=dict)
    assignment: Any = None
    problem: str = ""  # why nothing could be measured

    def model(self, name: str) -> ModelFacts | None:
        return self.models.get(name)


NOT_EVALUATED = Evaluation()


def _number(data: dict, key: str, low: float = -math.inf, high: float = math.inf) -> float | None:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not low <= value <= high:
        return None
    return float(value)


def _integer(data: dict, key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _shape(value: Any) -> tuple[int | None, ...] | None:
    return tuple(d if isinstance(d, int) and not isinstance(d, bool) else None for d in value[:8]) if isinstance(value, list) else None


def model_facts(data: Any) -> ModelFacts:
    """One model's measurements, read defensively (the process that wrote them loaded a student's file)."""
    if not isinstance(data, dict):
        return ModelFacts(False, "no result")
    if not data.get("loaded"):
        return ModelFacts(False, str(data.get("load_error", ""))[:1000])
    layers = (
        tuple(Layer(str(layer.get("class", ""))[:100], _integer(layer, "units")) for layer in data.get("layers", [])[:200] if isinstance(layer, dict))
        if isinstance(data.get("layers"), list)
        else ()
    )
    call_shape = _shape(data.get("call_shape"))
    return ModelFacts(
        loaded=True,
        params=_integer(data, "params"),
        layers=layers,
        output_shape=_shape(data.get("output_shape")),
        call_shape=tuple(d or 0 for d in call_shape) if call_shape else None,
        call_error=str(data.get("call_error", ""))[:1000],
        probabilities=data.get("probabilities") is True,
        compiled=data.get("compiled") is True,
        loss=str(data["loss"])[:200] if isinstance(data.get("loss"), str) else None,
        optimizer=str(data["optimizer"])[:100] if isinstance(data.get("optimizer"), str) else None,
        metrics=tuple(str(metric)[:200] for metric in data.get("metrics", [])[:20]) if isinstance(data.get("metrics"), list) else (),
        optimizer_steps=_integer(data, "optimizer_steps") or 0,
        held_out_accuracy=_number(data, "held_out_accuracy", 0, 1),
        train_accuracy=_number(data, "train_accuracy", 0, 1),
        train_loss=_number(data, "train_loss", 0),
        evaluate_error=str(data.get("evaluate_error", ""))[:1000],
    )


def parse(data: Any) -> Evaluation:
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        return Evaluation(problem=messages.evaluation_failed("no result"))
    models = {str(name)[:60]: model_facts(facts) for name, facts in list(data["models"].items())[:40]}
    return Evaluation(models, data.get("assignment"))
