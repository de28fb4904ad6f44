"""Characters to indices and back, with one boundary token that starts and ends every name."""

BOUNDARY = "."  # index 0: what a name starts after and what ends it


class Vocab:
    """The boundary token (index 0) then the characters ``chars`` (indices 1, 2, ...).

    >>> vocab = Vocab.from_names(["ann", "bo"])
    >>> vocab.chars, vocab.size, vocab.encode("nab"), vocab.decode([3, 1, 0, 2])
    ('abno', 5, [3, 1, 2], 'na')
    """

    boundary = 0

    def __init__(self, chars: str) -> None:
        if len(set(chars)) != len(chars) or BOUNDARY in chars:
            raise ValueError(f"Vocab: characters must be distinct and not {BOUNDARY!r}, "
                             f"got {chars!r}")  # fmt: skip
        self.chars = "".join(chars)
        self.index = {c: i for i, c in enumerate(self.chars, 1)}

    @classmethod
    def from_names(cls, names) -> "Vocab":
        """The sorted characters that ``names`` use."""
        return cls("".join(sorted(set().union(*map(set, names)))))

    @property
    def size(self) -> int:
        return len(self.chars) + 1

    def encode(self, name: str) -> list[int]:
        """The indices of ``name``'s characters (no boundary tokens)."""
        try:
            return [self.index[c] for c in name]
        except KeyError as error:
            raise ValueError(f"Vocab.encode: {error.args[0]!r} in {name!r} is not one of the "
                             f"characters {self.chars!r}") from None  # fmt: skip

    def decode(self, ids) -> str:
        """The name spelt by ``ids`` up to the first boundary token (a leading one is skipped)."""
        ids = [int(i) for i in ids]
        if ids and ids[0] == self.boundary:
            ids = ids[1:]
        if self.boundary in ids:
            ids = ids[: ids.index(self.boundary)]
        if any(not 0 < i < self.size for i in ids):
            raise ValueError(f"Vocab.decode: indices must be in 0..{self.size - 1}, got {ids}")
        return "".join(self.chars[i - 1] for i in ids)

    def __repr__(self) -> str:
        return f"Vocab({self.chars!r})"
