"""A PEP 249 (DB-API 2.0) module over :func:`instapd.sql`, named and configured like the CData
connector's: ``connect("OAuthAccessToken=...;BusinessAccountId=...")``.

>>> from instapd.sql import dbapi
>>> dbapi.apilevel, dbapi.paramstyle
('2.0', 'qmark')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd

from .. import errors
from ..api import Connection as _Instapd
from ..api import connect as _connect

apilevel = "2.0"
#: Threads may share the module, not connections: open one per thread.
threadsafety = 1
paramstyle = "qmark"


# -- PEP 249's exceptions, each wrapping the instapd error it came from (``__cause__``) --------


class Warning(Exception):  # PEP 249 names it so
    pass


class Error(Exception):
    pass


class InterfaceError(Error):
    pass


class DatabaseError(Error):
    pass


class DataError(DatabaseError):
    pass


class OperationalError(DatabaseError):
    pass


class IntegrityError(DatabaseError):
    pass


class InternalError(DatabaseError):
    pass


class ProgrammingError(DatabaseError):
    pass


class NotSupportedError(DatabaseError):
    pass


#: instapd's errors -> PEP 249's, most specific first.
ERROR_MAP: tuple[tuple[type[Exception], type[Error]], ...] = (
    (errors.SqlNotSupportedError, NotSupportedError),
    (errors.InvalidFilterError, DataError),
    (errors.OfflineError, OperationalError),
    (errors.NoCredentialsError, OperationalError),
    (errors.UsageError, ProgrammingError),
    (errors.InvalidParameterError, ProgrammingError),
    (errors.NotFoundError, ProgrammingError),
    (errors.GraphError, OperationalError),
    (errors.IncompleteReadError, OperationalError),
    (errors.LoginError, OperationalError),
    (errors.InstapdError, DatabaseError),
)


def translate(exc: Exception) -> Error:
    """The PEP 249 error for an instapd error (the original stays as ``__cause__``)."""
    kind = next((target for source, target in ERROR_MAP if isinstance(exc, source)), Error)
    error = kind(str(exc))
    error.__cause__ = exc
    return error


# -- type objects ------------------------------------------------------------------------------


class DBAPITypeObject:
    """Compares equal to each of the type codes it stands for."""

    def __init__(self, name: str, *codes: str) -> None:
        self.name, self.codes = name, frozenset(codes)

    def __eq__(self, other: object) -> bool:
        return other in self.codes if isinstance(other, str) else other is self

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return self.name


STRING = DBAPITypeObject("STRING", "string", "object")
BINARY = DBAPITypeObject("BINARY", "binary")
NUMBER = DBAPITypeObject("NUMBER", "integer", "float", "boolean")
DATETIME = DBAPITypeObject("DATETIME", "datetime", "date")
ROWID = DBAPITypeObject("ROWID")

Date, Time, Timestamp = dt.date, dt.time, dt.datetime


def DateFromTicks(ticks: float) -> dt.date:
    return dt.datetime.fromtimestamp(ticks, dt.UTC).date()


def TimeFromTicks(ticks: float) -> dt.time:
    return dt.datetime.fromtimestamp(ticks, dt.UTC).time()


def TimestampFromTicks(ticks: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(ticks, dt.UTC)


def Binary(value: bytes) -> bytes:
    return bytes(value)


def type_code(dtype: Any) -> str:
    """A column's type code: string, integer, float, boolean, datetime or object."""
    if isinstance(dtype, pd.StringDtype) or pd.api.types.is_string_dtype(dtype):
        return "string"
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    return "object"


# -- connections and cursors -------------------------------------------------------------------


def connect(connection_string: str | None = None, **properties: Any) -> Connection:
    """A DB-API connection from a CData connection string and/or properties (CData or python
    names, any case); the environment supplies the rest. Does no I/O."""
    try:
        return Connection(_connect(connection_string, **properties))
    except errors.InstapdError as exc:
        raise translate(exc) from exc


class Connection:
    """A DB-API connection over an :class:`instapd.Connection` (``.instapd``)."""

    Error, Warning, InterfaceError, DatabaseError = Error, Warning, InterfaceError, DatabaseError
    DataError, OperationalError, IntegrityError = DataError, OperationalError, IntegrityError
    InternalError, ProgrammingError, NotSupportedError = (
        InternalError,
        ProgrammingError,
        NotSupportedError,
    )

    def __init__(self, connection: _Instapd) -> None:
        self.instapd = connection
        self.closed = False

    def cursor(self) -> Cursor:
        self._check()
        return Cursor(self)

    def commit(self) -> None:
        """Nothing to commit: each INSERT, UPDATE or DELETE is sent when it runs."""
        self._check()

    def rollback(self) -> None:
        self._check()

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check(self) -> None:
        if self.closed:
            raise InterfaceError("The connection is closed: open a new one with dbapi.connect().")


