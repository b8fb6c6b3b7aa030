"""Qt + asyncio in tests: the console's hub client runs on a qasync loop, so
Qt events (repaints, signals, timers) and network I/O share one thread, just
as in the app.

``arun(coro)`` runs a coroutine on that loop (Qt events are processed while
it waits); inside it, ``await until(lambda: ...)`` polls a condition. An
exception raised inside any asyncio task or callback fails the test (the loop
exception handler of qasync's own tests)."""
from __future__ import annotations

import asyncio
import concurrent.futures
from typing import Callable

import pytest
import qasync


async def until(pred: Callable[[], object], timeout: float = 10.0, what: str = "") -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not pred():
        if loop.time() > end:
            raise TimeoutError(f"timed out waiting for {what or pred}")
        await asyncio.sleep(0.02)


@pytest.fixture
def qloop(qapp, qtbot):
    """A qasync loop that never calls ``app.exec()``/``app.exit()``: qasync's
    ``run_until_complete`` ends with ``QApplication.exit()``, which emits
    ``aboutToQuit``, and QtWebEngine shuts its whole context down on that —
    any web page alive in the process (the map's, from an earlier test) then
    crashes the next ``exit()`` (seen as segfaults in qasync's ``stop``). So
    the loop is built "already running" and ``arun`` pumps Qt events with
    qtbot while a coroutine runs, as the map panel does in the app."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    executor = concurrent.futures.ThreadPoolExecutor(2, thread_name_prefix="test-loop")
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    errors: list[dict] = []

    def handler(_loop, context):
        errors.append(context)
    loop.set_exception_handler(handler)
    loop.run = lambda coro, timeout=60.0: _pump(qtbot, loop, coro, timeout)
    yield loop
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for t in pending:
        t.cancel()
    if pending:
        qtbot.waitUntil(lambda: all(t.done() for t in pending), timeout=5000)
    _pump(qtbot, loop, loop.shutdown_asyncgens(), 5.0)
    executor.shutdown(wait=True)
    asyncio.events._set_running_loop(None)   # the loop set itself running for this thread
    asyncio.set_event_loop(None)
    assert not errors, f"exceptions in asyncio callbacks: {errors}"


def _pump(qtbot, loop, coro, timeout: float):
    task = loop.create_task(coro)
    try:
        qtbot.waitUntil(task.done, timeout=int(timeout * 1000))
    finally:
        if not task.done():
            task.cancel()
            qtbot.waitUntil(task.done, timeout=5000)
    return task.result()


@pytest.fixture
def arun(qloop):
    """``arun(coro, timeout=60)``: run a coroutine on the loop, Qt events pumped."""
    return qloop.run


@pytest.fixture
def live_console(hub, arun):
    """``live_console(settings, user="demo-dispatcher")``: an AppContext whose
    HubClient is logged in to the loopback hub with the snapshot applied.
    Closed at the end, its Qt objects deleted on this (the GUI) thread."""
    import shiboken6

    from console.client import Credentials, HubClient
    from console.context import AppContext
    from console.qtstore import StoreAdapter
    from console.store import LiveStore
    made = []

    def make(settings, user: str = "demo-dispatcher"):
        store = LiveStore()
        client = HubClient(hub.url, Credentials(user=user, password="demo"), store,
                           backoff_min=0.05, backoff_max=0.3)

        async def start():
            client.start()
            await client.wait_connected()
            await until(lambda: store.seq is not None, what="snapshot")
        arun(start())
        ctx = AppContext(store, StoreAdapter(store), settings, client=client, hub_url=hub.url)
        made.append(ctx)
        return ctx
    yield make
    for ctx in made:
        arun(ctx.client.close())
        ctx.adapter.close()
        shiboken6.delete(ctx.adapter)
        shiboken6.delete(ctx.bus)
