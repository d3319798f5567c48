"""``iacguard config``: every setting a configuration file can set, its effective value and
where that value came from."""

from __future__ import annotations

import json

from iacguard.settings.definitions import config_file_settings
from iacguard.settings.resolve import ResolvedSettings


def describe_settings(settings: ResolvedSettings) -> str:
    config = settings.config
    lines = [f"configuration file: {config.display if config else '(none)'}", ""]
    keys = [item.key for item in config_file_settings()]
    values = {
        key: json.dumps(settings.effective[key], default=str, ensure_ascii=False) for key in keys
    }
    key_width = max(len(key) for key in keys)
    value_width = min(max(len(value) for value in values.values()), 40)
    for key, value in values.items():
        lines.append(f"{key:<{key_width}}  {value:<{value_width}}  ({settings.sources[key]})")
    return "\n".join(lines) + "\n"


def settings_as_json(settings: ResolvedSettings) -> str:
    config = settings.config
    document = {
        "config_file": config.display if config else None,
        "settings": {
            item.key: {"value": settings.effective[item.key], "source": settings.sources[item.key]}
            for item in config_file_settings()
        },
    }
    return json.dumps(document, indent=2, default=str, ensure_ascii=False) + "\n"
