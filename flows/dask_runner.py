"""Heavy steps spread as Prefect tasks on Dask (prefect-dask), or run in-process in order.

An address is None (in-process: the embedded default), `local:N` (a LocalCluster of N worker
processes on 127.0.0.1, started and stopped by the call, or once for a whole run inside
`cluster()`), or `tcp://host:port` (a standing `dask scheduler`). The task runner always gets
an address, never a cluster object: a cluster object fails to serialise (PrefectHQ/prefect#17754).
`fn` and the batches must pickle: module-level functions and plain data. Batches are few (tens a
run): thousands of tiny tasks have hung scheduling (PrefectHQ/prefect#12877).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import socket
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Seconds to reach a scheduler before the run ends blocked (Dask's own default is 30 s).
CONNECT_TIMEOUT_S = 10
_LOCAL = re.compile(r"local:([1-9][0-9]?)")
# The scheduler address of the LocalCluster a run holds open (see cluster()).
_held: ContextVar[dict[str, str] | None] = ContextVar("hkam_dask_held", default=None)


class ClusterError(RuntimeError):
    """The Dask cluster could not be reached or lost the work; the message says which and why."""


def check_address(address: str | None) -> str | None:
    """The address if hkam can use it (None, local:N, tcp://host:port), else a ValueError."""
    if address is None or _LOCAL.fullmatch(address) or address.startswith("tcp://"):
        return address
    raise ValueError(
        f"Dask address {address!r}: give local:N (N worker processes on this machine, e.g. "
        "local:2) or a scheduler's tcp://host:port"
    )


@contextlib.contextmanager
def cluster(address: str | None) -> Iterator[str | None]:
    """For the length of a run: a `local:N` address starts its LocalCluster once, and every
    run_batches inside uses it; other addresses pass through unchanged."""
    address = check_address(address)
    if address is None or not address.startswith("local:"):
        if address is not None:
            probe(address)
        yield address
        return
    with _local_cluster(address) as scheduler:
        held = {**(_held.get() or {}), address: scheduler}
        token = _held.set(held)
        try:
            yield scheduler
        finally:
            _held.reset(token)


def probe(address: str) -> None:
    """Connect to the scheduler once, so a run whose cluster is not there stops before any
    work, with a ClusterError that names the address; and say when it has no workers."""
    from distributed import Client

    connect: Any = Client  # distributed's Client is untyped
    host, _, port = address.removeprefix("tcp://").rpartition(":")
    try:
        # A plain TCP connect first: a closed port is refused at once, where Dask's client
        # retries until its timeout.
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
        with connect(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False) as client:
            workers = len(client.scheduler_info().get("workers", {}))
    except (OSError, ValueError) as exc:  # refused, timed out (OSError), or a bad port number
        raise ClusterError(_unreachable(address, exc)) from exc
    if not workers:
        raise ClusterError(
            f"the Dask scheduler at {address} has no workers: start some (`dask worker "
            f"{address}`) or run without --dask"
        )


def _unreachable(address: str, exc: BaseException) -> str:
    """Why a run stopped at an unreachable scheduler, and what to do."""
    return (
        f"the Dask scheduler at {address} could not be reached ({exc}); start it "
        "(`dask scheduler`) or run without --dask"
    )


@contextlib.contextmanager
def _local_cluster(address: str) -> Iterator[str]:
    """A LocalCluster of N single-threaded worker processes on 127.0.0.1; yields its address."""
    from distributed import LocalCluster

    match = _LOCAL.fullmatch(address)
    assert match is not None  # check_address let it through
    # The in-process scheduler's INFO lines (workers joining, clients connecting) would bury the
    # run's own progress lines on the terminal; its warnings and errors still show.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    with LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=int(match.group(1)),
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # no dashboard on a fixed port (8787 may be taken)
    ) as local:
        yield str(local.scheduler_address)


def run_batches(
    fn: Callable[[T], R], batches: Sequence[T], address: str | None, *, name: str
) -> list[R]:
    """fn over every batch, results in input order: in-process without an address, else each
    batch a Prefect task named `name` on DaskTaskRunner(address=…)."""
    address = check_address(address)
    if address is None:
        return [fn(batch) for batch in batches]
    if not batches:
        return []
    held = (_held.get() or {}).get(address)
    if held is not None:
        return _on_dask(fn, batches, held, name)
    if address.startswith("local:"):
        with cluster(address) as scheduler:
            assert scheduler is not None
            return _on_dask(fn, batches, scheduler, name)
    return _on_dask(fn, batches, address, name)


def _on_dask(fn: Callable[[T], R], batches: Sequence[T], address: str, name: str) -> list[R]:
    """Submit one Prefect task per batch to the scheduler at `address` and wait for all."""
    from prefect import task
    from prefect.cache_policies import NO_CACHE
    from prefect_dask.task_runners import DaskTaskRunner

    # No Prefect retries: Dask itself reruns a task whose worker died (its allowed-failures).
    step = task(name=name, cache_policy=NO_CACHE, retries=0)(fn)
    runner = DaskTaskRunner(address=address, client_kwargs={"timeout": CONNECT_TIMEOUT_S})
    try:
        with _api_for_workers(), _outside_task(), runner:
            futures = [runner.submit(step, parameters=_parameters(fn, b)) for b in batches]
            return [future.result() for future in futures]
    except OSError as exc:
        raise ClusterError(_unreachable(address, exc)) from exc
    except Exception as exc:
        if type(exc).__module__.startswith("distributed"):
            raise ClusterError(f"the Dask cluster at {address} lost {name!r}: {exc}") from exc
        raise


@contextlib.contextmanager
def _outside_task() -> Iterator[None]:
    """Submit as if from the flow, not from the step's task, and name a flow the workers can
    import: the context the tasks carry to the workers holds the task's parameters (such as its
    DuckDB connection, not picklable) and the flow, which a deployment run loads from its file as
    module `nightly`, a name no worker can import."""
    from prefect.context import FlowRunContext, TaskRunContext

    task_token = TaskRunContext.__var__.set(None)  # type: ignore[arg-type]
    flow_ctx = FlowRunContext.get()
    flow_token = None
    if flow_ctx is not None and flow_ctx.flow is not None:
        stand_in = flow_ctx.model_copy(update={"flow": _stand_in(flow_ctx.flow.name)})
        flow_token = FlowRunContext.__var__.set(stand_in)
    try:
        yield
    finally:
        if flow_token is not None:
            FlowRunContext.__var__.reset(flow_token)
        TaskRunContext.__var__.reset(task_token)


@functools.cache
def _stand_in(name: str) -> Any:
    """A flow of that name whose function this module holds: what a worker's task run sees as
    its flow (the run itself is the real flow's run, by id)."""
    from prefect import Flow

    return Flow(fn=remote_parent, name=name)


def remote_parent() -> None:
    """The stand-in flow's function; never called."""


@contextlib.contextmanager
def _api_for_workers() -> Iterator[None]:
    """Workers report their task runs to this process's Prefect API. Without $PREFECT_API_URL
    that is the run's temporary server, whose URL is put in the settings the tasks carry to the
    workers: otherwise each worker would start a temporary server of its own on the same
    database file (and fail on its lock)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # the process's one temporary server (started if not yet)
    server.start()
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


def _parameters(fn: Callable[..., Any], batch: Any) -> dict[str, Any]:
    """The task's parameters: the batch under fn's first parameter name."""
    import inspect

    first = next(iter(inspect.signature(fn).parameters))
    return {first: batch}
