"""The project's Scrapy commands (``COMMANDS_MODULE``): ``crawl`` checks ``-a`` first."""
