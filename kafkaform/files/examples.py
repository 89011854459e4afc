"""The example environments kafkaform ships (`environments/` of the source tree).

`kafkaform/_environments` links to the top-level `environments/` folder in a
clone or editable install and is a copy of it in a built wheel, as
`_schemas` is for the schemas: `kafkaform demo` works from any folder.
"""

from __future__ import annotations

from pathlib import Path

from kafkaform.errors import KafkaformError

EXAMPLES = Path(__file__).parent.parent / "_environments"


def example_environment(name: str) -> Path:
    """The shipped example environment `name` (dev, staging, prod)."""
    folder = EXAMPLES / name
    if not (folder / "environment.yaml").is_file():
        shipped = sorted(p.name for p in EXAMPLES.glob("[!_.]*") if p.is_dir())
        raise KafkaformError(f"no example environment {name!r} in {EXAMPLES} "
                             f"(shipped: {', '.join(shipped) or 'none'})")
    return folder
