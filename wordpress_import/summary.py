"""What an import did, counted as it goes and printed at the end (the same for --dry-run)."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

EXAMPLES_SHOWN = 10  # per kind of note; -v 2 lists them all


@dataclass
class Summary:
    site: str = ""
    site_title: str = ""
    wxr_version: str = ""
    dry_run: bool = False
    posts: Counter = field(default_factory=Counter)  # created, updated, unchanged
    posts_skipped: Counter = field(default_factory=Counter)  # by reason
    pages: Counter = field(default_factory=Counter)  # created, kept (one of that slug was here)
    comments: Counter = field(default_factory=Counter)  # created by status
    comments_updated: int = 0
    comments_unchanged: int = 0
    comments_skipped: Counter = field(default_factory=Counter)  # by reason
    authors: Counter = field(default_factory=Counter)  # matched, created
    media: Counter = field(default_factory=Counter)  # copied, already there, covers
    redirects: int = 0
    notes: defaultdict = field(default_factory=lambda: defaultdict(list))  # kind -> links

    def note(self, kind: str, where: str) -> None:
        """Record something that could not be carried over as it was, with its original link."""
        self.notes[kind].append(where)

    def lines(self, *, all_notes: bool = False) -> list[str]:
        title = f'"{self.site_title}" ' if self.site_title else ""
        out = [f"WordPress import of {title}({self.site or 'no site URL'}), WXR {self.wxr_version}"]
        skipped = sum(self.posts_skipped.values())
        out.append(
            f"Posts: {self.posts['created']} created, {self.posts['updated']} updated; "
            f"{self.posts['unchanged'] + skipped} skipped{_reasons(self._post_skip_reasons())}"
        )
        out.append(f"Pages: {self.pages['created']} created, {self.pages['kept']} kept")
        created = sum(self.comments.values())
        by_status = ", ".join(f"{n} {status}" for status, n in sorted(self.comments.items()))
        skipped_comments = sum(self.comments_skipped.values()) + self.comments_unchanged
        reasons = Counter(self.comments_skipped)
        if self.comments_unchanged:
            reasons["unchanged"] = self.comments_unchanged
        out.append(
            f"Comments: {created} imported{f' ({by_status})' if by_status else ''}; "
            f"{self.comments_updated} updated, {skipped_comments} skipped{_reasons(reasons)}"
        )
        out.append(
            f"Authors: {self.authors['matched']} matched, {self.authors['created']} created"
            + (
                " (no usable password: they set one through password reset)"
                if self.authors["created"]
                else ""
            )
        )
        out.append(
            f"Media: {self.media['copied']} copied, {self.media['already there']} already there, "
            f"{self.media['missing']} not carried over; {self.media['covers']} covers"
        )
        out.append(f"Redirects: {self.redirects} old permalinks answer 301 (and ?p=ID links)")
        if self.notes:
            out.append("Not carried over as it was:")
            for kind in sorted(self.notes):
                links = self.notes[kind]
                out.append(f"  {kind} ({len(links)}):")
                shown = links if all_notes else links[:EXAMPLES_SHOWN]
                out.extend(f"    {link}" for link in shown)
                if len(links) > len(shown):
                    out.append(f"    ... and {len(links) - len(shown)} more (-v 2 lists all)")
        if self.dry_run:
            out.append("Dry run: nothing was saved.")
        return out

    def _post_skip_reasons(self) -> Counter:
        reasons = Counter(self.posts_skipped)
        if self.posts["unchanged"]:
            reasons["unchanged since the last import"] = self.posts["unchanged"]
        return reasons


def _reasons(counter: Counter) -> str:
    if not counter:
        return ""
    return ": " + ", ".join(f"{n} {reason}" for reason, n in counter.most_common())
