"""imdb-spider: crawl IMDb's "More like this" graph, store it in SQLite, map it."""
