"""A labelled comment corpus for bench/spam_filter.py, made from templates (see bench/README.md).

`corpus(n, seed)` returns n (text, label) pairs, label 1 for spam, about 40% spam. Its phrasing
is written apart from comments/spam_seed.json (which trains the first model), and it carries the
hard cases both ways: ordinary comments with links, prices and "free"; spam that only praises
the post and adds a link, or no link at all.
"""

import random

TOPICS = {
    "code": [
        "migration",
        "query",
        "index",
        "test suite",
        "deploy script",
        "cache",
        "template",
        "middleware",
        "database",
        "queue worker",
        "API",
        "logging setup",
        "type hints",
    ],
    "kitchen": [
        "bread",
        "soup",
        "starter",
        "pie crust",
        "curry",
        "pancakes",
        "stock",
        "risotto",
        "lemon cake",
        "dumplings",
    ],
    "travel": [
        "ferry",
        "hostel",
        "train pass",
        "mountain hut",
        "old town",
        "coast path",
        "night bus",
        "museum",
        "campsite",
    ],
    "garden": [
        "tomatoes",
        "compost",
        "raised bed",
        "roses",
        "seedlings",
        "apple tree",
        "greenhouse",
        "beans",
    ],
    "life": [
        "new job",
        "move",
        "marathon",
        "book club",
        "puppy",
        "night shifts",
        "allotment",
        "choir",
        "bike commute",
    ],
}
HAM_OPENERS = [
    "Thanks for this.",
    "Great write-up!",
    "Interesting.",
    "I enjoyed this one.",
    "Good point.",
    "Hmm,",
    "",
    "",
    "Agreed.",
    "Lovely post.",
    "Quick question:",
    "Late to this, but",
    "Small thing:",
    "Really useful, thank you.",
]
HAM_BODIES = [
    "I tried the {a} you describe last {when} and it {went}.",
    "our {a} did exactly the same thing until we changed the {b}.",
    "how long did the {a} take you in the end?",
    "which {a} would you recommend for someone starting out?",
    "the bit about the {a} matches what I saw, but the {b} part surprised me.",
    "I'd love a follow-up on the {a}, especially how the {b} held up.",
    "we switched to a different {a} and regretted it, so this was reassuring.",
    "there's a small mistake in the paragraph on the {a}: it should say {b}.",
    "my {a} never worked as well as yours, any tips?",
    "the free version of the {a} was enough for us, we never paid for it.",
    "it cost about $20 for the {a}, which seems fair to me.",
    "the official docs on the {a} helped too: https://docs.{site}/{a_slug}",
    "I wrote about my own {a} here, if it's useful: https://{name}.{blog}/{a_slug}",
    "the {a} was cheap but the {b} was worth every penny.",
    "we won a small bonus at work for fixing the {a}, thanks to posts like this one.",
]
HAM_CLOSERS = [
    "",
    "",
    "Thanks!",
    "Cheers.",
    "Keep writing.",
    "Looking forward to more.",
    "Take care.",
    "See you at the meetup.",
    "Greetings from {city}.",
]
WHEN = ["week", "weekend", "month", "summer", "year", "Tuesday"]
WENT = [
    "worked",
    "mostly worked",
    "failed the first time",
    "was a disaster",
    "went fine",
    "took forever",
    "finally clicked",
]
CITIES = ["Leeds", "Porto", "Lyon", "Ghent", "Krakow", "Bergen", "Cork", "Bologna"]
NAMES = ["anna", "tom", "priya", "lukas", "mei", "sam", "ines", "jonas"]
SITES = ["python.org", "djangoproject.com", "postgresql.org", "mozilla.org", "gnu.org"]
BLOGS = ["blog", "net", "org", "dev", "me"]

