"""The interface languages (client/locale has a catalogue for each but English, the source).

Each is named in itself, as the phone's language switch shows it; ``server/web/i18n.py`` loads
their catalogues. An event's wall and console use the event's language, one of these.
"""

from __future__ import annotations

DEFAULT = "en"
LANGUAGES: dict[str, str] = {"en": "English", "es": "Español", "pl": "Polski", "ar": "العربية"}
