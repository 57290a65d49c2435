"""Reproducible fault injection for the sandbox: which fault, if any, a request gets.

One ``Faults`` configuration serves both sides of the sandbox. A kind has a rate (probability
per request, decided by a hash of seed, kind, path and how many times that path was fetched
before, so a rerun sees the same faults) and/or a list of ids faulted on every fetch. The ids
name what a request is about: ``tt90000001`` (an IMDb title page, or TMDb's ``find`` of that
id) or ``tmdb:603`` (TMDb's ``/3/movie/603`` and its sub-resources).

Each side uses the kinds that make sense for it, in ``FAULT_KINDS`` order (the first that
fires wins): IMDb pages ``IMDB_FAULT_KINDS``, the TMDb API ``TMDB_FAULT_KINDS``; a kind of
the other side is ignored.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = (
    "reset",
    "status401",
    "status403",
    "status429",
    "status503",
    "waf",
    "captcha",
    "consent",
    "badjson",
    "truncate",
    "unknown_layout",
    "empty_mlt",
    "slow",
)
IMDB_FAULT_KINDS = (
    "reset",
    "status403",
    "status429",
    "status503",
    "waf",
    "captcha",
    "consent",
    "truncate",
    "unknown_layout",
    "empty_mlt",
    "slow",
)
TMDB_FAULT_KINDS = (
    "reset",
    "status401",
    "status403",
    "status429",
    "status503",
    "badjson",
    "truncate",
    "slow",
)
_FAULT_ID = re.compile(r"tt\d{7,8}|tmdb:\d+")


@dataclass(frozen=True)
class Faults:
    """Which faults to inject. ``rates``: kind -> probability per request (0..1);
    ``ids``: kind -> ids (``tt…`` or ``tmdb:N``) faulted on every fetch; ``slow_seconds``:
    delay of ``slow``."""

    rates: Mapping[str, float] = field(default_factory=dict)
    ids: Mapping[str, frozenset[str]] = field(default_factory=dict)
    slow_seconds: float = 2.0

    def __post_init__(self) -> None:
        for kind, rate in self.rates.items():
            _check_kind(kind)
            if not isinstance(rate, int | float) or not 0.0 <= rate <= 1.0:
                raise ValueError(f"invalid rate for fault {kind!r}: {rate!r}: expecting 0..1")
        ids = {}
        for kind, tids in self.ids.items():
            _check_kind(kind)
            if isinstance(tids, str):
                raise ValueError(f"ids for fault {kind!r} must be a list of ids, not a string")
            ids[kind] = frozenset(tids)
            for tid in ids[kind]:
                if not isinstance(tid, str) or not _FAULT_ID.fullmatch(tid):
                    raise ValueError(
                        f"invalid id {tid!r} for fault {kind!r}: expecting an IMDb id "
                        "(tt90000001) or a TMDb movie id (tmdb:603)"
                    )
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "rates", {k: float(v) for k, v in self.rates.items() if v})
        if not self.slow_seconds >= 0:
            raise ValueError(f"invalid slow_seconds {self.slow_seconds!r}: expecting >= 0")

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Faults:
        unknown = set(doc) - {"rates", "ids", "slow_seconds"}
        if unknown:
            raise ValueError(
                f"unknown fault settings {sorted(unknown)}: expecting rates, ids, slow_seconds"
            )
        return cls(
            rates=dict(doc.get("rates") or {}),
            ids={k: frozenset(v) for k, v in (doc.get("ids") or {}).items()},
            slow_seconds=float(doc.get("slow_seconds", 2.0)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rates": dict(self.rates),
            "ids": {k: sorted(v) for k, v in self.ids.items()},
            "slow_seconds": self.slow_seconds,
        }

    def __bool__(self) -> bool:
        return bool(self.rates) or any(self.ids.values())

    def pick(
        self, seed: int, key: str, path: str, nth: int, kinds: Iterable[str] = IMDB_FAULT_KINDS
    ) -> str | None:
        """The fault to serve for the ``nth`` (0-based) fetch of ``path`` (about ``key``, a
        ``tt`` id or ``tmdb:N``), among ``kinds``, or None."""
        for kind in kinds:
            if key in self.ids.get(kind, ()):
                return kind
            rate = self.rates.get(kind)
            if rate and unit(f"{seed}\x00{kind}\x00{path}\x00{nth}") < rate:
                return kind
        return None


def _check_kind(kind: str) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault {kind!r}: expecting one of {', '.join(FAULT_KINDS)}")


def unit(key: str) -> float:
    """A reproducible number in [0, 1) from ``key``."""
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def parse_id_list(text: str) -> list[str]:
    """``"tt1,tmdb:2"`` -> ``["tt1", "tmdb:2"]`` (CLI helper)."""
    return [t.strip() for t in text.split(",") if t.strip()]
