"""The page of ``tensorgrad serve`` in a real headless Chromium (Debian's ``chromium``,
driven by Playwright), with every request to anything but this server blocked: draw a digit with
mouse and touch events, undo and clear, and open a confusion-matrix cell of the explorer.

Screenshots go to build/screenshots/ (not committed). Without Chromium or Playwright these tests
skip, except under CI (CI=true), where they fail: .ci/run installs both.
"""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from serve_helpers import request, runs_folder

from tensorgrad.models.serve.catalog import Catalog
from tensorgrad.models.serve.inference import Inference
from tensorgrad.models.serve.server import BackgroundServer

CHROMIUM = os.environ.get("TENSORGRAD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SCREENSHOTS = Path(__file__).resolve().parents[1] / "build" / "screenshots"
SEVEN = [(70, 60), (210, 60), (150, 150), (110, 240)]  # on the 280x280 pad
ONE = [(140, 40), (140, 240)]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install chromium, or set TENSORGRAD_CHROMIUM)"
    return None


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    with BackgroundServer(Inference(Catalog.scan(runs_folder(tmp_path_factory)))) as url:
        yield url


@pytest.fixture(scope="module")
def browser(url, tmp_path_factory):
    """A Chromium context (fresh profile, touch enabled) that may reach this server only; the
    list it yields collects every request it blocked."""
    missing = _missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {missing}")
        # a developer's machine without Chromium: .ci/run installs it, so CI never skips here
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    server = urlsplit(url).netloc
    blocked: list[str] = []

    def only_this_server(route):
        if urlsplit(route.request.url).netloc == server:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
            headless=True, args=CHROMIUM_ARGS, has_touch=True,
            viewport={"width": 1200, "height": 1300},
        )  # fmt: skip
        context.route("**/*", only_this_server)
        context.blocked = blocked
        yield context
        context.close()


@pytest.fixture
def page(browser, url):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.errors = errors
    page.goto(url)
    page.wait_for_selector("#confusion button")  # the runs list and the explorer have loaded
    yield page
    page.close()
    assert errors == [], errors
    assert browser.blocked == [], f"the page asked for something elsewhere: {browser.blocked}"


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def settled(page) -> dict:
    """Wait until the page shows the answer to its latest change (it marks <body data-busy>
    until then); the prediction and probability texts it shows."""
    page.wait_for_function("document.body.dataset.busy === undefined")
    return {
        "prediction": page.inner_text("#prediction"),
        "percent": page.locator("#bars .pct").all_inner_texts(),
        "top": page.evaluate("document.querySelector('#bars .bar.top')?.dataset.digit ?? null"),
    }


def draw_with_mouse(page, points) -> None:
    box = page.locator("#pad").bounding_box()
    at = lambda x, y: (box["x"] + x * box["width"] / 280, box["y"] + y * box["height"] / 280)
    page.mouse.move(*at(*points[0]))
    page.mouse.down()
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        for i in range(1, 11):
            page.mouse.move(*at(x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10))
    page.mouse.up()


def draw_with_touch(page, points) -> None:
    """A finger on the pad: raw touch events through the DevTools protocol."""
    box = page.locator("#pad").bounding_box()
    cdp = page.context.new_cdp_session(page)
    path = [points[0]] + [
        (x0 + (x1 - x0) * i / 10, y0 + (y1 - y0) * i / 10)
        for (x0, y0), (x1, y1) in zip(points, points[1:]) for i in range(1, 11)
    ]  # fmt: skip
    for n, (x, y) in enumerate(path):
        kind = "touchStart" if n == 0 else "touchMove"
        touch = {"x": box["x"] + x * box["width"] / 280, "y": box["y"] + y * box["height"] / 280}
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [touch]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def server_answer(page, url) -> dict:
    """The server's answer for the pad's pixels, asked directly."""
    png = page.evaluate("document.getElementById('pad').toDataURL('image/png')")
    import base64

    data = base64.b64decode(png.split(",", 1)[1])
    status, answer = request(f"{url}api/predict?run={page.input_value('#run')}", data, "image/png")
    assert status == 200, answer
    return answer


