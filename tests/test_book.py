"""The book as a whole: its table of contents, the committed notebooks, and the built website.

The website checks read `_build/html`, which `make test` builds first (`make book`).
"""

import importlib
import inspect
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [entry["file"] for part in toc["parts"] for entry in part["chapters"]]


def code_cells(path):
    return [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_every_chapter_is_in_the_toc_and_every_toc_entry_exists():
    files = toc_files()
    assert sorted(f"chapters/{p.stem}" for p in CHAPTERS) == sorted(f for f in files if f.startswith("chapters/"))
    for f in files:
        assert any((ROOT / f).with_suffix(s).exists() for s in (".ipynb", ".md")), f


def test_parts_have_captions():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    assert toc["parts"][0]["caption"].startswith("Part I")
    assert all(part.get("caption") for part in toc["parts"])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_is_committed_executed_top_to_bottom_without_errors(path):
    cells = code_cells(path)
    assert [c["execution_count"] for c in cells] == list(range(1, len(cells) + 1))
    for cell in cells:
        allowed = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        assert allowed or not any(o["output_type"] == "error" for o in cell["outputs"])
    assert json.loads(path.read_text())["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_follows_the_anatomy(path):
    text = path.read_text()
    cells = code_cells(path)
    assert "use_book_style()" in "".join(cells[0]["source"]), "the first code cell sets the book's style"
    assert "```{exercise}" in text and "```{solution}" in text, "Expected knowledge questions with answers"
    assert "{glue:text}" in text, "numbers in the prose come from code (glue)"
    assert "{cite" in text, "cites its sources"
    figures = [c for c in cells if any("image/png" in o.get("data", {}) for o in c["outputs"])]
    assert len(figures) >= 2, "at least two figures"
    for cell in figures:
        meta = cell.get("metadata", {}).get("mystnb", {})
        assert meta.get("image", {}).get("alt"), f"figure without alt text: {''.join(cell['source'])[:60]}"
        assert meta.get("figure", {}).get("caption"), f"figure without caption: {''.join(cell['source'])[:60]}"


def built_pages():
    if not HTML.is_dir():
        pytest.fail("the website is not built: run `make book` (make test does it first)")
    return sorted(HTML.rglob("*.html"))


def test_math_renders_with_the_local_mathjax():
    pages = built_pages()
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").is_file()
    for page in pages:
        html = page.read_text()
        if "math notranslate" not in html:
            continue
        scripts = re.findall(r'<script[^>]*src="([^"]*mathjax[^"]*)"', html, flags=re.I)
        assert scripts, f"{page.name}: math but no MathJax"
        for src in scripts:
            assert not re.match(r"(https?:)?//", src), f"{page.name}: MathJax from a CDN: {src}"
            assert (page.parent / src.split("?")[0]).resolve().is_file(), f"{page.name}: {src} is missing"


def test_every_chapter_page_is_built_with_its_figures():
    built_pages()
    for path in CHAPTERS:
        page = HTML / "chapters" / f"{path.stem}.html"
        html = page.read_text()
        images = re.findall(r'<img[^>]*src="([^"]+)"', html)
        assert images, f"{page.name} has no figures"
        for src in (src for src in images if not src.startswith("data:")):  # explorers embed their frames
            assert (page.parent / src).resolve().is_file(), f"{page.name}: missing image {src}"


def content_pages():
    """Every built page except index.html, which only redirects to the landing page."""
    return [page for page in built_pages() if page != HTML / "index.html" and "_static" not in page.parts]


def test_every_page_has_search_dark_mode_and_copy_buttons():
    assert (HTML / "search.html").is_file() and (HTML / "searchindex.js").is_file()
    for page in content_pages():
        html = page.read_text()
        assert '<form class="bd-search' in html, f"{page.name}: no search box"
        assert "theme-switch-button" in html, f"{page.name}: no light/dark switch"
        assert "copybutton.js" in html, f"{page.name}: no copy buttons"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapter_page_launches_on_binder_and_offers_the_notebook(path):
    built_pages()
    html = (HTML / "chapters" / f"{path.stem}.html").read_text()
    assert re.search(rf'href="https://mybinder\.org/v2/gh/[^"]*urlpath=lab/tree/chapters/{path.name}"', html)
    assert f'href="../_sources/chapters/{path.name}"' in html, "no download button for the notebook"
    assert (HTML / "_sources" / "chapters" / path.name).is_file()


def test_api_reference_documents_every_public_function_of_the_package():
    import lossbook as lb

    html = (HTML / "api.html").read_text()
    modules = [name for name in lb.__all__ if inspect.ismodule(getattr(lb, name))] + ["plotting", "explore"]
    for module in (importlib.import_module(f"lossbook.{name}") for name in modules):
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_"):
                assert f'id="{module.__name__}.{name}"' in html, f"{module.__name__}.{name} is not in the API reference"


def test_figures_have_an_opaque_background():
    """A transparent figure would show its dark lines and text on the dark page of the dark mode."""
    from PIL import Image

    built_pages()
    for png in (HTML / "_images").glob("*.png"):
        with Image.open(png) as image:
            assert image.convert("RGBA").getchannel("A").getextrema()[0] == 255, f"{png.name} is transparent"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_figure_captions_hold_no_roles(path):
    # A role in a caption ({cite}, {glue}) becomes a hyperlink inside LaTeX's \caption, which stops the PDF build.
    for cell in code_cells(path):
        caption = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("caption", "")
        assert "{cite" not in caption and "{glue" not in caption, caption[:80]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_glued_values_are_plain_python_numbers_or_text(path):
    # myst-nb formats a glued number from its text form: numpy's "np.float64(0.5)" fails the build (a warning).
    for cell in code_cells(path):
        for output in cell["outputs"]:
            value = output.get("data", {}).get("application/papermill.record/text/plain", "")
            assert not value.startswith("np."), f"glue {output['metadata']['scrapbook']['name']} = {value}: use float()"
