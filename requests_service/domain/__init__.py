"""Pure domain core: no Flask, SQLAlchemy, marshmallow, Jinja2 or WeasyPrint imports."""
