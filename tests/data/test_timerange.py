"""`times_in_range` says exactly what the per-event check says, for any event times."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from comanage_tui.data.timerange import MAX_EPOCH, MIN_EPOCH, in_range, times_in_range

TIMES = st.one_of(
    st.integers(MIN_EPOCH - 10, MAX_EPOCH + 10),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.none(),
    st.text(max_size=3),
    st.sampled_from([MIN_EPOCH, MAX_EPOCH, MIN_EPOCH - 1, MAX_EPOCH + 1]),
)


@settings(max_examples=500)
@given(st.lists(TIMES, max_size=8))
def test_the_one_pass_check_equals_the_per_event_check(times: list) -> None:
    events = [(t, "status") for t in times]
    assert times_in_range(events) == all(in_range(e[0]) for e in events)


def test_the_edges() -> None:
    assert times_in_range([]) and times_in_range([(MIN_EPOCH,), (MAX_EPOCH,)])
    assert not times_in_range([(MIN_EPOCH - 1,)]) and not times_in_range([(1, ), (MAX_EPOCH + 1,)])
    assert not times_in_range([(1,), ("2026-01-01",)])
    assert not times_in_range([(5,), (float("nan"),)]) and not times_in_range([(float("nan"),), (5,)])
