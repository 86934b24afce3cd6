"""The docstring examples of the geometry modules run and print what they claim (STYLE §4)."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from egoexo_kit.geometry import calibration, fisheye624, kb3, pinhole, rotate, spaces, transforms, triangulate


@pytest.mark.parametrize(
    "module",
    [calibration, kb3, fisheye624, pinhole, rotate, spaces, transforms, triangulate],
    ids=lambda m: m.__name__,
)
def test_docstring_examples(module):
    result = doctest.testmod(module, extraglobs={"np": np}, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0
    assert result.failed == 0
