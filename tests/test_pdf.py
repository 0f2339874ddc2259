"""The print edition, `_build/latex/lossbook.pdf` (`make pdf`, which `make test` runs first), read with poppler."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "_build" / "latex" / "lossbook.pdf"
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
PAGES = [ROOT / entry["file"] for part in TOC["parts"] for entry in part["chapters"]]


def poppler(*command):
    if not shutil.which(command[0]):
        pytest.fail(f"{command[0]} is missing: `apt-get install poppler-utils` (.ci/run installs it)")
    if not PDF.is_file():
        pytest.fail("the PDF is not built: run `make pdf` (make test does it first)")
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def text():
    # As one line: a title broken over two lines still reads as one phrase.
    return " ".join(poppler("pdftotext", PDF, "-").split())


def markdown(path):
    if path.with_suffix(".md").exists():
        return path.with_suffix(".md").read_text()
    cells = json.loads(path.with_suffix(".ipynb").read_text())["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_every_part_and_chapter_is_printed(text):
    for caption in (part["caption"] for part in TOC["parts"]):
        assert caption in text
    for path in PAGES:
        title = re.search(r"^# (.+)$", markdown(path), flags=re.M).group(1).replace("`", "")
        # once in the table of contents, once (in capitals) as the chapter's heading
        assert text.lower().count(title.lower()) >= 2, title


def test_every_figure_is_printed():
    outputs = [
        output
        for path in PAGES
        if path.with_suffix(".ipynb").exists()
        for cell in json.loads(path.with_suffix(".ipynb").read_text())["cells"]
        for output in cell.get("outputs", [])
        if "image/png" in output.get("data", {})
    ]
    images = [line for line in poppler("pdfimages", "-list", PDF).splitlines()[2:] if line.split()[2] == "image"]
    assert len(images) == len(outputs)


def test_nothing_runs_off_the_page():
    """Long code lines wrap: every word lies inside the page, half an inch or more from its edges."""
    word = re.compile(r'<word xMin="([\d.-]+)" yMin="[\d.-]+" xMax="([\d.-]+)"[^>]*>([^<]*)<')
    for page in poppler("pdftotext", "-bbox", PDF, "-").split("<page ")[1:]:
        width = float(re.match(r'width="([\d.]+)"', page)[1])
        for x_min, x_max, text in word.findall(page):
            assert 36 <= float(x_min) and float(x_max) <= width - 36, f"{text!r} runs into the margin"


def test_expected_knowledge_prints_every_question_with_its_answer(text):
    questions = set(re.findall(r"(?<!to )Exercise (\d+(?:\.\d+)+)", text))
    answers = set(re.findall(r"Solution to Exercise (\d+(?:\.\d+)+)", text))
    assert questions
    assert questions == answers


def test_bibliography_is_printed(text):
    assert "BIBLIOGRAPHY" in text
    assert re.search(r"\[[A-Z][A-Za-z+]*\d\d\] [A-Z]", text), "no bibliography entry"


@pytest.mark.parametrize(
    "leftover",
    [
        "(children=",  # a widget's text, as interactive(children=...) or VBox(children=...)
        "Loading widget",
        "<explorer over",
        "<div",
        "<script",
        "{glue",
        "{cite",
        "$$",
        "\\begin",
    ],
)
def test_no_widget_text_or_unrendered_markup(text, leftover):
    assert leftover not in text
