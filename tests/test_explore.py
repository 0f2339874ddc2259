import base64
import html
import itertools
import json
import re

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


def show_static(monkeypatch, draw, controls=CONTROLS, **kwargs):
    """Run the explorer in static mode and return the one bundle it displays."""
    monkeypatch.setenv(explore.STATIC_ENV, "1")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append((obj, raw)))
    explore.explorer(draw, controls, **kwargs)
    ((bundle, raw),) = shown
    assert raw
    return bundle


def test_static_mode_draws_every_combination_and_the_default_for_print(monkeypatch):
    draw, calls = record_calls()
    bundle = show_static(monkeypatch, draw, defaults={"gamma": 2.0})
    assert sorted(bundle) == ["image/png", "text/html", "text/plain"]
    assert sorted(calls[:-1]) == sorted(itertools.product(CONTROLS["gamma"], CONTROLS["alpha"]))
    assert calls[-1] == (2.0, 0.5)  # the printed figure: alpha starts in the middle of its list
    assert base64.b64decode(bundle["image/png"]).startswith(b"\x89PNG")
    assert bundle["text/plain"] == "<explorer over gamma, alpha>"
    assert plt.get_fignums() == []  # every frame's figure is closed


def test_static_html_has_a_slider_per_control_frames_and_a_script(monkeypatch):
    draw, _ = record_calls()
    page = show_static(monkeypatch, draw, defaults={"gamma": 2.0}, alt="A line of slope γα.")["text/html"]
    root = re.search(r'<div class="lossbook-explorer" id="([\w-]+)">', page).group(1)
    assert f"document.getElementById({json.dumps(root)})" in page
    sliders = re.findall(r'<input type="range" min="0" max="(\d+)" step="1" value="(\d+)" data-labels="([^"]*)">', page)
    assert sliders == [("3", "2", html.escape('["0", "0.5", "2", "5"]')), ("1", "1", html.escape('["0.25", "0.5"]'))]
    assert "<output>2</output>" in page and "<output>0.5</output>" in page
    frames = json.loads(re.search(r"frames = (\{.*?\});", page).group(1))
    assert sorted(frames) == sorted(f"{i},{j}" for i in range(4) for j in range(2))
    assert all(src.startswith("data:image/png;base64,") for src in frames.values())
    (img,) = re.findall(r"<img [^>]*>", page)
    assert f'src="{frames["2,1"]}"' in img and 'alt="A line of slope γα."' in img
    assert not re.search(r'(src|href)="(https?:)?//', page), "nothing loads from outside the page"


def test_static_explorers_get_their_own_ids_and_a_default_alt(monkeypatch):
    draw, _ = record_calls()
    pages = [show_static(monkeypatch, draw)["text/html"] for _ in range(2)]
    ids = [re.search(r'id="([\w-]+)"', page).group(1) for page in pages]
    assert ids[0] != ids[1]
    assert 'alt="Figure of the explorer over gamma, alpha"' in pages[0]


def test_static_mode_refuses_too_many_frames(monkeypatch):
    draw, calls = record_calls()
    with pytest.raises(ValueError, match="8 × 8 = 64 combinations; a static explorer renders at most 60"):
        show_static(monkeypatch, draw, {"gamma": list(range(8)), "alpha": list(range(8))})
    assert calls == []


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
