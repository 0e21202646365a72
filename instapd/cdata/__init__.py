"""CData compatibility: the stored procedures (:mod:`~instapd.cdata.procedures`), the system
tables ``sys_*`` (:mod:`~instapd.cdata.systables`), and ``tables()``/``describe()``, the same
facts as DataFrames (:mod:`~instapd.cdata.info`). CData's column names stay with the catalog
(:mod:`instapd.catalog.names`): the layers below read them.

Importing this package loads none of its modules.
"""

__all__: list[str] = []
