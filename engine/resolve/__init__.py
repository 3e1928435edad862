"""Resolve: from firings to each question's one verdict, the stances behind it and their traces."""