Description = tuple[str, str, None, None, None, None, bool]


class Cursor:
    """Runs statements with :func:`instapd.sql` and hands out the rows."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.arraysize = 1
        self.description: list[Description] | None = None
        self.rowcount = -1
        self.frame: pd.DataFrame | None = None
        self._rows: Iterator[tuple[Any, ...]] = iter(())
        self.closed = False

    def execute(
        self, operation: str, parameters: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> Cursor:
        """Run one statement; ``?`` placeholders take ``parameters`` in order. After an
        INSERT, UPDATE or DELETE, ``rowcount`` is the number of rows written (status ``ok``) and
        the rows fetched are the writes' results (``id``: the new comment's id for an INSERT,
        ``status``, ``error``)."""
        self._check()
        from .run import sql

        try:
            frame = sql(operation, connection=self.connection.instapd, params=parameters)
        except errors.InstapdError as exc:
            raise translate(exc) from exc
        self._set(frame)
        return self

    def executemany(
        self, operation: str, seq_of_parameters: Sequence[Sequence[Any] | Mapping[str, Any]]
    ) -> Cursor:
        """Run the statement once per parameter set. A SELECT's last rows stay; an INSERT,
        UPDATE or DELETE goes as one write over all the sets (in batches of 50), its
        ``rowcount`` and result rows covering them all."""
        self._check()
        from .run import sql_many

        try:
            frame = sql_many(operation, self.connection.instapd, list(seq_of_parameters))
        except errors.InstapdError as exc:
            raise translate(exc) from exc
        if frame is not None:
            self._set(frame)
        return self

    def callproc(
        self, procname: str, parameters: Sequence[Any] | Mapping[str, Any] = ()
    ) -> Sequence[Any] | Mapping[str, Any]:
        """Run a CData procedure (GetOAuthAuthorizationURL, GetOAuthAccessToken,
        RefreshOAuthAccessToken). ``parameters``: a mapping by name, or values in the order of
        ``sys_procedureparameters``. The result row is fetched as usual."""
        self._check()
        from ..cdata.systables import PROCEDURES

        if isinstance(parameters, Mapping):
            named = dict(parameters)
        else:
            match = {p.lower(): p for p in PROCEDURES}.get(procname.lower())
            inputs = [p.name for p in PROCEDURES[match][1] if p.direction == "IN"] if match else []
            if len(parameters) > len(inputs):
                raise ProgrammingError(
                    f"{procname} takes at most {len(inputs)} parameters "
                    f"({', '.join(inputs) or 'none known'}), not {len(parameters)}."
                )
            named = {k: v for k, v in zip(inputs, parameters, strict=False) if v is not None}
        try:
            frame = self.connection.instapd.call(procname, **named)
        except errors.InstapdError as exc:
            raise translate(exc) from exc
        self._set(frame)
        return parameters

    def fetchone(self) -> tuple[Any, ...] | None:
        self._check_result()
        return next(self._rows, None)

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        self._check_result()
        count = self.arraysize if size is None else size
        return [row for _, row in zip(range(count), self._rows, strict=False)]

    def fetchall(self) -> list[tuple[Any, ...]]:
        self._check_result()
        return list(self._rows)

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        self._check_result()
        return self._rows

    def close(self) -> None:
        self.closed = True
        self._rows = iter(())

    def setinputsizes(self, sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        pass

    def __enter__(self) -> Cursor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _set(self, frame: pd.DataFrame) -> None:
        self.frame = frame
        self.description = [
            (str(name), type_code(dtype), None, None, None, None, True)
            for name, dtype in frame.dtypes.items()
        ]
        self.rowcount = int((frame["status"] == "ok").sum()) if _is_write(frame) else len(frame)
        self._rows = _rows(frame)

    def _check(self) -> None:
        if self.closed:
            raise InterfaceError("The cursor is closed: open a new one with connection.cursor().")
        self.connection._check()

    def _check_result(self) -> None:
        self._check()
        if self.description is None:
            raise ProgrammingError("No result to fetch: call execute() first.")


def _is_write(frame: pd.DataFrame) -> bool:
    return "write" in frame.attrs.get("instapd", {})


def _rows(frame: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """Plain Python values: None for NA, datetime for timestamps."""
    columns = [_python(frame[c]) for c in frame.columns]
    return iter(zip(*columns, strict=True)) if columns else iter(() for _ in range(len(frame)))


def _python(series: pd.Series) -> list[Any]:
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return [None if pd.isna(v) else v.to_pydatetime() for v in series]
    values = series.astype(object).tolist()
    return [None if _missing(v) else v for v in values]


def _missing(value: Any) -> bool:
    if isinstance(value, list | tuple):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
