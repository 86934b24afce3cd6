"""``pieces``: how a transfer splits a byte range into held blocks and ranges to fetch."""

from __future__ import annotations

from dataclasses import dataclass, field

from egoexo_kit.download._reuse import pieces

DATA = bytes(range(256)) * 40  # 10,240 bytes: blocks of 1,000, the last one 240


@dataclass
class Held:
    """Blocks of :data:`DATA` held in memory (the protocol ``download`` sees; a dict, no cache)."""

    indices: set[int]
    size: int = len(DATA)
    block: int = 1000
    checksum: None = None
    asked: list[int] = field(default_factory=list)

    def get(self, index: int, length: int) -> bytes | None:
        self.asked.append(index)
        data = DATA[index * self.block : index * self.block + length]
        return data if index in self.indices else None

    def discard(self) -> None:
        self.indices.clear()


def _rebuild(held: Held, start: int, stop: int) -> tuple[bytes, list[tuple[int, int]]]:
    out, ranges = b"", []
    for piece in pieces(held, start, stop):
        if isinstance(piece, bytes):
            out += piece
        else:
            ranges.append(piece)
            out += DATA[piece[0] : piece[1]]
    return out, ranges


def test_runs_of_missing_blocks_are_one_range_each_and_held_bytes_fill_the_rest():
    held = Held({2, 3, 7, 10})
    out, ranges = _rebuild(held, 0, len(DATA))
    assert out == DATA
    assert ranges == [(0, 2000), (4000, 7000), (8000, 10000)]  # the last, short block 10 is held


def test_a_range_that_starts_and_ends_inside_blocks_takes_only_its_bytes():
    held = Held({1, 2})
    out, ranges = _rebuild(held, 1500, 4321)  # a resumed .part, or a parallel range
    assert out == DATA[1500:4321]
    assert ranges == [(3000, 4321)]
    assert held.asked == [1, 2, 3, 4]  # one look per block, in order


def test_nothing_held_is_one_range_and_an_empty_range_is_nothing():
    assert _rebuild(Held(set()), 0, len(DATA))[1] == [(0, len(DATA))]
    assert list(pieces(Held({0}), 500, 500)) == []
