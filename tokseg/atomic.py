"""Replace a file so readers see the old contents or the new, never a torn file (hot-path safe).

The temp file sits beside the target (same filesystem, so the rename is
atomic), is fsynced before the rename, and is removed if anything fails;
a writer killed outright leaves only a `.NAME.*.tmp` orphan behind.
"""

from __future__ import annotations

import os
import time


def replace_file(path: str, payload: bytes, mode: int = 0o600) -> None:
    folder = os.path.dirname(path) or "."
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        try:
            os.fchmod(fd, mode)  # exact mode, whatever the umask
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and exc.filename is None:
            exc.filename = path  # os.write names no file; a full disk's message must
        raise
