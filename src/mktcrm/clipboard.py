"""Put a task's text on the clipboard: the system clipboard, else the terminal's (OSC 52), else say why not.

pyperclip drives whatever the system offers (pbcopy, wl-copy, xclip, xsel, Windows); over SSH or in a
container there is usually none, but a terminal that honours OSC 52 (iTerm2, kitty, WezTerm, tmux with
`set-clipboard on`) copies what it is sent — only when stdout is that terminal, never into a pipe.
"""

from __future__ import annotations

import base64
from typing import IO

from mktcrm.output import is_tty


def copy(text: str, stdout: IO[str]) -> str:
    """Copy `text`; the sentence saying where it went (or why it could not)."""
    import pyperclip

    try:
        pyperclip.copy(text)
        return "Copied to the clipboard."
    except pyperclip.PyperclipException:
        pass
    if is_tty(stdout):
        stdout.write("\033]52;c;" + base64.b64encode(text.encode("utf-8")).decode("ascii") + "\a")
        stdout.flush()
        return "Sent to the terminal's clipboard (OSC 52): paste it if your terminal allows clipboard access."
    return (
        "No clipboard here (no pbcopy, wl-copy, xclip or xsel, and stdout is not a terminal): "
        "copy the text above, or pipe `--json | jq -r .body`."
    )