SPAM_KINDS = {
    "pharma": [
        "generic sildenafil",
        "tadalafil 20mg",
        "tramadol",
        "modafinil",
        "phentermine",
        "weight loss pills",
        "testosterone booster",
    ],
    "betting": [
        "online slots",
        "live roulette",
        "sports betting",
        "crypto casino",
        "poker room",
        "jackpot games",
        "betting app",
    ],
    "money": [
        "instant loans",
        "quick cash advance",
        "forex signals",
        "bitcoin doubler",
        "passive income system",
        "debt relief",
        "trading robot",
    ],
    "seo": [
        "backlinks",
        "guest posts",
        "SEO audit",
        "website traffic",
        "Google reviews",
        "DA 90 links",
        "local citations",
    ],
    "shop": [
        "replica handbags",
        "designer sneakers",
        "cheap jerseys",
        "luxury watches",
        "outlet sunglasses",
        "wholesale perfume",
    ],
    "homework": [
        "essay help",
        "dissertation writing",
        "online exam help",
        "assignment service",
        "coursework writers",
    ],
    "social": [
        "Instagram followers",
        "TikTok likes",
        "YouTube subscribers",
        "Twitter accounts",
        "Spotify plays",
    ],
}
SPAM_PITCHES = [
    "Buy {p} online at the lowest price, {deal}. {cta} {url}",
    "Best {p} of 2026! {deal}, {cta} {url}",
    "{praise} If you need {p}, {cta} {url}",
    "{praise} {url}",
    "{praise} I also write about {p}, check my site: {url}",
    "Looking for {p}? We offer {deal}. Contact us on WhatsApp +{phone}.",
    "{p} {p2} {p3} {deal} {url}",
    "Hello admin, we provide {p} for your website, {deal}. Reply to this comment.",
    "Get {p} now!!! {deal}!!! {url}",
    "{praise} Many thanks. {url}",
    "Top rated {p} service, {deal}, trusted by 10,000 customers. {url}",
    "{praise}",
]
PRAISE = [
    "Great post!",
    "Very informative article, thank you for sharing.",
    "I really like your blog, bookmarked!",
    "Nice content, keep it up.",
    "Awesome article, I learned a lot.",
    "This is a wonderful site, good job admin.",
    "Thanks for the great information, very helpful.",
    "I was searching for this topic and found your site, excellent work.",
    "Really enjoyed reading this, you made some great points.",
]
DEALS = [
    "70% off today only",
    "free shipping worldwide",
    "no prescription needed",
    "guaranteed results",
    "first order free",
    "bonus 200% on first deposit",
    "no credit check",
    "instant delivery",
    "money back guarantee",
]
CTAS = [
    "click here",
    "order now",
    "visit our store",
    "sign up today",
    "don't miss out",
    "claim your bonus",
    "see our prices",
]
TLDS = ["com", "net", "shop", "online", "xyz", "info", "top"]


def _slug(text: str) -> str:
    return "-".join(text.lower().split())


def _ham(rng: random.Random) -> str:
    words = rng.choice(list(TOPICS.values()))
    a, b = rng.sample(words, 2)
    body = rng.choice(HAM_BODIES).format(
        a=a,
        b=b,
        when=rng.choice(WHEN),
        went=rng.choice(WENT),
        a_slug=_slug(a),
        site=rng.choice(SITES),
        name=rng.choice(NAMES),
        blog=rng.choice(BLOGS),
    )
    opener = rng.choice(HAM_OPENERS)
    if not opener or opener.endswith("."):
        body = body[0].upper() + body[1:]
    closer = rng.choice(HAM_CLOSERS).format(city=rng.choice(CITIES))
    return " ".join(filter(None, [opener, body, closer]))


def _spam(rng: random.Random) -> str:
    kind = rng.choice(list(SPAM_KINDS.values()))
    p, p2, p3 = rng.sample(kind, 3)
    domain = f"{_slug(p).replace(' ', '')}-{rng.choice(['best', 'top', 'now', 'pro', '24'])}"
    url = f"https://{domain}.{rng.choice(TLDS)}/{rng.randrange(1000)}"
    return rng.choice(SPAM_PITCHES).format(
        p=p,
        p2=p2,
        p3=p3,
        deal=rng.choice(DEALS),
        cta=rng.choice(CTAS),
        url=url,
        praise=rng.choice(PRAISE),
        phone=rng.randrange(10**10, 10**11),
    )


def corpus(n: int, seed: int, spam_share: float = 0.4) -> list[tuple[str, int]]:
    """n labelled comments drawn from the templates, the same for the same seed."""
    rng = random.Random(seed)
    return [(_spam(rng), 1) if rng.random() < spam_share else (_ham(rng), 0) for _ in range(n)]
