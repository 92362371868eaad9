"""The moderation desk's screenshots (the queue at 1280 and 390 px wide), by headless chromium.

Usage, with `make run PORT=8000` serving and a moderator account:
    .venv/bin/python docs/desk_screenshots.py http://127.0.0.1:8000 <username> <password>
writes docs/moderation-queue-1280.png, docs/moderation-queue-390.png, docs/admin-index-1280.png.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

QUEUE = "/admin/comments/comment/?status__exact=pending"
SHOTS = [
    (QUEUE, 1280, 900, "moderation-queue-1280.png", False),
    (QUEUE, 390, 844, "moderation-queue-390.png", False),
    ("/admin/", 1280, 800, "admin-index-1280.png", False),
]


def main(base: str, username: str, password: str) -> None:
    out = Path(__file__).parent
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context()
        page = context.new_page()
        page.goto(base + "/admin/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        for path, width, height, name, full in SHOTS:
            page.set_viewport_size({"width": width, "height": height})
            page.goto(base + path)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            print(f"{name}: scrollWidth {scroll} at {width} px")
            page.screenshot(path=str(out / name), full_page=full)
        browser.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
