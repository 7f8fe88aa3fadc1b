"""The staff REST API under /api/v1/staff/: provider staff work their organisation's cases."""
