"""Which link hosts readers can take at face value: archives, official bodies, scholarly publishers, major outlets."""

from __future__ import annotations

from urllib.parse import urlsplit

# A host matches an entry when it is the entry or a subdomain of it (www.nato.int matches nato.int).
ARCHIVES = (
    "nsarchive.gwu.edu",
    "digitalarchive.wilsoncenter.org",
    "wikisource.org",
    "margaretthatcher.org",
    "fas.org",
    "archive.org",
)
OFFICIAL_BODIES = (
    "nato.int",
    "osce.org",
    "state.gov",
    "gov",
    "gov.uk",
    "europa.eu",
    "euvsdisinfo.eu",
    "un.org",
    "ft.dk",
    "bundestag.de",
    "bundesregierung.de",
    "auswaertiges-amt.de",
    "bgbl.de",
    "kremlin.ru",
    "mid.ru",
)
SCHOLARLY = (
    "direct.mit.edu",
    "belfercenter.org",
    "csis.org",
    "harvard.edu",
    "semanticscholar.org",
    "doi.org",
    "jstor.org",
    "tandfonline.com",
    "academic.oup.com",
    "cambridge.org",
    "yale.edu",
    "brookings.edu",
    "atlanticcouncil.org",
    "russiamatters.org",
)
MAJOR_OUTLETS = (
    "spiegel.de",
    "dw.com",
    "upi.com",
    "apnews.com",
    "reuters.com",
    "nytimes.com",
    "washingtonpost.com",
    "latimes.com",
    "nbcnews.com",
    "bbc.co.uk",
    "bbc.com",
    "theguardian.com",
    "irishtimes.com",
    "foreignaffairs.com",
    "the-american-interest.com",
    "themoscowtimes.com",
    "tass.com",
    "tass.ru",
    "rbth.com",
    "rg.ru",
    "ria.ru",
    "interfax.ru",
    "kommersant.ru",
)
TRUSTED_HOSTS = ARCHIVES + OFFICIAL_BODIES + SCHOLARLY + MAJOR_OUTLETS


def host_of(url: str) -> str:
    """The lower-case host of a URL, or '' when it has none."""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def is_trusted_host(url: str) -> bool:
    """Whether a link goes to an archive, an official body, a scholarly publisher or a major outlet."""
    host = host_of(url)
    return any(host == entry or host.endswith("." + entry) for entry in TRUSTED_HOSTS)
