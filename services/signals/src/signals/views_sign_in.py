"""The sign-in pages of the dashboard when staff sign in at the council's OpenID Connect
provider (pure functions of what they show and a gettext; no script, every value escaped).

The local accounts' form is `signals.views_dashboard.sign_in_page`.
"""

from __future__ import annotations

from hub_runtime.render import escape_html as esc

from signals.i18n.labels import Translate

PROVIDER_START = "/dashboard/sign-in/provider"


def provider_sign_in_page(_: Translate, message: str = "", logout_url: str | None = None) -> str:
    """The sign-in page: one link to the provider's sign-in (``message``: a refusal or notice,
    already translated; ``logout_url``: after sign-out, a link that also ends the session at
    the provider)."""
    notice = f"<p class='error' role='alert'>{esc(message)}</p>" if message else ""
    also = ""
    if logout_url:
        also = (
            "<p>"
            + esc(_("You are signed out of the dashboard."))
            + f" <a href='{esc(logout_url)}'>"
            + esc(_("Also sign out of the council's account"))
            + "</a></p>"
        )
    return (
        f"{notice}{also}<p>"
        + esc(_("Staff sign in with their council account. Local dashboard accounts are off."))
        + f"</p><p><a class='button' href='{PROVIDER_START}' id='provider-sign-in'>"
        + esc(_("Sign in with the council's account"))
        + "</a></p>"
    )


def refused_page(_: Translate, sentence: str) -> str:
    """A refused sign-in at the provider: the reason in a sentence and the way back."""
    return (
        f"<p class='error' role='alert'>{esc(sentence)}</p><p><a href='/dashboard/sign-in'>"
        + esc(_("Back to the sign-in page"))
        + "</a></p>"
    )


def signed_in_page(_: Translate) -> str:
    """What the provider's redirect lands on: a link to the dashboard, followed at once by the
    page's ``<meta http-equiv=refresh>`` (see `SIGNED_IN_HEAD`)."""
    return (
        "<p><a href='/dashboard'>" + esc(_("You are signed in. Go to the dashboard.")) + "</a></p>"
    )


SIGNED_IN_HEAD = "<meta http-equiv='refresh' content='0; url=/dashboard'>"
"""Why a page and not a 303: the session cookie is ``SameSite=Strict``, and a browser does not
send it on a redirect chain that another site (the provider's page) started; a navigation this
page starts is the dashboard's own, so the cookie goes along."""
