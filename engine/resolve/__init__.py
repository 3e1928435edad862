"""Resolve: from firings to stances, combined outcomes and traces."""
