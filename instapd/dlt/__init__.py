"""A dlt source: Instagram tables into any dlt destination (DuckDB, BigQuery, Snowflake...).

``instagram_source(tables=[...], account=...)`` has one resource per table, named after it
(dlt writes ``MediaInsights`` as ``media_insights``). Each resource loads with the ``merge``
write disposition on the table's primary key, so a second run updates rows instead of adding
them; a table with a time column reads incrementally from the last run's cursor (the rows at
the cursor are deduplicated on the key); the column types come from the catalog's dtypes, and a
column the catalog gains is added to the destination table (dlt's schema evolution). The rows
are :func:`instapd.read_instagram`'s, batched across accounts. Needs ``pip install
"instapd[dlt]"``::

    import dlt
    from instapd.dlt import instagram_source

    pipeline = dlt.pipeline("instagram", destination="duckdb", dataset_name="instagram")
    pipeline.run(instagram_source(["Media", "MediaInsights"], account="all"))
"""

from .source import DEFAULT_TABLES, DLT_TYPES, Load, instagram_source, load_of

__all__ = ["DEFAULT_TABLES", "DLT_TYPES", "Load", "instagram_source", "load_of"]
