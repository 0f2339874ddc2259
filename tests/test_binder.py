"""The Binder environment (`binder/`) installs what `requirements.txt` pins, with PyTorch's CPU build."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINDER = ROOT / "binder"


def pins(path):
    """``{name: version}`` of every ``name==version`` line; fails on any other requirement line."""
    found = {}
    for line in path.read_text().splitlines():
        if not line or line.startswith(("#", "--extra-index-url ")):
            continue
        pin = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line)
        assert pin, f"{path}: not an exact pin: {line}"
        found[pin[1].lower().replace("_", "-")] = pin[2]
    return found


def test_binder_pins_are_the_pins_of_requirements_txt_with_cpu_torch():
    root, binder = pins(ROOT / "requirements.txt"), pins(BINDER / "requirements.txt")
    assert binder.pop("torch") == root.pop("torch") + "+cpu"
    assert binder == root
    assert "jupyterlab" in binder  # the launch buttons open JupyterLab


def test_binder_takes_torch_from_the_cpu_wheel_index():
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines


def test_binder_pins_python_and_installs_lossbook():
    assert re.fullmatch(r"python-3\.(1[0-9])\n", (BINDER / "runtime.txt").read_text())
    post_build = BINDER / "postBuild"
    assert "pip install --no-deps -e ." in post_build.read_text()
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable"
