"""fmcheck.Error and turning a library status into it."""

import ctypes

from . import _lib


class Error(ValueError):
    """A bad case, bad arguments or a point where a quantity is not defined.

    ``str(e)`` is the library's message (it names the file and line:column,
    the JSON path, or the point, counted from 0); ``e.status`` is the status
    code and ``e.reason`` its description ("parse error", ...).
    """

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status
        self.reason = _lib.text(_lib.lib.fmcheck_strerror(status))


def new_error():
    return _lib.Error()


def check(status, err):
    """Raise Error when a library call returned a failure status."""
    if status != 0:
        msg = err.message.decode("utf-8", "replace") or _lib.text(
            _lib.lib.fmcheck_strerror(status))
        raise Error(msg, status)


def ref(err):
    return ctypes.byref(err)
