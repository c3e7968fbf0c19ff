"""Adapters for outgoing traffic: webhook HTTP posts, SMTP e-mail, SMS gateways."""
