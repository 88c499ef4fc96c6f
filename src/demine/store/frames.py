"""Query results as pandas frames, built column by column.

Handing SQLAlchemy rows to pandas one by one makes it probe each row's attributes; for 100,000
rows that costs a second, transposing them first costs a few milliseconds.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection


def query_frame(conn: Connection, query: Any) -> pd.DataFrame:
    """The rows of a query as a DataFrame with the query's column names."""
    result = conn.execute(query)
    keys = list(result.keys())
    rows = result.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(keys)
    return pd.DataFrame({k: list(c) for k, c in zip(keys, columns, strict=True)}, columns=keys)
