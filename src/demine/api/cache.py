"""Pages of features served from memory, for the reads GIS clients and the map make most.

A `bbox` page of a collection is answered from the features' GeoJSON text and envelopes kept in
each worker, instead of reading, decoding and writing them again for every request. The cache
follows the audit log, which every write appends to: when it has grown, the records the new
entries name are read again (an entry it cannot place, or a shrunken log, rebuilds the layer), so
a page never lags behind a committed change.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, func, select

from demine.api import features as fx
from demine.api.collections import Collection
from demine.store import Store
from demine.store.schema import audit_log


@dataclass
class Layer:
    """One collection's features: text, envelopes and a tree over them, in row order."""

    seq: int
    fids: list[int]
    keys: list[Any]
    texts: list[str]
    bounds: NDArray[np.float64]
    tree: shapely.STRtree

    @classmethod
    def of(cls, seq: int, fids: list[int], keys: list[Any], texts: list[str],
           bounds: list[Any]) -> Layer:
        order = np.argsort(np.asarray(fids, dtype=np.int64), kind="stable")
        box = np.asarray(bounds, dtype=float).reshape(-1, 4)[order]
        boxes = shapely.box(box[:, 0], box[:, 1], box[:, 2], box[:, 3])
        return cls(seq, [fids[i] for i in order], [keys[i] for i in order],
                   [texts[i] for i in order], box, shapely.STRtree(boxes))


def _read(conn: Connection, coll: Collection, condition: Any = None
          ) -> tuple[list[int], list[Any], list[str], list[Any]]:
    rows = fx.rows_where(conn, coll, condition if condition is not None else True)
    bounds: list[Any] = []
    texts = fx.feature_texts(conn, coll, rows, frozenset(), bounds)
    key = coll.key.name
    keys = [r._mapping[key] if key != "fid" else r[0] for r in rows]
    return [int(r[0]) for r in rows], keys, texts, bounds


class FeatureCache:
    """Per-worker pages of features, kept in step with the audit log."""

    def __init__(self) -> None:
        self.layers: dict[str, Layer] = {}
        self.lock = threading.Lock()

    def warm(self, store: Store, coll: Collection) -> None:
        """Read a layer now rather than in the first visitor's request."""
        with store.read() as conn:
            self.layer(conn, coll)

    def layer(self, conn: Connection, coll: Collection) -> Layer:
        seq = int(conn.execute(select(func.max(audit_log.c.seq))).scalar() or 0)
        current = self.layers.get(coll.id)
        if current is not None and current.seq == seq:
            return current
        with self.lock:
            current = self.layers.get(coll.id)
            if current is None or current.seq > seq:
                current = Layer.of(seq, *_read(conn, coll))
            elif current.seq < seq:
                current = self._refresh(conn, coll, current, seq)
            self.layers[coll.id] = current
            return current

    def _refresh(self, conn: Connection, coll: Collection, layer: Layer, seq: int) -> Layer:
        """The layer with the records named by newer audit entries read again."""
        entries = conn.execute(select(audit_log.c.action, audit_log.c.record, audit_log.c.after)
                               .where(audit_log.c.seq > layer.seq, audit_log.c.seq <= seq,
                                      audit_log.c.entity == coll.id)).all()
        if not entries:
            return Layer(seq, layer.fids, layer.keys, layer.texts, layer.bounds, layer.tree)
        if coll.key.name != "code":
            return Layer.of(seq, *_read(conn, coll))
        codes: set[str] = set()
        for action, record, after in entries:
            if action == "import":
                codes.update(json.loads(after or "{}").get("records", []))
            else:
                codes.add(record)
        fids, keys, texts, bounds = _read(conn, coll, coll.key.in_(sorted(codes)))
        keep = [i for i, k in enumerate(layer.keys) if k not in codes]
        return Layer.of(seq, [layer.fids[i] for i in keep] + fids,
                        [layer.keys[i] for i in keep] + keys,
                        [layer.texts[i] for i in keep] + texts,
                        list(layer.bounds[keep]) + bounds)

    def page(self, conn: Connection, coll: Collection, bbox: tuple[float, float, float, float]
             | None, limit: int, offset: int) -> tuple[int, list[str]]:
        """(numberMatched, the page's feature texts) of a bbox query, in row order."""
        layer = self.layer(conn, coll)
        if bbox is None:
            hits = np.arange(len(layer.texts))
        else:
            hits = np.sort(layer.tree.query(shapely.box(*bbox)))
        chosen = hits[offset:offset + limit]
        return len(hits), [layer.texts[i] for i in chosen]
