"""Signals become stop requests inside the context, and only the first one."""

import os
import signal

import pytest

from aegan.preemption import Preempted, StopRequests


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_is_recorded_and_the_next_one_acts_as_before(sig):
  before = signal.getsignal(sig)
  with StopRequests() as stop:
    assert stop.requested is None
    os.kill(os.getpid(), sig)
    assert stop.requested == sig.name
    assert signal.getsignal(sig) is before  # A second signal would not be swallowed.
  assert signal.getsignal(sig) is before


def test_handlers_are_restored_when_no_signal_came():
  before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
  with StopRequests():
    assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
  assert {sig: signal.getsignal(sig) for sig in before} == before


def test_the_message_says_where_and_how_to_resume():
  message = str(Preempted("SIGTERM", 1200, "runs/x"))
  assert message == ("stopped by SIGTERM at step 1200: checkpoint saved in runs/x; run the same "
                     "command again to resume from it")
