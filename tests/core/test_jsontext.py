"""JSON text rules: what is read (:func:`jsontext.loads`) and how it is written
(:func:`jsontext.dumps_compact`): Unicode text and JSON numbers only."""

from __future__ import annotations

import json
import math
import types
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obcore import jsontext

VECTORS = Path(__file__).parent.parent / "fixtures" / "vectors"


def _stdlib(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


@pytest.mark.parametrize("path", sorted(VECTORS.glob("*.json")), ids=lambda path: path.name)
def test_credentials_are_written_byte_for_byte_as_the_standard_library_writes_them(
    path: Path,
) -> None:
    credential = json.loads(path.read_text(encoding="utf-8"))
    assert jsontext.dumps_compact(credential) == _stdlib(credential)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=30,
)


@given(JSON_VALUES)
def test_any_json_value_without_floats_is_written_as_the_standard_library_writes_it(
    value: Any,
) -> None:
    try:
        expected = _stdlib(value)
    except UnicodeEncodeError:  # hypothesis' text() may draw lone surrogates
        with pytest.raises(UnicodeEncodeError):
            jsontext.dumps_compact(value)
        return
    assert jsontext.dumps_compact(value) == expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_finite_floats_are_written_as_the_same_numbers(number: float) -> None:
    assert json.loads(jsontext.dumps_compact({"n": number})) == {"n": number}


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_numbers_json_has_no_spelling_for_are_refused_unless_null_is_asked_for(
    number: float,
) -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        jsontext.dumps_compact({"score": number, "note": None})
    assert jsontext.dumps_compact({"score": number}, non_finite="null") == b'{"score":null}'


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ({"big": 2**70}, b'{"big":1180591620717411303424}'),  # past 64 bits
        ({1: "a", "b": None}, b'{"1":"a","b":null}'),  # a non-string key
        ({"name": "Gaëlle 🤝"}, '{"name":"Gaëlle 🤝"}'.encode()),  # UTF-8, not \\u escapes
    ],
    ids=["big-integer", "non-string-key", "non-ascii"],
)
def test_values_only_the_standard_library_takes_are_written_by_it(
    value: Any, written: bytes
) -> None:
    assert jsontext.dumps_compact(value) == written


def test_what_is_not_json_is_refused_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        jsontext.dumps_compact({"name": "\ud800"})
    with pytest.raises(TypeError):
        jsontext.dumps_compact({"when": object()})
    with pytest.raises(TypeError):  # orjson would write a naive ISO date
        jsontext.dumps_compact({"when": datetime(2024, 1, 1)})


def test_subclasses_of_json_types_are_written_as_the_standard_library_writes_them() -> None:
    class Ordered(dict[str, Any]):
        pass

    assert jsontext.dumps_compact({"a": Ordered(b=1)}) == b'{"a":{"b":1}}'
    proxy = types.MappingProxyType({"a": 1})
    assert jsontext.dumps_compact({"m": proxy}, default=dict) == b'{"m":{"a":1}}'


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "1e400", "-1E999"])
def test_reading_refuses_numbers_json_has_not_got(text: str) -> None:
    with pytest.raises(jsontext.NotJsonNumberError, match="is not a JSON number"):
        jsontext.loads('{"scores": [1, ' + text + "]}")


def test_reading_keeps_ordinary_numbers() -> None:
    assert jsontext.loads('{"a": 1.5, "b": 1e300, "c": -0.0, "d": 12}') == {
        "a": 1.5,
        "b": 1e300,
        "c": -0.0,
        "d": 12,
    }
