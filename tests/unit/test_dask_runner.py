"""flows.dask_runner without a cluster: in-process batches in order, and which addresses it takes."""

from __future__ import annotations

import os

import pytest

from flows.dask_runner import check_address, run_batches


def _square_and_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def test_no_address_runs_in_process_in_input_order() -> None:
    got = run_batches(_square_and_pid, [3, 1, 2], None, name="square")
    assert [v for v, _ in got] == [9, 1, 4]
    assert {pid for _, pid in got} == {os.getpid()}
    assert run_batches(_square_and_pid, [], "local:2", name="square") == []


@pytest.mark.parametrize("address", ["local:2", "local:16", "tcp://10.0.0.5:8786", None])
def test_addresses_taken(address: str | None) -> None:
    assert check_address(address) == address


@pytest.mark.parametrize("address", ["local", "local:0", "local:two", "10.0.0.5:8786", ""])
def test_addresses_refused_with_the_forms_named(address: str) -> None:
    with pytest.raises(ValueError, match=r"local:N .* tcp://host:port"):
        check_address(address)
