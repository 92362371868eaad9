"""What the responsive renditions weigh: bytes per width, WebP against the original's format.

Run from the project root:

    .venv/bin/python bench/renditions.py [IMAGE ...]

Each image (default: docs/post-page.png, the README's screenshot) goes through
images.renditions.make_renditions into an in-memory storage, as an upload would; the table shows
each rendition's size and the CPU time (time.process_time) that making them all took.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_IMAGES = [ROOT / "docs" / "post-page.png"]


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.files.storage import InMemoryStorage

    from images.renditions import make_renditions

    for path in [Path(arg) for arg in argv] or DEFAULT_IMAGES:
        storage = InMemoryStorage()
        original = path.read_bytes()
        name = storage.save(f"library/{path.name}", ContentFile(original))
        started = time.process_time()
        record = make_renditions(storage, name)
        cpu = time.process_time() - started
        print(f"\n{path.name}: {record['width']}x{record['height']}, {len(original):,} bytes")
        print(f"made in {cpu * 1000:.0f} ms of CPU time")
        sources = record["sources"]
        fallback = next((mime for mime in sources if mime != "image/webp"), None)
        print(f"| width | {fallback or 'original'} bytes | WebP bytes | WebP / {fallback} |")
        print("|---:|---:|---:|---:|")
        webp = dict(sources["image/webp"])
        for width, webp_name in sorted(webp.items()):
            webp_bytes = storage.size(webp_name)
            if fallback:
                other = storage.size(dict(sources[fallback])[width])
                print(f"| {width} | {other:,} | {webp_bytes:,} | {webp_bytes / other:.0%} |")
            else:
                print(f"| {width} | - | {webp_bytes:,} | - |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
