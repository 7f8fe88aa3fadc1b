"""Views of the public pages (and the one staff download), by concern."""
