"""Reference pages for applicants (/apply): server-rendered, using the public services only."""