def shown_matches(shown: dict, answer: dict) -> None:
    assert shown["prediction"] == str(answer["prediction"]) == shown["top"]
    assert shown["percent"] == [f"{100 * p:.1f}%" for p in answer["probabilities"]]


def test_the_page_loads_with_everything_from_this_server(page, browser):
    # the blocking works: a request elsewhere (a name that never resolves) is stopped and listed
    failed = page.evaluate("fetch('http://example.invalid/font.woff').then(() => false, "
                           "() => true)")  # fmt: skip
    assert failed and browser.blocked == ["http://example.invalid/font.woff"]
    assert len(page.errors) == 1 and "ERR_FAILED" in page.errors[0], page.errors
    browser.blocked.clear()
    page.errors.clear()
    options = page.locator("#run option").all_inner_texts()
    assert len(options) == 2 and any(o.startswith("synthetic-run (lenet5 · ") for o in options)
    assert page.locator("#bars .bar").count() == 10
    assert page.inner_text("#prediction") == "–"


def test_drawing_a_seven_with_the_mouse(page, url):
    draw_with_mouse(page, SEVEN)
    shown = settled(page)
    screenshot(page, "serve-drawing.png")
    shown_matches(shown, server_answer(page, url))
    assert shown["prediction"] == "7"
    # the prepared input and every convolution's maps are drawn
    prepared = page.evaluate(
        "Array.from(document.getElementById('prepared').getContext('2d')"
        ".getImageData(0, 0, 28, 28).data).filter((v, i) => i % 4 == 0)"
    )
    assert max(prepared) > 200 and sum(v > 100 for v in prepared) > 20
    assert page.locator("#features figure").count() == 2
    assert page.locator("#features canvas").count() == 6 + 16


def test_undo_and_clear(page, url):
    draw_with_mouse(page, ONE)
    draw_with_mouse(page, [(60, 140), (220, 140)])  # a second stroke: a plus sign
    settled(page)
    page.click("#undo")
    shown = settled(page)
    shown_matches(shown, server_answer(page, url))
    assert shown["prediction"] == "1"
    page.click("#clear")
    assert settled(page)["prediction"] == "–"
    assert page.locator("#features canvas").count() == 0
    draw_with_mouse(page, ONE)  # the keys: Ctrl+Z undoes, Escape clears
    draw_with_mouse(page, [(60, 140), (220, 140)])
    settled(page)
    page.keyboard.press("Control+z")
    assert settled(page)["prediction"] == "1"
    page.keyboard.press("Escape")
    assert settled(page)["prediction"] == "–"


def test_drawing_with_a_finger(page, url):
    draw_with_touch(page, SEVEN)
    shown = settled(page)
    shown_matches(shown, server_answer(page, url))
    assert shown["prediction"] == "7"


def test_a_confusion_cell_shows_its_test_images(page, url):
    _, confusion = request(f"{url}api/confusion?run={page.input_value('#run')}")
    cm = confusion["confusion"]
    assert page.locator("#confusion td button").count() == 100
    mistakes = [(cm[t][p], t, p) for t in range(10) for p in range(10) if t != p and cm[t][p]]
    count, true, predicted = max(mistakes)
    cell = page.locator(f'#confusion button[data-true="{true}"][data-predicted="{predicted}"]')
    assert cell.inner_text() == str(count)
    cell.click()
    page.wait_for_selector("#cell-images .sample")
    assert page.locator("#cell-images .sample").count() == min(count, 100)
    assert f"of a {true} predicted as {predicted}" in page.inner_text("#cell-title")
    screenshot(page, "serve-explorer.png")
    # clicking a test image shows it through the network: its prediction is the cell's column
    page.locator("#cell-images .sample").first.click()
    shown = settled(page)
    assert shown["prediction"] == str(predicted)
    assert page.locator("#features canvas").count() == 6 + 16
