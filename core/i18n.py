"""Language of text that is stored rather than shown once."""

from __future__ import annotations

from contextlib import contextmanager

from django.conf import settings
from django.utils import translation


@contextmanager
def system_language():
    """Write stored text (inbox messages, meeting titles) in the system's language, Chinese,
    whichever language the request that writes it uses. Other people read it later in their own
    session; until such text is kept as a message and its values and translated for each reader,
    one language for all is better than whichever language its writer happened to use."""
    with translation.override(settings.LANGUAGE_CODE):
        yield
