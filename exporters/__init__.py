"""Turn a crawl database into graph files, a layout, communities and map tiles."""
