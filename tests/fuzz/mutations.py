"""Hostile variants of a seed file, derived from a seeded ``random.Random`` (deterministic per input).

Byte level (any format): bit flips (mostly in the first 512 bytes, where headers are), truncation,
inserted garbage (NUL, invalid UTF-8, quotes), deleted or repeated spans, a BOM, empty or random
files. Structured, on the parsed seed: JSON (deep nesting, huge integers, NaN/Infinity, a value
swapped for one of another type, dropped, renamed or shuffled keys, repeated list items), CSV
(cells of text, NUL, gigantic numbers, rows of the wrong width, repeated rows), YAML (deep
nesting, tags, anchors, wrong types) and mask arguments (hostile sizes, edited or non-string
``encodedMask``, a valid mask of another size).
"""

from __future__ import annotations

import gzip
import json
import random
from collections.abc import Iterator
from typing import Any

from tests.fuzz.targets import Target, seeds

DEEP = 100_000
"""Nesting depth of the deep-nesting mutation (far over ``limits.JSON_DEPTH``)."""
DEEP_YAML = 3_000
"""Nesting of YAML's deep mutation: past Python's recursion limit, and PyYAML parses in Python (slow)."""
HUGE_DIGITS = 5_000
"""Digits of the huge-integer mutation (over ``limits.INT_DIGITS`` and Python's own 4,300)."""


def _byte_mutation(rng: random.Random, data: bytes) -> bytes:
    """One byte-level edit: flips, truncation, inserted garbage, a span deleted or repeated, a BOM."""
    n = len(data)
    op = rng.randrange(9)
    if op == 0 and n:  # flip bits in a few bytes (headers: the first 512 bytes get most)
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(min(n, 512)) if rng.random() < 0.5 else rng.randrange(n)
            out[i] ^= 1 << rng.randrange(8)
        return bytes(out)
    if op == 1:  # truncate
        return data[: rng.randrange(n + 1)]
    if op == 2:  # insert garbage
        i = rng.randrange(n + 1)
        junk = rng.choice([b"\x00", b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b'"', b"\\", b"\n", b"\r"])
        junk = junk * rng.randint(1, 4) if rng.random() < 0.7 else rng.randbytes(rng.randint(1, 32))
        return data[:i] + junk + data[i:]
    if op == 3 and n:  # delete a span
        i = rng.randrange(n)
        return data[:i] + data[i + rng.randint(1, 64) :]
    if op == 4 and n:  # repeat a span
        i = rng.randrange(n)
        j = min(n, i + rng.randint(1, 256))
        return data[:j] + data[i:j] * rng.randint(1, 8) + data[j:]
    if op == 5:
        return b"\xef\xbb\xbf" + data
    if op == 6:
        return rng.choice([b"", b"\x00" * 16, b"\n", rng.randbytes(rng.randint(1, 256))])
    if op == 7 and n:  # overwrite a byte with a random one
        out = bytearray(data)
        out[rng.randrange(n)] = rng.randrange(256)
        return bytes(out)
    return data + rng.choice([b"\x00", b"garbage", b"\xff", b"]", b"}", b",,,,\n"])


# Special JSON tokens, put into the document as placeholder strings and spliced in after dumping.
_SPECIAL = {
    "deep_list": "[" * DEEP + "]" * DEEP,
    "deep_dict": '{"a":' * DEEP + "1" + "}" * DEEP,
    "deep_open": "[" * DEEP,
    "huge_int": "9" * HUGE_DIGITS,
    "huge_neg": "-" + "1" * HUGE_DIGITS,
    "nan": "NaN",
    "inf": "Infinity",
    "ninf": "-Infinity",
    "big_exp": "1e999",
    "tiny": "-1e-999",
    "int64_over": str(2**64),
    "ten_e18": "1e18",
}


