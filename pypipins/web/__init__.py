"""The HTTP face: responses and headers, the routes, and the site's pages."""
