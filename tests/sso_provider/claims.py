"""The claims each provider user sends, set by the tests through PUT /test/users/<username>."""

from oidc_provider.lib.claims import ScopeClaims

CLAIMS: dict[str, dict] = {}


def userinfo(claims, user):
    claims.update(CLAIMS.get(user.username, {}))
    return claims


class GroupsScope(ScopeClaims):
    """A "groups" scope as Entra ID and Keycloak send it: a list of group names."""

    info_groups = ("Grupper", "Dine grupper.")

    def scope_groups(self):
        return {"groups": CLAIMS.get(self.user.username, {}).get("groups")}