def _nodes(doc: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    yield path, doc
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _nodes(v, (*path, i))


def _replace(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value
    return doc


_OTHER_TYPES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    1.5,
    -(2**63),
    2**63,
    "",
    "x",
    "1",
    "1e5",
    "true",
    "\u0000",
    [],
    [1, 2],
    {},
    {"a": 1},
    "../../etc/passwd",
    10**12,
    -(10**12),
    0.0,
    1e308,
)


def _json_mutation(rng: random.Random, doc: Any) -> bytes:
    """Edit one node of a parsed JSON document, then serialise it (special tokens spliced in)."""
    nodes = list(_nodes(doc))
    path, node = rng.choice(nodes)
    op = rng.randrange(6)
    placeholder = None
    if op == 0:  # a special token: deep nesting, huge numbers, NaN / Infinity
        placeholder = rng.choice(list(_SPECIAL))
        doc = _replace(doc, path, f"\x01{placeholder}\x01")
    elif op == 1:  # a value of another type, from the document itself or the stock list
        pool = [n for _, n in nodes if type(n) is not type(node)] or list(_OTHER_TYPES)
        pick = rng.choice(pool) if rng.random() < 0.5 else rng.choice(_OTHER_TYPES)
        doc = _replace(doc, path, json.loads(json.dumps(pick)))
    elif op == 2 and isinstance(node, dict) and node:  # drop or rename a key
        key = rng.choice(list(node))
        value = node.pop(key)
        if rng.random() < 0.5:
            node[rng.choice(["", "x", key.upper(), key + "_", "-1", "99999999999999999999"])] = value
    elif op == 3 and isinstance(node, dict):  # shuffle keys
        items = list(node.items())
        rng.shuffle(items)
        doc = _replace(doc, path, dict(items))
    elif op == 4 and isinstance(node, list) and node:  # repeat, drop or reorder list items
        choice = rng.randrange(3)
        if choice == 0:
            node.extend(node[: rng.randint(1, 3)])
        elif choice == 1:
            del node[rng.randrange(len(node))]
        else:
            rng.shuffle(node)
    elif isinstance(node, int | float) and not isinstance(node, bool):  # numbers: edge values
        doc = _replace(doc, path, rng.choice([0, -1, -node, node * 10**9, 2**31, 2**63, 1e308, -0.0, 0.5]))
    elif isinstance(node, str):  # strings: edge values
        doc = _replace(doc, path, rng.choice(["", node * 50, "\ud800", "\x00", "-1", "1" * 30, node[::-1]]))
    else:
        doc = _replace(doc, path, rng.choice(_OTHER_TYPES))
    text = json.dumps(doc, allow_nan=True)
    if placeholder is not None:
        text = text.replace(f'"\\u0001{placeholder}\\u0001"', _SPECIAL[placeholder])
    return text.encode("utf-8", "surrogatepass")


_CELLS = (
    "",
    "abc",
    "nan",
    "inf",
    "-inf",
    "1e999",
    "9" * 30,
    "9" * HUGE_DIGITS,
    "-" + "1" * 25,
    "\x00",
    "1\x002",
    '"',
    '"unterminated',
    "1.5",
    "0x10",
    "1_000",
    "  7  ",
    "+3",
    "-0",
    "721.0",
    "721.5",
    "٣",
    "1e18",
    str(2**63),
    str(-(2**63) - 1),
)


def _csv_mutation(rng: random.Random, text: str) -> bytes:
    """Edit a CSV as rows of cells: a cell replaced, a cell added or dropped, the header edited."""
    lines = text.splitlines()
    if not lines:
        return rng.choice(_CELLS).encode("utf-8", "surrogatepass")
    rows = [line.split(",") for line in lines]
    r = rng.randrange(len(rows)) if rng.random() < 0.85 else 0
    row = rows[r]
    op = rng.randrange(5)
    if op <= 1:
        row[rng.randrange(len(row))] = rng.choice(_CELLS)
    elif op == 2:
        row.insert(rng.randrange(len(row) + 1), rng.choice(_CELLS))
    elif op == 3 and len(row) > 1:
        del row[rng.randrange(len(row))]
    else:  # duplicate rows, or a row of the wrong width far down
        rows.extend(rows[1:] * rng.randint(1, 20) if rng.random() < 0.5 else [[rng.choice(_CELLS)]])
    out = "\n".join(",".join(cells) for cells in rows) + "\n"
    data = out.encode("utf-8")
    if rng.random() < 0.15:
        data = _byte_mutation(rng, data)
    return data


def _yaml_mutation(rng: random.Random, text: str) -> bytes:
    """Edit one ``key: value`` line of a YAML file: deep nesting, huge numbers, tags, anchors, wrong types."""
    lines = text.splitlines()
    i = rng.randrange(len(lines)) if lines else 0
    values = [
        "[" * DEEP_YAML + "]" * DEEP_YAML,
        "[" * DEEP_YAML,
        "9" * HUGE_DIGITS,
        ".nan",
        ".inf",
        "-.inf",
        "!!python/object/apply:os.system ['true']",
        "&a [*a]",
        "*undefined",
        "{a: 1",
        "0",
        "-16",
        "null",
        "[1, 2]",
        "{}",
        "'32'",
        "1e999",
        "true",
        "0x20",
        "\t",
    ]
    if lines and ":" in lines[i]:
        key = lines[i].split(":", 1)[0]
        lines[i] = f"{key}: {rng.choice(values)}"
    else:
        lines.insert(i, f"{rng.choice(['fps', 'inference_config', 'x'])}: {rng.choice(values)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


_DIMS: tuple[Any, ...] = (
    0,
    -1,
    -5,
    1,
    2**31,
    2**32 + 6,
    2**63,
    10**12,
    1e308,
    0.5,
    6.0,
    "6",
    None,
    [6],
    True,
    1e999,
)


def _mask_mutation(rng: random.Random, seed: dict[str, Any]) -> bytes:
    """Hostile ``decode_mask`` arguments: an edited encodedMask string, hostile sizes, wrong types."""
    doc = dict(seed)
    for _ in range(rng.randint(1, 2)):
        op = rng.randrange(4)
        if op == 0:
            doc[rng.choice(["height", "width"])] = rng.choice(_DIMS)
        elif op == 1:
            mask = doc["encodedMask"]
            raw = _byte_mutation(rng, mask.encode("utf-8", "surrogatepass") if isinstance(mask, str) else b"")
            doc["encodedMask"] = raw.decode("latin-1")
        elif op == 2:
            doc["encodedMask"] = rng.choice([None, 5, [], "", " ", "%%%", "A" * 10_000, "\ud800", "\x00"])
        else:  # a valid mask of another size: its runs cover another number of pixels
            import numpy as np

            from egoexo_kit.release import encode_mask

            h, w = rng.randint(1, 9), rng.randint(1, 9)
            doc["encodedMask"] = encode_mask(np.random.default_rng(rng.randrange(1000)).random((h, w)) > 0.5)
    return json.dumps(doc, allow_nan=True).encode("utf-8", "surrogatepass")


def mutate(target: Target, rng: random.Random) -> bytes:
    """One hostile variant of one of ``target``'s seeds, chosen and edited by ``rng``."""
    seed = rng.choice(seeds(target))
    content = gzip.decompress(seed) if target.gzip else seed
    structured = target.kind != "bytes" and rng.random() < 0.75
    if target.kind == "mask":
        out = _mask_mutation(rng, json.loads(content))
    elif not structured:
        out = _byte_mutation(rng, content)
        if rng.random() < 0.3:
            out = _byte_mutation(rng, out)
    elif target.kind == "json":
        out = _json_mutation(rng, json.loads(content))
    elif target.kind == "jsonl":
        lines = content.decode().splitlines()
        i = rng.randrange(len(lines))
        lines[i] = _json_mutation(rng, json.loads(lines[i])).decode("utf-8", "surrogatepass")
        out = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
    elif target.kind == "csv":
        out = _csv_mutation(rng, content.decode())
    else:
        out = _yaml_mutation(rng, content.decode())
    if target.gzip and rng.random() < 0.8:
        out = gzip.compress(out, mtime=0)
    return out
