"""Test-wide settings: every test, and every notebook kernel nbval starts, runs offline.

The kernels inherit this process's environment, so the notebooks replay with strict
matching, without a key, at a speed that keeps the suite fast (100× the recorded pace).
"""

import os
import sys
from pathlib import Path

os.environ.update(
    {
        "STREAMING_COURSE_MODE": "replay",
        "STREAMING_COURSE_REPLAY_STRICT": "1",
        "ANTHROPIC_API_KEY": "",
        # the venv's commands, for notebook cells such as `!streaming-course chat --help`
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
)
os.environ.setdefault("STREAMING_COURSE_REPLAY_SPEED", "100")
