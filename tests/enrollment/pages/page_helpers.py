"""What the portal's page tests share: a signed-in browser-like client and a page's visible text."""

import re

from django.test import Client


def page_client(user, language: str = "vi", **kwargs) -> Client:
    """A Django client (cookies, sessions, CSRF as a browser has them) signed in as `user`."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language, **kwargs)
    if user is not None:
        client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's text without its tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
