"""Explorers: a figure with a control per parameter.

In a live Jupyter kernel (a reader's laptop, Binder) an explorer is a set of ipywidgets sliders that redraw the
figure. When the book is built or the notebooks are tested, the environment variable ``LOSSBOOK_STATIC_EXPLORERS``
is set to ``1`` and the explorer draws a static figure at the default values instead, so that the stored output is
deterministic and prints.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

import matplotlib.pyplot as plt

STATIC_ENV = "LOSSBOOK_STATIC_EXPLORERS"


def is_static() -> bool:
    """True when explorers must render statically (book build, notebook tests)."""
    return os.environ.get(STATIC_ENV, "") == "1"


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def explorer(
    draw: Callable[..., None],
    controls: Mapping[str, Sequence],
    *,
    defaults: Mapping[str, object] | None = None,
    figsize: tuple[float, float] | None = None,
) -> None:
    """Show ``draw`` with one slider per control.

    Args:
        draw: ``draw(fig, **values)`` draws the figure for one setting of the controls on the empty figure ``fig``.
        controls: for each keyword of ``draw``, the values its slider steps through (a short, ordered list).
        defaults: the starting value of each control; the middle of its list if not given.
        figsize: the figure size in inches; matplotlib's default if not given.

    Example:
        >>> def draw(fig, t):
        ...     ax = fig.add_subplot()
        ...     ax.plot([0, 1], [0, t])
        >>> explorer(draw, {"t": [0.5, 1.0, 2.0]})  # doctest: +SKIP
    """
    if not controls:
        raise ValueError("controls must name at least one parameter")
    start = {name: values[len(values) // 2] for name, values in controls.items()}
    start.update(defaults or {})
    for name, value in start.items():
        if name not in controls or value not in controls[name]:
            raise ValueError(f"default {name}={value!r} is not one of the values of control {name!r}")

    def render(**values) -> None:
        fig = plt.figure(figsize=figsize)
        draw(fig, **values)
        plt.show()

    if is_static():
        render(**start)
        return

    import ipywidgets as widgets
    from IPython.display import display

    sliders = {
        name: widgets.SelectionSlider(
            options=[(_label(v), v) for v in values], value=start[name], description=name, continuous_update=False
        )
        for name, values in controls.items()
    }
    display(widgets.VBox([widgets.HBox(list(sliders.values())), widgets.interactive_output(render, sliders)]))
