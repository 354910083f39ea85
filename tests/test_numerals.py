"""Numerals read and written the way structured notes write them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vaultkit import numerals


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("一", 1), ("十", 10), ("十一", 11), ("二十", 20), ("九十九", 99), ("一百", 100), ("一百零一", 101),
        ("一百一十", 110), ("两", 2), ("两百", 200), ("〇", 0), ("零", 0), ("二〇二四", 2024), ("一千零一十", 1010),
    ],
)  # fmt: skip
def test_chinese(text: str, value: int) -> None:
    assert numerals.parse(text, "chinese") == value


def test_arabic_roman_and_rejects() -> None:
    assert numerals.parse("31", "arabic") == 31
    assert numerals.parse("３１", "arabic") == 31
    assert numerals.parse("XIV", "roman") == 14
    assert numerals.parse("xiv", "roman") == 14
    for text, style in [("3a", "arabic"), ("IIII", "roman"), ("Xiv", "roman"), ("一a", "chinese"), ("", "arabic")]:
        assert numerals.parse(text, style) is None  # type: ignore[arg-type]
    assert numerals.parse_any("10") == 10 and numerals.parse_any("十") == 10


def test_rendering_keeps_the_manner() -> None:
    assert numerals.render(5, "chinese") == "五"
    assert numerals.render(7, "arabic", "８") == "７"
    assert numerals.render(7, "arabic", "08") == "07"
    assert numerals.render(14, "roman", "xiii") == "xiv"


@given(st.integers(min_value=0, max_value=99_999))
def test_chinese_round_trip(value: int) -> None:
    assert numerals.parse(numerals.render(value, "chinese"), "chinese") == value


@given(st.integers(min_value=1, max_value=3999), st.booleans())
def test_roman_round_trip(value: int, lower: bool) -> None:
    text = numerals.render(value, "roman", "i" if lower else "I")
    assert numerals.parse(text, "roman") == value and text.islower() == lower


@given(st.integers(min_value=0, max_value=10**9), st.booleans())
def test_arabic_round_trip(value: int, fullwidth: bool) -> None:
    assert numerals.parse(numerals.render(value, "arabic", "１" if fullwidth else "1"), "arabic") == value
