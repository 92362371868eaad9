"""The cache every process on one machine shares when there is no Redis: python-diskcache.

diskcache keeps the entries in SQLite databases in one directory (WAL mode, so readers never
wait for a writer), and its add and incr are atomic across processes: what the page cache's
generations and the comment rate limits need from a shared cache.

Django closes every cache at the end of each request. diskcache's close() closes its SQLite
connections, and closing the last connection to a WAL database checkpoints it and removes the
WAL file, which costs several times a page-cache hit; so this backend keeps its connections open
for the life of the thread (diskcache opens new ones itself in a forked process).
"""

from diskcache import DjangoCache


class SharedDiskCache(DjangoCache):
    def close(self, **kwargs):
        """Keep the connections: see the module docstring."""
