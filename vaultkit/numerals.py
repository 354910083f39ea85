"""Numbers as structured notes write them: Chinese (一 … 九十九, 一百零一, 两), Arabic (also fullwidth), Roman."""

from __future__ import annotations

from typing import Literal

Style = Literal["chinese", "arabic", "roman"]
STYLES: tuple[Style, ...] = ("chinese", "arabic", "roman")

_CHINESE_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_RENDER_DIGITS = "〇一二三四五六七八九"
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_TO_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
_ROMAN_STEPS = [
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
]  # fmt: skip


def parse(text: str, style: Style) -> int | None:
    """The value of a numeral written in `style`, or None when it is not one."""
    text = text.strip()
    if not text:
        return None
    if style == "arabic":
        digits = text.translate(_FULLWIDTH)
        return int(digits) if digits.isascii() and digits.isdigit() else None
    if style == "roman":
        return _parse_roman(text)
    return _parse_chinese(text)


def parse_any(text: str) -> int | None:
    """A count in Arabic or Chinese numerals (titles mix them: `10方面31项`, `十方面`)."""
    return parse(text, "arabic") if parse(text, "arabic") is not None else parse(text, "chinese")


def render(value: int, style: Style, like: str = "") -> str:
    """`value` written in `style`, in the manner of `like` (fullwidth digits, zero padding, case)."""
    if style == "arabic":
        digits = str(value)
        if len(like) > len(digits) and like.translate(_FULLWIDTH).startswith("0"):
            digits = digits.zfill(len(like))
        return digits.translate(_TO_FULLWIDTH) if like and not like.isascii() else digits
    if style == "roman":
        roman = _render_roman(value)
        return roman.lower() if like and like.islower() else roman
    return _render_chinese(value)


def _parse_chinese(text: str) -> int | None:
    if any(char not in _CHINESE_DIGITS and char not in _CHINESE_UNITS for char in text):
        return None
    if not any(char in _CHINESE_UNITS for char in text):
        if len(text) == 1:
            return _CHINESE_DIGITS[text]
        return int("".join(str(_CHINESE_DIGITS[char]) for char in text))  # positional: 二〇二四
    total, section, current = 0, 0, 0
    for char in text:
        if char in _CHINESE_DIGITS:
            current = _CHINESE_DIGITS[char]
        elif char == "万":
            total += (section + current) * 10000
            section, current = 0, 0
        else:
            section += (current or 1) * _CHINESE_UNITS[char]
            current = 0
    return total + section + current


def _render_chinese(value: int) -> str:
    if value < 0:
        return str(value)
    if value < 10:
        return _RENDER_DIGITS[value]
    if value >= 10000:
        high, low = divmod(value, 10000)
        rest = _render_chinese(low) if low else ""
        joiner = "零" if 0 < low < 1000 else ""
        return _render_chinese(high) + "万" + joiner + rest
    parts: list[str] = []
    zero_pending = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, value = divmod(value, unit)
        if digit:
            if zero_pending:
                parts.append("零")
                zero_pending = False
            parts.append(_RENDER_DIGITS[digit] + name)
        elif parts:
            zero_pending = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text  # 十一, not 一十一


def _parse_roman(text: str) -> int | None:
    upper = text.upper()
    if any(char not in _ROMAN for char in upper) or not (text.isupper() or text.islower()):
        return None
    total = 0
    for index, char in enumerate(upper):
        value = _ROMAN[char]
        if index + 1 < len(upper) and _ROMAN[upper[index + 1]] > value:
            total -= value
        else:
            total += value
    return total if _render_roman(total) == upper else None  # only canonical numerals


def _render_roman(value: int) -> str:
    if not 0 < value < 4000:
        return str(value)
    parts = []
    for step, name in _ROMAN_STEPS:
        count, value = divmod(value, step)
        parts.append(name * count)
    return "".join(parts)
