"""The API's tokens: simplejwt's, carrying the account's token generation (courses.models.User).

A refresh token and the access tokens made from it carry the generation the account was at when
it signed in; a change of its password, active flag, role or province moves the account to the
next generation, and courses.core.authentication then refuses every token of an earlier one, on every
request and on refresh.
"""

from __future__ import annotations

from rest_framework_simplejwt import tokens

GENERATION_CLAIM = "gen"


def token_generation(token) -> int:
    """The generation a token was issued for (tokens made before generations existed: 0)."""
    return token.get(GENERATION_CLAIM, 0)


class AccessToken(tokens.AccessToken):
    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[GENERATION_CLAIM] = user.token_generation
        return token


class RefreshToken(tokens.RefreshToken):
    access_token_class = AccessToken

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[GENERATION_CLAIM] = user.token_generation
        return token
