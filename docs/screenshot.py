"""Take the README's screenshot of a page with headless Debian chromium (Playwright).

Usage, with `make run` serving in another terminal:
    .venv/bin/python docs/screenshot.py http://127.0.0.1:8000/blog/<slug>/ docs/post-page.png
"""

import sys

from playwright.sync_api import sync_playwright


def main(url: str, out: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1000, "height": 1300})
        page.goto(url)
        page.screenshot(path=out, full_page=False)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:3])
