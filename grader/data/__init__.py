"""Datasets: a descriptor per dataset (image shape, classes, sources), decoding, and what a sandbox is served.

An assignment may bring a dataset of its own: a ``dataset.py`` beside its ``assignment.toml``
that defines ``DATASET = NpzDataset(...)`` (or a ``Dataset``). See ``grader.data.dataset``.
"""

from grader.data.dataset import Dataset, Decoded, NpzDataset, load

__all__ = ["Dataset", "Decoded", "NpzDataset", "load"]
