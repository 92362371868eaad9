"""Stored-XSS payloads for tests/test_xss_corpus.py and tests/e2e/test_xss_browser.py.

Each payload carries its marker (xss01, xss02...) in the part that would run, so a check can
tell "this page shows the payload as text" (the marker is there, escaped) from "the payload
became markup" (an element, attribute or URL holding it survived). `{m}` becomes the marker.
"""

import re
from html import unescape

from bs4 import BeautifulSoup

TEMPLATES = [
    "<script>alert('{m}')</script>",
    "<img src=x onerror=alert('{m}')>",
    "<svg onload=alert('{m}')>",
    "<svg><script>alert('{m}')</script></svg>",
    "\"><script>alert('{m}')</script>",
    "'><img src=x onerror=alert('{m}')>",
    "javascript:alert('{m}')",
    "<a href=\"javascript:alert('{m}')\">{m}</a>",
    "<iframe src=\"javascript:alert('{m}')\"></iframe>",
    "<body onload=alert('{m}')>",
    "<input autofocus onfocus=alert('{m}')>",
    "<details open ontoggle=alert('{m}')>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('{m}')>",
    "<scr<script>ipt>alert('{m}')</scr</script>ipt>",
    "<ScRiPt>alert('{m}')</sCrIpT>",
    "%3Cscript%3Ealert('{m}')%3C/script%3E",
    "&lt;script&gt;alert('{m}')&lt;/script&gt;",
    '<img src="x" onerror="&#97;lert(\'{m}\')">',
    "<a href=\"&#106;avascript:alert('{m}')\">x</a>",
    "<a href=\"jav&#x09;ascript:alert('{m}')\">x</a>",
    "[click me](javascript:alert('{m}'))",
    "![pic](x\" onerror=\"alert('{m}'))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#{m})",
    "<object data=\"javascript:alert('{m}')\"></object>",
    "<embed src=\"javascript:alert('{m}')\">",
    "<form action=\"javascript:alert('{m}')\"><button>go</button></form>",
    "<button formaction=\"javascript:alert('{m}')\">go</button>",
    "<video><source onerror=\"alert('{m}')\"></video>",
    "<audio src=x onerror=alert('{m}')>",
    "<marquee onstart=alert('{m}')>{m}</marquee>",
    "<div style=\"background:url(javascript:alert('{m}'))\">x</div>",
    "<style>@import 'javascript:alert(\"{m}\")';</style>",
    "<link rel=stylesheet href=\"javascript:alert('{m}')\">",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'{m}\')">',
    "<base href=\"javascript:alert('{m}')//\">",
    "</title><script>alert('{m}')</script>",
    "</textarea><script>alert('{m}')</script>",
    "</script><script>alert('{m}')</script>",
    "<!--<img src=\"--><img src=x onerror=alert('{m}')//\">",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('{m}')>\">",
    '" onmouseover="alert(\'{m}\')" x="',
    "' onfocus='alert(\"{m}\")' autofocus x='",
    "{{{{ 7|add:7 }}}} {{% debug %}} {m}",
    "${{alert('{m}')}} #{{alert('{m}')}}",
    "\u2028<script>alert('{m}')</script>\u2029",
    "<img src=x:alert(alt) onerror=eval(src) alt='{m}'>",
    "<svg><a xlink:href=\"javascript:alert('{m}')\"><text x=20 y=20>x</text></a></svg>",
    "<isindex type=image src=1 onerror=alert('{m}')>",
    '<img """><script>alert(\'{m}\')</script>">',
    "<IMG SRC=JaVaScRiPt:alert('{m}')>",
    "<a href=\" javascript:alert('{m}')\">x</a>",
    "<iframe srcdoc=\"<script>alert('{m}')</script>\"></iframe>",
    "<template><script>alert('{m}')</script></template>",
    "]]><script>alert('{m}')</script><![CDATA[",
    "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\">alert('{m}')</x:script>",
    "\"-alert('{m}')-\"",
    "</script><svg/onload=alert('{m}')>",
    "<select autofocus onfocus=alert('{m}')></select>",
    '<a href="https://example.com" onclick="alert(\'{m}\')">x</a>',
    "<<script>script>alert('{m}')<</script>/script>",
]

MARKERS = [f"xss{i:02d}" for i in range(1, len(TEMPLATES) + 1)]
PAYLOADS = [template.format(m=marker) for template, marker in zip(TEMPLATES, MARKERS, strict=True)]

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "data", "xlink:href", "poster", "background",
    "codebase", "cite", "srcset", "ping", "lowsrc", "dynsrc",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
# Elements a page of ours may contain only if we put them there; never holding a payload's marker.
FOREIGN = {
    "iframe", "object", "embed", "frame", "frameset", "applet", "base", "svg", "math", "style",
    "template", "noscript", "marquee", "isindex", "keygen", "video", "audio", "source", "details",
    "form", "button", "select",
}  # fmt: skip
DATA_SCRIPTS = {"application/json", "application/ld+json"}
_CONTROL = re.compile(r"[\x00-\x20\x7f]+")


def _scheme(value: str) -> str:
    return _CONTROL.sub("", unescape(value)).lower()


def injections(html: str) -> list[str]:
    """What in this HTML could run or load something: empty for a page that only shows text.

    Parsed as a browser would (html5lib). Flags: any inline event handler (on*=), any inline
    script that is not a JSON data block (with no "<" inside), any URL attribute with a
    javascript:/vbscript:/data:text/html scheme, srcdoc, a style attribute or a foreign element
    (iframe, svg, style, form...) holding a payload's marker.
    """
    found = []
    for tag in BeautifulSoup(html, "html5lib").find_all(True):
        own = " ".join([*map(str, tag.attrs.values()), *tag.find_all(string=True, recursive=False)])
        marked = any(marker in own for marker in MARKERS)
        markup = str(tag)
        for name, value in tag.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if name.lower().startswith("on"):
                found.append(f"event handler {name}= on <{tag.name}>")
            elif name.lower() in URL_ATTRIBUTES and _scheme(value).startswith(BAD_SCHEMES):
                found.append(f"{name}={value!r} on <{tag.name}>")
            elif name.lower() == "srcdoc":
                found.append(f"srcdoc on <{tag.name}>")
            elif name.lower() == "style" and marked:
                found.append(f"style attribute from input on <{tag.name}>")
            elif any(marker in name for marker in MARKERS):
                found.append(f"attribute {name!r} from input on <{tag.name}>")
        if tag.name == "script" and not tag.get("src"):
            if tag.get("type") not in DATA_SCRIPTS or "<" in tag.get_text():
                found.append(f"inline script: {markup[:120]!r}")
        elif tag.name == "meta" and "refresh" in str(tag.get("http-equiv", "")).lower():
            found.append(f"meta refresh: {markup[:120]!r}")
        elif tag.name in FOREIGN and marked:
            found.append(f"<{tag.name}> from input: {markup[:120]!r}")
    return found


def markers_in(text: str) -> set[str]:
    return {marker for marker in MARKERS if marker in text}
