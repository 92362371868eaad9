"""Large amounts of made-up posts and comments, fast, for benchmarks and load tests: rows with
explicit ids by COPY (PostgreSQL) or executemany (SQLite), no model instances or save(); the HTML
is rendered once per text of a small pool, with the functions save() uses."""

import random
from datetime import timedelta
from itertools import islice

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone
from taggit.models import Tag, TaggedItem
from tqdm import tqdm

from blog.models import Post
from blog.rendering import reading_time_minutes, render_markdown, summarise
from comments import counts
from comments.models import Comment, render_comment

BATCH = 20_000
RARE_WORD = "zeppelin"
TAGS = 50
WORDS = [
    "sleep",
    "magnesium",
    "tea",
    "garden",
    "river",
    "bread",
    "winter",
    "coffee",
    "light",
    "paper",
    "music",
    "walking",
    "stone",
    "window",
    "kitchen",
    "letters",
    "morning",
    "harbour",
    "cycling",
    "orchard",
    "library",
    "quiet",
    "market",
    "honey",
]
POST_BODIES = [
    "\n\n".join(
        " ".join(random.Random(seed * 100 + n).choices(WORDS, k=60)).capitalize() + "."
        for n in range(6)
    )
    + f"\n\n## Notes\n\n- {WORDS[seed]}\n- {WORDS[-seed - 1]}\n"
    for seed in range(10)
]
COMMENT_BODIES = [
    " ".join(random.Random(seed).choices(WORDS, k=8 + seed % 20)).capitalize() + "."
    for seed in range(40)
]
# Of each 20 comments: 16 approved, 2 pending, 1 rejected, 1 spam.
STATUSES = [Comment.Status.APPROVED] * 16 + [Comment.Status.PENDING] * 2
STATUSES += [Comment.Status.REJECTED, Comment.Status.SPAM]


