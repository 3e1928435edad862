"""Rendering results for people and programs: text, JSON, Markdown, scenario files."""
