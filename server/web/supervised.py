"""A worker of ``wholeroom serve --workers N`` ends with the process that started it.

uvicorn's supervisor starts the workers and, on a normal stop, stops them. Killed outright
(SIGKILL, the OOM killer, a stop that ran out of patience), it runs no shutdown, and its workers
would live on: still answering on the port they inherited, with an old copy of the code, beside the
server started next. Each worker therefore waits on its parent's sentinel (ready once the parent has
gone, even if it went before this ran) and then stops itself as SIGTERM would stop it: open
websockets are closed (phones reconnect to the new server and resume) and nothing acknowledged is
lost, since an idea is acknowledged only once committed. If that has not ended the process within
``grace_s``, it exits at once. A process not started by ``multiprocessing`` (one ``wholeroom serve``,
the tests' in-process servers) has no such parent and is left alone.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time

log = logging.getLogger(__name__)

GRACE_S = 10.0


def end_with_supervisor(grace_s: float = GRACE_S) -> bool:
    """Watch the supervising process, if there is one; True when a watch was started."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return False

    def watch() -> None:
        parent.join()  # returns when the supervisor has ended, however it ended
        log.warning("the supervising process has gone: this worker (pid %d) stops", os.getpid())
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(grace_s)
        os._exit(1)

    threading.Thread(target=watch, name="wholeroom-supervisor-watch", daemon=True).start()
    return True
