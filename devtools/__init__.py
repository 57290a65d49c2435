"""Developer tools that are not the product: the demo driver, local test proxies, the
synthetic-graph generator, the Chromium launcher and the fixture copier.

Tests, benchmarks and ``make demo`` use them; ``imdb_spider`` and ``exporters`` never import
them (``tests/test_architecture.py`` checks).
"""