def bulk_insert(model: type[models.Model], columns: list[str], rows, *, total: int, stream=None):
    """Insert tuples of `columns` values (ids included, datetimes aware), with a progress bar of
    `total` rows on `stream`, then move the id sequence past them. Other fields take defaults."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    defaults = {
        name: field.get_db_prep_save(field.get_default(), connection)
        for name, field in fields.items()
        if name not in columns
        and not isinstance(field, models.AutoField)
        and not field.has_db_default()
    }
    names = [*columns, *defaults]
    constant = tuple(defaults.values())
    datetimes = [
        i for i, name in enumerate(columns) if isinstance(fields[name], models.DateTimeField)
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(fields[name].column) for name in names)
    insert = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['%s'] * len(names))})"
    adapt = connection.ops.adapt_datetimefield_value
    rows = iter(rows)
    label = model._meta.verbose_name_plural
    with connection.cursor() as cursor, tqdm(desc=label, total=total, file=stream) as progress:
        for batch in iter(lambda: list(islice(rows, BATCH)), []):
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row((*row, *(_copy_text(v) for v in constant)))
            else:
                values = []
                for row in batch:
                    row = list(row)
                    for i in datetimes:
                        row[i] = adapt(row[i])
                    values.append((*row, *constant))
                cursor.executemany(insert, values)
            progress.update(len(batch))
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


def _copy_text(value):
    # JSON defaults arrive as adapter objects; COPY takes their text.
    dumps = getattr(value, "dumps", None)
    return dumps(value.obj) if dumps and hasattr(value, "obj") else value


def _next_id(model) -> int:
    return (model.objects.aggregate(top=models.Max("pk"))["top"] or 0) + 1


@transaction.atomic
def add_posts(count: int, *, stream=None) -> list[int]:
    """`count` posts (one in 100 a draft, the rest published one minute apart, newest first),
    each with two of 50 tags. Returns their ids."""
    author, _ = get_user_model().objects.get_or_create(
        username="fake-author", defaults={"first_name": "Fake", "last_name": "Author"}
    )
    texts = []  # in the order of their columns
    for body in POST_BODIES:
        html = render_markdown(body)
        texts.append((summarise(html), body, html, reading_time_minutes(html)))
    first = _next_id(Post)
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(minutes=count)
    rng = random.Random(first)

    def rows():
        for n in range(count):
            pk = first + n
            when = start + timedelta(minutes=n)
            draft = pk % 100 == 0
            # One post in a thousand has a rare word, so a search for it finds a realistic handful.
            words = [*rng.choices(WORDS, k=4), *([RARE_WORD] if pk % 1000 == 7 else [])]
            yield (
                pk,
                f"{' '.join(words).capitalize()} {pk}",
                f"fake-post-{pk}",
                author.pk,
                *texts[pk % len(texts)],
                Post.Status.DRAFT if draft else Post.Status.PUBLISHED,
                None if draft else when,
                when,
                when,
            )

    columns = ["id", "title", "slug", "author_id", "summary", "body", "body_html", "reading_time"]
    columns += ["status", "publish_at", "created", "updated"]
    bulk_insert(Post, columns, rows(), total=count, stream=stream)
    ids = list(range(first, first + count))
    _tag(ids, stream=stream)
    return ids


def _tag(post_ids: list[int], *, stream=None) -> None:
    tags = [Tag.objects.get_or_create(name=f"topic {n}", slug=f"topic-{n}")[0] for n in range(TAGS)]
    post_type = ContentType.objects.get_for_model(Post)
    first = _next_id(TaggedItem)

    # Two tags a post, never the same one.
    pairs = ((tag, pk) for pk in post_ids for tag in (tags[pk % TAGS], tags[(pk * 7 + 3) % TAGS]))
    rows = ((n, tag.pk, post_type.pk, pk) for n, (tag, pk) in enumerate(pairs, first))
    columns = ["id", "tag_id", "content_type_id", "object_id"]
    bulk_insert(TaggedItem, columns, rows, total=2 * len(post_ids), stream=stream)


@transaction.atomic
def add_comments(
    post_ids: list[int], count: int, *, status=None, email: str | None = None, stream=None
) -> None:
    """`count` comments spread evenly over the posts, oldest first, about a third of them
    replies; statuses mixed as real traffic (or all `status`), from 5,000 readers (or all from
    `email`). Then recounts those posts."""
    texts = [(body, render_comment(body)) for body in COMMENT_BODIES]
    first = _next_id(Comment)
    now = timezone.now().replace(microsecond=0)
    rng = random.Random(first)
    per_post, extra = divmod(count, len(post_ids))

    def rows():
        pk = first
        for index, post_id in enumerate(post_ids):
            top_level = []
            for n in range(per_post + (index < extra)):
                reply_to = rng.choice(top_level) if top_level and n % 3 == 2 else None
                yield (
                    pk,
                    post_id,
                    reply_to,
                    0 if reply_to is None else 1,
                    f"Reader {pk % 5000}" if email is None else "Prolific Reader",
                    f"reader{pk % 5000}@example.com" if email is None else email,
                    *texts[pk % len(texts)],
                    status or STATUSES[pk % len(STATUSES)],
                    f"10.{pk >> 16 & 255}.{pk >> 8 & 255}.{pk & 255}",
                    now - timedelta(seconds=count - (pk - first)),
                )
                if reply_to is None:
                    top_level.append(pk)
                pk += 1

    columns = ["id", "post_id", "parent_id", "depth", "author_name", "author_email", "body"]
    columns += ["body_html", "status", "ip_address", "created"]
    bulk_insert(Comment, columns, rows(), total=count, stream=stream)
    # One UPDATE over the id range: counts.recount() would list 100,000 ids in an IN clause.
    posts = Post.objects.filter(pk__range=(min(post_ids), max(post_ids)))
    posts.update(**counts.live_counts())
    counts.lay_out(posts)
