"""Small WordPress exports (WXR) built in tests, in the shape WordPress 6.1 writes them."""

from pathlib import Path

SAMPLE = Path(__file__).parent / "fixtures" / "wordpress-sample.xml"

HEADER = """<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Old Blog</title>
	<link>https://old.example</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://old.example</wp:base_site_url>
	<wp:base_blog_url>https://old.example</wp:base_blog_url>
	<wp:author>
		<wp:author_id>1</wp:author_id>
		<wp:author_login><![CDATA[kim]]></wp:author_login>
		<wp:author_email><![CDATA[kim@old.example]]></wp:author_email>
		<wp:author_display_name><![CDATA[Kim A]]></wp:author_display_name>
	</wp:author>
"""
FOOTER = "</channel>\n</rss>\n"


def item(
    wp_id: int,
    *,
    title: str = "",
    content: str = "Hello.",
    status: str = "publish",
    post_type: str = "post",
    date: str = "2024-01-02 03:04:05",
    slug: str = "",
    password: str = "",
    excerpt: str = "",
    comments: str = "",
    categories: str = "",
    meta: dict[str, str] | None = None,
    sticky: bool = False,
    comment_status: str = "open",
) -> str:
    title = title or f"Post {wp_id}"
    slug = slug or f"post-{wp_id}"
    return f"""
	<item>
		<title><![CDATA[{title}]]></title>
		<link>https://old.example/2024/01/02/{slug}/</link>
		<pubDate>Tue, 02 Jan 2024 03:04:05 +0000</pubDate>
		<dc:creator><![CDATA[kim]]></dc:creator>
		<content:encoded><![CDATA[{content}]]></content:encoded>
		<excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>
		<wp:post_id>{wp_id}</wp:post_id>
		<wp:post_date><![CDATA[{date}]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[{date}]]></wp:post_date_gmt>
		<wp:comment_status><![CDATA[{comment_status}]]></wp:comment_status>
		<wp:post_name><![CDATA[{slug}]]></wp:post_name>
		<wp:status><![CDATA[{status}]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:post_type><![CDATA[{post_type}]]></wp:post_type>
		<wp:post_password><![CDATA[{password}]]></wp:post_password>
		<wp:is_sticky>{int(sticky)}</wp:is_sticky>
		{categories}
		{postmeta(meta or {})}
		{comments}
	</item>"""


def postmeta(meta: dict[str, str]) -> str:
    return "".join(
        f"""
		<wp:postmeta>
		<wp:meta_key><![CDATA[{key}]]></wp:meta_key>
		<wp:meta_value><![CDATA[{value}]]></wp:meta_value>
		</wp:postmeta>"""
        for key, value in meta.items()
    )


def attachment(wp_id: int, url: str, *, alt: str = "", caption: str = "", parent: int = 0) -> str:
    """An image attachment item, as WordPress lists an upload (its alt text is postmeta)."""
    meta = {"_wp_attached_file": url.split("/wp-content/uploads/")[-1]}
    if alt:
        meta["_wp_attachment_image_alt"] = alt
    return f"""
	<item>
		<title><![CDATA[attachment {wp_id}]]></title>
		<link>https://old.example/?attachment_id={wp_id}</link>
		<dc:creator><![CDATA[kim]]></dc:creator>
		<content:encoded><![CDATA[]]></content:encoded>
		<excerpt:encoded><![CDATA[{caption}]]></excerpt:encoded>
		<wp:post_id>{wp_id}</wp:post_id>
		<wp:post_date_gmt><![CDATA[2024-01-02 03:04:05]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[attachment-{wp_id}]]></wp:post_name>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:post_parent>{parent}</wp:post_parent>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:attachment_url><![CDATA[{url}]]></wp:attachment_url>
		{postmeta(meta)}
	</item>"""


def comment(
    wp_id: int,
    *,
    parent: int = 0,
    approved: str = "1",
    content: str = "A comment.",
    comment_type: str = "comment",
    author: str = "Reader",
    date: str = "2024-01-03 10:00:00",
) -> str:
    return f"""
		<wp:comment>
			<wp:comment_id>{wp_id}</wp:comment_id>
			<wp:comment_author><![CDATA[{author}]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[reader{wp_id}@example.com]]></wp:comment_author_email>
			<wp:comment_author_url></wp:comment_author_url>
			<wp:comment_author_IP><![CDATA[203.0.113.{wp_id % 250}]]></wp:comment_author_IP>
			<wp:comment_date><![CDATA[{date}]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[{date}]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[{content}]]></wp:comment_content>
			<wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>
			<wp:comment_type><![CDATA[{comment_type}]]></wp:comment_type>
			<wp:comment_parent>{parent}</wp:comment_parent>
			<wp:comment_user_id>0</wp:comment_user_id>
		</wp:comment>"""


def write_export(path: Path, *items: str) -> Path:
    path.write_text(HEADER + "".join(items) + FOOTER, encoding="utf-8")
    return path
