import matplotlib

matplotlib.use("Agg")

import ipywidgets
import matplotlib.pyplot as plt
import pytest

from lossbook import explore


def record_calls():
    calls = []

    def draw(fig, gamma, alpha):
        calls.append((gamma, alpha))
        fig.add_subplot().plot([0, 1], [0, gamma * alpha])

    return draw, calls


CONTROLS = {"gamma": [0.0, 0.5, 2.0, 5.0], "alpha": [0.25, 0.5]}


def test_static_mode_draws_the_defaults_once(monkeypatch):
    monkeypatch.setenv(explore.STATIC_ENV, "1")
    monkeypatch.setattr(plt, "show", lambda: None)
    draw, calls = record_calls()
    explore.explorer(draw, CONTROLS, defaults={"gamma": 2.0})
    assert calls == [(2.0, 0.5)]  # alpha starts in the middle of its list


def test_live_mode_shows_one_slider_per_control(monkeypatch):
    monkeypatch.delenv(explore.STATIC_ENV, raising=False)
    monkeypatch.setattr(plt, "show", lambda: None)
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    draw, calls = record_calls()
    explore.explorer(draw, CONTROLS)
    (box,) = shown
    sliders = box.children[0].children
    assert [s.description for s in sliders] == ["gamma", "alpha"]
    assert all(isinstance(s, ipywidgets.SelectionSlider) for s in sliders)
    sliders[0].value = 5.0  # moving a slider redraws with the new value
    assert calls[-1] == (5.0, 0.5)


def test_defaults_must_be_among_the_values():
    draw, _ = record_calls()
    with pytest.raises(ValueError, match="default gamma=3 is not one of the values"):
        explore.explorer(draw, CONTROLS, defaults={"gamma": 3})
    with pytest.raises(ValueError, match="controls must name at least one parameter"):
        explore.explorer(draw, {})
